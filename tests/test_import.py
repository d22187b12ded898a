"""import_paths(): archive, read, date, load; idempotent and order-independent."""

from __future__ import annotations

import random
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.fixtures.workbooks import P4_HEADER, Q4_HEADER, Row, moa, write_list
from tidewatch.agreements.models import Agency, Agreement, Event, Listing
from tidewatch.pipeline.importer import import_paths
from tidewatch.publications.models import Observation, Publication, RawFile, RejectedRow

pytestmark = pytest.mark.django_db

SHERIFF = "Fixture County Sheriff's Office"
POLICE = "Example City Police Department"
JAIL = "Testville Regional Jail"


def lists(folder: Path) -> list[Path]:
    """Four lists telling a small story: listed, promoted, re-dated, removed."""
    return [
        write_list(
            folder / "participatingAgencies03012025am.xlsx",
            [
                Row(
                    "TEXAS",
                    SHERIFF,
                    "Jail Enforcement Model",
                    signed=datetime(2020, 1, 6),
                    moa=moa("FixtureCoTX_JEM.pdf"),
                ),
                Row(
                    "TEXAS",
                    JAIL,
                    "Warrant Service Officer",
                    signed=datetime(2019, 5, 6),
                ),
            ],
        ),
        write_list(
            folder / "pendingAgencies03022025am.xlsx",
            [
                Row(
                    "TEXAS",
                    POLICE,
                    "Task Force Model",
                    type="Municipality",
                    county="Fixture Conty",
                ),
            ],
            Q4_HEADER,
        ),
        write_list(
            folder / "participatingAgencies04012025am.xlsx",
            [
                Row(
                    "TEXAS ",
                    SHERIFF,
                    "Jail Enforcment Model ",
                    signed=datetime(2020, 1, 6),
                    moa=moa("FixtureCoTX_JEM.pdf"),
                ),
                Row("TEXAS", SHERIFF, "Task Force Model", signed=datetime(2025, 3, 20)),
                Row(
                    "TEXAS",
                    POLICE,
                    "Task Force Model",
                    type="Municipality",
                    signed=datetime(2025, 3, 25),
                    hidden=True,
                ),
                Row(
                    "TEXAS",
                    JAIL,
                    "Warrant Service Officer",
                    signed=datetime(2019, 5, 6),
                ),
            ],
        ),
        write_list(
            folder / "participatingAgencies05012025am.xlsx",
            [
                Row(
                    "TEXAS",
                    SHERIFF,
                    "Jail Enforcement Model",
                    signed=datetime(2025, 4, 28),
                    moa=moa("FixtureCoTX_JEM_renewal.pdf"),
                ),
                Row("TEXAS", SHERIFF, "Task Force Model", signed=datetime(2025, 3, 20)),
                Row(
                    "TEXAS",
                    POLICE,
                    "Task Force Model",
                    type="Municipality",
                    signed="05/082025",
                ),
            ],
        ),
    ]


def history() -> list[tuple]:
    return sorted(
        Event.objects.values_list("agreement_id", "kind", "date", "details"), key=repr
    )


def test_import_builds_history(tmp_path):
    report = import_paths(lists(tmp_path))
    assert not report.errors
    assert [f.line.split(":")[0] for f in report.files] == [
        "participatingAgencies03012025am.xlsx",
        "pendingAgencies03022025am.xlsx",
        "participatingAgencies04012025am.xlsx",
        "participatingAgencies05012025am.xlsx",
    ]
    third = report.files[2]
    assert (third.rows, third.agreements, third.rejects, third.new) == (4, 4, 0, 1)
    assert "as of 2025-04-01" in third.line
    events = set((a, k, d) for a, k, d, _ in history())
    jem, tfm = (
        "tx-fixture-county-sheriffs-office-jem",
        "tx-fixture-county-sheriffs-office-tfm",
    )
    police = "tx-example-city-police-department-tfm"
    jail = "tx-testville-regional-jail-wso"
    assert events == {
        (jem, "first_listed", date(2025, 3, 1)),
        (jail, "first_listed", date(2025, 3, 1)),
        (police, "first_listed", date(2025, 3, 2)),
        (tfm, "first_listed", date(2025, 4, 1)),
        (tfm, "model_added", date(2025, 4, 1)),
        (police, "promoted", date(2025, 4, 1)),
        (jem, "signed_date_changed", date(2025, 5, 1)),
        (police, "signed_date_changed", date(2025, 5, 1)),
        (jail, "removed", date(2025, 5, 1)),
    }
    renewal = Event.objects.get(agreement_id=jem, kind="signed_date_changed")
    assert renewal.details["change"] == "renewal"
    jem_row = Agreement.objects.get(id=jem)
    assert jem_row.moa_url.endswith("FixtureCoTX_JEM_renewal.pdf")
    assert Agreement.objects.get(id=jail).status == "removed"
    assert Agency.objects.get(id="tx-example-city-police-department").county == (
        "Fixture County"
    )
    hidden = Listing.objects.get(agreement_id=police, as_of=date(2025, 4, 1))
    assert hidden.hidden and hidden.row_number == 4


def test_reimport_changes_nothing(tmp_path):
    files = lists(tmp_path)
    import_paths(files)
    before = (
        history(),
        Listing.objects.count(),
        Publication.objects.count(),
        Observation.objects.count(),
    )
    again = import_paths(files)
    assert all("already imported" in f.line for f in again.files)
    assert not again.errors
    assert (
        history(),
        Listing.objects.count(),
        Publication.objects.count(),
        Observation.objects.count(),
    ) == before


def test_any_order_gives_the_same_history(tmp_path):
    files = lists(tmp_path)
    import_paths(files)
    in_order = history()
    ids = sorted(Agreement.objects.values_list("id", "status", "signed_date"))
    for model in (Event, Listing, Agreement, Agency, Publication, RawFile):
        model.objects.all().delete()
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    for path in shuffled:  # one at a time, so older lists arrive after newer ones
        assert not import_paths([path]).errors
    assert history() == in_order
    assert sorted(Agreement.objects.values_list("id", "status", "signed_date")) == ids


def test_archive_keeps_bytes_with_name_and_hash(tmp_path, settings):
    path = lists(tmp_path)[0]
    import_paths([path])
    raw = RawFile.objects.get()
    stored = Path(settings.ARCHIVE_DIR) / raw.path
    assert stored.read_bytes() == path.read_bytes()
    assert raw.sha256 in stored.name
    assert raw.observations.get().original_name == path.name


def test_same_bytes_under_another_name_are_not_imported_twice(tmp_path):
    path = lists(tmp_path)[0]
    copy = tmp_path / "copy" / "participatingAgencies03022025pm.xlsx"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    import_paths([path])
    report = import_paths([copy])
    assert "already imported" in report.files[0].line
    assert Publication.objects.count() == 1
    assert RawFile.objects.get().observations.count() == 2


def test_as_of_overrides_and_redates(tmp_path):
    path = lists(tmp_path)[0]
    import_paths([path], as_of=date(2025, 2, 27))
    assert Publication.objects.get().as_of == date(2025, 2, 27)
    report = import_paths([path], as_of=date(2025, 2, 28))
    assert "as-of date changed from 2025-02-27 to 2025-02-28" in report.files[0].line
    assert Event.objects.filter(date=date(2025, 2, 28)).count() == 2


def test_rejected_rows_are_kept_with_the_reason(tmp_path):
    path = write_list(
        tmp_path / "participatingAgencies03012025am.xlsx",
        [
            Row("TEXAS", SHERIFF, signed=datetime(2025, 1, 2)),
            Row("ATLANTIS", POLICE, signed=datetime(2025, 1, 2)),
            Row("TEXAS", JAIL, model=None),
        ],
    )
    report = import_paths([path])
    assert report.files[0].rejects == 2
    assert sorted(RejectedRow.objects.values_list("row_number", "reason")) == [
        (3, "unknown state 'ATLANTIS'"),
        (4, "SUPPORT TYPE is blank"),
    ]
    assert Agreement.objects.count() == 1


def test_empty_list_is_refused_and_removes_nothing(tmp_path):
    files = lists(tmp_path)
    import_paths(files[:2])
    empty = write_list(tmp_path / "pendingAgencies03102025am.xlsx", [], Q4_HEADER)
    report = import_paths([empty])
    (line,) = report.errors
    assert line.startswith("pendingAgencies03102025am.xlsx: empty list")
    assert Agreement.objects.get(id="tx-example-city-police-department-tfm").status == (
        "pending"
    )
    assert RawFile.objects.get(observations__original_name=empty.name).status == (
        "rejected"
    )


def _bad_file(folder: Path, case: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{case}.xlsx"
    if case == "html":  # an error page saved under the workbook's name
        path.write_text("<!DOCTYPE html><html><body>Access denied</body></html>")
    elif case == "encrypted":  # password-protected xlsx files are OLE2 containers
        path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504)
    elif case == "truncated":
        good = write_list(folder / "good.xlsx", [Row("TEXAS", SHERIFF)])
        path.write_bytes(good.read_bytes()[:1500])
    elif case == "bomb":  # 20 MB of zeros packed into a few kilobytes
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    elif case == "noheader":
        write_list(path, [], ["NAME", "ADDRESS"])
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("html", "not an xlsx: looks like an HTML page"),
        ("encrypted", "encrypted or password-protected workbook"),
        ("truncated", "corrupt workbook"),
        ("bomb", "looks like a zip bomb"),
        ("noheader", "no recognisable header"),
    ],
)
def test_bad_files_get_one_clear_line_and_change_nothing(tmp_path, case, message):
    good = lists(tmp_path / "good")
    import_paths(good[:2])
    before = (history(), Listing.objects.count(), Publication.objects.count())
    bad = _bad_file(tmp_path / "bad", case)
    report = import_paths([bad, good[2]])
    (line,) = report.errors
    assert line.startswith(f"{bad.name}: ")
    assert message in line
    assert "\n" not in line and "Traceback" not in line
    # the good file beside it still imported, and nothing of the bad one
    assert Publication.objects.count() == before[2] + 1
    assert not Publication.objects.filter(name=bad.name).exists()


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("TIDEWATCH_MAX_FILE_MB", "0")
    path = lists(tmp_path)[0]
    report = import_paths([path])
    assert "over the limit" in report.errors[0]
    assert not RawFile.objects.exists()


def test_missing_path_is_named(tmp_path):
    report = import_paths([tmp_path / "nope.xlsx"])
    assert report.errors == [f"{tmp_path / 'nope.xlsx'}: no such file or folder"]


def test_folder_import_finds_workbooks(tmp_path):
    lists(tmp_path / "lists")
    (tmp_path / "lists" / "notes.txt").write_text("not a workbook")
    report = import_paths([tmp_path / "lists"])
    assert len(report.files) == 4 and not report.errors


def test_header_p4_blank_cells(tmp_path):
    path = write_list(
        tmp_path / "participatingAgencies03012025am.xlsx",
        [Row("TEXAS", SHERIFF)],
        P4_HEADER,
    )
    import_paths([path])
    assert Publication.objects.get().header_code == "P4"


def test_runs_are_recorded_and_interrupted_ones_marked(tmp_path):
    from tidewatch.publications.models import ImportRun

    stale = ImportRun.objects.create(command="import", pid=2**22 + 12345)  # no such pid
    import_paths(lists(tmp_path)[:1])
    stale.refresh_from_db()
    assert stale.status == ImportRun.INTERRUPTED
    latest = ImportRun.objects.exclude(pk=stale.pk).get()
    assert latest.status == ImportRun.OK and latest.finished_at is not None


def test_two_different_files_with_one_name_both_import(tmp_path):
    # ICE posted two versions of participatingAgencies07032025pm.xlsx.
    first = write_list(
        tmp_path / "a" / "participatingAgencies07032025pm.xlsx",
        [Row("TEXAS", SHERIFF, signed=datetime(2025, 6, 2))],
    )
    second = write_list(
        tmp_path / "b" / "participatingAgencies07032025pm.xlsx",
        [
            Row("TEXAS", SHERIFF, signed=datetime(2025, 6, 2)),
            Row("TEXAS", POLICE, signed=datetime(2025, 6, 30)),
        ],
    )
    report = import_paths([first, second])
    assert not report.errors
    assert [f.agreements for f in report.files] == [1, 2]
    assert Publication.objects.count() == 2


def test_rejected_files_are_read_again_only_when_asked(tmp_path, monkeypatch):
    path = lists(tmp_path)[0]
    monkeypatch.setenv("TIDEWATCH_MAX_ROWS", "1")
    assert "too many rows" in import_paths([path]).errors[0]
    monkeypatch.delenv("TIDEWATCH_MAX_ROWS")
    again = import_paths([path])
    assert again.errors[0].endswith("(rejected before)")
    retried = import_paths([path], retry_rejected=True)
    assert not retried.errors and Publication.objects.count() == 1


def test_rebuild_rereads_archived_files_and_keeps_history(tmp_path):
    from tidewatch.pipeline.rebuild import rebuild

    import_paths(lists(tmp_path))
    before = history()
    Publication.objects.update(records=[])  # as if stored by an older parser
    report = rebuild(reread=True)
    assert (report.publications, report.reread, report.problems) == (4, 4, [])
    assert history() == before
    assert Listing.objects.count() == 10


def test_rebuild_replays_stored_records(tmp_path):
    from tidewatch.pipeline.rebuild import rebuild

    import_paths(lists(tmp_path))
    before = history()
    Event.objects.all().delete()
    assert rebuild().events == len(before)
    assert history() == before
