"""The document text search page: matching pages grouped per document."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tidewatch.search.document_search import (
    DEFAULT_LIMIT,
    MAX_QUERY_CHARS,
    AgencyRef,
    DocumentHit,
    MatchCount,
    count_matches,
    parse_query,
    search_documents,
)


@dataclass
class DocumentGroup:
    """The matching pages of one document, in page order."""

    first: DocumentHit
    hits: list[DocumentHit] = field(default_factory=list)

    @property
    def agencies(self) -> list[AgencyRef]:
        return self.first.agencies


def group_hits(hits: list[DocumentHit]) -> list[DocumentGroup]:
    """One group per document, the document with the best page first."""
    groups: dict[int, DocumentGroup] = {}
    for hit in hits:  # best first
        groups.setdefault(hit.document_id, DocumentGroup(hit)).hits.append(hit)
    for group in groups.values():
        group.hits.sort(key=lambda hit: hit.page)
    return list(groups.values())


def document_search_page(request: HttpRequest) -> HttpResponse:
    """Words and "quoted phrases" in the text of every agreement document.
    A query over the length limit is refused (400) rather than cut, so no
    one reads results for words they did not ask for."""
    query = request.GET.get("q", "").strip()
    error = ""
    status = 200
    hits: list[DocumentHit] = []
    total = MatchCount(0, 0)
    if len(query) > MAX_QUERY_CHARS:
        error = _(
            "That search is too long: use at most %(limit)d characters "
            "(a few words or a short phrase)."
        ) % {"limit": MAX_QUERY_CHARS}
        status = 400
    elif query and not parse_query(query):
        error = _(
            "Type at least one word or number: punctuation alone cannot be searched."
        )
    elif query:
        hits = search_documents(query, limit=DEFAULT_LIMIT)
        total = count_matches(query) if hits else total
    context = {
        "doc_query": query,  # kept whole, to be shortened in the box
        "error": error,
        "groups": group_hits(hits),
        "shown": len(hits),
        "total": total,
        "max_chars": MAX_QUERY_CHARS,
    }
    return render(request, "search/document_search.html", context, status=status)
