"""`tidewatch rebuild`: derive agencies, agreements and history again.

Without ``reread`` it replays the stored records of every publication (for
instance after a change to the identity or event rules). With ``reread`` it
first reads every archived workbook again with the current parser and
normaliser, so a parser fix reaches lists loaded before it. Either way the
work is one transaction: on any error nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from tidewatch.pipeline import archive, load
from tidewatch.pipeline.errors import FileRejected
from tidewatch.pipeline.importer import read_workbook, sandbox_limits
from tidewatch.pipeline.normalise import AgreementRecord
from tidewatch.pipeline.sandbox import SandboxPool
from tidewatch.publications.models import Publication
from tidewatch.publications.models import RejectedRow as RejectedRowModel


@dataclass
class RebuildReport:
    publications: int = 0
    reread: int = 0
    agreements: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def rebuild(*, reread: bool = False, workers: int = 2) -> RebuildReport:
    """Rebuild the derived tables; see the module docstring."""
    report = RebuildReport()
    fresh = {}
    if reread:
        publications = {
            p.raw_file.sha256: p
            for p in Publication.objects.select_related("raw_file").defer("records")
        }
        items = [
            (sha, archive.stored_file(p.raw_file)) for sha, p in publications.items()
        ]
        pool = SandboxPool(workers=workers, limits=sandbox_limits())
        for sha, result in pool.map(read_workbook, items):
            name = publications[sha].name
            if isinstance(result, FileRejected):
                report.problems.append(
                    f"{name}: {result.reason}; its stored rows are kept"
                )
            elif result.kind != publications[sha].kind:
                report.problems.append(
                    f"{name}: now reads as a {result.kind} list; "
                    "its stored rows are kept"
                )
            else:
                fresh[sha] = (publications[sha], result)
    with transaction.atomic():
        load._lock()
        for publication, result in fresh.values():
            publication.records = AgreementRecord.table(result.records)
            publication.row_count = result.row_count
            publication.reject_count = len(result.rejects)
            publication.header_code = result.header_code
            publication.save(
                update_fields=["records", "row_count", "reject_count", "header_code"]
            )
            RejectedRowModel.objects.filter(publication=publication).delete()
            load.write_rejects(publication.id, result.rejects)
        registry, by_publication = load.rebuild()
        for publication_id, (listings, _events) in by_publication.items():
            Publication.objects.filter(pk=publication_id).update(
                agreement_count=len(listings),
                duplicate_row_count=sum(len(item.duplicates) for item in listings),
            )
    report.publications = len(by_publication)
    report.reread = len(fresh)
    report.agreements = len(registry.agreements)
    report.events = sum(len(events) for _listings, events in by_publication.values())
    return report
