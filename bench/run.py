"""Benchmarks: import speed, re-import speed and peak memory on the corpus.

Run with ``make bench`` (``.venv/bin/python bench/run.py``); needs
TIDEWATCH_CORPUS, the folder holding ``ice_sheets/{participating,pending}``
and ``ice_html_table_extracts_pre2025``. Prints a table and rewrites
docs/benchmarks.md. Measured, each against its baseline:

- baseline: openpyxl alone loading every corpus workbook, sequentially in
  full mode (the reader Tidewatch uses), best and median of 3;
- full import of the whole corpus into a fresh SQLite database in a fresh
  data folder: ``import_paths`` timed in-process (migrations done before the
  clock starts), 3 times, each in a new process; median (target <= 1.5x);
- re-import of the same unchanged files right after (target < 5%);
- place resolution: every agency of the latest list resolved to its state,
  county and city, in a fresh process (reference tables loaded cold, target
  under 2 s in all), against a plain dictionary lookup of the same county names;
- peak memory of ``tidewatch import`` of the whole corpus in a clean process,
  the import process and its parser children (target < 400 MB), against
  openpyxl alone loading the same files in a clean process;
- serving (``bench/serving.py``): gunicorn throughput and latency of the
  county page and the API against a static file, home page weight and first
  render in Chromium. ``--only serving`` (or ``--only import``) runs one group
  and rewrites only its part of docs/benchmarks.md;
- static build (``bench/build_site.py``, ``--only build-site``): ``tidewatch
  build-site`` over the whole corpus against ``cp -r`` of its output
  (target under 60 s);
- documents (``bench/documents.py``, ``--only documents``): reading the corpus
  MOA PDFs (text layer and OCR) against ``pdftotext -layout`` alone (target:
  text layer within 2x);
- cost model (``bench/costs.py``, ``--only costs``): 10,000 Monte Carlo draws
  for every county with an agreement, against one deterministic evaluation
  per county (target: all counties under 10 s).

The machine may be shared and noisy: read the spread of the three runs
printed beside each median. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "benchmarks.md"
REPEATS = 3
IMPORT_TARGET = 1.5  # full import time / openpyxl baseline, at most
REIMPORT_TARGET = 0.05  # re-import time / openpyxl baseline, below
MEMORY_TARGET_MB = 400  # peak resident memory, below
PLACES_TARGET = 2.0  # seconds to resolve every agency of the latest list, cold
LATEST = "ice_sheets/participating/2026-05-01_participatingAgencies05012026am.xlsx"
FOLDERS = ("ice_sheets", "ice_html_table_extracts_pre2025")

# Runs `tidewatch import` exactly as `python -m tidewatch.cli` does, then
# reports its own peak RSS and its largest reaped child's (the parsers).
IMPORT_WITH_RUSAGE = """\
import atexit, json, resource, sys
def report():
    print("BENCH-RUSAGE " + json.dumps({
        "self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }), file=sys.stderr)
atexit.register(report)
from tidewatch.cli import main
sys.argv[0] = "tidewatch"
main()
"""
# openpyxl alone, one workbook after another, in a clean process.
OPENPYXL_WITH_RUSAGE = """\
import json, resource, sys
import openpyxl
for path in sys.argv[1:]:
    openpyxl.load_workbook(path).close()
print(json.dumps({"self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def corpus_folder() -> Path:
    folder = os.environ.get("TIDEWATCH_CORPUS")
    if not folder:
        sys.exit(
            "bench: TIDEWATCH_CORPUS is not set. It names the folder of real ICE "
            "workbooks (ice_sheets/, ice_html_table_extracts_pre2025/) the "
            "benchmarks read, e.g. TIDEWATCH_CORPUS=../shared/data make bench"
        )
    corpus = Path(folder).expanduser().resolve()
    if not (corpus / "ice_sheets").is_dir():
        sys.exit(f"bench: TIDEWATCH_CORPUS={folder} has no ice_sheets folder")
    return corpus


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("ice_sheets/*/*.xlsx")) + sorted(
        corpus.glob("ice_html_table_extracts_pre2025/*.xlsx")
    )


def corpus_paths(corpus: Path) -> list[Path]:
    return [corpus / f for f in FOLDERS if (corpus / f).is_dir()]


def mb(kib: int) -> float:
    """ru_maxrss is KiB on Linux, bytes on macOS."""
    return kib / (1024 * 1024 if sys.platform == "darwin" else 1024)


def clean_env(data_dir: Path) -> dict[str, str]:
    """The environment for a measured process: SQLite in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIDEWATCH_")}
    env.update(
        TIDEWATCH_DATA_DIR=str(data_dir),
        DATABASE_URL="",
        TIDEWATCH_SECRET_KEY="bench-only",
        DJANGO_SETTINGS_MODULE="tidewatch.settings.base",
        PYTHONPATH=os.pathsep.join(
            p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p
        ),
    )
    return env


# --- measurements ---------------------------------------------------------------


def openpyxl_baseline(files: list[Path]) -> list[float]:
    """Seconds for openpyxl alone to load every file, REPEATS times."""
    import openpyxl

    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for path in files:
            openpyxl.load_workbook(path).close()
        times.append(time.perf_counter() - start)
    return times


def worker(data_dir: Path, corpus: Path) -> None:
    """One import measurement, in this (fresh) process; prints JSON."""
    os.environ.update(clean_env(data_dir))
    import django

    django.setup()
    from django.core.management import call_command

    from tidewatch.pipeline.importer import import_paths

    call_command("migrate", interactive=False, verbosity=0)
    paths = corpus_paths(corpus)
    start = time.perf_counter()
    report = import_paths(paths)
    full = time.perf_counter() - start
    start = time.perf_counter()
    again = import_paths(paths)
    reimport = time.perf_counter() - start
    print(
        json.dumps(
            {
                "full": full,
                "reimport": reimport,
                "files": len(report.files),
                "rejected": report.errors,
                "total": report.total_line(),
                "reimport_total": again.total_line(),
            }
        )
    )


def places_worker(data_dir: Path, corpus: Path) -> None:
    """Place resolution of the latest list's agencies, cold; prints JSON."""
    os.environ.update(clean_env(data_dir))
    import django

    django.setup()
    from django.core.management import call_command

    from tidewatch.agreements.models import Agency
    from tidewatch.pipeline.importer import import_paths

    call_command("migrate", interactive=False, verbosity=0)
    import_paths([corpus / LATEST])
    agencies = list(Agency.objects.values_list("state", "county"))
    start = time.perf_counter()
    from tidewatch.places.service import refresh  # reference tables load here

    report = refresh()
    resolve_seconds = time.perf_counter() - start
    # The baseline: a plain dictionary of county names, looked up as written.
    import csv
    from importlib.resources import files

    start = time.perf_counter()
    table = {}
    with files("addfips").joinpath("data/counties_2020.csv").open() as handle:
        for row in csv.DictReader(handle):
            table[(row["statefp"], row["name"].lower())] = (
                row["statefp"] + row["countyfp"]
            )
    import us

    fips = {s.abbr: s.fips for s in us.states.STATES_AND_TERRITORIES}
    found = sum(
        1
        for state, county in agencies
        if table.get((fips.get(state, ""), county.lower()))
    )
    dict_seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "agencies": report.agencies,
                "resolve": resolve_seconds,
                "dict": dict_seconds,
                "dict_found": found,
                "by_status": report.by_status,
            }
        )
    )


def run_worker(corpus: Path, mode: str = "--worker") -> dict:
    with tempfile.TemporaryDirectory(prefix="tidewatch-bench-") as data_dir:
        done = subprocess.run(
            [sys.executable, __file__, mode, data_dir],
            env={**os.environ, "TIDEWATCH_CORPUS": str(corpus)},
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        sys.exit(f"bench: the import worker failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_v(command: list[str]) -> tuple[list[str], bool]:
    """``command`` under GNU time -v when it is installed."""
    gnu_time = shutil.which("time")
    if gnu_time:
        probe = subprocess.run(
            [gnu_time, "-v", "true"], capture_output=True, text=True, check=False
        )
        if "Maximum resident set size" in probe.stderr:
            return [gnu_time, "-v", *command], True
    return command, False


def peak_memory(corpus: Path, files: list[Path]) -> dict:
    """Peak RSS of a clean `tidewatch import` of the corpus, and of openpyxl
    alone loading the same files."""
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="tidewatch-bench-") as folder:
        data_dir = Path(folder)
        env = clean_env(data_dir)
        subprocess.run(
            [sys.executable, "-m", "tidewatch.cli", "migrate"],
            env=env,
            capture_output=True,
            check=True,
        )
        command, timed = time_v(
            [
                sys.executable,
                "-c",
                IMPORT_WITH_RUSAGE,
                "import",
                *map(str, corpus_paths(corpus)),
            ]
        )
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, check=False
        )
        # Exit status 1 means a file was refused (the corpus holds an empty list).
        if done.returncode not in (0, 1):
            sys.exit(f"bench: tidewatch import failed:\n{done.stderr}")
        usage = json.loads(done.stderr.split("BENCH-RUSAGE ", 1)[1].splitlines()[0])
        result["import_process_mb"] = mb(usage["self"])
        result["parser_children_mb"] = mb(usage["children"])
        # Every process this script has reaped so far: migrate, time, import
        # and its children; the largest of them.
        result["tree_mb"] = mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        if timed:
            found = re.search(
                r"Maximum resident set size \(kbytes\): (\d+)", done.stderr
            )
            result["time_v_mb"] = int(found[1]) / 1024 if found else None
    done = subprocess.run(
        [sys.executable, "-c", OPENPYXL_WITH_RUSAGE, *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    result["openpyxl_mb"] = mb(json.loads(done.stdout)["self"])
    result["peak_mb"] = max(
        result["import_process_mb"],
        result["parser_children_mb"],
        result.get("time_v_mb") or 0,
    )
    return result


# --- report -----------------------------------------------------------------------


@dataclass
class Line:
    name: str
    value: str
    baseline: str
    ratio: float
    target: str
    ok: bool


def seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def machine() -> dict[str, str]:
    import django
    import openpyxl

    cpu = platform.processor() or platform.machine()
    with_model = Path("/proc/cpuinfo")
    if with_model.exists():
        found = re.search(r"model name\s*:\s*(.+)", with_model.read_text())
        if found:
            cpu = found[1].strip()
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "versions": f"Django {django.__version__}, openpyxl {openpyxl.__version__}, "
        f"SQLite {sqlite3.sqlite_version}",
    }


def command_text(corpus: Path) -> str:
    """The command, with the corpus relative to the repository (no machine
    paths in the committed page)."""
    shown = os.path.relpath(corpus, REPO)
    return f"TIDEWATCH_CORPUS={shown} make bench"


def table(lines: list[Line]) -> list[str]:
    rows = [
        "| Measurement | Result | Baseline | Ratio | Target | Pass |",
        "|---|---|---|---|---|---|",
    ]
    for line in lines:
        rows.append(
            f"| {line.name} | {line.value} | {line.baseline} | {line.ratio:.3f} | "
            f"{line.target} | {'PASS' if line.ok else 'FAIL'} |"
        )
    return rows


def write_doc(
    lines: list[Line], info: dict, files: list[Path], corpus: Path, notes: list[str]
) -> None:
    size = sum(p.stat().st_size for p in files) / 1024 / 1024
    text = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); rerun it rather than editing "
        "this page. Timings come from a shared, noisy machine: compare ratios, "
        "not seconds, and read the spread of the runs. Tests never assert timings.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {info['nproc']} CPUs available ({info['cpu']}), {info['system']}",
        f"- Python {info['python']}; {info['versions']}",
        f"- Corpus: {len(files)} workbooks, {size:.1f} MB "
        f"({', '.join(f + '/' for f in FOLDERS)} of TIDEWATCH_CORPUS)",
        f"- Command: `{command_text(corpus)}` (runs `.venv/bin/python bench/run.py`)",
        "",
        *table(lines),
        "",
        "## What is measured",
        "",
        "- **Baseline**: `openpyxl.load_workbook(path)` in full mode (the mode "
        "Tidewatch needs for MOA hyperlinks) on every corpus workbook, one after "
        f"another, in the benchmark process; best of {REPEATS} (median shown too).",
        "- **Full import**: `import_paths([ice_sheets, "
        "ice_html_table_extracts_pre2025])` into a fresh SQLite database in a "
        "fresh temporary data folder, in-process (`DJANGO_SETTINGS_MODULE="
        "tidewatch.settings.base`, `DATABASE_URL` empty, migrations run before "
        f"the clock starts); {REPEATS} runs, each in a new process; the ratio is "
        "the median run over the best baseline. It covers archiving, the "
        "pre-parse checks, parsing in sandboxed children (TIDEWATCH_PARSE_WORKERS "
        "at its default), "
        "normalising, dating, and loading one transaction per publication. "
        "Place resolution, which `tidewatch import` runs after loading, is "
        "measured on its own (next).",
        "- **Place resolution**: in a fresh process holding the latest list "
        "(2026-05-01), `places.service.refresh()` resolves every agency to its "
        "state, county and city, loading the county and city tables cold (the "
        "target, under 2 s, is for all of it); the baseline is a plain "
        "dictionary of the Census county names looked up with ICE's COUNTY text "
        "as written, which finds fewer counties and no cities.",
        "- **Re-import**: the same call again right after, on unchanged files: "
        "each file is hashed, recognised and skipped; median of the runs over "
        "the best baseline.",
        "- **Peak memory**: `tidewatch import` of the whole corpus in a clean "
        "process with a fresh data folder; the larger of the import process's "
        "and its parser children's peak resident set size (`getrusage`, and "
        "GNU `time -v` when installed), place resolution included. The "
        "baseline is openpyxl alone loading the same files in a clean process.",
        "",
        "## Details",
        "",
        *[f"- {n}" for n in notes],
        "",
    ]
    DOC.write_text("\n".join(text))


def serving_section(corpus: Path) -> list[str]:
    """The serving benchmarks (bench/serving.py), as a section of the page."""
    import serving  # bench/ is on sys.path: this script runs from it

    print("bench: serving (gunicorn, wrk, Chromium) ...", flush=True)
    return serving.markdown(serving.run(corpus=corpus))


def replace_section(section: list[str]) -> None:
    """Put ``section`` (starting with its ``## `` title) into the page, in place
    of the section of that title, keeping the others."""
    title = section[0]
    text = DOC.read_text().splitlines() if DOC.exists() else ["# Benchmarks", ""]
    if title in text:
        start = text.index(title)
        end = next(
            (i for i in range(start + 1, len(text)) if text[i].startswith("## ")),
            len(text),
        )
        text[start:end] = section
    else:
        text += ["", *section] if text[-1] else section
    DOC.write_text("\n".join(text).rstrip("\n") + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", metavar="DATA_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--places-worker", metavar="DATA_DIR", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        choices=["import", "serving", "build-site", "documents", "costs"],
        help="Run one group and rewrite only its part of docs/benchmarks.md.",
    )
    args = parser.parse_args()
    corpus = corpus_folder()
    if args.worker:
        worker(Path(args.worker), corpus)
        return 0
    if args.places_worker:
        places_worker(Path(args.places_worker), corpus)
        return 0
    if args.only == "build-site":
        import build_site  # bench/build_site.py

        replace_section(build_site.markdown(build_site.run(corpus)))
        print(f"bench: wrote the build-site section of {DOC.relative_to(REPO)}")
        return 0
    if args.only == "documents":
        import documents  # bench/documents.py

        section = documents.markdown(documents.run(corpus))
        print("\n".join(section))
        replace_section(section)
        print(f"\nbench: wrote the documents section of {DOC.relative_to(REPO)}")
        return 0
    if args.only == "costs":
        import costs  # bench/costs.py

        section = costs.markdown(costs.run(corpus))
        print("\n".join(section))
        replace_section(section)
        print(f"\nbench: wrote the cost model section of {DOC.relative_to(REPO)}")
        return 0
    if args.only == "serving":
        section = serving_section(corpus)
        print("\n".join(section))
        replace_section(section)
        print(f"\nbench: wrote the serving section of {DOC.relative_to(REPO)}")
        return 0

    files = corpus_files(corpus)
    print(f"bench: {len(files)} workbooks in {', '.join(FOLDERS)}", flush=True)
    print("bench: openpyxl baseline ...", flush=True)
    base = openpyxl_baseline(files)
    best, base_median = min(base), statistics.median(base)

    print("bench: peak memory of tidewatch import ...", flush=True)
    memory = peak_memory(corpus, files)

    runs = []
    for n in range(REPEATS):
        print(f"bench: full import {n + 1}/{REPEATS} ...", flush=True)
        runs.append(run_worker(corpus))
    print("bench: place resolution ...", flush=True)
    places = [run_worker(corpus, "--places-worker") for _ in range(REPEATS)]
    resolve_median = statistics.median(p["resolve"] for p in places)
    dict_median = statistics.median(p["dict"] for p in places)
    full = [r["full"] for r in runs]
    again = [r["reimport"] for r in runs]
    full_median, again_median = statistics.median(full), statistics.median(again)

    lines = [
        Line(
            "openpyxl alone, every workbook (baseline)",
            f"best {best:.2f} s, median {base_median:.2f} s",
            f"runs: {seconds(base)} s",
            1.0,
            "-",
            True,
        ),
        Line(
            "Full import, fresh SQLite",
            f"median {full_median:.2f} s (runs: {seconds(full)})",
            f"{best:.2f} s",
            full_median / best,
            f"<= {IMPORT_TARGET}",
            full_median / best <= IMPORT_TARGET,
        ),
        Line(
            "Re-import, unchanged files",
            f"median {again_median * 1000:.0f} ms "
            f"(runs: {', '.join(f'{v * 1000:.0f}' for v in again)})",
            f"{best:.2f} s",
            again_median / best,
            f"< {REIMPORT_TARGET}",
            again_median / best < REIMPORT_TARGET,
        ),
        Line(
            f"Place resolution, {places[0]['agencies']} agencies of the latest list "
            "(cold)",
            f"median {resolve_median:.2f} s "
            f"(runs: {seconds([p['resolve'] for p in places])})",
            f"dict lookup {dict_median * 1000:.1f} ms",
            resolve_median / dict_median,
            f"< {PLACES_TARGET} s",
            resolve_median < PLACES_TARGET,
        ),
        Line(
            "Peak memory, tidewatch import",
            f"{memory['peak_mb']:.0f} MB",
            f"{memory['openpyxl_mb']:.0f} MB",
            memory["peak_mb"] / memory["openpyxl_mb"],
            f"< {MEMORY_TARGET_MB} MB",
            memory["peak_mb"] < MEMORY_TARGET_MB,
        ),
    ]
    time_v_note = (
        f"; GNU time -v: {memory['time_v_mb']:.0f} MB"
        if memory.get("time_v_mb")
        else "; GNU time not installed"
    )
    notes = [
        f"Import report (first run): {runs[0]['total']}",
        f"Re-import report: {runs[0]['reimport_total']}",
        f"Place resolution by match status: {places[0]['by_status']}; the plain "
        f"dictionary found {places[0]['dict_found']} of {places[0]['agencies']} "
        "counties as ICE wrote them",
        *(f"Refused by the import: {line}" for line in runs[0]["rejected"]),
        f"Full import / median baseline: {full_median / base_median:.2f}; "
        f"best import / best baseline: {min(full) / best:.2f}",
        f"Peak memory: import process {memory['import_process_mb']:.0f} MB, "
        f"largest parser child {memory['parser_children_mb']:.0f} MB"
        f"{time_v_note}; largest process the benchmark reaped "
        f"{memory['tree_mb']:.0f} MB; openpyxl alone {memory['openpyxl_mb']:.0f} MB",
    ]

    print()
    for row in table(lines):
        print(row)
    print()
    for note in notes:
        print(note)
    previous = DOC.read_text() if DOC.exists() else ""
    write_doc(lines, machine(), files, corpus, notes)
    if args.only == "import":
        if "\n## Serving\n" in previous:  # keep the last serving figures
            kept = previous.split("\n## Serving\n", 1)[1].split("\n## ", 1)[0]
            replace_section(["## Serving", *kept.rstrip("\n").split("\n")])
    else:
        section = serving_section(corpus)
        print("\n".join(section))
        replace_section(section)
    import build_site  # bench/build_site.py: its own section, kept by --only

    if args.only == "import" and build_site.TITLE in previous:
        kept = previous.split(f"\n{build_site.TITLE}\n", 1)[1].split("\n## ", 1)[0]
        replace_section([build_site.TITLE, *kept.rstrip("\n").split("\n")])
    elif args.only != "import":
        replace_section(build_site.markdown(build_site.run(corpus)))
    import documents  # bench/documents.py: its own section, kept by --only

    if args.only == "import" and documents.TITLE in previous:
        kept = previous.split(f"\n{documents.TITLE}\n", 1)[1].split("\n## ", 1)[0]
        replace_section([documents.TITLE, *kept.rstrip("\n").split("\n")])
    elif args.only != "import":
        replace_section(documents.markdown(documents.run(corpus)))
    import costs  # bench/costs.py: its own section, kept by --only

    if args.only == "import" and costs.TITLE in previous:
        kept = previous.split(f"\n{costs.TITLE}\n", 1)[1].split("\n## ", 1)[0]
        replace_section([costs.TITLE, *kept.rstrip("\n").split("\n")])
    elif args.only != "import":
        replace_section(costs.markdown(costs.run(corpus)))
    print(f"\nbench: wrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
