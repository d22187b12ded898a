"""The search page: results grouped by kind, the query kept in the header box."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tidewatch.agreements import reports
from tidewatch.search.models import SearchEntry
from tidewatch.search.query import MAX_QUERY_CHARS, SearchHit, search

GROUP_LABELS = {
    SearchEntry.AGENCY: _("Agencies"),
    SearchEntry.COUNTY: _("Counties"),
    SearchEntry.CITY: _("Cities and towns"),
    SearchEntry.STATE: _("States and territories"),
}


def group_hits(hits: list[SearchHit]) -> list[tuple[str, str, list[SearchHit]]]:
    """(kind, heading, hits) per kind, the kind of the best hit first, so a
    search for an agency shows agencies first and one for a county, counties."""
    groups: dict[str, list[SearchHit]] = {}
    for hit in hits:  # already best first
        groups.setdefault(hit.kind, []).append(hit)
    return [(kind, str(GROUP_LABELS[kind]), found) for kind, found in groups.items()]


def search_page(request: HttpRequest) -> HttpResponse:
    """Agencies, counties, cities and states by name; tolerant of typos."""
    query = request.GET.get("q", "")[:MAX_QUERY_CHARS].strip()
    hits = search(query) if query else []
    context = {
        "search_query": query,
        "groups": group_hits(hits),
        "hit_count": len(hits),
        "edition": reports.edition() if hits else None,
    }
    return render(request, "search/search.html", context)
