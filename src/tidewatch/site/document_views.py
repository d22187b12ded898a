"""Agreement document pages and the diff between two versions.

A document page shows what was read in one PDF (each value with the page it
came from, or why it is missing), the PDF itself (archived copy and ICE's
address) and the text of every page, saying which pages were read by OCR and
may hold reading errors. Versions are the other Documents at the same ICE
address or of the same agreement (a renewal has a new address); any two can
be compared line by line.

What the place pages show of each agreement's documents is in
``site.document_slots``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tidewatch.agreements.models import Agreement
from tidewatch.documents.models import Document, DocumentField
from tidewatch.documents.signatories import iso_date
from tidewatch.site.queries import MODEL_LABELS

# Field names (tidewatch.pipeline.moa_fields) in reading order, with labels.
FIELD_LABELS = {
    "model": _("287(g) model"),
    "document_type": _("Kind of document"),
    "agency": _("Agency named in the document"),
    "state": _("State"),
    "lea_signatory_name": _("Signed for the local agency by"),
    "lea_signatory_title": _("Title of the local signatory"),
    "lea_signed_date": _("Date of the local signature"),
    "ice_official_name": _("Signed for ICE by"),
    "ice_official_title": _("Title of the ICE official"),
    "ice_signed_date": _("Date of ICE's signature"),
    "field_office": _("ICE field office"),
    "lea_contact": _("Local point of contact"),
    "ice_contact": _("ICE point of contact"),
    "duration": pgettext_lazy("document", "Duration"),
    "termination": pgettext_lazy("document", "Termination"),
}
DATE_FIELDS = {"lea_signed_date", "ice_signed_date"}
KIND_LABELS = {
    Document.MOA: _("Memorandum of Agreement (MOA)"),
    Document.ADDENDUM: _("Addendum"),
}
TYPE_LABELS = {
    "agreement": pgettext_lazy("document", "agreement"),
    "addendum": _("addendum"),
    "renewal": _("renewal"),
}
# The reader's confidence (0..1, docs/sources/ice_moa_pdfs.md) in words; a
# value taken only from ICE's file name (0.5) reads "medium".
CONFIDENCE_WORDS = (
    (0.8, pgettext_lazy("confidence", "high")),
    (0.5, pgettext_lazy("confidence", "medium")),
    (0.0, pgettext_lazy("confidence", "low")),
)
VERSION_ORDER = ("raw_file__first_observed_at", "read_at", "id")
CONTEXT = 2  # unchanged lines shown around each change of a diff
MAX_WORD_PAIRS = 4_000_000  # larger changed blocks: whole lines marked


def confidence_word(confidence: float) -> str:
    return next(str(word) for bound, word in CONFIDENCE_WORDS if confidence >= bound)


def shown_value(name: str, value: str) -> Any:
    """A field's value as a reader wants it: a date, a model's name, a word."""
    if name in DATE_FIELDS:
        return iso_date(value) or value
    if name == "model" and value in MODEL_LABELS:
        return f"{MODEL_LABELS[value]} ({value})"
    if name == "document_type":
        return TYPE_LABELS.get(value, value)
    if name == "termination":
        return reader_text(value)[0]  # the reader's own summary, not a quote
    return value


def reader_text(text: str) -> tuple[str, str]:
    """A note (or a value) the document reader wrote, in the page's language
    when it is one of the reader's fixed phrases (marked N_ in
    pipeline.moa_fields and moa_signatures), and the language it is in."""
    if not text:
        return "", ""
    shown = gettext(text)
    return shown, "" if shown != text or get_language() == "en" else "en"


def field_rows(fields: Iterable[DocumentField]) -> list[dict[str, Any]]:
    """The document's fields in reading order, labelled, for the page's table."""
    order = {name: i for i, name in enumerate(FIELD_LABELS)}
    rows = []
    for field in sorted(fields, key=lambda f: (order.get(f.name, len(order)), f.name)):
        note, note_lang = reader_text(field.note)
        rows.append(
            {
                "name": field.name,
                "label": FIELD_LABELS.get(field.name, field.name),
                "value": shown_value(field.name, field.value) if field.value else "",
                "is_date": field.name in DATE_FIELDS and iso_date(field.value),
                "note": note,
                "note_lang": note_lang,
                "page": field.page,
                "confidence": confidence_word(field.confidence),
            }
        )
    return rows


def versions_of(document: Document) -> list[Document]:
    """Every version of the document's file (same ICE address), oldest first."""
    if not document.source_url:
        return [document]
    return list(
        Document.objects.filter(source_url=document.source_url)
        .select_related("raw_file")
        .order_by(*VERSION_ORDER)
    )


def diff_link(one: Document, other: Document) -> str:
    """The diff's address, older version first (one page per pair)."""
    first, second = sorted((one, other), key=age)
    return reverse("document-diff", args=[first.pk, second.pk])


def age(document: Document) -> tuple:
    return (document.raw_file.first_observed_at, document.read_at, document.pk)


def document_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One document: what was read in it, where, its versions and its text."""
    document = get_object_or_404(Document.objects.select_related("raw_file"), pk=pk)
    agreements = list(
        Agreement.objects.filter(document_links__document=document)
        .select_related("agency")
        .order_by("agency__name", "model")
    )
    fields = document.fields.all()
    found = {f.name: f.value for f in fields}
    versions = versions_of(document)
    related = (
        Document.objects.filter(
            Q(agreement_links__agreement__in=agreements)
            | (Q(source_url=document.source_url) & ~Q(source_url=""))
        )
        .exclude(pk=document.pk)
        .select_related("raw_file")
        .distinct()
    )
    first = agreements[0] if agreements else None
    model = first.model if first else found.get("model", "")
    context = {
        "document": document,
        "agency": first.agency.name if first else found.get("agency", ""),
        "model_label": MODEL_LABELS.get(model, model),
        "kind_label": KIND_LABELS.get(document.kind, document.kind),
        "version": versions.index(document) + 1,
        "version_count": len(versions),
        "fields": field_rows(fields),
        "pages": document.pages.all(),
        "agreements": [
            {"agreement": a, "model_label": MODEL_LABELS.get(a.model, a.model)}
            for a in agreements
        ],
        "others": [
            {
                "document": other,
                "kind_label": KIND_LABELS.get(other.kind, other.kind),
                "same_file": bool(other.source_url)
                and other.source_url == document.source_url,
                "diff": diff_link(document, other),
            }
            for other in sorted(related, key=age)
        ],
    }
    return render(request, "site/document.html", context)


# -- the diff --------------------------------------------------------------------


def text_lines(document: Document) -> list[tuple[int, str]]:
    """(page, line) of the document's text, white space tidied, blank lines
    dropped: two readings of the same page differ in spacing, not in words."""
    lines = []
    for page in document.pages.all():
        for raw in page.text.splitlines():
            text = " ".join(raw.split())
            if text:
                lines.append((page.number, text))
    return lines


def _same(old: tuple[int, str], new: tuple[int, str]) -> dict[str, Any]:
    return {"kind": "same", "old": old[0], "new": new[0], "parts": [(False, new[1])]}


def _marked_words(
    old: Sequence[str], new: Sequence[str]
) -> tuple[list[list[tuple[bool, str]]], list[list[tuple[bool, str]]]]:
    """Each line of a changed block as parts (changed?, text): the words not
    in the other block are marked, so a clause that only wrapped differently
    shows no mark and a changed name shows only the name."""
    words = [
        [(k, w) for k, line in enumerate(lines) for w in line.split(" ")]
        for lines in (old, new)
    ]
    changed = [[True] * len(words[0]), [True] * len(words[1])]
    if len(words[0]) * len(words[1]) <= MAX_WORD_PAIRS:
        matcher = difflib.SequenceMatcher(
            None, [w for _, w in words[0]], [w for _, w in words[1]], autojunk=False
        )
        for a, b, size in matcher.get_matching_blocks():
            changed[0][a : a + size] = [False] * size
            changed[1][b : b + size] = [False] * size
    result: tuple[list, list] = ([[] for _ in old], [[] for _ in new])
    for side in (0, 1):
        for (line, word), mark in zip(words[side], changed[side], strict=True):
            parts = result[side][line]
            if parts and parts[-1][0] == mark:
                parts[-1] = (mark, f"{parts[-1][1]} {word}")
            else:
                parts.append((mark, word))
    return result


def diff_rows(
    old: Sequence[tuple[int, str]], new: Sequence[tuple[int, str]]
) -> list[dict[str, Any]]:
    """Rows of a line diff: ``same``, ``removed``, ``added``, or ``skip``
    (a run of unchanged lines, collapsed to its count), with each line's
    page in the older and newer version and its text as parts (changed?,
    text)."""
    matcher = difflib.SequenceMatcher(
        None, [t for _, t in old], [t for _, t in new], autojunk=False
    )
    codes = matcher.get_opcodes()
    rows: list[dict[str, Any]] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag == "equal":
            keep = [(i1 + k, j1 + k) for k in range(i2 - i1)]
            head = keep[:CONTEXT] if n > 0 else []
            tail = keep[-CONTEXT:] if n < len(codes) - 1 else []
            skipped = len(keep) - len(head) - len(tail)
            if skipped <= CONTEXT:  # a short run reads faster than its count
                head, tail, skipped = keep, [], 0
            for i, j in head:
                rows.append(_same(old[i], new[j]))
            if skipped:
                rows.append({"kind": "skip", "count": skipped})
            for i, j in tail:
                rows.append(_same(old[i], new[j]))
            continue
        removed, added = _marked_words(
            [t for _, t in old[i1:i2]], [t for _, t in new[j1:j2]]
        )
        for i, parts in zip(range(i1, i2), removed, strict=True):
            rows.append({"kind": "removed", "old": old[i][0], "parts": parts})
        for j, parts in zip(range(j1, j2), added, strict=True):
            rows.append({"kind": "added", "new": new[j][0], "parts": parts})
    return rows


def document_diff(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """What changed between two documents (two versions, or an MOA and its
    renewal), older first: the text line by line, and the fields."""
    if pk == other:
        raise Http404("a document compared with itself")
    found = {
        d.pk: d
        for d in Document.objects.select_related("raw_file").filter(pk__in=[pk, other])
    }
    if len(found) != 2:
        raise Http404("no such document")
    older, newer = sorted(found.values(), key=age)
    rows = diff_rows(text_lines(older), text_lines(newer))
    before = {f.name: f.value for f in older.fields.all()}
    after = {f.name: f.value for f in newer.fields.all()}
    names = [n for n in FIELD_LABELS if n in before or n in after]
    names += sorted((set(before) | set(after)) - set(FIELD_LABELS))
    changed = [
        {
            "label": FIELD_LABELS.get(name, name),
            "old": shown_value(name, before.get(name, "")),
            "new": shown_value(name, after.get(name, "")),
        }
        for name in names
        if before.get(name, "") != after.get(name, "")
    ]
    context = {
        "older": older,
        "newer": newer,
        "older_kind": KIND_LABELS.get(older.kind, older.kind),
        "newer_kind": KIND_LABELS.get(newer.kind, newer.kind),
        "rows": rows,
        "added": sum(r["kind"] == "added" for r in rows),
        "removed": sum(r["kind"] == "removed" for r in rows),
        "changed": changed,
    }
    return render(request, "site/document_diff.html", context)
