"""``search_documents()``: find words and phrases in the text of every MOA page.

People ask "which agreements mention the county jail?" or "who else signed
with this field office?": the answer is in the documents' text, not in
ICE's lists. Each match is one page of one document version, with a short
excerpt where the words are marked.

SQLite keeps a copy of the page text in an FTS5 table (``document_fts``,
rowid = page id) that ``rebuild_document_index()`` refills; the document
import calls it, and ``ensure_document_index()`` rebuilds on the first search
after pages changed some other way (a test, a script), so results are never
silently stale. PostgreSQL searches the page table through a GIN expression
index and needs no copy. Both split text into words at every character that
is not a letter or digit, fold case and common accents, and match whole
words, so they find the same pages; phrases in double quotes must appear
word after word. Ranks differ between the two (bm25 against ts_rank_cd) and
only order the results.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tidewatch.documents.models import (
    AgreementDocument,
    Document,
    DocumentField,
    DocumentPage,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_QUERY_CHARS = 200
SNIPPET_WORDS = 24
# Private-use characters mark the matched words in the database's excerpt;
# the excerpt is HTML-escaped first, then they become <mark> tags.
START, STOP = "\ue000", "\ue001"
ELLIPSIS = "…"
# The PostgreSQL index expression, identical to the migration's
# (search/migrations/0002_document_text_index.py), or the index is not used.
ACCENTED = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿ"
PLAIN = "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyy"
PG_VECTOR = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower(translate(text, "
    f"'{ACCENTED}', '{PLAIN}')), '[^[:alnum:]]+', ' ', 'g'))"
)
PG_HEADLINE = (
    f'StartSel="{START}", StopSel="{STOP}", MaxWords={SNIPPET_WORDS}, '
    f'MinWords=10, MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "'
)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"'})


@dataclass(frozen=True)
class AgencyRef:
    """An agency a document belongs to; ``id`` is empty when the name was only
    read in the document (no agreement linked)."""

    id: str
    name: str
    state: str


@dataclass
class DocumentHit:
    """One page of one document where every word and phrase of the query is."""

    document_id: int
    page: int
    file_name: str
    kind: str
    sha256: str
    source_url: str
    agencies: list[AgencyRef] = field(default_factory=list)
    snippet: SafeString = field(default_factory=lambda: mark_safe(""))
    rank: float = 0.0

    @property
    def url(self) -> str:
        """The page in the document's page on this site (active language); the
        archived PDF while the document pages do not exist."""
        try:
            base = reverse("document", args=[self.document_id])
        except NoReverseMatch:
            return reverse("raw-file", args=[self.sha256]) + f"#page={self.page}"
        return f"{base}#page-{self.page}"

    @property
    def file_url(self) -> str:
        return reverse("raw-file", args=[self.sha256])


@dataclass(frozen=True)
class MatchCount:
    pages: int
    documents: int


def fold(text: str) -> list[str]:
    """The words of ``text`` as both indexes store them: accents removed, case
    folded, split at anything but a letter or digit ("Sheriff's" -> sheriff, s)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.findall(r"[a-z0-9]+", text)


def parse_query(text: str) -> list[tuple[str, ...]]:
    """Phrases to find, each a tuple of words that must follow one another.
    Words in "double quotes" form one phrase; any other word is its own phrase
    (a hyphenated word or "287(g)" becomes a short phrase, because the text is
    split there too). Punctuation alone gives nothing; an unclosed quote runs
    to the end."""
    parts = text[:MAX_QUERY_CHARS].translate(_QUOTES).split('"')
    phrases: list[tuple[str, ...]] = []
    for position, part in enumerate(parts):
        chunks = [part] if position % 2 else part.split()
        for chunk in chunks:
            words = tuple(fold(chunk))
            if words and words not in phrases:
                phrases.append(words)
    return phrases


def _fts5_match(phrases: list[tuple[str, ...]]) -> str:
    return " AND ".join('"' + " ".join(words) + '"' for words in phrases)


def _tsquery(phrases: list[tuple[str, ...]]) -> str:
    return " & ".join(
        "(" + " <-> ".join(f"'{word}'" for word in words) + ")" for words in phrases
    )


def search_documents(query: str, limit: int = DEFAULT_LIMIT) -> list[DocumentHit]:
    """Pages containing every word and phrase of ``query``, best first (ties:
    by document, then page). Empty or punctuation-only queries find nothing."""
    phrases = parse_query(query)
    if not phrases:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    vendor = connection.vendor
    if vendor == "sqlite":
        ensure_document_index()
        rows = _sqlite_rows(phrases, limit)
    elif vendor == "postgresql":
        rows = _postgres_rows(phrases, limit)
    else:
        return []
    return _hits(rows)


def count_matches(query: str) -> MatchCount:
    """How many pages, and in how many documents, match (beyond any limit)."""
    phrases = parse_query(query)
    vendor = connection.vendor
    if not phrases or vendor not in ("sqlite", "postgresql"):
        return MatchCount(0, 0)
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            ensure_document_index()
            cursor.execute(
                "SELECT count(*), count(DISTINCT document_id) FROM document_fts "
                "WHERE document_fts MATCH %s",
                [_fts5_match(phrases)],
            )
        else:
            cursor.execute(
                "SELECT count(*), count(DISTINCT document_id) FROM "
                f"documents_documentpage WHERE {PG_VECTOR} @@ "
                "to_tsquery('simple'::regconfig, %s)",
                [_tsquery(phrases)],
            )
        pages, documents = cursor.fetchone()
    return MatchCount(pages, documents)


def _sqlite_rows(phrases: list[tuple[str, ...]], limit: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_id, number, snippet(document_fts, 0, %s, %s, %s, %s), "
            "-bm25(document_fts) AS score FROM document_fts "
            "WHERE document_fts MATCH %s "
            "ORDER BY score DESC, CAST(document_id AS INTEGER), "
            "CAST(number AS INTEGER) "
            "LIMIT %s",
            [START, STOP, ELLIPSIS, SNIPPET_WORDS, _fts5_match(phrases), limit],
        )
        return cursor.fetchall()


def _postgres_rows(phrases: list[tuple[str, ...]], limit: int) -> list[tuple]:
    """Ranked and cut in a subquery, so the excerpt (the costly part) is made
    only for the pages shown."""
    tsquery = _tsquery(phrases)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT page.document_id, page.number, ts_headline('simple'::regconfig, "
            "page.text, to_tsquery('simple'::regconfig, %s), %s), found.rank "
            "FROM (SELECT id, document_id, number, ts_rank_cd("
            f"{PG_VECTOR}, to_tsquery('simple'::regconfig, %s)) AS rank "
            f"FROM documents_documentpage WHERE {PG_VECTOR} @@ "
            "to_tsquery('simple'::regconfig, %s) "
            "ORDER BY rank DESC, document_id, number LIMIT %s) AS found "
            "JOIN documents_documentpage AS page ON page.id = found.id "
            "ORDER BY found.rank DESC, found.document_id, found.number",
            [tsquery, PG_HEADLINE, tsquery, tsquery, limit],
        )
        return cursor.fetchall()


def highlight(excerpt: str) -> SafeString:
    """The database's excerpt as safe HTML: text escaped, whitespace runs made
    one space, the marked words wrapped in <mark> (adjacent ones together)."""
    text = escape(" ".join(excerpt.split()))
    if text.count(START) != text.count(STOP):  # the markers were in the text
        text = text.replace(START, "").replace(STOP, "")
    # FTS5 marks a phrase whole, PostgreSQL word by word: mark runs of words whole.
    text = text.replace(f"{STOP} {START}", " ")
    return mark_safe(text.replace(START, "<mark>").replace(STOP, "</mark>"))


def _hits(rows: list[tuple]) -> list[DocumentHit]:
    ids = {int(row[0]) for row in rows}
    documents = Document.objects.filter(id__in=ids).select_related("raw_file")
    by_id = {document.id: document for document in documents}
    agencies = _agencies(ids)
    hits = []
    for document_id, number, excerpt, rank in rows:
        document = by_id.get(int(document_id))
        if document is None:  # removed since the index was read
            continue
        hits.append(
            DocumentHit(
                document_id=document.id,
                page=int(number),
                file_name=document.file_name,
                kind=document.kind,
                sha256=document.raw_file.sha256,
                source_url=document.source_url,
                agencies=agencies.get(document.id, []),
                snippet=highlight(excerpt or ""),
                rank=round(float(rank or 0), 4),
            )
        )
    return hits


def _agencies(ids: set[int]) -> dict[int, list[AgencyRef]]:
    """The agencies of the agreements each document is linked to; for a
    document linked to none, the agency named in it (if it was read)."""
    found: dict[int, list[AgencyRef]] = defaultdict(list)
    links = (
        AgreementDocument.objects.filter(document_id__in=ids)
        .select_related("agreement__agency")
        .order_by("agreement__agency__name")
    )
    for link in links:
        agency = link.agreement.agency
        ref = AgencyRef(agency.id, agency.name, agency.state)
        if ref not in found[link.document_id]:
            found[link.document_id].append(ref)
    unlinked = ids - set(found)
    for document_id, value in (
        DocumentField.objects.filter(document_id__in=unlinked, name="agency")
        .exclude(value="")
        .values_list("document_id", "value")
    ):
        found[document_id].append(AgencyRef("", value, ""))
    return dict(found)


# -- keeping the SQLite copy current ---------------------------------------------


def document_stamp() -> str:
    """What the SQLite copy depends on, read cheaply: page ids only grow
    (AUTOINCREMENT), so any added or removed page changes the count or the
    highest id."""
    pages = DocumentPage.objects.aggregate(n=Count("id"), last=Max("id"))
    return f"{pages['n'] or 0}:{pages['last'] or 0}"


def rebuild_document_index() -> int:
    """Refill the SQLite copy of every page's text in one transaction; returns
    the number of pages. On PostgreSQL the index follows the table by itself,
    so this only counts."""
    if connection.vendor != "sqlite":
        return DocumentPage.objects.count()
    with transaction.atomic(), connection.cursor() as cursor:
        current = document_stamp()
        cursor.execute("DELETE FROM document_fts")
        cursor.execute(
            "INSERT INTO document_fts(rowid, text, document_id, number) "
            "SELECT id, text, document_id, number FROM documents_documentpage"
        )
        cursor.execute("SELECT count(*) FROM documents_documentpage")
        (pages,) = cursor.fetchone()
        cursor.execute("DELETE FROM document_fts_state")
        cursor.execute(
            "INSERT INTO document_fts_state(id, stamp, pages) VALUES (1, %s, %s)",
            [current, pages],
        )
    return pages


def ensure_document_index() -> bool:
    """Rebuild the SQLite copy if pages changed since it was built; True when
    it is current. A database that cannot be written (a read-only copy) keeps
    the copy it has."""
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT stamp FROM document_fts_state WHERE id = 1")
        row = cursor.fetchone()
    if row is not None and row[0] == document_stamp():
        return True
    try:
        rebuild_document_index()
    except DatabaseError:
        return False
    return True
