"""Every real ICE workbook in $TIDEWATCH_CORPUS, against the counts in its manifest.

The expected numbers below are facts read off the files (shared/data/MANIFEST.md
and docs/sources/ice_287g.md, "Check counts"): data rows, rows per model, the
header variant, and the as-of date.
"""

from __future__ import annotations

import collections
import random
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.fixtures.registry import clear_registry
from tidewatch.agreements.models import Agency, Agreement, Event, Listing
from tidewatch.agreements.reports import agreements_as_of
from tidewatch.pipeline.dating import date_list, split_observed_prefix
from tidewatch.pipeline.importer import import_paths, read_workbook
from tidewatch.publications.models import Publication

# name: (kind, header, rows, JEM, WSO, TFM)
EXPECTED = {
    "2021-01-13_ParticipatingEntities-20210113002027.xlsx": (
        "participating",
        "H1",
        150,
        74,
        76,
        0,
    ),
    "2022-01-04_ParticipatingEntities-20220104000430.xlsx": (
        "participating",
        "H1",
        142,
        66,
        76,
        0,
    ),
    "2023-01-02_ParticipatingEntities-20230102120329.xlsx": (
        "participating",
        "H1",
        140,
        64,
        76,
        0,
    ),
    "2024-01-02_ParticipatingEntities-20240102122914.xlsx": (
        "participating",
        "H1",
        137,
        62,
        75,
        0,
    ),
    "2025-01-04_ParticipatingEntities-20250104041613.xlsx": (
        "participating",
        "H1",
        135,
        60,
        75,
        0,
    ),
    "2025-02-19_ParticipatingEntities-20250219163339.xlsx": (
        "participating",
        "H1",
        145,
        60,
        77,
        8,
    ),
    "2025-02-21_participatingAgencies-20250221214937.xlsx": (
        "participating",
        "P1",
        151,
        60,
        80,
        11,
    ),
    "2025-03-17_participatingAgencies-20250317231040.xlsx": (
        "participating",
        "P2",
        360,
        76,
        144,
        140,
    ),
    "2025-04-03_participatingAgencies-20250403231027.xlsx": (
        "participating",
        "P2",
        444,
        86,
        180,
        178,
    ),
    "2025-05-01_participatingAgencies05012025am.xlsx": (
        "participating",
        "P3",
        517,
        87,
        189,
        241,
    ),
    "2025-06-04_participatingAgencies06042025am.xlsx": (
        "participating",
        "P3",
        641,
        102,
        232,
        307,
    ),
    "2025-06-20_participatingAgencies06202025am.xlsx": (
        "participating",
        "P3",
        719,
        111,
        260,
        348,
    ),
    "2025-07-01_participatingAgencies07012025pm.xlsx": (
        "participating",
        "P4",
        744,
        112,
        269,
        363,
    ),
    "2025-07-11_participatingAgencies07112025am.xlsx": (
        "participating",
        "P5",
        805,
        116,
        291,
        398,
    ),
    "2025-08-01_participatingAgencies08012025am.xlsx": (
        "participating",
        "P5",
        873,
        121,
        316,
        436,
    ),
    "2025-08-04_participatingAgencies08042025pm.xlsx": (
        "participating",
        "P5",
        893,
        121,
        329,
        443,
    ),
    "2025-09-03_participatingAgencies090022025am.xlsx": (
        "participating",
        "P4",
        956,
        127,
        356,
        473,
    ),
    "2025-10-03_participatingAgencies10032025am.xlsx": (
        "participating",
        "P4",
        1035,
        133,
        381,
        521,
    ),
    "2025-11-03_participatingAgencies11032025am.xlsx": (
        "participating",
        "P4",
        1096,
        136,
        406,
        554,
    ),
    "2025-12-01_participatingAgencies12012025am.xlsx": (
        "participating",
        "P4",
        1187,
        139,
        428,
        620,
    ),
    "2026-01-05_participatingAgencies01052025pm.xlsx": (
        "participating",
        "P4",
        1274,
        145,
        445,
        684,
    ),
    "2026-02-02_participatingAgencies02022026am.xlsx": (
        "participating",
        "P4",
        1381,
        151,
        460,
        770,
    ),
    "2026-03-02_participatingAgencies03022026am.xlsx": (
        "participating",
        "P4",
        1499,
        152,
        473,
        874,
    ),
    "2026-04-01_participatingAgencies04012026am.xlsx": (
        "participating",
        "P4",
        1604,
        165,
        480,
        959,
    ),
    "2026-05-01_participatingAgencies05012026am.xlsx": (
        "participating",
        "P4",
        1779,
        178,
        501,
        1100,
    ),
    "2025-02-21_pendingAgencies-20250221214937.xlsx": ("pending", "Q1", 41, 17, 23, 1),
    "2025-03-13_pendingAgencies-20250313172004.xlsx": ("pending", "Q2", 24, 10, 9, 5),
    "2025-03-17_pendingAgencies-20250317231040.xlsx": ("pending", "Q3", 34, 12, 11, 11),
    "2025-04-03_pendingAgencies-20250403231027.xlsx": ("pending", "Q4", 57, 6, 5, 46),
    "2025-05-02_pendingAgencies05022025pm.xlsx": ("pending", "Q4", 81, 8, 23, 50),
    "2025-06-02_pendingAgencies06022025pm.xlsx": ("pending", "Q4", 86, 9, 27, 50),
    "2025-07-01_pendingAgencies07012025pm.xlsx": ("pending", "Q4", 63, 8, 24, 31),
    "2025-08-01_pendingAgencies08012025am.xlsx": ("pending", "Q4", 27, 0, 13, 14),
    "2025-09-02_pendingAgencies09022025am.xlsx": ("pending", "Q4", 19, 1, 7, 11),
    "2025-10-01_pendingAgencies10012025am.xlsx": ("pending", "Q4", 34, 6, 11, 17),
    "2025-11-03_pendingAgencies11032025am.xlsx": ("pending", "Q4", 53, 6, 13, 34),
    "2025-11-10_pendingAgencies11102025am.xlsx": ("pending", "Q4", 0, 0, 0, 0),
    "2025-12-01_pendingAgencies12012025am.xlsx": ("pending", "Q4", 14, 3, 6, 5),
    "2026-01-05_pendingAgencies01052025pm.xlsx": ("pending", "Q4", 30, 2, 2, 26),
    "2026-02-09_pendingAgencies02092026am.xlsx": ("pending", "Q5", 30, 2, 3, 25),
}
HIDDEN_ROWS = {"2025-06-20_participatingAgencies06202025am.xlsx": 371}
EMPTY = "2025-11-10_pendingAgencies11102025am.xlsx"
# The one file whose name gives no usable date (a typo): dated by first sighting.
FIRST_OBSERVED = {"2025-09-03_participatingAgencies090022025am.xlsx"}


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(
        [
            *corpus.glob("ice_sheets/*/*.xlsx"),
            *corpus.glob("ice_html_table_extracts_pre2025/*.xlsx"),
        ]
    )


@pytest.mark.corpus
def test_every_corpus_workbook_is_known(corpus):
    names = {p.name for p in corpus_files(corpus)}
    assert names == set(EXPECTED), "a corpus file without expected counts: add them"


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_workbook_parses_to_the_manifest_counts(corpus, name):
    (path,) = [p for p in corpus_files(corpus) if p.name == name]
    kind, header, rows, jem, wso, tfm = EXPECTED[name]
    read = read_workbook(path)
    assert (read.kind, read.header_code, read.row_count) == (kind, header, rows)
    models = collections.Counter(r.model for r in read.records)
    assert (models["JEM"], models["WSO"], models["TFM"]) == (jem, wso, tfm)
    assert read.rejects == []
    assert sum(r.hidden for r in read.records) == HIDDEN_ROWS.get(name, 0)
    assert all(r.row_number >= 2 and r.sheet == read.sheet for r in read.records)


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_as_of_date_from_the_original_name(corpus, name):
    (path,) = [p for p in corpus_files(corpus) if p.name == name]
    observed, original = split_observed_prefix(name)
    read = read_workbook(path)
    signed = [r.signed_date for r in read.records if r.signed_date]
    latest = max(signed) if signed else None
    dated = date_list(
        original, observed=observed, latest_signed=latest, header_code=read.header_code
    )
    assert dated.date == observed
    if name not in FIRST_OBSERVED:
        # Without any sighting date, the name, signing dates and header suffice.
        alone = date_list(
            original, observed=None, latest_signed=latest, header_code=read.header_code
        )
        assert alone.date == observed


def _history():
    return sorted(
        Event.objects.values_list("agreement_id", "kind", "date", "details"), key=repr
    )


_clear = clear_registry


@pytest.fixture(scope="module")
def imported(corpus, django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole corpus imported once for this module (in date order)."""
    from django.conf import settings

    settings.ARCHIVE_DIR = tmp_path_factory.mktemp("archive")
    with django_db_blocker.unblock():
        _clear()
        report = import_paths(
            [corpus / "ice_sheets", corpus / "ice_html_table_extracts_pre2025"]
        )
        yield report, _history()
        _clear()


@pytest.mark.corpus
@pytest.mark.django_db
def test_whole_corpus_imports(imported):
    report, _ = imported
    assert report.errors == [
        f"{EMPTY}: empty list: the pending list has a header but "
        "no rows; kept in the archive, not used as a list (an empty "
        "list never removes agreements)"
    ]
    assert Publication.objects.count() == len(EXPECTED) - 1
    by_name = {p.name: p for p in Publication.objects.all()}
    for name, (kind, header, rows, *_models) in EXPECTED.items():
        if name == EMPTY:
            continue
        publication = by_name[name]
        assert (
            publication.kind,
            publication.header_code,
            publication.row_count,
            publication.as_of,
        ) == (kind, header, rows, split_observed_prefix(name)[0])
    # West York Borough PD's TFM row appears twice in the 2025-08-04 list.
    dup = by_name["2025-08-04_participatingAgencies08042025pm.xlsx"]
    assert (dup.row_count, dup.agreement_count, dup.duplicate_row_count) == (
        893,
        892,
        1,
    )
    assert (
        Listing.objects.filter(
            publication=dup,
            agreement__agency__name="West York Borough Police Department",
        )
        .get()
        .duplicate_rows
        != []
    )


@pytest.mark.corpus
@pytest.mark.django_db
def test_corpus_identities(imported):
    # ICE wrote "Wyoming Highway State Patrol" and "Wyoming State Highway Patrol".
    assert (
        Agency.objects.filter(
            state="WY",
            aliases__name__in=[
                "Wyoming Highway State Patrol",
                "Wyoming State Highway Patrol",
            ],
        )
        .distinct()
        .count()
        == 1
    )
    # Bradley County Constable Districts 6 and 7 are different agencies.
    assert (
        Agency.objects.filter(
            state="TN", name__startswith="Bradley County Constable"
        ).count()
        >= 2
    )
    # As of the latest list, the export holds its 178 JEM, 501 WSO and 1,100 TFM
    # rows, one agreement each.
    latest = agreements_as_of(date(2026, 5, 1), "participating")
    models = collections.Counter(r["model"] for r in latest)
    assert (models["JEM"], models["WSO"], models["TFM"]) == (178, 501, 1100)


@pytest.mark.corpus
@pytest.mark.django_db
def test_end_of_pending_list_is_not_a_withdrawal(imported):
    pending_may = agreements_as_of(date(2026, 5, 1), "pending")
    assert pending_may, "agreements on the last pending list stay pending"
    assert {r["last_listed"] for r in pending_may} == {date(2026, 2, 9)}
    assert not Event.objects.filter(
        kind="pending_dropped", date__gt=date(2026, 2, 9)
    ).exists()
    # The empty pending list of 2025-11-10 dropped nobody either.
    assert not Event.objects.filter(date=date(2025, 11, 10)).exists()


@pytest.mark.corpus
@pytest.mark.django_db
def test_reimport_changes_nothing(imported, corpus):
    _, before = imported
    again = import_paths(
        [corpus / "ice_sheets", corpus / "ice_html_table_extracts_pre2025"]
    )
    assert (
        sum(1 for f in again.files if "already imported" in f.line) == len(EXPECTED) - 1
    )
    assert _history() == before


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.django_db
def test_shuffled_order_gives_the_same_history(imported, corpus, tmp_path):
    _, in_order = imported
    ids = sorted(
        Agreement.objects.values_list(
            "id", "status", "signed_date", "first_listed", "last_listed"
        )
    )
    _clear()
    files = corpus_files(corpus)
    random.Random(287).shuffle(files)
    # One file per call, so lists keep arriving older than ones already loaded.
    for path in files:
        copy = tmp_path / path.name
        shutil.copyfile(path, copy)
        import_paths([copy])
    assert _history() == in_order
    assert (
        sorted(
            Agreement.objects.values_list(
                "id", "status", "signed_date", "first_listed", "last_listed"
            )
        )
        == ids
    )
