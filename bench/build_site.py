"""Static build benchmark: ``tidewatch build-site`` over the whole corpus.

    TIDEWATCH_CORPUS=../shared/data .venv/bin/python bench/build_site.py
    .venv/bin/python bench/build_site.py --data-dir DATA_DIR  # imported

Imports the corpus into a fresh data folder (unless ``--data-dir`` names one
already imported), then runs ``tidewatch build-site`` exactly as a person
would, in a new process, and reads its report: files and bytes written,
seconds per phase and render time per kind of page.

Baseline, measured in the same run: ``cp -r`` of the finished output tree to
a folder beside it. Any build must at least write those files on this disk,
so it is the floor; the ratio says how much the rendering costs on top of
it. The target is the issue's: the whole corpus in under 60 seconds.

Run from ``bench/run.py`` (``--only build-site``) it rewrites its section of
docs/benchmarks.md; run alone it prints the section.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tidewatch.site.corpus_site import (
    corpus_moas,
    default_corpus,
    environment,
    load_corpus,
)

TARGET_SECONDS = 60.0
TITLE = "## Static site build"


@dataclass
class Results:
    seconds: float = 0.0
    copy_seconds: float = 0.0
    files: int = 0
    pages: int = 0
    static_files: int = 0
    megabytes: float = 0.0
    phases: str = ""
    cpu: str = ""
    kinds: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""


SUMMARY = re.compile(
    r"wrote .*?: (\d+) files \((\d+) pages, (\d+) static\), ([\d.]+) MB rendered"
)


def build(data_dir: Path, out: Path, workers: int) -> Results:
    """Run ``tidewatch build-site`` in a new process; time it and read its report."""
    results = Results()
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tidewatch.cli",
            "build-site",
            out,
            "--workers",
            str(workers),
        ],
        env=environment(data_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    results.seconds = time.perf_counter() - start
    if done.returncode != 0:
        results.error = (done.stderr or done.stdout).strip()[:2000]
        return results
    lines = done.stdout.splitlines()
    found = SUMMARY.search(lines[0])
    if found:
        results.files, results.pages, results.static_files = map(
            int, found.groups()[:3]
        )
        results.megabytes = float(found[4])
    results.phases = next((ln for ln in lines if ln.startswith("phases:")), "")
    results.cpu = next((ln for ln in lines if ln.startswith("render CPU")), "")
    results.kinds = [ln.strip() for ln in lines if ln.startswith("  ")]
    return results


def copy_baseline(out: Path) -> float:
    """Seconds for ``cp -r`` to copy the output tree (the file-writing floor)."""
    copy = out.parent / "copy"
    start = time.perf_counter()
    subprocess.run(["cp", "-r", str(out), str(copy)], check=True)
    seconds = time.perf_counter() - start
    shutil.rmtree(copy)
    return seconds


def run(corpus: Path | None = None, data_dir: Path | None = None, workers: int = 2):
    """Import (unless ``data_dir`` is given), build, copy; the figures."""
    with tempfile.TemporaryDirectory(prefix="tidewatch-build-site-") as scratch:
        folder = Path(scratch)
        notes = []
        if data_dir is None:
            data_dir = folder / "data"
            print("bench: build-site: importing the corpus ...", flush=True)
            corpus = corpus or default_corpus()
            # The lists and every corpus MOA: document pages are built too.
            total = load_corpus(corpus, data_dir, documents=corpus_moas(corpus))
            notes.append(f"Corpus import: {total}; {len(corpus_moas(corpus))} MOA PDFs")
        print("bench: build-site: building ...", flush=True)
        results = build(data_dir, folder / "site", workers)
        if not results.error:
            print("bench: build-site: cp -r baseline ...", flush=True)
            results.copy_seconds = copy_baseline(folder / "site")
        results.notes = notes
    return results


def markdown(results: Results) -> list[str]:
    """The "Static site build" section of docs/benchmarks.md."""
    ok = not results.error and results.seconds < TARGET_SECONDS
    ratio = results.seconds / results.copy_seconds if results.copy_seconds else 0.0
    lines = [
        TITLE,
        "",
        "`tidewatch build-site OUT` (2 worker processes) in a new process after "
        "importing the whole corpus into a fresh SQLite data folder; the clock "
        "covers the whole command (Django start, collectstatic, the snapshot, "
        "rendering every page in both languages with its downloads and feeds, "
        "the link check and the swap). Baseline: `cp -r` of the finished "
        "tree beside it, the floor for writing the same files on this disk.",
        "",
        "| Measurement | Result | Baseline | Ratio | Target | Pass |",
        "|---|---|---|---|---|---|",
    ]
    if results.error:
        lines.append(
            f"| build-site, whole corpus | failed after {results.seconds:.1f} s | - "
            f"| - | < {TARGET_SECONDS:.0f} s | FAIL |"
        )
        lines += ["", "```text", results.error, "```"]
        return lines
    lines.append(
        f"| build-site, whole corpus | {results.seconds:.1f} s: {results.files:,} "
        f"files ({results.pages:,} pages), {results.megabytes:.0f} MB | "
        f"cp -r {results.copy_seconds:.1f} s | {ratio:.1f} | "
        f"< {TARGET_SECONDS:.0f} s | {'PASS' if ok else 'FAIL'} |"
    )
    lines += ["", *[f"- {note}" for note in results.notes]]
    lines += [
        f"- {results.phases}",
        f"- {results.cpu.removesuffix('; by kind:')}: with 2 CPUs the render "
        "phase cannot take less than half of it; a longer render phase means "
        "other processes shared the machine",
        "- Render CPU time by kind of page (URL name), in the workers:",
    ]
    lines += ["", "```text", *results.kinds, "```"]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="An already imported folder.")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = run(data_dir=args.data_dir, workers=args.workers)
    print("\n".join(markdown(results)))
    return 0 if not results.error else 1


if __name__ == "__main__":
    sys.exit(main())
