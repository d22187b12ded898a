"""Who signed each agreement for the local agency, as read in its MOA.

The agreements export, the API and the site's downloads carry three columns
(``SIGNATORY_COLUMNS``) read from the *newest* MOA linked to the agreement:
the one with the latest signature date read in it (a renewal is signed after
the agreement it renews), then the one Tidewatch saw last (a newer version
of the same file). Addenda are not MOAs: they change terms, and who signed
an addendum is not who committed the agency.

Like ``county_fips``, these are the current reading of the documents on
file, not "as of" a past list: a document read today says who signed then.
Two queries, whatever the number of agreements.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from tidewatch.documents.models import AgreementDocument, Document, DocumentField

SIGNATORY_COLUMNS = ("moa_signatory_name", "moa_signatory_title", "moa_signed_date")
# DocumentField name -> export column.
COLUMN_OF = {
    "lea_signatory_name": "moa_signatory_name",
    "lea_signatory_title": "moa_signatory_title",
    "lea_signed_date": "moa_signed_date",
}
DATE_FIELDS = ("lea_signed_date", "ice_signed_date")


def empty() -> dict[str, Any]:
    """The columns of an agreement with no MOA on file (or nothing read)."""
    return dict.fromkeys(SIGNATORY_COLUMNS, "") | {"moa_signed_date": None}


def iso_date(value: str) -> date | None:
    """A field's ``yyyy-mm-dd`` value as a date; None when empty or not a date."""
    try:
        return date.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def newest_moa_signatories(
    agreement_ids: Iterable[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Agreement id -> ``SIGNATORY_COLUMNS`` from its newest MOA, for the
    agreements (None: all) that have an MOA on file."""
    links = AgreementDocument.objects.filter(document__kind=Document.MOA)
    if agreement_ids is not None:
        links = links.filter(agreement_id__in=list(agreement_ids))
    linked = list(
        links.values_list(
            "agreement_id",
            "document_id",
            "document__raw_file__first_observed_at",
            "document__read_at",
        )
    )
    if not linked:
        return {}
    values: dict[int, dict[str, str]] = {}
    fields = DocumentField.objects.filter(
        document_id__in={row[1] for row in linked},
        name__in=[*COLUMN_OF, "ice_signed_date"],
    ).values_list("document_id", "name", "value")
    for document_id, name, value in fields:
        values.setdefault(document_id, {})[name] = value

    def age(row: tuple) -> tuple:
        found = values.get(row[1], {})
        days = [iso_date(found.get(name, "")) for name in DATE_FIELDS]
        signed = max((d for d in days if d), default=date.min)
        return (signed, row[2], row[3], row[1])

    newest: dict[str, tuple] = {}
    for row in linked:
        if row[0] not in newest or age(row) > age(newest[row[0]]):
            newest[row[0]] = row
    result = {}
    for agreement_id, row in newest.items():
        found = values.get(row[1], {})
        result[agreement_id] = {
            "moa_signatory_name": found.get("lea_signatory_name", ""),
            "moa_signatory_title": found.get("lea_signatory_title", ""),
            "moa_signed_date": iso_date(found.get("lea_signed_date", "")),
        }
    return result
