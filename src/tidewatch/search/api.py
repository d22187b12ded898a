"""``GET /api/search?q=``: the site's search as JSON (mounted by tidewatch.api.api)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from tidewatch.api.schemas import Invalid
from tidewatch.search.query import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS, search

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = Field(
        "",
        max_length=MAX_QUERY_CHARS,
        description="Words of a name: agency, county, city or state. Accents, "
        "case and punctuation are ignored; close misspellings are found.",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class SearchResult(Schema):
    kind: str = Field(description="agency, county, city or state")
    key: str = Field(
        description="Agency id, county FIPS, STATE/city-slug or USPS code."
    )
    name: str
    state: str = Field(description="USPS code.")
    state_name: str
    detail: str = Field(description="An agency's city and county; a county's state.")
    models_in_force: list[str] = Field(
        description="On ICE's latest participating list."
    )
    models_pending: list[str] = Field(description="On ICE's latest pending list only.")
    has_agreements: bool
    score: float = Field(description="How well the name matches, 0-100.")
    url: str = Field(description="The page on this site (English).")


class SearchResponse(Schema):
    query: str
    count: int
    results: list[SearchResult]


@router.get(
    "",
    response={200: SearchResponse, 422: Invalid},
    summary="Find agencies, counties, cities and states by name",
)
def search_names(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Best matches first; places and agencies with agreements rank higher. An
    empty or punctuation-only ``q`` gives no results, not an error."""
    unknown = sorted(set(request.GET) - set(SearchParams.model_fields))
    if unknown:
        raise ValidationError(
            [
                {
                    "type": "unknown_parameter",
                    "loc": ("query", name),
                    "msg": "not a parameter of this endpoint (known: limit, q)",
                }
                for name in unknown
            ]
        )
    hits = search(params.q, limit=params.limit) if params.q.strip() else []
    with translation.override("en"):
        results = [{**vars(hit), "url": hit.url} for hit in hits]
    return {"query": params.q, "count": len(results), "results": results}
