"""History derived by replaying lists: identities across renames, and events."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count

from tidewatch.pipeline.history import PublicationInput, Registry
from tidewatch.pipeline.normalise import normalise_row
from tidewatch.sources.base import ParsedRow

MODELS = {
    "JEM": "Jail Enforcement Model",
    "WSO": "Warrant Service Officer",
    "TFM": "Task Force Model",
}
_ids = count(1)


def rec(agency, model="TFM", state="FLORIDA", signed=None, moa=None, row=2):
    cells = {
        "STATE": state,
        "LAW ENFORCEMENT AGENCY": agency,
        "SUPPORT TYPE": MODELS[model],
        "SIGNED": signed,
        "MOA": "link" if moa else "link pending",
    }
    links = {"MOA": "https://www.ice.gov/doclib/287gMOA/" + moa} if moa else {}
    return normalise_row(
        ParsedRow("Sheet1", row, False, cells, links), date(2026, 11, 1)
    )


def pending_rec(agency, model="TFM", state="FLORIDA"):
    cells = {
        "STATE": state,
        "LAW ENFORCEMENT AGENCY": agency,
        "SUPPORT TYPE": MODELS[model],
    }
    return normalise_row(ParsedRow("Sheet1", 2, False, cells, {}), date(2026, 11, 1))


def apply(registry, kind, day, records):
    return registry.apply(
        PublicationInput(next(_ids), kind, date.fromisoformat(day), records)
    )


def kinds(changes):
    return sorted((e.agreement_id, e.kind) for e in changes.events)


def test_first_listing_and_a_model_added_later():
    registry = Registry()
    first = apply(
        registry,
        "participating",
        "2025-03-01",
        [rec("Fixture County Sheriff's Office", "JEM")],
    )
    assert kinds(first) == [("fl-fixture-county-sheriffs-office-jem", "first_listed")]
    second = apply(
        registry,
        "participating",
        "2025-04-01",
        [
            rec("Fixture County Sheriff's Office", "JEM"),
            rec("Fixture County Sheriff's Office", "TFM"),
        ],
    )
    assert kinds(second) == [
        ("fl-fixture-county-sheriffs-office-tfm", "first_listed"),
        ("fl-fixture-county-sheriffs-office-tfm", "model_added"),
    ]


def test_pending_then_participating_is_a_promotion():
    registry = Registry()
    apply(registry, "pending", "2025-03-01", [pending_rec("Example Police Department")])
    changes = apply(
        registry,
        "participating",
        "2025-04-01",
        [rec("Example Police Department", signed=datetime(2025, 3, 20))],
    )
    assert kinds(changes) == [("fl-example-police-department-tfm", "promoted")]
    assert registry.agreements["fl-example-police-department-tfm"].status == (
        "participating"
    )


def test_signing_date_changes_say_renewal_or_correction():
    registry = Registry()
    name = "Fixture County Sheriff's Office"
    apply(
        registry,
        "participating",
        "2025-03-01",
        [rec(name, signed=datetime(2020, 3, 1))],
    )
    corrected = apply(
        registry,
        "participating",
        "2025-04-01",
        [rec(name, signed=datetime(2020, 3, 10))],
    )
    renewed = apply(
        registry,
        "participating",
        "2025-05-01",
        [rec(name, signed=datetime(2025, 4, 20))],
    )
    (correction,) = corrected.events
    (renewal,) = renewed.events
    assert correction.kind == renewal.kind == "signed_date_changed"
    assert correction.details["change"] == "correction"
    assert (correction.details["old"], correction.details["new"]) == (
        "2020-03-01",
        "2020-03-10",
    )
    assert renewal.details["change"] == "renewal"


def test_blank_signing_date_does_not_count_as_a_change():
    registry = Registry()
    name = "Fixture County Sheriff's Office"
    apply(
        registry,
        "participating",
        "2025-03-01",
        [rec(name, signed=datetime(2020, 3, 1))],
    )
    changes = apply(registry, "participating", "2025-04-01", [rec(name, signed=None)])
    assert changes.events == []


def test_removed_then_listed_again():
    registry = Registry()
    a, b = "Fixture County Sheriff's Office", "Example Police Department"
    apply(registry, "participating", "2025-03-01", [rec(a), rec(b)])
    removed = apply(registry, "participating", "2025-04-01", [rec(a)])
    assert kinds(removed) == [("fl-example-police-department-tfm", "removed")]
    assert registry.agreements["fl-example-police-department-tfm"].removed_on == date(
        2025, 4, 1
    )
    back = apply(registry, "participating", "2025-05-01", [rec(a), rec(b)])
    assert kinds(back) == [("fl-example-police-department-tfm", "relisted")]
    assert registry.agreements["fl-example-police-department-tfm"].removed_on is None


def test_dropped_from_the_pending_list_then_promoted():
    registry = Registry()
    a, b = "Fixture County Sheriff's Office", "Example Police Department"
    apply(registry, "pending", "2025-03-01", [pending_rec(a), pending_rec(b)])
    dropped = apply(registry, "pending", "2025-04-01", [pending_rec(a)])
    assert kinds(dropped) == [("fl-example-police-department-tfm", "pending_dropped")]
    later = apply(registry, "participating", "2025-04-03", [rec(b)])
    assert kinds(later) == [("fl-example-police-department-tfm", "promoted")]
    assert later.events[0].details["previous_status"] == "pending_dropped"


def test_participating_lists_never_drop_pending_agreements():
    # ICE's pending list ends in February 2026; later participating lists must
    # not read as every pending application withdrawn.
    registry = Registry()
    apply(registry, "pending", "2026-02-09", [pending_rec("Example Police Department")])
    for day in ("2026-03-02", "2026-04-01", "2026-05-01"):
        changes = apply(
            registry, "participating", day, [rec("Fixture County Sheriff's Office")]
        )
        assert all(e.kind != "pending_dropped" for e in changes.events)
    assert registry.agreements["fl-example-police-department-tfm"].status == "pending"


def test_still_on_the_pending_list_after_promotion_stays_participating():
    registry = Registry()
    apply(registry, "participating", "2025-03-01", [rec("Example Police Department")])
    changes = apply(
        registry, "pending", "2025-03-02", [pending_rec("Example Police Department")]
    )
    assert changes.events == []
    assert registry.agreements["fl-example-police-department-tfm"].status == (
        "participating"
    )


def test_rename_followed_by_the_moa_file():
    registry = Registry()
    apply(
        registry,
        "participating",
        "2025-03-01",
        [
            rec(
                "Gulf County Board of County Commissioners",
                moa="GulfCoFL_JEM.pdf",
                model="JEM",
            )
        ],
    )
    changes = apply(
        registry,
        "participating",
        "2025-04-01",
        [
            rec(
                "Gulf County Board of County Commissioners /Detention Facility",
                moa="GulfCoFL_JEM.pdf",
                model="JEM",
            )
        ],
    )
    assert changes.events == []
    assert [a.match for a in changes.new_aliases] == ["moa"]
    assert len(registry.agencies) == 1


def test_typo_followed_by_a_close_name():
    registry = Registry()
    apply(
        registry, "participating", "2025-03-01", [rec("Indialantic Police Department")]
    )
    changes = apply(
        registry, "participating", "2025-04-01", [rec("Indiatlantic Police Department")]
    )
    assert changes.events == []
    assert changes.new_aliases[0].match.startswith("fuzzy:")


def test_similar_names_of_different_places_stay_apart():
    registry = Registry()
    apply(
        registry, "participating", "2025-03-01", [rec("Lake County Sheriff's Office")]
    )
    changes = apply(
        registry, "participating", "2025-04-01", [rec("Lee County Sheriff's Office")]
    )
    assert len(registry.agencies) == 2
    assert ("fl-lee-county-sheriffs-office-tfm", "first_listed") in kinds(changes)


def test_numbered_districts_stay_apart():
    # Bradley County Constable Districts 6 and 7 (TN) both have agreements.
    # Even when one is missing from the list the other appears on.
    registry = Registry()
    apply(
        registry,
        "participating",
        "2025-10-03",
        [rec("Bradley County Constable District 7", state="TENNESSEE")],
    )
    apply(
        registry,
        "participating",
        "2025-11-03",
        [rec("Bradley County Constable District 6", state="TENNESSEE")],
    )
    assert len(registry.agencies) == 2


def test_pending_row_does_not_merge_into_an_agency_already_holding_that_model():
    registry = Registry()
    apply(
        registry,
        "participating",
        "2025-03-01",
        [rec("Greens Fork Police Department", state="INDIANA")],
    )
    apply(
        registry,
        "pending",
        "2025-03-02",
        [pending_rec("Green Forks Police Department", state="INDIANA")],
    )
    assert len(registry.agencies) == 2
    # ... while the same spelling on a participating list is the same agency.
    apply(
        registry,
        "participating",
        "2025-03-03",
        [rec("Greens Forks Police Department", state="INDIANA")],
    )
    assert len(registry.agencies) == 2


def test_duplicate_rows_collapse_into_one_listing():
    # West York Borough PD TFM appears twice in the 2025-08-04 list.
    registry = Registry()
    changes = apply(
        registry,
        "participating",
        "2025-08-04",
        [
            rec(
                "Example Borough Police Department", signed=datetime(2025, 7, 1), row=5
            ),
            rec(
                "Example Borough Police Department", signed=datetime(2025, 7, 9), row=9
            ),
        ],
    )
    (listing,) = changes.listings
    assert [d.row_number for d in listing.duplicates] == [5]
    assert registry.agreements[
        "fl-example-borough-police-department-tfm"
    ].signed_date == (date(2025, 7, 9))
