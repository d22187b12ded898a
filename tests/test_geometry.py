"""Map geometry (us-atlas 3.0.1 from npm) against the county reference.

The counts are facts read off us-atlas 3.0.1 (Census 2017 cartographic
boundaries): 3,142 county shapes in the Albers file (50 states + DC, with the
Alaska and Hawaii insets), 51 state shapes, 3,231 counties in the unprojected
file (the 89 more are Puerto Rico's 78 municipios and 11 island-area shapes).
"""

from __future__ import annotations

import csv
import filecmp
from importlib.resources import files as package_files
from pathlib import Path

import pytest
import us

from tidewatch.places.geometry import (
    AtlasNotInstalled,
    MapFiles,
    atlas_dir,
    crosswalk_to_map,
    install_static,
    join_report,
)
from tidewatch.places.reference import ALIASES, county_index

STATES_AND_DC = {s.fips for s in us.states.STATES} | {us.states.DC.fips}

# Counties of the 50 states + DC in the current reference (Census 2020 table +
# data/county_aliases.csv) that have no shape of their own in us-atlas 3
# (2017 counties), each with the shape that stands for it.
CURRENT_EXCEPTIONS = {
    # Connecticut's 2022 planning regions -> the old county holding most of it
    "09110": "09003",  # Capitol -> Hartford County
    "09120": "09001",  # Greater Bridgeport -> Fairfield County
    "09130": "09007",  # Lower Connecticut River Valley -> Middlesex County
    "09140": "09009",  # Naugatuck Valley -> New Haven County
    "09150": "09015",  # Northeastern Connecticut -> Windham County
    "09160": "09005",  # Northwest Hills -> Litchfield County
    "09170": "09009",  # South Central Connecticut -> New Haven County
    "09180": "09011",  # Southeastern Connecticut -> New London County
    "09190": "09001",  # Western Connecticut -> Fairfield County
    # Alaska: Valdez-Cordova (02261) split in 2019 into these two
    "02063": "02261",  # Chugach Census Area
    "02066": "02261",  # Copper River Census Area
    # Bedford city VA joined Bedford County in 2013; addfips's 2020 table still
    # lists it
    "51515": "51019",
}

# Older codes the reference keeps (2000-2015 tables, so old names resolve).
HISTORIC_EXCEPTIONS = {
    "02270": "02158",  # Wade Hampton -> renamed Kusilvak Census Area, 2015
    "46113": "46102",  # Shannon County SD -> renamed Oglala Lakota County, 2015
    "51560": "51005",  # Clifton Forge city VA -> joined Alleghany County, 2001
    "02201": None,  # Prince of Wales-Outer Ketchikan: split 2008, no single shape
    "02232": None,  # Skagway-Hoonah-Angoon: split 2007 (Skagway, Hoonah-Angoon)
    "02280": None,  # Wrangell-Petersburg: split 2008 (Wrangell, Petersburg)
}


@pytest.fixture(scope="module")
def atlas() -> MapFiles:
    if not atlas_dir().is_dir():
        pytest.skip("us-atlas is not installed: run make install (npm)")
    return MapFiles()


def current_reference() -> set[str]:
    """County FIPS of the Census 2020 table (addfips) and the alias file."""
    table = package_files("addfips").joinpath("data/counties_2020.csv")
    with table.open(encoding="utf-8") as handle:
        codes = {r["statefp"] + r["countyfp"] for r in csv.DictReader(handle)}
    with ALIASES.open(encoding="utf-8") as handle:
        codes |= {r["fips"] for r in csv.DictReader(handle)}
    return codes


def test_installed_version_is_the_pinned_one(atlas):
    assert atlas.version() == "3.0.1"


def test_shape_counts(atlas):
    assert len(atlas.ids(atlas.counties_albers, "counties")) == 3142
    assert len(atlas.county_ids()) == 3142  # ids are unique
    assert {fips[:2] for fips in atlas.county_ids()} == STATES_AND_DC
    assert atlas.state_ids() == STATES_AND_DC
    assert len(atlas.unprojected_county_ids()) == 3231
    extra = atlas.unprojected_county_ids() - atlas.county_ids()
    assert len(extra) == 89
    assert {fips[:2] for fips in extra} == {"60", "66", "69", "72", "78"}


def test_every_shape_is_a_known_county(atlas):
    counties = county_index().counties
    assert sorted(atlas.county_ids() - counties.keys()) == []
    assert sorted(atlas.unprojected_county_ids() - counties.keys()) == []
    assert join_report([], atlas).unknown_shapes == ()


def test_current_counties_have_a_shape_or_a_crosswalk(atlas):
    current = {f for f in current_reference() if f[:2] in STATES_AND_DC}
    exceptions = current - atlas.county_ids()
    assert exceptions == CURRENT_EXCEPTIONS.keys()
    for fips, shape in CURRENT_EXCEPTIONS.items():
        assert crosswalk_to_map(fips, atlas) == shape, fips
    report = join_report(current, atlas)
    assert report.ok, report.lines()
    assert {u.fips for u in report.crosswalked} == CURRENT_EXCEPTIONS.keys()


def test_older_codes_of_the_reference(atlas):
    index = {f for f in county_index().counties if f[:2] in STATES_AND_DC}
    exceptions = index - atlas.county_ids()
    assert exceptions == CURRENT_EXCEPTIONS.keys() | HISTORIC_EXCEPTIONS.keys()
    for fips, shape in HISTORIC_EXCEPTIONS.items():
        assert crosswalk_to_map(fips, atlas) == shape, fips
    report = join_report(HISTORIC_EXCEPTIONS, atlas)
    assert [u.fips for u in report.missing] == ["02201", "02232", "02280"]
    assert all("split" in u.reason for u in report.missing)


def test_crosswalk(atlas):
    assert crosswalk_to_map("45019", atlas) == "45019"  # Charleston SC: itself
    assert crosswalk_to_map("09003", atlas) == "09003"  # old CT counties: shapes
    assert crosswalk_to_map("09110", atlas) == "09003"
    assert crosswalk_to_map("09190", atlas) == "09001"
    assert crosswalk_to_map("02261", atlas) == "02261"
    assert crosswalk_to_map("02063", atlas) == "02261"
    assert crosswalk_to_map("02066", atlas) == "02261"
    assert crosswalk_to_map("15001", atlas) == "15001"  # Hawaii (inset)
    assert crosswalk_to_map("66010", atlas) is None  # Guam: not on the Albers map
    assert crosswalk_to_map("72127", atlas) is None  # San Juan PR
    assert crosswalk_to_map("99999", atlas) is None


def test_join_report_reasons(atlas):
    report = join_report(["45019", "45019", "09110", "02063", "66010", "72127"], atlas)
    assert report.joined == ("45019",)
    assert [(u.fips, u.map_id) for u in report.crosswalked] == [
        ("02063", "02261"),
        ("09110", "09003"),
    ]
    ct = report.crosswalked[1]
    assert ct.reason == (
        "Connecticut's 2022 planning regions are not in us-atlas 3 (2017 "
        "counties); shown on the old county that holds most of the region"
    )
    assert [u.fips for u in report.territories] == ["66010", "72127"]
    assert "Guam is not in the Albers map" in report.territories[0].reason
    assert report.missing == ()
    assert report.ok
    unknown = join_report(["99999", "46102"], atlas)
    assert [(u.fips, u.reason) for u in unknown.missing] == [
        ("99999", "not a county in the county reference")
    ]
    assert not unknown.ok


def test_install_static_copies_the_map_files(atlas, tmp_path):
    target = tmp_path / "static" / "map"
    copies = install_static(target)
    assert sorted(p.name for p in copies) == [
        "counties-albers-10m.json",
        "d3-array.min.js",
        "d3-geo.min.js",
        "states-albers-10m.json",
        "topojson-client.min.js",
    ]
    assert all(p.parent == target for p in copies)
    assert filecmp.cmp(
        target / "counties-albers-10m.json", atlas.counties_albers, shallow=False
    )
    assert install_static(target) == copies  # again: overwrites, same list


def test_missing_atlas_says_run_make_install(tmp_path):
    missing = tmp_path / "node_modules" / "us-atlas"
    with pytest.raises(AtlasNotInstalled, match="run make install") as error:
        install_static(tmp_path / "out", atlas=missing)
    assert str(missing) in str(error.value)
    assert not (tmp_path / "out").exists()
    with pytest.raises(AtlasNotInstalled, match="run make install"):
        MapFiles(missing)


def test_missing_browser_script_says_run_make_install(atlas, tmp_path):
    only_atlas = tmp_path / "node_modules" / "us-atlas"
    only_atlas.mkdir(parents=True)
    for path in (atlas.counties_albers, atlas.states_albers):
        (only_atlas / path.name).write_bytes(path.read_bytes())
    with pytest.raises(AtlasNotInstalled, match="topojson-client is not installed"):
        install_static(tmp_path / "out", atlas=only_atlas)


@pytest.mark.corpus
@pytest.mark.django_db
def test_agencies_join_the_map(atlas, corpus, capsys):
    from tidewatch.agreements.models import Agency
    from tidewatch.pipeline.importer import import_paths

    workbook = (
        corpus
        / "ice_sheets"
        / "participating"
        / "2026-05-01_participatingAgencies05012026am.xlsx"
    )
    report = import_paths([workbook])
    assert report.errors == []
    index = county_index()
    agencies = list(Agency.objects.all())
    fips = {}
    no_county = 0
    unresolved = []  # a COUNTY the reference does not know (typos): the matcher's
    for agency in agencies:
        found = index.lookup(agency.state, agency.county)
        if found:
            fips[found] = agency
        elif not agency.county:
            no_county += 1  # state agencies, some police departments
        else:
            unresolved.append(f"{agency.state} {agency.county!r}: {agency.name}")
    assert fips, "no agency county resolved"
    joins = join_report(fips, atlas)
    with capsys.disabled():
        print(
            f"\n{len(agencies)} agencies, {no_county} without a COUNTY; "
            f"{len(fips)} agency counties; {joins.lines()[0]}"
        )
        for line in joins.lines()[1:]:
            print(line)
        print(f"{len(unresolved)} agencies whose COUNTY did not resolve:")
        for line in unresolved:
            print("  " + line)
    in_states = [f for f in fips if f[:2] in STATES_AND_DC]
    assert [f for f in in_states if crosswalk_to_map(f, atlas) is None] == []
    assert joins.missing == ()
    assert joins.ok


def test_map_files_are_served_as_static_files():
    from django.contrib.staticfiles import finders

    if not (Path(__file__).resolve().parents[1] / "build/static/map").is_dir():
        pytest.skip("the map files are not installed: run make install (npm)")
    found = finders.find("map/counties-albers-10m.json")
    assert found and Path(found).stat().st_size > 100_000
