"""`tidewatch cost ...`: the estimate a resident or reporter runs, the values
they try with --set (checked, never stored), and the records commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.test_cost_inputs import CHARLESTON, PLACEHOLDER, SHERIFF, cost_lists
from tidewatch.cli import app
from tidewatch.costmodel import parameters as params
from tidewatch.costs.models import ParameterRecord
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service

pytestmark = pytest.mark.django_db
runner = CliRunner()
HEADER = "place,parameter,value,unit,dollar_year,low,high,source,source_date"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def charleston(tmp_path):
    import_paths(cost_lists(tmp_path / "lists"))
    service.refresh()


def estimate_json(*args) -> dict:
    result = invoke("cost", "estimate", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_estimate_table_names_the_place_its_agreements_and_sources(charleston):
    result = invoke("cost", "estimate", "--county", CHARLESTON)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Charleston County, South Carolina (county 45019)" in out
    assert "participatingAgencies04012025am.xlsx" in out
    assert "JEM  Charleston County Sheriff's Office" in out
    assert "TFM  North Charleston Police Department" in out
    assert "South Carolina Department of Public Safety" in out  # not counted
    assert "dollars of 2025" in out and "10,000 draws, seed 287" in out
    assert "Local net cost" in out and "Public total" in out
    assert "Questions to ask:" in out
    assert "What does a day in the jail cost, on average?" in out


def test_estimate_json_is_complete_and_ordered(charleston):
    data = estimate_json("--county", CHARLESTON, "--draws", "2000")
    assert (data["dollar_year"], data["seed"], data["draws"]) == (2025, 287, 2000)
    for name in ("local_net", "public_total", "federal", "hours"):
        spread = data[name]
        assert isinstance(spread["p50"], float)
        assert spread["p10"] <= spread["p50"] <= spread["p90"], name
    assert {p["model"]: p["agreements"] for p in data["programs"]} == {
        "JEM": 1,
        "TFM": 1,
        "WSO": 1,
    }
    assert data["ice_list"]["as_of"] == "2025-04-01"
    assert len(data["tornado"]) == 10
    assert data["view"] == "allocated" and data["scope"] == "287g"


def test_set_values_change_the_result_and_are_shown(charleston):
    plain = estimate_json("--county", CHARLESTON)
    given = estimate_json(
        "--county", CHARLESTON,
        "--set", "jail_cost_per_day=150 USD/day",
        "--set", "jem_ot_share=20 %",
        "--view", "allocated",
    )  # fmt: skip
    assert given["local_net"]["point"] > plain["local_net"]["point"]
    assert {s["parameter"]: s["value"] for s in given["set"]} == {
        "jail_cost_per_day": 150,
        "jem_ot_share": pytest.approx(0.20),
    }
    assert ParameterRecord.objects.count() == 0


def test_set_year_converts_dollars(charleston):
    at_2025 = estimate_json("--agency", SHERIFF, "--set", "jail_cost_per_day=100")
    at_2010 = estimate_json(
        "--agency", SHERIFF, "--set", "jail_cost_per_day=100", "--set-year", "2010"
    )
    l4 = {d["code"]: d["point"] for d in at_2010["items"]}["L4"]
    assert l4 > {d["code"]: d["point"] for d in at_2025["items"]}["L4"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("jail_costs=132", "jail_costs: no such parameter"),
        ("jail_cost_per_day=132 USD/week", "jail_cost_per_day: given in USD/week"),
        ("jail_cost_per_day=5000", "jail_cost_per_day: 5,000 USD/day is out of range"),
        ("hold_extra_days=many", "hold_extra_days: 'many' is not a number"),
        ("jail_cost_per_day", "is not name=value"),
    ],
)
def test_a_bad_set_value_exits_2_naming_it(charleston, value, message):
    result = invoke("cost", "estimate", "--county", CHARLESTON, "--set", value)
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())
    assert ParameterRecord.objects.count() == 0


def test_one_place_is_required(charleston):
    assert invoke("cost", "estimate").exit_code == 2
    both = invoke("cost", "estimate", "--county", CHARLESTON, "--agency", SHERIFF)
    assert both.exit_code == 2
    unknown = invoke("cost", "estimate", "--county", "99999")
    assert unknown.exit_code == 2 and "99999" in unknown.output


def test_a_place_without_agreements_in_force_says_so(charleston):
    result = invoke("cost", "estimate", "--county", "45043")  # Georgetown County
    assert result.exit_code == 1
    assert "nothing to estimate" in result.stderr


def test_params_list_has_every_parameter():
    result = invoke("cost", "params", "list", "--format", "json")
    assert result.exit_code == 0
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(params.BY_NAME) <= set(rows)
    salary = rows["salary"]
    assert (salary["default"], salary["unit"], salary["dollar_year"]) == (
        60_000,
        "USD/year",
        2025,
    )
    table = invoke("cost", "params", "list").stdout
    assert "jail_cost_per_day" in table and "USD/day" in table


def test_params_import_and_history(charleston, tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(
        f"{HEADER}\n"
        f'county:{CHARLESTON},jail_cost_per_day,132,USD/day,,,,"{PLACEHOLDER}",'
        "2025-06-01\n",
        encoding="utf-8",
    )
    first = invoke("cost", "params", "import", path, "--entered-by", "tester")
    assert first.exit_code == 0
    assert first.stdout.strip() == "1 records stored (0 unchanged)"
    again = invoke("cost", "params", "import", path)
    assert again.stdout.strip() == "0 records stored (1 unchanged)"
    history = invoke("cost", "params", "history", "--county", CHARLESTON)
    assert "jail_cost_per_day" in history.stdout and "current" in history.stdout
    assert PLACEHOLDER in history.stdout
    table = invoke("cost", "estimate", "--county", CHARLESTON).stdout
    assert "jail_cost_per_day = 132 USD/day (Charleston County, South " in table
    assert PLACEHOLDER in table


def test_params_import_of_a_bad_file_exits_1_and_stores_nothing(charleston, tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(
        f"{HEADER}\n"
        f'county:{CHARLESTON},jail_cost_per_day,132,,,,,"{PLACEHOLDER}",2025-06-01\n'
        f'county:{CHARLESTON},jem_ot_share,5,USD,,,,"{PLACEHOLDER}",2025-06-01\n',
        encoding="utf-8",
    )
    result = invoke("cost", "params", "import", path)
    assert result.exit_code == 1
    assert "records.csv line 3: jem_ot_share: given in USD" in result.stderr
    assert "nothing stored" in result.stderr
    assert ParameterRecord.objects.count() == 0
