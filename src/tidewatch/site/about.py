"""The About and methods page: sources, how dates, identities and places are
derived, ICE's data problems counted in this database, and the last runs.

The prose summarises docs/methods.md and docs/sources/ice_287g.md; the
numbers are counted here from the tables, so the page says what this copy of
the data actually holds rather than what it held when the docs were written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tidewatch.agreements import reports
from tidewatch.agreements.models import Agency, AgencyAlias, Listing
from tidewatch.places.models import AgencyPlace, PlaceDecision
from tidewatch.publications.models import (
    ImportRun,
    Publication,
    RawFile,
    RejectedRow,
)

# Match statuses of places decided with confidence (tidewatch.places.service).
CONFIDENT_PLACES = ("ice_county", "name", "alias", "manual")
RECENT_RUNS = 5
# Publication.as_of_rule (pipeline/dating.py) and ImportRun.status, in words.
DATING_RULES = {
    "given with --as-of": _("given by hand (--as-of)"),
    "date in ICE's file name": _("date in ICE's file name"),
    "date in ICE's file name, year corrected": _(
        "date in ICE's file name, year corrected"
    ),
    "Wayback Machine capture time in the file name": _("Wayback Machine capture time"),
    "first observed": _("day the file was first seen"),
}
RUN_STATUS = {
    ImportRun.OK: _("completed"),
    ImportRun.REFUSED: _("completed; some files or downloads were refused"),
    ImportRun.INTERRUPTED: _("interrupted before it finished"),
}


@dataclass
class DataProblems:
    """ICE's data problems, counted in the lists loaded here."""

    refused_files: list[RawFile]
    hidden_rows: int
    lists_with_hidden_rows: int
    duplicate_rows: int
    rejected_rows: int
    year_corrected: list[Publication]
    undated_names: list[Publication]
    signed_repaired: int
    signed_unreadable: int
    respelled_agencies: int
    fuzzy_aliases: int
    moa_aliases: int
    places_to_review: int
    place_decisions: int


def publications():
    """Every list, oldest first, without its stored rows (large JSON)."""
    return (
        Publication.objects.select_related("raw_file")
        .defer("records", "header")
        .order_by("as_of", "kind", "observed_at")
    )


def data_problems() -> DataProblems:
    """Count each known problem of ICE's files in this database."""
    totals = Publication.objects.aggregate(
        hidden=Sum("hidden_row_count"),
        duplicates=Sum("duplicate_row_count"),
        hidden_lists=Count("id", filter=Q(hidden_row_count__gt=0)),
    )
    notes = Listing.objects.exclude(signed_note="").exclude(signed_note="blank")
    repaired = Q(signed_note__startswith="repaired") | Q(
        signed_note__contains="repaired to"
    )
    lists = publications()
    return DataProblems(
        refused_files=list(
            RawFile.objects.filter(status=RawFile.REJECTED).prefetch_related(
                "observations"
            )
        ),
        hidden_rows=totals["hidden"] or 0,
        lists_with_hidden_rows=totals["hidden_lists"] or 0,
        duplicate_rows=totals["duplicates"] or 0,
        rejected_rows=RejectedRow.objects.count(),
        year_corrected=list(lists.filter(as_of_rule__contains="year corrected")),
        undated_names=list(
            lists.exclude(as_of_rule__startswith="date in ICE's file name")
            .exclude(as_of_rule__startswith="Wayback")
            .exclude(as_of_rule__startswith="given with")
        ),
        signed_repaired=notes.filter(repaired).count(),
        signed_unreadable=notes.exclude(repaired)
        .filter(
            Q(signed_note__startswith="unreadable")
            | Q(signed_note__startswith="impossible year")
        )
        .count(),
        respelled_agencies=Agency.objects.annotate(n=Count("aliases"))
        .filter(n__gt=1)
        .count(),
        fuzzy_aliases=AgencyAlias.objects.filter(match__startswith="fuzzy").count(),
        moa_aliases=AgencyAlias.objects.filter(match="moa").count(),
        places_to_review=AgencyPlace.objects.exclude(
            match_status__in=CONFIDENT_PLACES
        ).count(),
        place_decisions=PlaceDecision.objects.values("agency_id").distinct().count(),
    )


def refused_name(raw: RawFile) -> str:
    """The name a refused file arrived under (its first sighting)."""
    observations = list(raw.observations.all())
    return observations[0].original_name if observations else raw.sha256[:12]


def about_page(request: HttpRequest) -> HttpResponse:
    """Sources, methods, data problems and the last runs, in plain words."""
    problems = data_problems()
    runs = list(ImportRun.objects.exclude(status=ImportRun.RUNNING)[:RECENT_RUNS])
    context: dict[str, Any] = {
        "edition": reports.edition(),
        "publications": [
            (pub, DATING_RULES.get(pub.as_of_rule, pub.as_of_rule))
            for pub in publications()
        ],
        "problems": problems,
        "refused": [(refused_name(raw), raw) for raw in problems.refused_files],
        "last_run": runs[0] if runs else None,
        "runs": [(run, RUN_STATUS.get(run.status, run.status)) for run in runs],
        "last_sync": ImportRun.objects.filter(command="sync")
        .exclude(status=ImportRun.RUNNING)
        .first(),
        "agency_count": Agency.objects.count(),
    }
    return render(request, "site/about.html", context)
