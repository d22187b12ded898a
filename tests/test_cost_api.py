"""``/api/costs/county/{fips}`` and ``/api/costs/agency/{id}``: the estimate
the pages show, as JSON, with its sources; 404 where there is nothing to
estimate, 422 on a parameter the endpoint does not know."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cost_pages import (
    BERKELEY,
    CHARLESTON,
    DORCHESTER,
    PENDING_ONLY,
    SHERIFF,
    TASK_FORCE,
    cost_lists,
)
from tidewatch.costmodel import items, parameters
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.publications.models import Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(tmp_path) -> list[Path]:
    files = cost_lists(tmp_path)
    import_paths(files)
    service.refresh()
    return files


def ordered(spread: dict[str, float]) -> bool:
    return spread["p10"] <= spread["p50"] <= spread["p90"]


def test_county_estimate_has_its_range_items_sources_and_questions(client, places):
    response = client.get(f"/api/costs/county/{CHARLESTON}")
    assert response.status_code == 200
    data = response.json()
    assert (data["kind"], data["key"], data["state"]) == ("county", CHARLESTON, "SC")
    assert data["place"] == "Charleston County, South Carolina"
    assert (data["view"], data["scope"]) == ("allocated", "287g")
    assert (data["dollar_year"], data["draws"], data["seed"]) == (2025, 10_000, 287)
    assert data["as_of"] == "2025-11-01"
    for name in ("local_net", "public_total", "federal", "state", "hours"):
        assert ordered(data["totals"][name]), name
    assert data["net_revenue"] is False and data["incentives"] is False
    assert [i["code"] for i in data["items"]] == [i.code for i in items.ITEMS]
    jail = next(i for i in data["items"] if i["code"] == "L4")
    assert jail["kind"] == "cost" and jail["spread"]["p50"] > 0
    assert 0 < len(data["tornado"]) <= 10
    widths = [abs(s["at_high"] - s["at_low"]) for s in data["tornado"]]
    assert widths == sorted(widths, reverse=True)
    day = next(a for a in data["assumptions"] if a["parameter"] == "jail_cost_per_day")
    assert day["value"] == 100 and day["unit"] == "USD/day"
    assert day["source"] == parameters.get("jail_cost_per_day").source
    assert day["record"] is None
    assert "What does a day in the jail cost, on average?" in data["questions"]
    assert [a["agency_id"] for a in data["agreements"]] == [SHERIFF]
    latest = Publication.objects.get(kind=Publication.PARTICIPATING)
    assert data["source"] == {
        "as_of": "2025-11-01",
        "file_name": latest.name,
        "sha256": latest.raw_file.sha256,
    }


def test_incremental_view_is_lower_for_a_jail_county(client, places):
    url = f"/api/costs/county/{CHARLESTON}"
    allocated = client.get(url).json()["totals"]["local_net"]["p50"]
    incremental = client.get(url + "?view=incremental").json()
    assert incremental["view"] == "incremental"
    assert incremental["totals"]["local_net"]["p50"] < allocated


def test_agency_estimate_counts_the_task_force_incentives(client, places):
    data = client.get(f"/api/costs/agency/{TASK_FORCE}?scope=all-ice").json()
    assert (data["kind"], data["key"], data["scope"]) == (
        "agency",
        TASK_FORCE,
        "all-ice",
    )
    assert data["incentives"] is True
    pay = next(i for i in data["items"] if i["code"] == "O2")
    assert pay["kind"] == "offset" and pay["payer"] == "federal"
    assert pay["spread"]["p50"] > 0
    # The county page's figure is the agency's: one agency, one agreement.
    county = client.get(f"/api/costs/county/{BERKELEY}?scope=all-ice").json()
    assert county["totals"] == data["totals"]


@pytest.mark.parametrize(
    "url",
    [
        f"/api/costs/county/{DORCHESTER}",  # a county with no agreement
        "/api/costs/county/99999",  # no such county
        f"/api/costs/agency/{PENDING_ONLY}",  # pending only: nothing in force
        "/api/costs/agency/no-such-agency",
        "/api/costs/agency/NUL%00",
    ],
)
def test_nothing_to_estimate_is_404(client, places, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("view=cash", "view"),
        ("scope=everything", "scope"),
        ("veiw=incremental", "veiw"),  # a typo is refused, not ignored
    ],
)
def test_bad_parameters_are_refused_by_name(client, places, query, named):
    response = client.get(f"/api/costs/county/{CHARLESTON}?{query}")
    assert response.status_code == 422
    assert repr(named) in response.json()["detail"]


def test_a_malformed_fips_code_is_refused(client, places):
    assert client.get("/api/costs/county/4501").status_code == 422


def test_the_endpoints_are_in_the_openapi_description(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/costs/county/{fips}" in paths
    assert "/api/costs/agency/{agency_id}" in paths
