"""Which agreement a document belongs to.

In order: the list link it was downloaded from; else the link whose file name
it carries (``ALABAMA__<ICE's name>.pdf`` counts); else the agency, state and
model read in it, when they match exactly one agreement, or when the
signature dates read in it pick one out (``closest_by_date``). Every link records
how it was made (``AgreementDocument.how``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from tidewatch.agreements.models import Agency, AgencyAlias, Agreement, Listing
from tidewatch.documents.models import AgreementDocument, Document
from tidewatch.pipeline.cells import agency_key, link_file_name


def linked_urls() -> dict[str, str]:
    """Every document address the lists have linked: URL -> "moa"/"addendum"."""
    urls: dict[str, str] = {}
    for moa, addendum in Listing.objects.values_list("moa_url", "addendum_url"):
        if moa:
            urls.setdefault(moa, Document.MOA)
        if addendum:
            urls.setdefault(addendum, Document.ADDENDUM)
    return dict(sorted(urls.items()))


def link_agreements(
    document: Document, file_names: Mapping[str, str] | None = None
) -> list[AgreementDocument]:
    """Tie a document to the agreements whose lists link it: by its address,
    else by the address's file name (``file_names``: ``urls_by_file_name()``,
    read here when not given), else by the agency, state and model read in
    it. Returns the links (existing ones included)."""
    found: dict[str, str] = {}
    if document.source_url:
        for agreement_id in _agreements_linking(document.source_url):
            found.setdefault(agreement_id, AgreementDocument.BY_URL)
    if not found:
        url = url_for_file_name(document.file_name, file_names)
        if url:
            for agreement_id in _agreements_linking(url):
                found.setdefault(agreement_id, AgreementDocument.BY_FILE_NAME)
            if not document.source_url:
                document.source_url = url
                document.save(update_fields=["source_url"])
    if not found:
        agreement_id = _agreement_by_content(document)
        if agreement_id:
            found[agreement_id] = AgreementDocument.BY_CONTENT
    links = []
    for agreement_id, how in found.items():
        link, _ = AgreementDocument.objects.get_or_create(
            agreement_id=agreement_id, document=document, defaults={"how": how}
        )
        links.append(link)
    return links


def _agreements_linking(url: str) -> list[str]:
    ids = Listing.objects.filter(moa_url=url).values_list("agreement_id", flat=True)
    more = Listing.objects.filter(addendum_url=url).values_list(
        "agreement_id", flat=True
    )
    return sorted(set(ids) | set(more))


def url_for_file_name(file_name: str, by_name: Mapping[str, str] | None = None) -> str:
    """The list link whose file name this file carries: the same name, or the
    name after a folder prefix ("ALABAMA__<ICE's name>.pdf")."""
    wanted = file_name.rsplit("/", 1)[-1]
    candidates = {wanted, wanted.split("__", 1)[-1]}
    if by_name is None:
        by_name = urls_by_file_name()
    for candidate in candidates:
        if candidate in by_name:
            return by_name[candidate]
    return ""


def urls_by_file_name() -> dict[str, str]:
    """Every linked document address by its file name (the first address for
    a name two addresses share)."""
    names: dict[str, str] = {}
    for url in linked_urls():
        name = link_file_name(url)
        if name:
            names.setdefault(name, url)
    return names


def _agreement_by_content(document: Document) -> str:
    fields = {f.name: f.value for f in document.fields.all()}
    agency, state, model = (
        fields.get("agency"),
        fields.get("state"),
        fields.get("model"),
    )
    if not (agency and state and model):
        return ""
    key = agency_key(agency)
    agency_ids = set(
        AgencyAlias.objects.filter(state=state, name_key=key).values_list(
            "agency_id", flat=True
        )
    ) | set(
        Agency.objects.filter(state=state, name_key=key).values_list("id", flat=True)
    )
    matches = list(
        Agreement.objects.filter(agency_id__in=agency_ids, model=model).values_list(
            "id", "signed_date"
        )
    )
    signed = [
        day
        for day in (
            _day(fields.get("lea_signed_date")),
            _day(fields.get("ice_signed_date")),
        )
        if day
    ]
    return closest_by_date(matches, signed)


def closest_by_date(
    matches: list[tuple[str, date | None]], signed: list[date], days: int = 14
) -> str:
    """The one agreement among ``matches`` (id, ICE's signing date) that the
    document's signature dates point to: the only match, else the only one
    ICE dated within ``days`` of a signature. Empty when it stays unclear."""
    if len(matches) == 1:
        return matches[0][0]
    near = [
        agreement_id
        for agreement_id, day in matches
        if day and any(abs((day - when).days) <= days for when in signed)
    ]
    return near[0] if len(near) == 1 else ""


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def linked_text(links: list[AgreementDocument]) -> str:
    if not links:
        return "not linked to an agreement (no list links it; agency not matched)"
    return "linked to " + ", ".join(
        f"{link.agreement_id} (by {link.how})" for link in links
    )
