"""Cost model benchmark: 10,000 Monte Carlo draws for every county with an
agreement in force.

    TIDEWATCH_CORPUS=../shared/data .venv/bin/python bench/costs.py
    .venv/bin/python bench/costs.py --data-dir DATA_DIR  # imported

Imports the corpus lists into a fresh data folder (unless ``--data-dir``
names one already imported), then, in a new process, reads every county's
agreements from the database (timed apart: that is the pages' work, not the
model's) and evaluates the cost model for each county:

- baseline: one deterministic evaluation per county (``costmodel.point``);
- measured: the full estimate per county, as the pages show it
  (``costmodel.estimate``: 10,000 draws, P10/P50/P90 of every result and the
  one-way sensitivity of every parameter), every county computed afresh;
  the median of 3 runs.

The target is the issue's: all counties in under 10 seconds. Run from
``bench/run.py`` (``--only costs``) it rewrites its section of
docs/benchmarks.md; run alone it prints the section.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 10.0
REPEATS = 3
TITLE = "## Cost model"


def worker(data_dir: Path) -> dict:
    """In a process of its own, with the data folder's settings."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidewatch.settings.base")
    django.setup()
    from tidewatch.costmodel import estimate, point, simulate
    from tidewatch.costs import inputs
    from tidewatch.places.membership import county_members

    started = time.perf_counter()
    places = []
    for fips in sorted(county_members()):
        found = inputs.programs_for_county(fips)
        if found.programs:
            places.append((fips, found))
    read_seconds = time.perf_counter() - started
    agreements = sum(p.agreements for _, f in places for p in f.programs)

    def timed(evaluate) -> float:
        started = time.perf_counter()
        for _, found in places:
            evaluate(found)
        return time.perf_counter() - started

    baseline, measured, reused = [], [], []
    for _ in range(REPEATS):
        baseline.append(timed(lambda f: point(f.programs, as_of=f.as_of)))
        measured.append(
            timed(lambda f: estimate(f.programs, as_of=f.as_of, reuse=False))
        )
    # As the pages call it: a place whose inputs another place had already
    # is not computed again. A fresh process, so the first pass is cold.
    simulate._ESTIMATES.clear()
    reused.append(timed(lambda f: estimate(f.programs, as_of=f.as_of)))
    distinct = len(simulate._ESTIMATES)
    return {
        "counties": len(places),
        "agreements": agreements,
        "programs": sum(len(f.programs) for _, f in places),
        "read_seconds": read_seconds,
        "baseline": baseline,
        "measured": measured,
        "reused": reused[0],
        "distinct": distinct,
    }


def run(corpus: Path | None = None, data_dir: Path | None = None) -> dict:
    from tidewatch.site.corpus_site import default_corpus, environment, load_corpus

    with tempfile.TemporaryDirectory(prefix="tidewatch-bench-costs-") as scratch:
        notes = []
        if data_dir is None:
            data_dir = Path(scratch) / "data"
            print("bench: costs: importing the corpus lists ...", flush=True)
            total = load_corpus(corpus or default_corpus(), data_dir)
            notes.append(f"Corpus import: {total}")
        print("bench: costs: estimating every county ...", flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(data_dir)],
            env=environment(data_dir),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"bench: costs worker failed:\n{done.stderr[-3000:]}")
        results = json.loads(done.stdout.strip().splitlines()[-1])
        results["notes"] = notes
    return results


def markdown(results: dict) -> list[str]:
    base = statistics.median(results["baseline"])
    measured = statistics.median(results["measured"])
    per_county = measured / results["counties"] * 1000
    runs = ", ".join(f"{s:.2f}" for s in results["measured"])
    base_runs = ", ".join(f"{s * 1000:.0f}" for s in results["baseline"])
    met = "yes" if measured < TARGET_SECONDS else "**no**"
    return [
        TITLE,
        "",
        "`bench/costs.py`: the cost estimate of every county with an agreement in "
        "ICE's latest list, as the county pages show it (10,000 Monte Carlo draws, "
        "P10/P50/P90 of every result, the one-way sensitivity of every parameter), "
        "against one deterministic evaluation per county. Median of "
        f"{REPEATS} runs in one process.",
        "",
        "| Measure | Result | Baseline | Ratio | Target | Met |",
        "|---|---|---|---|---|---|",
        f"| {results['counties']} counties, {results['agreements']} agreements "
        f"({results['programs']} programs) | {measured:.2f} s (runs: {runs}); "
        f"{per_county:.1f} ms a county | {base * 1000:.0f} ms (runs: {base_runs}) | "
        f"{measured / base:.0f}x | < {TARGET_SECONDS:.0f} s | {met} |",
        "",
        f"As the pages compute it, a place whose inputs another place had already "
        f"is not computed again: {results['distinct']} distinct estimates for the "
        f"{results['counties']} counties, {results['reused']:.2f} s in all.",
        "",
        f"Reading the counties' agreements from the database (not timed above): "
        f"{results['read_seconds']:.2f} s.",
        *(f"{note}." for note in results.get("notes", [])),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", metavar="DATA_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help="an imported data folder")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker))))
        return 0
    print("\n".join(markdown(run(data_dir=args.data_dir))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
