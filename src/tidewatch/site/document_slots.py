"""The "Documents" slot of the state, county, city and agency pages.

For each agreement in scope: the documents on file (each with who signed it
for the agency and for ICE, and the page that says so), and "N of M on file"
against the distinct MOA and addendum addresses its listings gave. The slot
is drawn on every county page of the nation by ``tidewatch build-site``, so
its data is read in four queries once per data version (``document_index``)
and each page only picks its agreements' entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from tidewatch.agreements.models import Listing
from tidewatch.documents.models import AgreementDocument, Document, DocumentField
from tidewatch.documents.signatories import iso_date
from tidewatch.site import caching
from tidewatch.site.document_views import KIND_LABELS, age, reader_text

# The signature blocks the slot shows: label, then name/title/date fields.
SIGNERS = (
    (
        _("Signed for the agency by"),
        ("lea_signatory_name", "lea_signatory_title", "lea_signed_date"),
    ),
    (
        _("Signed for ICE by"),
        ("ice_official_name", "ice_official_title", "ice_signed_date"),
    ),
)


@dataclass
class DocumentIndex:
    """Each agreement's documents as the slot shows them, the ICE addresses
    with a document on file, and the addresses each agreement's listings
    gave (its MOA and addenda, every version of the lists)."""

    by_agreement: dict[str, list[dict[str, Any]]]
    on_file: set[str]
    listed: dict[str, set[str]]


def _signers(fields: dict[str, DocumentField]) -> list[dict[str, Any]]:
    signers = []
    for label, (name, title, day) in SIGNERS:
        who, what, when = fields.get(name), fields.get(title), fields.get(day)
        signers.append(
            {
                "label": label,
                "name": who.value if who else "",
                # In English: the index is built once for both languages;
                # the slot template translates it with reader_text.
                "note": who.note if who else "",
                "page": who.page if who and who.value else None,
                "title": what.value if what else "",
                "date": iso_date(when.value) if when else None,
            }
        )
    return signers


def document_index() -> DocumentIndex:
    """Built once per data version, in four queries."""

    def build() -> DocumentIndex:
        documents = list(Document.objects.select_related("raw_file").order_by())
        documents.sort(key=age)
        versions: dict[str, list[int]] = defaultdict(list)
        for document in documents:
            if document.source_url:
                versions[document.source_url].append(document.pk)
        fields: dict[int, dict[str, DocumentField]] = defaultdict(dict)
        names = [name for _, group in SIGNERS for name in group]
        for field in DocumentField.objects.filter(name__in=names).order_by():
            fields[field.document_id][field.name] = field
        shown = {}
        for document in documents:
            same = versions.get(document.source_url, [document.pk])
            shown[document.pk] = {
                "id": document.pk,
                "kind": document.kind,
                "kind_label": KIND_LABELS.get(document.kind, document.kind),
                "version": same.index(document.pk) + 1,
                "versions": len(same),
                "signers": _signers(fields.get(document.pk, {})),
            }
        by_agreement: dict[str, list[dict[str, Any]]] = defaultdict(list)
        links = AgreementDocument.objects.order_by().values_list(
            "agreement_id", "document_id"
        )
        for agreement_id, document_id in links:
            by_agreement[agreement_id].append(shown[document_id])
        order = {pk: n for n, pk in enumerate(shown)}
        for found in by_agreement.values():
            found.sort(key=lambda d: (d["kind"] != Document.MOA, order[d["id"]]))
        listed: dict[str, set[str]] = defaultdict(set)
        urls = (
            Listing.objects.exclude(moa_url="", addendum_url="")
            .order_by()
            .values_list("agreement_id", "moa_url", "addendum_url")
            .distinct()
        )
        for agreement_id, *addresses in urls:
            listed[agreement_id].update(a for a in addresses if a)
        return DocumentIndex(dict(by_agreement), set(versions), dict(listed))

    return caching.per_data_version("document-index", build)


def _in_language(document: dict[str, Any]) -> dict[str, Any]:
    """A document's entry with the reader's notes in the page's language."""
    signers = []
    for who in document["signers"]:
        note, lang = reader_text(who["note"])
        signers.append({**who, "note": note, "note_lang": lang})
    return {**document, "signers": signers}


def slot_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scope's agreement rows that have a document on file or a link on
    ICE's lists, each with its documents and "N of M on file" (M: the
    distinct MOA and addendum addresses its listings gave)."""
    index = document_index()
    result = []
    for row in rows:
        files = [
            _in_language(found)
            for found in index.by_agreement.get(row["agreement_id"], [])
        ]
        listed = index.listed.get(row["agreement_id"], set())
        if files or listed or row["moa_url"] or row["addendum_url"]:
            result.append(
                {
                    **row,
                    "files": files,
                    "listed_count": len(listed),
                    "on_file_count": len(listed & index.on_file),
                }
            )
    return result
