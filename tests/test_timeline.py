"""Counts by model on each participating list, and the chart drawn from them."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.fixtures.workbooks import Q4_HEADER, Row, write_list
from tidewatch.agreements.models import Agency, Agreement
from tidewatch.pipeline.importer import import_paths
from tidewatch.site.charts import counts_svg, nice_step
from tidewatch.site.timeline import agency_counts_over_time, counts_over_time

pytestmark = pytest.mark.django_db

# Invented agencies (tests/fixtures/workbooks.py); their COUNTY cells are real
# counties, so they resolve to Charleston (45019), Berkeley (45015) and
# Dorchester (45035).
IN_CHARLESTON = "Fixture County Sheriff's Office"
IN_BERKELEY = "Example County Sheriff's Office"
IN_DORCHESTER = "Testville County Sheriff's Office"


def two_lists(folder: Path) -> list[Path]:
    """List 1: the Charleston County agency JEM, the Berkeley County one WSO.
    List 2: the Charleston County agency JEM and TFM, the Berkeley County one
    gone. A pending list between them names the Dorchester County one (TFM)."""
    signed = datetime(2025, 2, 3)
    return [
        write_list(
            folder / "participatingAgencies03012025am.xlsx",
            [
                Row(
                    "SOUTH CAROLINA",
                    IN_CHARLESTON,
                    "Jail Enforcement Model",
                    county="Charleston County",
                    signed=signed,
                ),
                Row(
                    "SOUTH CAROLINA",
                    IN_BERKELEY,
                    "Warrant Service Officer",
                    county="Berkeley County",
                    signed=signed,
                ),
            ],
        ),
        write_list(
            folder / "pendingAgencies03152025am.xlsx",
            [
                Row(
                    "SOUTH CAROLINA",
                    IN_DORCHESTER,
                    "Task Force Model",
                    county="Dorchester County",
                )
            ],
            Q4_HEADER,
        ),
        write_list(
            folder / "participatingAgencies04012025am.xlsx",
            [
                Row(
                    "SOUTH CAROLINA",
                    IN_CHARLESTON,
                    "Jail Enforcement Model",
                    county="Charleston County",
                    signed=signed,
                ),
                Row(
                    "SOUTH CAROLINA",
                    IN_CHARLESTON,
                    "Task Force Model",
                    county="Charleston County",
                    signed=datetime(2025, 3, 20),
                ),
            ],
        ),
    ]


def test_one_point_per_participating_list_with_counts_by_model(tmp_path):
    import_paths(two_lists(tmp_path))
    points = counts_over_time()
    assert [p.as_of for p in points] == [date(2025, 3, 1), date(2025, 4, 1)]
    assert [p.counts for p in points] == [
        {"JEM": 1, "WSO": 1, "TFM": 0},
        {"JEM": 1, "WSO": 0, "TFM": 1},
    ]
    assert [p.publication.name for p in points] == [
        "participatingAgencies03012025am.xlsx",
        "participatingAgencies04012025am.xlsx",
    ]
    assert points[1].total == 2


def test_scope_counts_only_those_agreements_on_every_list(tmp_path):
    import_paths(two_lists(tmp_path))
    berkeley = Agreement.objects.filter(agency__name=IN_BERKELEY)
    points = counts_over_time(berkeley)
    assert [p.counts for p in points] == [
        {"JEM": 0, "WSO": 1, "TFM": 0},
        {"JEM": 0, "WSO": 0, "TFM": 0},  # a point even where the scope has none
    ]
    assert counts_over_time(Agreement.objects.none())[0].total == 0


def test_no_lists_no_points_no_chart():
    assert counts_over_time() == []
    assert counts_svg([]) == ""


def test_chart_has_a_title_a_description_and_one_series_per_model(tmp_path):
    import_paths(two_lists(tmp_path))
    svg = counts_svg(counts_over_time())
    assert 'role="img"' in svg
    assert re.search(r"<title id=\"[^\"]+-title\">Agreements in force by model", svg)
    assert "<desc " in svg and "Task Force Model 1" in svg  # latest counts in words
    assert re.findall(r'data-model="(\w+)"', svg) == ["JEM", "WSO", "TFM"]
    # Each line ends in a label with the model and its latest count.
    assert ">JEM 1</text>" in svg and ">WSO 0</text>" in svg
    assert ">TFM 1</text>" in svg


def test_ticks_are_round_numbers():
    assert nice_step(3) == 1
    assert nice_step(46) == 10
    assert nice_step(1100) == 200
    assert nice_step(1779) == 500


def test_counts_of_agencies_from_the_index_equal_the_database_count(tmp_path):
    """Place pages count from an index built once per data version; it must
    give what the grouped query gives, for any set of agencies."""
    import_paths(two_lists(tmp_path))
    for names in (
        [IN_CHARLESTON],
        [IN_BERKELEY, IN_DORCHESTER],
        [IN_CHARLESTON, IN_BERKELEY],
        [],
    ):
        ids = list(Agency.objects.filter(name__in=names).values_list("id", flat=True))
        scoped = Agreement.objects.filter(agency_id__in=ids)
        assert [(p.as_of, p.counts) for p in agency_counts_over_time(ids)] == [
            (p.as_of, p.counts) for p in counts_over_time(scoped)
        ]
