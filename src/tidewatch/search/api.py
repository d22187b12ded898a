"""``GET /api/search?q=``: the site's search as JSON, and ``GET
/api/documents/search?q=``: the document text search (both mounted by
tidewatch.api.api)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema

from tidewatch.api.schemas import Invalid
from tidewatch.search import document_search
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
    from tidewatch.api.api import refuse_unknown  # api.api mounts this router

    refuse_unknown(request, SearchParams)
    hits = search(params.q, limit=params.limit) if params.q.strip() else []
    with translation.override("en"):
        results = [{**vars(hit), "url": hit.url} for hit in hits]
    return {"query": params.q, "count": len(results), "results": results}


# -- GET /api/documents/search?q= (mounted by tidewatch.api.api) ------------------

documents_router = Router(tags=["documents"])


class DocumentSearchParams(Schema):
    q: str = Field(
        "",
        max_length=document_search.MAX_QUERY_CHARS,
        description='Words, and phrases in double quotes ("jail enforcement"), '
        "all to be found on one page of an agreement document. Case, accents "
        "and punctuation are ignored; words match whole.",
    )
    limit: int = Field(
        document_search.DEFAULT_LIMIT, ge=1, le=document_search.MAX_LIMIT
    )


class DocumentAgencyOut(Schema):
    id: str = Field(description="Agency id; empty when only read in the document.")
    name: str
    state: str = Field(description="USPS code; empty when only read in the document.")


class DocumentHitOut(Schema):
    document_id: int
    page: int = Field(description="Page number, from 1.")
    file_name: str
    kind: str = Field(description="moa or addendum")
    agencies: list[DocumentAgencyOut] = Field(
        description="The agencies of the agreements the document belongs to."
    )
    snippet: str = Field(
        description="HTML: an excerpt of the page, escaped, the matched words "
        "in <mark>."
    )
    rank: float = Field(description="Higher is better; orders results only.")
    url: str = Field(description="The page of the document on this site (English).")
    file_url: str = Field(description="The archived PDF, byte for byte.")
    source_url: str = Field(description="ICE's address for the PDF (may be empty).")


class DocumentSearchResponse(Schema):
    query: str
    count: int = Field(description="Pages in this response.")
    total_pages: int = Field(description="Pages matching, beyond the limit.")
    total_documents: int = Field(description="Documents with a matching page.")
    results: list[DocumentHitOut]


@documents_router.get(
    "/search",
    response={200: DocumentSearchResponse, 422: Invalid},
    summary="Find words and phrases in the text of agreement documents",
)
def search_document_text(
    request: HttpRequest, params: Query[DocumentSearchParams]
) -> dict[str, Any]:
    """Pages of MOAs and addenda holding every word and phrase of ``q``, best
    first. An empty or punctuation-only ``q`` gives no results, not an error;
    one longer than 200 characters is refused."""
    from tidewatch.api.api import refuse_unknown  # api.api mounts this router

    refuse_unknown(request, DocumentSearchParams)
    hits = document_search.search_documents(params.q, limit=params.limit)
    total = document_search.count_matches(params.q) if hits else None
    with translation.override("en"):
        results = [
            {
                **{name: getattr(hit, name) for name in DocumentHitOut.model_fields},
                "snippet": str(hit.snippet),
                "agencies": [vars(agency) for agency in hit.agencies],
            }
            for hit in hits
        ]
    return {
        "query": params.q,
        "count": len(results),
        "total_pages": total.pages if total else 0,
        "total_documents": total.documents if total else 0,
        "results": results,
    }
