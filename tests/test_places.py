"""Places: counties by every name ICE writes, agencies to the places they police."""

from __future__ import annotations

from datetime import datetime

import pytest
from typer.testing import CliRunner

from tests.fixtures.workbooks import Q4_HEADER, Row, write_list
from tidewatch.cli import app
from tidewatch.pipeline.cells import normalise_county
from tidewatch.pipeline.importer import import_paths
from tidewatch.places.models import AgencyPlace, PlaceDecision
from tidewatch.places.reference import city_counties, county_index
from tidewatch.places.resolve import AgencyFacts, classify, resolve
from tidewatch.places.service import DecisionRefused, decide, refresh

runner = CliRunner()


@pytest.mark.parametrize(
    ("state", "cell", "fips"),
    [
        ("FL", "Lake Conty", "12069"),  # a typo of "County" (ICE, 2025)
        ("GA", "Decatur", "13087"),  # "County" missing
        ("FL", "St. Lucie", "12111"),  # St. and Saint are the same county
        ("FL", "Saint Lucie County", "12111"),
        ("GA", "De Kalb", "13089"),  # the Census writes DeKalb
        ("LA", "LaSalle Parish", "22059"),  # the Census writes La Salle
        ("MD", "Baltimore County", "24005"),  # the county...
        ("MD", "Baltimore City", "24510"),  # ... and the independent city
        ("TX", "Sebastian county ", None),  # no Sebastian County in Texas
        ("AR", "Sebastian county ", "05131"),
        ("SC", "Charleston\xa0County", "45019"),  # an NBSP inside the cell
        ("GU", "Kattan District ", "66010"),  # Guam has no counties: the territory
        ("NM", "Doña Ana County", "35013"),
        ("CT", "Capitol Planning Region", "09110"),  # 2022 county-equivalent
        ("CT", "Hartford County", "09003"),  # and the old county
        ("AK", "Chugach Census Area", "02063"),
    ],
)
def test_ice_county_cells_to_fips(state, cell, fips):
    assert county_index().lookup(state, normalise_county(cell, state)) == fips


def test_cities_lie_in_one_or_several_counties():
    # North Charleston spans Berkeley, Charleston and Dorchester counties.
    assert city_counties("SC", "North Charleston") == ["45015", "45019", "45035"]
    assert city_counties("SC", "Atlantis") == []


@pytest.mark.parametrize(
    ("name", "agency_type", "level", "kind"),
    [
        ("Florida Highway Patrol", "state", "state", ""),
        ("Arkansas National Guard", "state", "state", ""),
        ("Office Of The Attorney General", "state", "state", ""),
        ("Charleston County Sheriff's Office", "county", "county", ""),
        ("Sarpy County Department of Corrections", "county", "county", ""),
        ("North Charleston Police Department", "municipal", "municipal", ""),
        ("Ward 5 Marshal's Office", "municipal", "municipal", ""),
        ("University of Florida Police Department", "state", "other", "campus"),
        ("Lee County Port Authority Police", "county", "other", "port"),
        ("Derry Township Constable's Office", "municipal", "other", "constable"),
        (
            "Southwest Virginia Regional Jail Authority",
            "county",
            "other",
            "regional_jail",
        ),
        # ICE typed this county jail "State": the name wins.
        ("Wicomico County Corrections Center", "state", "county", ""),
    ],
)
def test_levels(name, agency_type, level, kind):
    facts = AgencyFacts("x", "FL", name, agency_type, "")
    assert classify(facts) == (level, kind)


def test_county_agency_from_ices_cell_then_from_the_name():
    by_cell = resolve(
        AgencyFacts(
            "x",
            "SC",
            "Charleston County Sheriff's Office",
            "county",
            "Charleston County",
        )
    )
    assert (by_cell.level, by_cell.county_fips, by_cell.match_status) == (
        "county",
        "45019",
        "ice_county",
    )
    by_name = resolve(
        AgencyFacts("x", "MD", "Baltimore City Sheriff's Office", "county", "")
    )
    assert (by_name.county_fips, by_name.match_status) == ("24510", "name")


def test_close_spellings_only_when_clearly_closest():
    minnehaha = resolve(
        AgencyFacts("x", "SD", "Minehaha County Sheriff's Office", "county", "")
    )
    assert (minnehaha.county_fips, minnehaha.match_status) == ("46099", "fuzzy:94")
    # "Spaulding" is as close to Spalding as to Paulding County: no guess.
    spaulding = resolve(
        AgencyFacts("x", "GA", "Spaulding County Sheriff's Office", "county", "")
    )
    assert (spaulding.county_fips, spaulding.match_status) == ("", "unresolved")


def test_a_county_of_another_state_is_flagged():
    result = resolve(
        AgencyFacts(
            "x", "FL", "Kershaw County Sheriff's Office", "county", "Kershaw County"
        )
    )
    assert result.match_status == "unresolved"
    assert "SC has one: is ICE's STATE wrong?" in result.reason


def test_city_police_in_several_counties_takes_ices_county():
    result = resolve(
        AgencyFacts(
            "x",
            "SC",
            "North Charleston Police Department",
            "municipal",
            "Charleston County",
        )
    )
    assert (result.level, result.place, result.county_fips) == (
        "municipal",
        "North Charleston",
        "45019",
    )
    assert result.counties == ["45015", "45019", "45035"]


def test_state_agencies_resolve_to_their_state():
    result = resolve(
        AgencyFacts("x", "TX", "Texas Department of Public Safety", "state", "")
    )
    assert (result.level, result.state_fips, result.match_status) == (
        "state",
        "48",
        "name",
    )


SHERIFF = "Spaulding County Sheriff's Office"  # as misspelled in ICE's lists


def _import(tmp_path, name="participatingAgencies03012025am.xlsx", rows=None):
    rows = rows or [
        Row("GEORGIA", SHERIFF, signed=datetime(2025, 2, 1)),
        Row(
            "SOUTH CAROLINA",
            "Charleston County Sheriff's Office",
            county="Charleston County",
            signed=datetime(2025, 2, 3),
        ),
    ]
    import_paths([write_list(tmp_path / name, rows)])
    refresh()


@pytest.mark.django_db
def test_refresh_and_review_queue(tmp_path):
    _import(tmp_path)
    charleston = AgencyPlace.objects.get(
        agency_id="sc-charleston-county-sheriffs-office"
    )
    assert (charleston.county_fips, charleston.match_status) == ("45019", "ice_county")
    result = runner.invoke(app, ["places", "unresolved"])
    assert result.exit_code == 0
    assert "ga-spaulding-county-sheriffs-office" in result.stdout
    assert "sc-charleston" not in result.stdout


@pytest.mark.django_db
def test_a_manual_decision_survives_reimports(tmp_path):
    _import(tmp_path)
    decide(
        "ga-spaulding-county-sheriffs-office",
        county_fips="13255",
        reason="Spalding County; ICE misspells it",
        decided_by="reviewer",
    )
    _import(tmp_path, "participatingAgencies04012025am.xlsx")  # a newer list
    place = AgencyPlace.objects.get(agency_id="ga-spaulding-county-sheriffs-office")
    assert (place.county_fips, place.match_status) == ("13255", "manual")
    assert "reviewer" in place.reason
    exported = runner.invoke(app, ["export", "agreements", "--state", "GA"]).stdout
    assert "13255" in exported and "manual" in exported


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("agency_id", "county", "message"),
    [
        (
            "ga-spaulding-county-sheriffs-office",
            "99999",
            "'99999' is not a county FIPS",
        ),
        (
            "ga-spaulding-county-sheriffs-office",
            "45019",
            "45019 is Charleston County, SC; Spaulding",
        ),
        ("ga-nowhere", "13255", "no agency 'ga-nowhere'"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_stored(
    tmp_path, agency_id, county, message
):
    _import(tmp_path)
    with pytest.raises(DecisionRefused, match=message):
        decide(agency_id, county_fips=county, reason="test", decided_by="x")
    assert not PlaceDecision.objects.exists()
    result = runner.invoke(
        app, ["places", "set", agency_id, "--county", county, "--reason", "test"]
    )
    assert result.exit_code == 2
    assert message.split(";")[0] in result.output


@pytest.mark.django_db
def test_pending_only_agency_is_resolved_too(tmp_path):
    path = write_list(
        tmp_path / "pendingAgencies03012025am.xlsx",
        [Row("TEXAS", "Fixture County Sheriff's Office")],
        Q4_HEADER,
    )
    import_paths([path])
    refresh()
    place = AgencyPlace.objects.get()
    assert place.level == "county" and place.match_status == "unresolved"


@pytest.mark.django_db
def test_fbi_roster_gives_ori_and_fills_a_missing_county(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "ori,data_year,pub_agency_name,state_abbr,county_name,agency_type_name\n"
        "XX0000001,2025,Spalding,GA,SPALDING,County\n"
        "XX0000002,2025,Charleston,SC,CHARLESTON,County\n",
        encoding="utf-8",
    )
    _import(tmp_path)
    result = runner.invoke(app, ["reference", "load", "fbi-agencies", str(roster)])
    assert result.exit_code == 0, result.output
    charleston = AgencyPlace.objects.get(
        agency_id="sc-charleston-county-sheriffs-office"
    )
    assert charleston.ori == "XX0000002"
    assert charleston.match_status == "ice_county"  # ICE's cell still comes first


@pytest.mark.django_db
def test_reference_load_refuses_a_bad_file_and_keeps_what_was_there(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("ori,name\nXX0000001,Fixture\n", encoding="utf-8")
    result = runner.invoke(app, ["reference", "load", "fbi-agencies", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith("roster.csv: ")
    assert "missing" in result.output or "lacks" in result.output
