"""The county map's data: runs of models per county over the lists."""

from __future__ import annotations

import pytest

from tests.test_timeline import IN_BERKELEY, IN_CHARLESTON, IN_DORCHESTER, two_lists
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.places.geometry import AtlasNotInstalled, MapFiles
from tidewatch.places.models import AgencyPlace
from tidewatch.site.mapdata import counties_in_force, map_payload, runs

pytestmark = pytest.mark.django_db

JEM, WSO, TFM = 1, 2, 4


def imported(folder) -> None:
    import_paths(two_lists(folder))
    service.refresh()


def place(name: str) -> AgencyPlace:
    return AgencyPlace.objects.get(agency__name=name)


def test_runs_join_equal_neighbours_and_skip_empty_lists():
    assert runs([0, 1, 1, 5, 0, 5]) == [[1, 2, 1], [3, 3, 5], [5, 5, 5]]
    assert runs([0, 0]) == []


def test_a_county_removed_on_the_second_list_has_one_run(client, tmp_path):
    imported(tmp_path)
    assert place(IN_BERKELEY).county_fips == "45015"
    assert place(IN_CHARLESTON).county_fips == "45019"
    data = client.get("/data/map/counties.json").json()
    assert [entry["as_of"] for entry in data["lists"]] == ["2025-03-01", "2025-04-01"]
    assert data["lists"][0]["raw"].startswith("/raw/")
    assert data["models"] == {"JEM": JEM, "WSO": WSO, "TFM": TFM}
    assert data["counties"]["45015"] == [[0, 0, WSO]]  # Berkeley County: WSO, then gone
    assert data["counties"]["45019"] == [[0, 0, JEM], [1, 1, JEM | TFM]]
    assert data["names"]["45019"] == "Charleston County, SC"
    assert place(IN_DORCHESTER).county_fips == "45035"
    assert "45035" not in data["counties"]  # Dorchester County: only pending


def test_an_agency_serving_several_counties_colours_each(tmp_path):
    imported(tmp_path)
    AgencyPlace.objects.filter(agency__name=IN_CHARLESTON).update(
        counties=["45019", "45015"]
    )
    counties = map_payload()["counties"]
    assert counties["45015"] == [[0, 0, JEM | WSO], [1, 1, JEM | TFM]]
    assert counties["45019"] == [[0, 0, JEM], [1, 1, JEM | TFM]]


def test_state_agencies_do_not_colour_counties(tmp_path):
    imported(tmp_path)
    AgencyPlace.objects.filter(agency__name=IN_BERKELEY).update(level="state")
    assert "45015" not in map_payload()["counties"]


def test_connecticut_planning_region_is_drawn_on_its_old_county(tmp_path):
    try:
        MapFiles()
    except AtlasNotInstalled:
        pytest.skip("us-atlas is not installed (make install)")
    imported(tmp_path)
    AgencyPlace.objects.filter(agency__name=IN_CHARLESTON).update(
        state_fips="09", county_fips="09170", counties=["09170"]
    )
    data = map_payload()
    assert data["counties"]["09009"] == [[0, 0, JEM], [1, 1, JEM | TFM]]
    assert data["fips"] == {"09009": "09170"}  # a click opens the region's page
    assert "Planning Region" in data["names"]["09009"]
    assert "09170" not in data["counties"]


def test_table_alternative_lists_counties_on_the_latest_list(tmp_path):
    imported(tmp_path)
    rows = counties_in_force()
    assert [(r.fips, r.name, r.state, r.models) for r in rows] == [
        ("45019", "Charleston County", "SC", ["JEM", "TFM"])
    ]
    assert counties_in_force("06") == []
