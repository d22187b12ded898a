"""Serving benchmarks: gunicorn + whitenoise on loopback, after importing the
whole corpus.

Run by ``make bench`` (through ``bench/run.py``), or alone:

    TIDEWATCH_CORPUS=../shared/data .venv/bin/python bench/serving.py
    .venv/bin/python bench/serving.py --data-dir DATA_DIR  # imported

Measured, each beside a baseline taken in the same run:

(a) a static file (``/static/site/site.css``) served by the same server: the
    baseline, what the server stack can do at all;
(b) the county page ``/en/county/45019/`` (Charleston County, SC);
(c) the agreements API (``/api/agreements?state=SC&limit=100``);
    each with wrk, 50 connections, 30 s, ``--latency``, as a browser asks
    (``Accept-Encoding: gzip``): requests/s, p50, p99, errors;
(d) home page weight: every response Chromium fetches to draw the home page
    (HTML, CSS, JS, map geometry, map data), compressed as sent;
(e) first render in Chromium: first-contentful-paint, and the time until the
    map's SVG says ``data-ready="true"``; baseline: the models page (text).

The server is ``tidewatch serve`` itself, so the figures are those of the
configuration people run. wrk comes from Debian (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tidewatch.site import chromium
from tidewatch.site.corpus_site import default_corpus, load_corpus, serve

BIN = Path(sys.executable).parent
STATIC = "/static/site/site.css"
COUNTY = "/en/county/45019/"
API = "/api/agreements?state=SC&limit=100"
HOME = "/en/"
TEXT_PAGE = "/en/models/"
RATIO_TARGET = 3.0  # static requests/s over county page requests/s, at most
P99_TARGET_MS = 100.0
WEIGHT_TARGET_KB = 500.0
RENDER_TARGET_MS = 1500.0
CHROMIUM = chromium.executable() or "/usr/bin/chromium"


@dataclass
class Load:
    """One wrk run."""

    url: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    non_2xx: int = 0
    socket_errors: int = 0
    first_ms: float = 0.0  # the first (uncached) request, before warm-up
    bytes_per_reply: int = 0
    encoding: str = ""


@dataclass
class Results:
    workers: int
    duration: int
    connections: int
    loads: dict[str, Load] = field(default_factory=dict)
    weight: dict = field(default_factory=dict)
    render: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def fetch(base: str, path: str, gzip: bool = True) -> tuple[int, bytes, dict, float]:
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    request = urllib.request.Request(base + path, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            status, found = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        body, status, found = error.read(), error.code, dict(error.headers)
    return status, body, found, (time.perf_counter() - start) * 1000


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not found:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found[1]) * UNITS[found[2]]


def parse_wrk(output: str, load: Load) -> Load:
    """Fill ``load`` from wrk's --latency report."""
    load.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    load.p50_ms = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M)[1])
    load.p99_ms = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M)[1])
    load.requests = int(re.search(r"(\d+) requests in", output)[1])
    non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    load.non_2xx = int(non[1]) if non else 0
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    load.socket_errors = sum(map(int, sockets.groups())) if sockets else 0
    return load


def wrk(base: str, path: str, connections: int, duration: int) -> str:
    done = subprocess.run(
        [
            "wrk",
            "--threads",
            "2",
            "--connections",
            str(connections),
            "--duration",
            f"{duration}s",
            "--timeout",
            "10s",
            "--latency",
            "--header",
            "Accept-Encoding: gzip",
            base + path,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def page_weight_and_render(base: str) -> tuple[dict, dict]:
    """What Chromium fetches for the home page (bytes as sent) and how soon it
    draws; the text-only models page is the render baseline."""
    from playwright.sync_api import sync_playwright

    weight: dict = {"resources": [], "home_first_ms": fetch(base, HOME)[3]}
    render: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=chromium.ARGS)

        def visit(path: str, wait_map: bool) -> tuple[dict, list]:
            context = browser.new_context()  # a cold browser cache each time
            page = context.new_page()
            finished = []
            page.on("requestfinished", lambda request: finished.append(request))
            page.goto(base + path, wait_until="load")
            timing: dict = {}
            if wait_map:
                try:
                    timing["map_ready_ms"] = page.wait_for_function(
                        "() => document.querySelector('svg[data-ready=\"true\"]')"
                        " && performance.now()",
                        timeout=15000,
                    ).json_value()
                except Exception as error:  # reported in the table, not fatal
                    timing["map_error"] = str(error).splitlines()[0]
            page.wait_for_load_state("networkidle")
            paint = page.evaluate(
                "() => (performance.getEntriesByName('first-contentful-paint')[0]"
                " || {}).startTime || null"
            )
            timing["fcp_ms"] = paint
            resources = []
            for request in finished:
                sizes = request.sizes()
                response = request.response()
                resources.append(
                    {
                        "url": request.url.removeprefix(base),
                        "sent": sizes["responseBodySize"],
                        "encoding": (response.headers.get("content-encoding", "")),
                        "status": response.status,
                    }
                )
            context.close()
            return timing, resources

        # Not measured: the browser's start-up, and every response the pages
        # use rendered once by each worker (steady state: pages are cached).
        visit(TEXT_PAGE, False)
        _timing, used = visit(HOME, True)
        for path in [TEXT_PAGE, *(r["url"] for r in used)]:
            for _ in range(6):
                fetch(base, path)
        render["baseline"], _ = visit(TEXT_PAGE, False)
        render["home"], weight["resources"] = visit(HOME, True)
        browser.close()
    total = sum(r["sent"] for r in weight["resources"])
    weight["sent_kb"] = total / 1024
    for item in weight["resources"]:
        status, body, _headers, _ms = fetch(base, item["url"], gzip=False)
        item["plain"] = len(body) if status == 200 else 0
    weight["plain_kb"] = sum(r["plain"] for r in weight["resources"]) / 1024
    return weight, render


def run(
    data_dir: Path | None = None,
    corpus: Path | None = None,
    port: int = 8141,
    workers: int = 2,
    duration: int = 30,
    connections: int = 50,
) -> Results:
    """Everything above; imports the corpus first unless ``data_dir`` is given."""
    if not shutil.which("wrk"):
        sys.exit(
            "bench: wrk is not installed. On Debian/Ubuntu: sudo apt-get install "
            "wrk (make bench installs it when it runs as root)."
        )
    results = Results(workers, duration, connections)
    with tempfile.TemporaryDirectory(prefix="tidewatch-serving-") as scratch:
        if data_dir is None:
            data_dir = Path(scratch) / "data"
            print("bench: serving: importing the corpus ...", flush=True)
            total = load_corpus(corpus or default_corpus(), data_dir)
            results.notes.append("Corpus import for the server: " + total)
        with serve(data_dir, port=port, workers=workers, timeout=90) as base:
            measure(base, results)
    return results


def measure(base: str, results: Results) -> None:
    county = COUNTY if fetch(base, COUNTY)[0] == 200 else HOME
    if county != COUNTY:
        results.notes.append(f"{COUNTY} did not answer 200: measured {HOME} instead")
    targets = {"static": STATIC, "county": county, "api": API}
    for name, path in targets.items():
        load = Load(path)
        status, body, headers, first = fetch(base, path)
        if status != 200:
            sys.exit(f"bench: {path} answered {status}")
        load.first_ms = first
        load.bytes_per_reply = len(body)
        load.encoding = headers.get("Content-Encoding", "identity")
        for _ in range(20):  # both workers render and cache it
            fetch(base, path)
        print(f"bench: serving: wrk {path} ...", flush=True)
        output = wrk(base, path, results.connections, results.duration)
        results.loads[name] = parse_wrk(output, load)
    status, body, headers, _ = fetch(base, STATIC)
    results.notes.append(
        f"{STATIC} with Accept-Encoding gzip: Content-Encoding "
        f"{headers.get('Content-Encoding', 'none')}; with br: "
        + (
            fetch_encoding(base, STATIC, "br")
            or "none (install the brotli package for whitenoise to make .br files)"
        )
    )
    if Path(CHROMIUM).exists():
        print("bench: serving: home page weight and first render ...", flush=True)
        results.weight, results.render = page_weight_and_render(base)
    else:
        results.notes.append(f"{CHROMIUM} not found: weight and render not measured")


def fetch_encoding(base: str, path: str, encoding: str) -> str:
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("Content-Encoding", "")


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def rows(results: Results) -> list[tuple[str, str, str, str, str, bool]]:
    """(measurement, result, baseline, ratio, target, pass) for the table."""
    static = results.loads["static"]
    out = []
    for name, label in (
        ("static", f"(a) static file `{STATIC}` (baseline)"),
        ("county", f"(b) county page `{results.loads['county'].url}`"),
        ("api", f"(c) agreements API `{API}`"),
    ):
        load = results.loads[name]
        errors = load.non_2xx + load.socket_errors
        ratio = static.rps / load.rps if load.rps else float("inf")
        result = (
            f"{load.rps:,.0f} req/s; p50 {load.p50_ms:.1f} ms, p99 "
            f"{load.p99_ms:.1f} ms; {errors} errors ({load.requests:,} requests)"
        )
        ok = errors == 0 and (
            name == "static" or (ratio <= RATIO_TARGET and load.p99_ms < P99_TARGET_MS)
        )
        target = (
            "0 errors"
            if name == "static"
            else f"static/this <= {RATIO_TARGET:.0f}, p99 < {P99_TARGET_MS:.0f} ms, "
            "0 errors"
        )
        out.append(
            (label, result, f"{static.rps:,.0f} req/s", f"{ratio:.2f}", target, ok)
        )
    if results.weight:
        sent, plain = results.weight["sent_kb"], results.weight["plain_kb"]
        out.append(
            (
                f"(d) home page weight, {len(results.weight['resources'])} responses",
                f"{sent:.0f} KB as sent (compressed)",
                f"{plain:.0f} KB uncompressed",
                f"{sent / plain:.2f}" if plain else "-",
                f"< {WEIGHT_TARGET_KB:.0f} KB",
                sent < WEIGHT_TARGET_KB,
            )
        )
    if results.render:
        home, base = results.render["home"], results.render["baseline"]
        ready = home.get("map_ready_ms")
        fcp, base_fcp = home.get("fcp_ms"), base.get("fcp_ms")
        out.append(
            (
                "(e) first render of the home page in Chromium",
                f"first paint {ms(fcp)}; map drawn "
                + (ms(ready) if ready else f"never ({home.get('map_error', '?')})"),
                f"models page first paint {ms(base_fcp)}",
                f"{ready / base_fcp:.2f}" if ready and base_fcp else "-",
                f"map drawn < {RENDER_TARGET_MS:.0f} ms",
                bool(ready and ready < RENDER_TARGET_MS),
            )
        )
    return out


def markdown(results: Results) -> list[str]:
    """The "Serving" section of docs/benchmarks.md."""
    table = [
        "| Measurement | Result | Baseline | Ratio | Target | Pass |",
        "|---|---|---|---|---|---|",
    ]
    for name, result, baseline, ratio, target, ok in rows(results):
        table.append(
            f"| {name} | {result} | {baseline} | {ratio} | {target} | "
            f"{'PASS' if ok else 'FAIL'} |"
        )
    details = [
        f"`{load.url}`: first request (nothing cached) {load.first_ms:.0f} ms; "
        f"{load.bytes_per_reply:,} bytes per reply ({load.encoding})"
        for load in results.loads.values()
    ]
    if results.weight:
        details.append(
            f"`{HOME}`: first request (nothing cached) "
            f"{results.weight['home_first_ms']:.0f} ms; (d) and (e) are measured "
            "with the pages already cached by both workers, each visit in a new "
            "browser context (empty browser cache)"
        )
    for item in results.weight.get("resources", []):
        details.append(
            f"home page resource `{item['url']}`: {item['sent'] / 1024:.1f} KB sent "
            f"({item['encoding'] or 'identity'}), {item['plain'] / 1024:.1f} KB plain"
        )
    return [
        "## Serving",
        "",
        f"`tidewatch serve` (gunicorn, {results.workers} sync workers, whitenoise) "
        "on 127.0.0.1 with the whole corpus imported; wrk from the same machine, "
        f"2 threads, {results.connections} connections, {results.duration} s, "
        "`--latency`, `Accept-Encoding: gzip`, after 20 warm-up requests per URL. "
        "The ratio of a load line is the static file's requests/s over this "
        "line's (lower is better); (d) compares bytes sent with the same bytes "
        "uncompressed; (e) compares the map being drawn with the first paint of "
        "a text page (`/en/models/`). The client shares the 2 CPUs with the server.",
        "",
        *table,
        "",
        *[f"- {line}" for line in [*results.notes, *details]],
        "",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="An imported data folder.")
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="Print JSON as well.")
    args = parser.parse_args()
    results = run(
        args.data_dir,
        port=args.port,
        workers=args.workers,
        duration=args.duration,
        connections=args.connections,
    )
    print("\n".join(markdown(results)))
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(results), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
