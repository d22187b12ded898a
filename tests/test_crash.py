"""Crash consistency: SIGKILL `tidewatch import` at random moments.

Each trial restores a snapshot of a registry holding one list, starts
``tidewatch import`` on the next lists in a subprocess, kills its process
group (the import and its parser children) with SIGKILL, and then checks that

(a) the registry tables hold exactly one of the valid states: the starting
    state or the state after 1..k of the k publications (each publication is
    one transaction, load.py), never anything in between;
(b) SQLite reports no corruption (``PRAGMA integrity_check``, foreign keys);
(c) the archive holds no truncated file (every file's SHA-256 is its name),
    temporary ``.partial-*`` files are never referenced by a RawFile row,
    and a RawFile is "published" exactly when its Publication exists;
(d) an uninterrupted import afterwards exits 0 and reaches the final state.

The valid states come from uninterrupted imports of the same files, one per
run, in the order an import of all of them loads them; that import must end
in the same state. Kills are seeded (random.Random(287)): even trials at a
uniform moment between 20% and 100% of an uninterrupted run, odd trials a
random part of the way into a random publication's transaction (the moment
is taken from the log), so that kills land in transactions on any machine.
Every kill is classified from the run's log (``publication <sha12>:
transaction started`` / ``committing``, load.py) and the log is checked
against the state found. Everything runs in subprocesses with their own data
folder and database: SQLite always, PostgreSQL too when DATABASE_URL points
at a PostgreSQL server (a scratch database is created there and dropped).

The real ICE workbooks are used when TIDEWATCH_CORPUS is set; otherwise
invented workbooks of a few thousand rows are written with
tests/fixtures/workbooks.py, so the test runs everywhere.

A negative control (``test_harness_detects_non_atomic_loads``) runs only when
TIDEWATCH_CRASH_NEGATIVE_CONTROL=1: the same harness, with the loader's
``transaction.atomic`` replaced by a no-op in the child, must report a state
that is not valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.fixtures.workbooks import Q4_HEADER, Row, write_list

pytestmark = pytest.mark.slow

TRIALS = 24
SEED = 287
MIN_KILLS_INSIDE = 3
REPO = Path(__file__).resolve().parents[1]

CORPUS_FIRST = (
    "ice_sheets/participating/2025-05-01_participatingAgencies05012025am.xlsx"
)
CORPUS_NEXT = (
    "ice_sheets/pending/2026-02-09_pendingAgencies02092026am.xlsx",
    "ice_sheets/participating/2026-04-01_participatingAgencies04012026am.xlsx",
    "ice_sheets/participating/2026-05-01_participatingAgencies05012026am.xlsx",
)

# Registry tables and the columns left out of the fingerprint (auto ids and
# timestamps). Foreign keys to publications and raw files are replaced by the
# raw file's SHA-256, so the fingerprint does not depend on auto ids.
TABLES: dict[str, frozenset[str]] = {
    "publications_publication": frozenset({"id", "loaded_at", "observed_at"}),
    "publications_rejectedrow": frozenset({"id"}),
    "agreements_agency": frozenset(),
    "agreements_agencyalias": frozenset({"id"}),
    "agreements_agreement": frozenset(),
    "agreements_listing": frozenset({"id"}),
    "agreements_event": frozenset({"id"}),
}
PUBLICATION_KEYS = ("publication_id", "previous_publication_id")

LOG_LINE = re.compile(
    r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),(\d{3}) \d+ \S+ INFO "
    r"publication ([0-9a-f]{12}): (transaction started|committing)$"
)
STARTED, COMMITTING = "transaction started", "committing"

# Runs the CLI with the loader's transaction.atomic made a no-op (negative
# control only): every statement then commits on its own.
NON_ATOMIC_CLI = (
    "import contextlib, sys\n"
    "import django.db.transaction\n"
    "django.db.transaction.atomic = lambda *a, **k: contextlib.nullcontext()\n"
    "from tidewatch.cli import main\n"
    "sys.argv[0] = 'tidewatch'\n"
    "main()\n"
)


# --- databases --------------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def _with_database(url: str, name: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)._replace(path=f"/{name}")
    if scheme:
        parts = parts._replace(scheme=scheme)
    return parts.geturl()


class SqliteDatabase:
    """A SQLite file under tmp_path; snapshots are copies of the file."""

    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        self.path = folder / "tidewatch.sqlite3"
        self.snapshot_path = folder / "start.sqlite3"
        self.url = f"sqlite:///{self.path}"

    def _companions(self) -> list[Path]:
        return [self.path.with_name(self.path.name + s) for s in ("-wal", "-shm")]

    def settle(self) -> None:
        """Nothing to wait for: a killed process's locks go with it."""

    def snapshot(self) -> None:
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert busy == 0, "could not checkpoint the WAL: a process is connected"
        for companion in self._companions():
            assert not companion.exists() or companion.stat().st_size == 0
        shutil.copyfile(self.path, self.snapshot_path)

    def restore(self) -> None:
        for path in [self.path, *self._companions()]:
            path.unlink(missing_ok=True)
        shutil.copyfile(self.snapshot_path, self.path)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        """A cursor inside one read transaction: a consistent view."""
        assert self.path.exists(), f"{self.path} is missing"
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            cursor = conn.cursor()
            cursor.execute("BEGIN")
            yield cursor
            cursor.execute("COMMIT")
        finally:
            conn.close()

    def check_integrity(self) -> None:
        with self.reading() as cursor:
            result = [r[0] for r in cursor.execute("PRAGMA integrity_check")]
            assert result == ["ok"], f"PRAGMA integrity_check: {result[:10]}"
            broken = cursor.execute("PRAGMA foreign_key_check").fetchall()
            assert not broken, f"PRAGMA foreign_key_check: {broken[:10]}"

    def close(self) -> None:
        pass


class PostgresDatabase:
    """A scratch database on DATABASE_URL's server; snapshots are templates."""

    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        import psycopg

        self.psycopg = psycopg
        self.server_url = _with_database(
            server_url, urlsplit(server_url).path.lstrip("/"), "postgresql"
        )
        self.db = f"tw_crash_{secrets.token_hex(4)}"
        self.template = f"{self.db}_start"
        self.url = _with_database(server_url, self.db)
        self._url_for_psycopg = _with_database(server_url, self.db, "postgresql")
        self._admin(f'CREATE DATABASE "{self.db}"')

    def _admin(self, *statements: str) -> None:
        with self.psycopg.connect(self.server_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def settle(self, timeout: float = 60) -> None:
        """Wait until the killed client's server process has gone away."""
        deadline = time.monotonic() + timeout
        with self.psycopg.connect(self.server_url, autocommit=True) as conn:
            while True:
                (count,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.db,),
                ).fetchone()
                if count == 0:
                    return
                assert time.monotonic() < deadline, f"{count} sessions left on DB"
                time.sleep(0.05)

    def snapshot(self) -> None:
        self.settle()
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.template}"',
            f'CREATE DATABASE "{self.template}" TEMPLATE "{self.db}"',
        )

    def _drop(self, name: str, timeout: float = 60) -> None:
        """DROP ... WITH (FORCE), waiting out autovacuum.

        Before PostgreSQL 18 a role without pg_signal_backend may not end an
        autovacuum worker, and FORCE refuses with InsufficientPrivilege when
        one is busy on the database (the killed import leaves plenty to
        vacuum). The worker finishes in moments, so try again until it has.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except self.psycopg.errors.InsufficientPrivilege:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def restore(self) -> None:
        self._drop(self.db)
        self._admin(f'CREATE DATABASE "{self.db}" TEMPLATE "{self.template}"')

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        self.settle()
        with self.psycopg.connect(self._url_for_psycopg) as conn:
            conn.isolation_level = self.psycopg.IsolationLevel.REPEATABLE_READ
            with conn.cursor() as cursor:
                yield cursor
            conn.rollback()

    def check_integrity(self) -> None:
        """The server checks constraints at commit; nothing to add here."""

    def close(self) -> None:
        self._drop(self.db)
        self._drop(self.template)


Database = SqliteDatabase | PostgresDatabase


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[Database]:
    url = os.environ.get("DATABASE_URL", "")
    if request.param == "sqlite":
        db: Database = SqliteDatabase(tmp_path / "db")
    elif not _is_postgres(url):
        pytest.skip("DATABASE_URL does not point at PostgreSQL: only SQLite tested")
    else:
        db = PostgresDatabase(url)
    try:
        yield db
    finally:
        db.close()


# --- fingerprints -------------------------------------------------------------


def _canonical(value: Any) -> str:
    """One text per value. JSON arrives as text from SQLite (compared as
    written) and as objects from PostgreSQL (dumped with sorted keys)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return repr(value)


def fingerprint(db: Database) -> dict[str, tuple[int, str]]:
    """Per registry table: (row count, SHA-256 of the sorted stable rows)."""
    result: dict[str, tuple[int, str]] = {}
    with db.reading() as cursor:
        cursor.execute("SELECT id, sha256 FROM publications_rawfile")
        raw_sha = dict(cursor.fetchall())
        cursor.execute("SELECT id, raw_file_id FROM publications_publication")
        publication_sha = {pid: raw_sha[rid] for pid, rid in cursor.fetchall()}
        for table, excluded in TABLES.items():
            cursor.execute(f"SELECT * FROM {table}")
            columns = [d[0] for d in cursor.description]
            keep = sorted(
                (name, i) for i, name in enumerate(columns) if name not in excluded
            )
            rows = []
            for row in cursor.fetchall():
                values = []
                for name, i in keep:
                    value = row[i]
                    if name in PUBLICATION_KEYS and value is not None:
                        value = publication_sha[value]
                    elif name == "raw_file_id":
                        value = raw_sha[value]
                    values.append(f"{name}={_canonical(value)}")
                rows.append("\x1f".join(values))
            rows.sort()
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table] = (len(rows), digest[:16])
    return result


def describe_difference(found: dict, states: list[dict]) -> str:
    """Which tables differ from the closest valid state."""
    closest = max(
        range(len(states)),
        key=lambda i: sum(found[t] == states[i][t] for t in TABLES),
    )
    diffs = [
        f"{t}: {found[t][0]} rows (expected {states[closest][t][0]})"
        for t in TABLES
        if found[t] != states[closest][t]
    ]
    return f"closest valid state is #{closest}; differs in " + "; ".join(diffs)


# --- the harness ----------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Run:
    returncode: int
    seconds: float
    killed: bool
    started_at: float  # time.time() just before the process started
    stdout: str
    stderr: str


@dataclass
class LogEvent:
    seconds: float  # since the run started
    sha12: str
    what: str


@dataclass(frozen=True)
class Kill:
    """SIGKILL ``after`` seconds from the start, or from the moment the log
    shows publication number ``publication`` (from 0) starting."""

    after: float
    publication: int | None = None

    def __str__(self) -> str:
        if self.publication is None:
            return f"kill at {self.after:.2f} s"
        return (
            f"kill {self.after * 1000:.0f} ms after publication "
            f"{self.publication + 1}'s transaction started"
        )


class Harness:
    """One data folder and database; runs `tidewatch` in subprocesses."""

    def __init__(self, db: Database, root: Path) -> None:
        self.db = db
        self.root = root
        self.data = root / "data"
        self.archive = self.data / "archive"
        self.log = self.data / "logs" / "tidewatch.log"
        self.archive_snapshot = root / "start-archive"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIDEWATCH_")}
        env.update(
            TIDEWATCH_DATA_DIR=str(self.data),
            DATABASE_URL=self.db.url,
            TIDEWATCH_SECRET_KEY="x",
            DJANGO_SETTINGS_MODULE="tidewatch.settings.base",
            PYTHONPATH=os.pathsep.join(
                p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p
            ),
        )
        return env

    def command(self, args: list[str], *, atomic: bool = True) -> list[str]:
        if atomic:
            return [sys.executable, "-m", "tidewatch.cli", *args]
        return [sys.executable, "-c", NON_ATOMIC_CLI, *args]

    def cli(self, *args: str) -> Run:
        run = self.start_and_kill([*args], kill=None)
        assert run.returncode == 0, (
            f"tidewatch {' '.join(args)} exited {run.returncode}:\n"
            f"{run.stdout}\n{run.stderr}"
        )
        return run

    def start_and_kill(
        self, args: list[str], kill: Kill | None, *, atomic: bool = True
    ) -> Run:
        """Run the CLI; SIGKILL its process group as ``kill`` says (if it is
        still running by then)."""
        out, err = self.root / "stdout.txt", self.root / "stderr.txt"
        with out.open("w") as stdout, err.open("w") as stderr:
            started_at = time.time()
            t0 = time.monotonic()
            proc = subprocess.Popen(
                self.command(args, atomic=atomic),
                env=self.env(),
                cwd=self.root,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,  # its sandbox children share its group
            )
            killed = False
            try:
                if kill is not None:
                    if kill.publication is not None:
                        self._wait_for_transaction(proc, kill.publication)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=kill.after)
                    if proc.poll() is None:
                        with contextlib.suppress(ProcessLookupError):
                            os.killpg(proc.pid, signal.SIGKILL)
                        killed = True
                proc.wait(timeout=300)
            finally:
                if proc.poll() is None:  # a timeout or an error in the test
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            seconds = time.monotonic() - t0
        return Run(
            proc.returncode,
            seconds,
            killed,
            started_at,
            out.read_text(),
            err.read_text(),
        )

    def _wait_for_transaction(self, proc: subprocess.Popen, index: int) -> None:
        """Until the log shows publication ``index`` (from 0) starting its
        transaction, or the process ends."""
        marker = f": {STARTED}".encode()
        while proc.poll() is None:
            with contextlib.suppress(FileNotFoundError):
                if self.log.read_bytes().count(marker) > index:
                    return
            time.sleep(0.002)

    def snapshot(self) -> None:
        self.db.snapshot()
        shutil.copytree(self.archive, self.archive_snapshot)

    def restore(self) -> None:
        self.db.restore()
        shutil.rmtree(self.archive)
        shutil.copytree(self.archive_snapshot, self.archive)
        self.log.unlink(missing_ok=True)

    def log_events(self, run: Run) -> list[LogEvent]:
        events = []
        if not self.log.exists():
            return events
        for line in self.log.read_text().splitlines():
            match = LOG_LINE.match(line)
            if match:
                stamp = time.mktime(time.strptime(match[1], "%Y-%m-%d %H:%M:%S"))
                seconds = stamp + int(match[2]) / 1000 - run.started_at
                events.append(LogEvent(seconds, match[3], match[4]))
        return events

    def check_files(self) -> int:
        """Check (c); returns how many temporary files were left behind."""
        problems, partials = [], 0
        for path in sorted(p for p in self.archive.rglob("*") if p.is_file()):
            if path.name.startswith(".partial-"):
                partials += 1
                continue
            digest = _sha256_file(path)
            if digest != path.name.split(".")[0]:
                problems.append(
                    f"{path.relative_to(self.archive)} holds bytes with SHA-256 "
                    f"{digest[:12]} ({path.stat().st_size} bytes): truncated?"
                )
        with self.db.reading() as cursor:
            cursor.execute(
                "SELECT r.sha256, r.path, r.status, p.id FROM publications_rawfile r "
                "LEFT JOIN publications_publication p ON p.raw_file_id = r.id"
            )
            raw_files = cursor.fetchall()
        for sha, relative, status, publication in raw_files:
            target = self.archive / relative
            if ".partial-" in relative:
                problems.append(f"RawFile {sha[:12]} points at a temporary file")
            elif not target.is_file():
                problems.append(f"RawFile {sha[:12]} points at missing {relative}")
            elif _sha256_file(target) != sha:
                problems.append(f"RawFile {sha[:12]}: {relative} has other bytes")
            if (status == "published") != (publication is not None):
                problems.append(
                    f"RawFile {sha[:12]} is {status!r} but "
                    f"{'has' if publication else 'has no'} publication"
                )
        assert not problems, "archive not consistent:\n" + "\n".join(problems)
        return partials

    def runs_left_running(self) -> int:
        with self.db.reading() as cursor:
            cursor.execute(
                "SELECT count(*) FROM publications_importrun WHERE status = 'running'"
            )
            return cursor.fetchone()[0]


# --- workbooks ------------------------------------------------------------------

STATES = ["TEXAS", "FLORIDA", "GEORGIA", "NORTH CAROLINA", "ARIZONA", "OHIO"]
MODELS = ["Jail Enforcement Model", "Warrant Service Officer", "Task Force Model"]


def _fixture_rows(numbers: range, renewed: bool = False) -> list[Row]:
    """Invented agreements; with ``renewed``, every 50th has a new signing date."""
    return [
        Row(
            STATES[n % len(STATES)],
            f"Fixture Agency {n}",
            MODELS[n % len(MODELS)],
            signed=datetime(2025, n % 4 + 1, n % 28 + 1)
            if renewed and n % 50 == 0
            else datetime(2024, n % 12 + 1, n % 28 + 1),
        )
        for n in numbers
    ]


def fixture_workbooks(folder: Path) -> tuple[Path, list[Path]]:
    """A first list of 1,500 rows, then two longer lists (agreements added,
    removed, re-dated; the third drops some the second added) and a pending
    list: 7,400 invented rows in all."""
    first = write_list(
        folder / "2025-05-01_participatingAgencies05012025am.xlsx",
        _fixture_rows(range(1500)),
    )
    following = [
        write_list(
            folder / "2025-06-02_participatingAgencies06022025am.xlsx",
            _fixture_rows(range(100, 2600), renewed=True),
        ),
        write_list(
            folder / "2025-07-01_participatingAgencies07012025am.xlsx",
            _fixture_rows(range(200, 2500), renewed=True)
            + _fixture_rows(range(2600, 3400)),
        ),
        write_list(
            folder / "2025-07-01_pendingAgencies07012025am.xlsx",
            [
                Row(STATES[n % len(STATES)], f"Fixture Agency {n}", MODELS[n % 3])
                for n in range(6000, 6300)
            ],
            Q4_HEADER,
        ),
    ]
    return first, following


def workbooks(tmp_path: Path) -> tuple[str, Path, list[Path]]:
    """(description, first workbook, workbooks imported in the trials)."""
    folder = os.environ.get("TIDEWATCH_CORPUS")
    if not folder:
        first, following = fixture_workbooks(tmp_path / "workbooks")
        return "invented fixture workbooks (TIDEWATCH_CORPUS not set)", first, following
    corpus = Path(folder)
    paths = [corpus / CORPUS_FIRST, *(corpus / p for p in CORPUS_NEXT)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        pytest.fail(f"TIDEWATCH_CORPUS={folder} lacks {', '.join(missing)}")
    return "corpus workbooks from TIDEWATCH_CORPUS", paths[0], paths[1:]


# --- the test -------------------------------------------------------------------


@dataclass
class Reference:
    states: list[dict]  # before, then after each publication in load order
    order: list[str]  # sha12 of the publications in load order
    seconds: float  # an uninterrupted run
    loading: tuple[float, float]  # first "transaction started", last "committing"
    transactions: list[float]  # seconds from "transaction started" to "committing"


def start_state(h: Harness, first: Path) -> dict:
    """Migrate, import the first list, snapshot; returns its fingerprint."""
    h.cli("migrate")
    h.cli("import", str(first))
    h.snapshot()
    return fingerprint(h.db)


def together_then_one_by_one(
    h: Harness, following: list[Path]
) -> tuple[Run, list[LogEvent], dict, list[dict]]:
    """From the snapshot, import ``following`` in one run; then again from the
    snapshot, one file per run in the order the first run loaded them.

    Returns the first run, its log, its final fingerprint, and the
    fingerprints after each one-file run."""
    h.restore()
    run = h.cli("import", *map(str, following))
    events = h.log_events(run)
    order = [e.sha12 for e in events if e.what == STARTED]
    by_sha12 = {_sha256_file(p)[:12]: p for p in following}
    assert sorted(order) == sorted(by_sha12), (
        f"expected one publication per file, log shows {order}"
    )
    together = fingerprint(h.db)
    h.restore()
    states = []
    for sha12 in order:
        h.cli("import", str(by_sha12[sha12]))
        states.append(fingerprint(h.db))
    return run, events, together, states


def prepare(h: Harness, first: Path, following: list[Path]) -> Reference:
    """Starting snapshot, then the valid states from uninterrupted imports."""
    before = start_state(h, first)
    run, events, together, after = together_then_one_by_one(h, following)
    states = [before, *after]
    assert states[-1] == together, (
        "importing the files one at a time gives another registry than "
        "importing them together: " + describe_difference(together, states[-1:])
    )
    assert len({json.dumps(s, sort_keys=True) for s in states}) == len(states), (
        "two valid states have the same fingerprint: the fingerprint misses data"
    )
    order = [e.sha12 for e in events if e.what == STARTED]
    begun = {e.sha12: e.seconds for e in events if e.what == STARTED}
    transactions = [e.seconds - begun[e.sha12] for e in events if e.what == COMMITTING]
    loading = (events[0].seconds, events[-1].seconds)
    return Reference(states, order, run.seconds, loading, transactions)


def kill_schedule(reference: Reference, trials: int) -> list[Kill]:
    """When to kill. Even trials: uniformly between 20% and 100% of an
    uninterrupted run. Odd trials: once the log shows a random publication's
    "transaction started", after a random part of the time that transaction
    took in the reference run, so kills land inside transactions however fast
    or slow the machine is today."""
    rng = random.Random(SEED)
    kills = []
    for i in range(trials):
        if i % 2 == 0:
            kills.append(Kill(rng.uniform(0.2 * reference.seconds, reference.seconds)))
        else:
            j = rng.randrange(len(reference.transactions))
            kills.append(Kill(rng.uniform(0, reference.transactions[j]), j))
    return kills


@dataclass
class Outcome:
    where: str  # "before", "inside", "after"
    state: int  # index of the valid state found
    in_flight: bool  # "committing" logged, commit not (yet) durable
    partials: int  # temporary archive files left behind


def check_trial(
    h: Harness, reference: Reference, run: Run, following: list[Path]
) -> Outcome:
    """Checks (a)-(d) after one killed (or finished) run."""
    states = reference.states
    h.db.settle()
    found = fingerprint(h.db)
    assert found in states, (
        "state after the kill is not a valid state: "
        + describe_difference(found, states)
    )
    state = states.index(found)
    h.db.check_integrity()
    partials = h.check_files()

    events = h.log_events(run)
    started = [e.sha12 for e in events if e.what == STARTED]
    committing = [e.sha12 for e in events if e.what == COMMITTING]
    assert started == reference.order[: len(started)], "unexpected load order"
    if len(started) == 0:
        where = "before"
    elif len(started) > len(committing):
        where = "inside"
        assert state == len(committing), (
            f"killed inside publication {len(started)}'s transaction, but the "
            f"registry holds {state} publications (log: {len(committing)} committed)"
        )
    else:
        where = "after"
        assert state in (len(committing) - 1, len(committing)), (
            f"{len(committing)} commits logged, registry holds {state} publications"
        )
    if not run.killed:
        assert run.returncode == 0, run.stderr
        assert state == len(states) - 1

    follow = h.cli("import", *map(str, following))
    assert fingerprint(h.db) == states[-1], (
        "the import after the kill did not reach the final state:\n" + follow.stdout
    )
    h.db.check_integrity()
    h.check_files()
    assert h.runs_left_running() == 0, "an ImportRun is still marked running"
    return Outcome(where, state, where == "after" and state < len(committing), partials)


def test_kill_import_leaves_consistent_state(database, tmp_path):
    label, first, following = workbooks(tmp_path)
    h = Harness(database, tmp_path / "run")
    h.root.mkdir()
    t0 = time.monotonic()
    reference = prepare(h, first, following)
    low, high = reference.loading
    print(
        f"\ncrash test ({database.name}): {label}: {first.name}, then "
        f"{len(following)} files in one import; uninterrupted run "
        f"{reference.seconds:.2f} s, loading from {low:.2f} s to {high:.2f} s; "
        f"{len(reference.states)} valid states (setup {time.monotonic() - t0:.0f} s)"
    )

    outcomes = []
    for trial, kill in enumerate(kill_schedule(reference, TRIALS)):
        h.restore()
        run = h.start_and_kill(["import", *map(str, following)], kill)
        try:
            outcomes.append(check_trial(h, reference, run, following))
        except AssertionError as error:
            raise AssertionError(
                f"trial {trial} ({kill}, "
                f"{'killed' if run.killed else 'finished first'}): {error}"
            ) from error

    count = {w: sum(o.where == w for o in outcomes) for w in ("before", "inside")}
    after = len(outcomes) - count["before"] - count["inside"]
    in_flight = sum(o.in_flight for o in outcomes)
    partials = sum(o.partials > 0 for o in outcomes)
    states = sorted({o.state for o in outcomes})
    print(
        f"crash test ({database.name}): {len(outcomes)} kills: "
        f"{count['before']} before loading, {count['inside']} inside a publication "
        f"transaction, {after} between/after; all consistent "
        f"(states seen {states}; {in_flight} killed between 'committing' and the "
        f"commit; {partials} left .partial files; "
        f"{time.monotonic() - t0:.0f} s in all)"
    )
    assert count["inside"] >= MIN_KILLS_INSIDE, (
        f"only {count['inside']} kills landed inside a transaction: the timing "
        "assumptions of this test no longer hold"
    )


@pytest.mark.skipif(
    os.environ.get("TIDEWATCH_CRASH_NEGATIVE_CONTROL") != "1",
    reason="negative control of the crash harness: run by hand with "
    "TIDEWATCH_CRASH_NEGATIVE_CONTROL=1",
)
def test_harness_detects_non_atomic_loads(database, tmp_path):
    """With transaction.atomic a no-op, kills in the loading phase must leave
    states the harness reports as not valid."""
    label, first, following = workbooks(tmp_path)
    h = Harness(database, tmp_path / "run")
    h.root.mkdir()
    reference = prepare(h, first, following)
    kills = kill_schedule(reference, 12)[1::2]  # the log-triggered ones
    caught = 0
    for kill in kills:
        h.restore()
        run = h.start_and_kill(["import", *map(str, following)], kill, atomic=False)
        try:
            check_trial(h, reference, run, following)
        except AssertionError as error:
            caught += 1
            print(f"detected ({kill}): {str(error).splitlines()[0][:300]}")
    print(
        f"negative control ({database.name}, {label}): {caught} of {len(kills)} "
        "kills left a state the harness reported"
    )
    assert caught > 0
