"""Agreements in force by model on each of ICE's participating lists.

The charts on the home, state, county and city pages draw these points. A
point is one participating list (not a calendar date): the 2021-2024 lists
are annual and the 2025-26 ones frequent, and each number must name the list
it was counted from. Counts come from ``Listing`` rows, so an agreement counts
on a list exactly when ICE printed it there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from tidewatch.agreements.models import MODEL_CHOICES, Agreement, Listing
from tidewatch.publications.models import Publication
from tidewatch.site.caching import per_data_version

MODEL_CODES: tuple[str, ...] = tuple(code for code, _label in MODEL_CHOICES)


@dataclass(frozen=True)
class TimelinePoint:
    """The agreements of one scope on one participating list, by model."""

    as_of: date
    publication: Publication
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def participating_lists() -> list[Publication]:
    """Every participating list, oldest first (history order), with its file;
    read once per data version (every place page's chart needs them)."""
    return per_data_version(
        "participating-lists",
        lambda: list(
            Publication.objects.filter(kind=Publication.PARTICIPATING)
            .select_related("raw_file")
            .defer("records", "header")  # the rows themselves: large, not needed
            .order_by("as_of", "observed_at", "raw_file__sha256")
        ),
    )


def counts_over_time(
    agreements: QuerySet[Agreement] | None = None,
) -> list[TimelinePoint]:
    """One point per participating list, oldest first, counting ``agreements``.

    ``agreements`` limits the scope (a state's, a county's); None counts every
    agreement. Every list gets a point, with zeros where the scope had none,
    so charts of different places share the same time axis.
    """
    listings = Listing.objects.filter(publication__kind=Publication.PARTICIPATING)
    if agreements is not None:
        listings = listings.filter(agreement__in=agreements.values("pk"))
    grouped: dict[int, dict[str, int]] = defaultdict(dict)
    for publication_id, model, number in (
        listings.values("publication_id", "agreement__model")
        .annotate(n=Count("id"))
        .values_list("publication_id", "agreement__model", "n")
        .order_by()
    ):
        grouped[publication_id][model] = number
    return [
        TimelinePoint(
            as_of=publication.as_of,
            publication=publication,
            counts={
                code: grouped.get(publication.pk, {}).get(code, 0)
                for code in MODEL_CODES
            },
        )
        for publication in participating_lists()
    ]


def agency_counts_over_time(agency_ids: Iterable[str]) -> list[TimelinePoint]:
    """``counts_over_time`` of the agencies' agreements, from every agency's
    listings on participating lists read once per data version: the state,
    county and city pages (6,000 of them in a static build) need no query."""

    def build() -> dict[str, list[tuple[int, str]]]:
        grouped: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for agency, publication, model in Listing.objects.filter(
            publication__kind=Publication.PARTICIPATING
        ).values_list("agreement__agency_id", "publication_id", "agreement__model"):
            grouped[agency].append((publication, model))
        return grouped

    listed = per_data_version("participating-listings-by-agency", build)
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(MODEL_CODES, 0)
    )
    for agency in set(agency_ids):
        for publication, model in listed.get(agency, ()):
            counts[publication][model] += 1
    return [
        TimelinePoint(
            as_of=publication.as_of,
            publication=publication,
            counts=dict(counts.get(publication.pk, dict.fromkeys(MODEL_CODES, 0))),
        )
        for publication in participating_lists()
    ]
