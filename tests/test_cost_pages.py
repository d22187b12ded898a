"""The "What it costs" section of county and agency pages: the range, the
line items, the assumptions with their sources and the open questions, in
English and Spanish, and the plain answer where there is nothing to estimate.

The agencies are real South Carolina agencies; their models and dates are
made up for the tests.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.html import escape

from tests.fixtures.workbooks import Q4_HEADER, Row, write_list
from tidewatch.costmodel import Program, Spread, estimate
from tidewatch.costmodel import parameters as params
from tidewatch.costs import estimates, records
from tidewatch.costs.models import ParameterRecord
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.publications.models import Publication
from tidewatch.site import cost_charts, cost_slot

pytestmark = pytest.mark.django_db

SC = "SOUTH CAROLINA"
CHARLESTON, BERKELEY, DORCHESTER = "45019", "45015", "45035"
SHERIFF = "sc-charleston-county-sheriffs-office"
TASK_FORCE = "sc-berkeley-county-sheriffs-office"
PENDING_ONLY = "sc-goose-creek-police-department"
PLACEHOLDER = "Example County records response (placeholder, not a real record)"


def cost_lists(folder: Path) -> list[Path]:
    """Charleston County's sheriff with a JEM; Berkeley County's sheriff with
    a TFM (on a list after Oct 1, 2025: the federal incentives apply); a city
    police department on the pending list only; nothing in Dorchester."""
    return [
        write_list(
            folder / "participatingAgencies11012025am.xlsx",
            [
                Row(
                    SC,
                    "Charleston County Sheriff's Office",
                    "Jail Enforcement Model",
                    county="Charleston County",
                    signed=datetime(2024, 3, 10),
                ),
                Row(
                    SC,
                    "Berkeley County Sheriff's Office",
                    "Task Force Model",
                    county="Berkeley County",
                    signed=datetime(2025, 6, 2),
                ),
            ],
        ),
        write_list(
            folder / "pendingAgencies11022025am.xlsx",
            [
                Row(
                    SC,
                    "Goose Creek Police Department",
                    "Task Force Model",
                    type="Municipality",
                    county="Berkeley County",
                )
            ],
            Q4_HEADER,
        ),
    ]


@pytest.fixture
def places(tmp_path) -> list[Path]:
    files = cost_lists(tmp_path)
    import_paths(files)
    service.refresh()
    return files


def section(page: str) -> str:
    """The cost section of a page."""
    start = page.index('<section class="slot cost"')
    return page[start : page.index("</section>", start)]


def headline(html: str) -> float:
    """The local net cost's "about $X a year", in dollars."""
    found = re.search(
        r'<div class="cost-figure cost-local[^"]*"><dt>[^<]*</dt><dd><strong>'
        r"[^$<]*\$([\d.,]+)( million)?",
        html,
    )
    assert found, "no local net cost in the section"
    number = float(found[1].replace(",", ""))
    return number * 1_000_000 if found[2] else number


def test_county_page_shows_the_range_items_assumptions_and_questions(client, places):
    cost = estimates.for_county(CHARLESTON)
    html = section(client.get(f"/en/county/{CHARLESTON}/").content.decode())
    # Which view it is, and the way to the other one.
    assert "Showing: fully allocated cost, 287(g) agreement only." in html
    assert f'href="/en/county/{CHARLESTON}/?cost_view=incremental#costs"' in html
    assert f'href="/en/county/{CHARLESTON}/?cost_scope=all-ice#costs"' in html
    # The median and its range, the public total beside it, hours.
    with translation.override("en"):
        p50, p10, p90 = (
            cost_charts.money(v)
            for v in (cost.estimate.local_net.p50, cost.estimate.local_net.p10,
                      cost.estimate.local_net.p90)
        )  # fmt: skip
        total = cost_charts.money(cost.estimate.public_total.p50)
    assert f"<strong>about {p50} a year</strong>" in html
    assert f"likely between {p10} and {p90}" in html
    assert "Public total (all payers)" in html and f"about {total} a year" in html
    assert "Employee hours" in html and "hours a year" in html
    # The breakdown: a chart and its table, costs and offsets told apart.
    assert '<svg class="cost-chart cost-items"' in html
    assert 'fill="url(#cost-items-hatch)"' in html  # an offset's pattern
    assert "paid back: federal money" in html
    assert "Jail days of people held for ICE" in html and ">L4</span>" in html
    assert '<th scope="col">Likely range</th>' in html
    # The tornado, also as a table.
    assert '<svg class="cost-chart cost-tornado"' in html
    assert html.count('<tr><th scope="row">') >= len(cost.estimate.tornado)
    # The assumptions with their sources; assumptions marked as such.
    assert "Full cost of a jail day" in html and "$100 a day" in html
    assert escape(params.get("jail_cost_per_day").source) in html
    assert '<strong class="assumed">assumption</strong>' in html
    # The unknowns as questions, and the general ones.
    assert "What does a day in the jail cost, on average?" in html
    assert "What does it do to trust" in html
    # Where the numbers come from: the ICE list, the draws, the method.
    latest = Publication.objects.get(kind=Publication.PARTICIPATING)
    assert f'href="/raw/{latest.raw_file.sha256}/"' in html
    assert "participatingAgencies11012025am.xlsx" in html
    assert "10,000 draws, seed 287" in html
    assert 'href="/en/about/costs/"' in html
    assert f'href="/api/costs/county/{CHARLESTON}"' in html
    # A JEM only: the 2025 incentives are not counted, and the page says why.
    assert "whether jail and warrant service officers qualify" in html


def test_spanish_county_page_has_the_section_in_spanish(client, places):
    html = section(client.get(f"/es/county/{CHARLESTON}/").content.decode())
    assert "Cuánto cuesta" in html
    assert "Se muestra: costo totalmente asignado, solo el acuerdo 287(g)." in html
    assert "Costo neto local" in html and "probablemente entre" in html
    assert "Costo completo de un día de cárcel" in html and "$100 al día" in html
    assert "¿Cuánto cuesta en promedio un día en la cárcel?" in html
    assert "Días de cárcel de personas retenidas para ICE" in html
    assert "10 000 sorteos" in html or "10\xa0000 sorteos" in html
    # The model's English words do not leak onto the Spanish page, and the
    # sources quoted in English say so.
    for english in ("Full cost of a jail day", "What does a day in the jail cost"):
        assert english not in html
    source = escape(params.get("jail_cost_per_day").source)
    assert f'<td lang="en">{source}' in html


def test_incremental_view_lowers_a_jail_county_cost(client, places):
    base = f"/en/county/{CHARLESTON}/"
    allocated = section(client.get(base).content.decode())
    incremental = section(client.get(base + "?cost_view=incremental").content.decode())
    assert "Showing: incremental cost, 287(g) agreement only." in incremental
    assert f'href="{base}#costs">Show the fully allocated cost' in incremental
    assert headline(incremental) < headline(allocated)


def test_unknown_view_or_scope_shows_the_default(client, places):
    html = section(
        client.get(
            f"/en/county/{CHARLESTON}/?cost_view=cash&cost_scope=%3Cb%3E"
        ).content.decode()
    )
    assert "Showing: fully allocated cost, 287(g) agreement only." in html
    assert "<b>" not in html


def test_agency_page_shows_its_section_with_the_task_force_incentives(client, places):
    html = section(client.get(f"/en/agency/{TASK_FORCE}/").content.decode())
    assert "Local net cost (the local budget)" in html
    assert "The 2025 federal incentives for task force officers are counted" in html
    assert "Federal reimbursement of task force pay" in html
    assert f'href="/en/agency/{TASK_FORCE}/?cost_view=incremental#costs"' in html
    assert f'href="/api/costs/agency/{TASK_FORCE}"' in html


def test_a_record_replaces_the_default_and_says_where_it_came_from(client, places):
    record = ParameterRecord(
        place_kind=ParameterRecord.COUNTY,
        place_key=CHARLESTON,
        parameter="jail_cost_per_day",
        value=132,
        source=PLACEHOLDER,
        source_date=date(2025, 6, 1),
    )
    records.store(record, entered_by="test")
    html = section(client.get(f"/en/county/{CHARLESTON}/").content.decode())
    row = html.split("Full cost of a jail day</th>")[1].split("</tr>")[0]
    assert "$132 a day" in row and "from a record" in row
    assert f"From a record: {PLACEHOLDER}, June 1, 2025" in row
    # Answered: no longer asked.
    assert "What does a day in the jail cost, on average?" not in html


def test_no_agreement_in_force_shows_no_numbers_but_the_questions(client, places):
    for path in (f"/en/county/{DORCHESTER}/", f"/en/agency/{PENDING_ONLY}/"):
        html = section(client.get(path).content.decode())
        assert "No estimate: no agreement here is in force" in html
        assert "$" not in html and "<svg" not in html
        assert "What does it do to trust" in html
    html = section(client.get("/es/state/SC/").content.decode())
    assert "Tidewatch estima el costo en la página de cada condado" in html
    assert "$" not in html


# --- The wording, without a database -----------------------------------------


def jail_estimate():
    return estimate([Program("JEM", 2, 0, "SC")], as_of=date(2026, 5, 1))


@pytest.mark.parametrize(
    ("value", "english", "spanish"),
    [
        (2_291_222, "$2.3 million", "$2,3 millones"),
        (1_004_000, "$1 million", "$1 millón"),
        (282_421, "$280,000", "$280 000"),
        (15.2, "$15", "$15"),
        (-8_995, "$9,000", "$9 000"),  # money has no sign: net() words it
    ],
)
def test_money_is_rounded_for_reading_in_each_language(value, english, spanish):
    with translation.override("en"):
        assert cost_charts.money(value) == english
    with translation.override("es"):
        # Spanish groups digits with a (non-breaking) space.
        assert cost_charts.money(value).replace("\xa0", " ") == spanish


def test_net_revenue_is_said_in_words_never_as_a_negative_cost():
    revenue = replace(
        jail_estimate(),
        local_net=Spread(point=-90_000, p10=-150_000, p50=-100_000, p90=-40_000),
    )
    with translation.override("en"):
        context = cost_slot.slot_context(revenue, path="/en/county/45019/")
    assert context["local"]["about"] == "net revenue of about $100,000 a year"
    assert context["local"]["range"] == (
        "likely between $40,000 and $150,000 of net revenue"
    )
    assert context["revenue_text"].startswith("Net revenue:")
    assert "Together they give net revenue of $90,000 a year" in context["body"]
    straddle = replace(
        revenue, local_net=Spread(point=5_000, p10=-20_000, p50=10_000, p90=60_000)
    )
    with translation.override("en"):
        context = cost_slot.slot_context(straddle, path="/en/county/45019/")
    assert context["local"]["about"] == "about $10,000 a year"
    assert context["local"]["range"] == (
        "likely between net revenue of $20,000 and a cost of $60,000"
    )
    shown = " ".join(str(v) for v in context.values())
    assert not re.search(r"[-−]\s*\$", shown)


def test_charts_distinguish_offsets_and_have_text_alternatives():
    with translation.override("en"):
        context = cost_slot.slot_context(jail_estimate(), path="/en/county/45019/")
    items = str(context["body"]).split('<svg class="cost-chart cost-tornado"')[0]
    assert '<title id="cost-items-title">' in items and "<desc " in items
    costs = re.findall(r'<rect class="bar cost"[^>]*>', items)
    offsets = re.findall(r'<rect class="bar offset"[^>]*>', items)
    assert costs and offsets
    assert all("url(#cost-items-hatch)" in bar for bar in offsets)
    assert not any("url(" in bar for bar in costs)
    tornado = str(context["body"]).split('<svg class="cost-chart cost-tornado"')[1]
    assert tornado.count('<g class="row">') == len(jail_estimate().tornado)
    assert "values used:" in tornado


def test_parameter_values_read_with_their_units():
    with translation.override("en"):
        assert cost_charts.with_unit(60_000, "USD/year") == "$60,000 a year"
        assert cost_charts.with_unit(1, "officers") == "1 officer"
        assert cost_charts.with_unit(0.4, "share") == "40%"
        assert cost_charts.with_unit(0.7, "USD/mile") == "$0.70 a mile"
    with translation.override("es"):
        assert cost_charts.with_unit(16, "officers") == "16 agentes"


def test_the_incentives_line_says_when_they_count_and_why_not():
    after, before = date(2026, 5, 1), date(2025, 9, 1)
    mixed = estimate([Program("JEM", 1), Program("TFM", 1)], as_of=after, draws=200)
    early = estimate([Program("TFM", 1)], as_of=before, draws=200)
    jail = estimate([Program("JEM", 1)], as_of=after, draws=200)
    with translation.override("en"):
        counted, not_yet, never = (
            cost_slot.incentives_text(e) for e in (mixed, early, jail)
        )
    assert counted.startswith("The 2025 federal incentives for task force officers")
    assert "are counted" in counted and "Oct. 1, 2025" in counted
    assert "not counted for the jail and warrant service agreements" in counted
    assert "they start on Oct. 1, 2025, after the date of this estimate" in not_yet
    assert "whether jail and warrant service officers qualify" in never
    with translation.override("es"):
        assert "25 % del sueldo" in cost_slot.incentives_text(mixed)
