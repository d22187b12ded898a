"""A place's agreements in force become the cost model's programs, and its
records change its estimate: which agreements a county's cost counts, and
which records it used.

The agencies are real South Carolina agencies; the models, dates and
records are made up for the tests (the records say "placeholder").
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tests.fixtures.workbooks import Q4_HEADER, Row, write_list
from tidewatch.costmodel import Override
from tidewatch.costs import estimates, records
from tidewatch.costs.inputs import (
    UnknownPlace,
    programs_for_agency,
    programs_for_county,
)
from tidewatch.costs.models import ParameterRecord
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.publications.models import Publication

pytestmark = pytest.mark.django_db

SC = "SOUTH CAROLINA"
CHARLESTON = "45019"
BERKELEY = "45015"
SHERIFF = "sc-charleston-county-sheriffs-office"
POLICE = "sc-north-charleston-police-department"
BERKELEY_SHERIFF = "sc-berkeley-county-sheriffs-office"
STATE_AGENCY = "sc-south-carolina-department-of-public-safety"
AS_OF = date(2025, 4, 1)
PLACEHOLDER = "Example County records response (placeholder, not a real record)"


def cost_lists(folder: Path) -> list[Path]:
    """Charleston County: the sheriff's JEM (signed in the last year) and WSO
    (signed years ago), a city police TFM, a pending TFM; Berkeley County's
    sheriff; South Carolina's Department of Public Safety (statewide)."""
    return [
        write_list(
            folder / "participatingAgencies04012025am.xlsx",
            [
                Row(
                    SC,
                    "Charleston County Sheriff's Office",
                    "Jail Enforcement Model",
                    county="Charleston County",
                    signed=datetime(2025, 3, 10),
                ),
                Row(
                    SC,
                    "Charleston County Sheriff's Office",
                    "Warrant Service Officer",
                    county="Charleston County",
                    signed=datetime(2020, 1, 15),
                ),
                Row(
                    SC,
                    "North Charleston Police Department",
                    "Task Force Model",
                    type="Municipality",
                    county="Charleston County",
                    signed=datetime(2025, 2, 20),
                ),
                Row(
                    SC,
                    "Berkeley County Sheriff's Office",
                    "Task Force Model",
                    county="Berkeley County",
                    signed=datetime(2024, 12, 1),
                ),
                Row(
                    SC,
                    "South Carolina Department of Public Safety",
                    "Task Force Model",
                    type="State Agency",
                    county="#NA",
                    signed=datetime(2025, 2, 28),
                ),
            ],
        ),
        write_list(
            folder / "pendingAgencies04022025am.xlsx",
            [
                Row(
                    SC,
                    "Mount Pleasant Police Department",
                    "Task Force Model",
                    type="Municipality",
                    county="Charleston County",
                ),
            ],
            Q4_HEADER,
        ),
    ]


@pytest.fixture
def charleston(tmp_path) -> list[Path]:
    files = cost_lists(tmp_path)
    import_paths(files)
    service.refresh()
    return files


def add(place: str, parameter: str, value: float, **fields) -> str:
    """Store one record as the CSV import would (checked, versioned)."""
    kind, key = records.parse_place(place)
    record = ParameterRecord(
        place_kind=kind,
        place_key=key,
        parameter=parameter,
        value=value,
        source=fields.pop("source", PLACEHOLDER),
        source_date=fields.pop("source_date", date(2025, 6, 1)),
        **fields,
    )
    return records.store(record, entered_by="test")


def by_model(programs):
    return {p.model: p for p in programs}


def test_county_counts_its_agencies_agreements_by_model(charleston):
    inputs = programs_for_county(CHARLESTON)
    assert inputs.as_of == AS_OF
    assert inputs.source == Publication.objects.get(kind=Publication.PARTICIPATING)
    found = by_model(inputs.programs)
    assert set(found) == {"JEM", "WSO", "TFM"}
    jem, wso, tfm = found["JEM"], found["WSO"], found["TFM"]
    assert (jem.agreements, jem.new_agreements) == (1, 1)  # signed 2025-03-10
    assert (wso.agreements, wso.new_agreements) == (1, 0)  # signed in 2020
    assert tfm.agencies == ("North Charleston Police Department",)
    assert {p.state for p in inputs.programs} == {"SC"}
    agencies = {a.agency_id for a in inputs.agreements}
    assert agencies == {SHERIFF, POLICE}  # not Berkeley's, not the pending one
    assert all(a.row_number > 1 for a in inputs.agreements)


def test_a_statewide_agency_is_not_a_county_cost_and_the_notes_say_so(charleston):
    inputs = programs_for_county(CHARLESTON)
    assert STATE_AGENCY not in {a.agency_id for a in inputs.agreements}
    assert sum(p.agreements for p in inputs.programs) == 3
    notes = " ".join(str(n) for n in inputs.notes)
    assert "South Carolina Department of Public Safety" in notes
    assert "State agencies police the whole state" in notes
    # Its own page still has its estimate.
    assert by_model(programs_for_agency(STATE_AGENCY).programs)["TFM"].agreements == 1


def test_an_agency_with_records_gets_its_own_program(charleston):
    add(f"agency:{POLICE}", "tfm_officers", 9)
    found = programs_for_county(CHARLESTON).programs
    tfm = [p for p in found if p.model == "TFM"]
    assert len(tfm) == 1 and tfm[0].overrides["tfm_officers"].value == 9
    sheriff = [p for p in found if p.model in ("JEM", "WSO")]
    assert all(not p.overrides for p in sheriff)


def test_agency_inputs_are_its_own_agreements(charleston):
    inputs = programs_for_agency(SHERIFF)
    assert sorted(p.model for p in inputs.programs) == ["JEM", "WSO"]
    assert all(p.agreements == 1 for p in inputs.programs)
    assert inputs.as_of == AS_OF


def test_unknown_places_are_refused(charleston):
    with pytest.raises(UnknownPlace):
        programs_for_county("99999")
    with pytest.raises(UnknownPlace):
        programs_for_agency("sc-no-such-agency")


def test_before_any_list_there_is_nothing_to_estimate(charleston):
    assert programs_for_county(CHARLESTON, as_of=date(2024, 1, 1)).programs == ()
    assert estimates.for_county(CHARLESTON, as_of=date(2024, 1, 1)) is None
    assert estimates.for_county(BERKELEY) is not None
    assert estimates.for_county("45043") is None  # Georgetown: no agreement


def test_a_county_record_changes_the_estimate_and_is_cited(charleston):
    before = estimates.for_county(CHARLESTON)
    assert before.records == ()
    assert "What does a day in the jail cost, on average?" in (
        before.estimate.questions
    )
    add(f"county:{CHARLESTON}", "jail_cost_per_day", 140, unit="USD/day")
    after = estimates.for_county(CHARLESTON)
    assert after.estimate.local_net.point > before.estimate.local_net.point
    assert (
        after.estimate.item("L4").spread.point > before.estimate.item("L4").spread.point
    )
    (used,) = after.records
    assert (used.parameter, used.value, used.source) == (
        "jail_cost_per_day", 140, PLACEHOLDER
    )  # fmt: skip
    assert used.source_date == date(2025, 6, 1)
    assert "What does a day in the jail cost, on average?" not in (
        after.estimate.questions
    )


def test_an_agency_record_changes_only_that_agencys_program(charleston):
    before = estimates.for_county(CHARLESTON)
    sheriff_before = estimates.for_agency(SHERIFF)
    add(f"agency:{POLICE}", "salary", 75_000)
    after = estimates.for_county(CHARLESTON)
    assert after.estimate.public_total.point > before.estimate.public_total.point
    programs = {p.model: p for p in after.estimate.programs}
    assert programs["TFM"].overrides["salary"].value == 75_000
    assert not programs["JEM"].overrides and not programs["WSO"].overrides
    assert [r.applies_to for r in after.records] == [
        "North Charleston Police Department"
    ]
    # The sheriff's own estimate does not move.
    assert estimates.for_agency(SHERIFF).estimate.local_net == (
        sheriff_before.estimate.local_net
    )
    assert [r.parameter for r in estimates.for_agency(POLICE).records] == ["salary"]


def test_an_agency_serving_several_counties_counts_in_each(charleston):
    """North Charleston lies in Charleston, Berkeley and Dorchester counties:
    its police department is counted in each, and the notes say so."""
    berkeley = estimates.for_county(BERKELEY)
    assert {a.agency_id for a in berkeley.agreements} == {BERKELEY_SHERIFF, POLICE}
    notes = " ".join(str(n) for n in berkeley.notes)
    assert "in every other county they serve: North Charleston Police" in notes


def test_county_records_fill_in_for_an_agency_without_its_own(charleston):
    plain = estimates.for_agency(SHERIFF)
    add(f"county:{CHARLESTON}", "jail_cost_per_day", 140)
    add(f"county:{CHARLESTON}", "igsa_beds", 50)  # the place's, not the agency's
    found = estimates.for_agency(SHERIFF)
    assert (
        found.estimate.item("L4").spread.point > plain.estimate.item("L4").spread.point
    )
    assert [r.parameter for r in found.records] == ["jail_cost_per_day"]
    add(f"agency:{SHERIFF}", "jail_cost_per_day", 45)
    own = estimates.for_agency(SHERIFF)
    assert own.estimate.item("L4").spread.point < plain.estimate.item("L4").spread.point
    assert [(r.parameter, r.value) for r in own.records] == [("jail_cost_per_day", 45)]


def test_extra_values_are_used_once_and_never_stored(charleston):
    cached = estimates.for_county(CHARLESTON)
    given = estimates.for_county(CHARLESTON, extra=[Override("jail_cost_per_day", 150)])
    assert given.estimate.local_net.point > cached.estimate.local_net.point
    assert [o.name for o in given.extra] == ["jail_cost_per_day"]
    assert ParameterRecord.objects.count() == 0
    assert estimates.for_county(CHARLESTON).estimate == cached.estimate


def test_the_estimate_names_its_list_and_agreements(charleston):
    found = estimates.for_county(CHARLESTON)
    data = estimates.as_dict(found)
    assert data["ice_list"]["name"] == "participatingAgencies04012025am.xlsx"
    assert data["ice_list"]["sha256"] == found.source.raw_file.sha256
    assert data["as_of"] == "2025-04-01"
    assert {a["agency_id"] for a in data["agreements"]} == {SHERIFF, POLICE}
    assert found.place == "Charleston County, South Carolina"


def test_a_record_for_a_model_not_in_force_is_named_not_cited(charleston):
    berkeley = estimates.for_county(BERKELEY)  # one task force, no jail model
    assert {p.model for p in berkeley.estimate.programs} == {"TFM"}
    add(f"county:{BERKELEY}", "jem_holds_per_year", 120, unit="people/year")
    after = estimates.for_county(BERKELEY)
    assert after.records == ()
    assert after.estimate.local_net == berkeley.estimate.local_net
    assert any("jem_holds_per_year" in str(note) for note in after.notes)
