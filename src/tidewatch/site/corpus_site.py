"""A throw-away copy of the site over a folder of real ICE files, served by
gunicorn on loopback: what the browser tests, the screenshots script and the
serving benchmarks look at.

It runs the same commands a person would (``tidewatch migrate``, ``import``,
``reference load``, ``serve``) in child processes with their own data folder,
so nothing here touches the reader's own database.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from tidewatch.places.geometry import repo_root

LIST_FOLDERS = ("ice_sheets", "ice_html_table_extracts_pre2025")
REFERENCE_FILES = (
    ("fbi-agencies", "reference/fbi_lee_latest.csv"),
    ("aor", "reference/county_aor.csv"),
)


def default_corpus() -> Path:
    """``$TIDEWATCH_CORPUS``, else ``../shared/data`` beside the checkout."""
    folder = os.environ.get("TIDEWATCH_CORPUS") or str(
        repo_root().parent / "shared" / "data"
    )
    return Path(folder).expanduser().resolve()


class CorpusSiteError(RuntimeError):
    """A step of setting up the site failed; the message names the step."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(data_dir: Path) -> dict[str, str]:
    """The child processes' environment: their own SQLite data folder and the
    default settings, whatever the caller's TIDEWATCH_* or DATABASE_URL say."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIDEWATCH_")
        and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["TIDEWATCH_DATA_DIR"] = str(data_dir)
    return env


def _tidewatch(args: list[str], env: dict[str, str], allowed: tuple = (0,)) -> str:
    command = [sys.executable, "-m", "tidewatch.cli", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode not in allowed:
        raise CorpusSiteError(
            f"tidewatch {' '.join(args)} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )
    return done.stdout


def corpus_moas(corpus: Path) -> list[str]:
    """The names of every agreement PDF in the corpus's ``moa_pdfs`` folder."""
    folder = corpus / "moa_pdfs"
    return sorted(p.name for p in folder.glob("*.pdf")) if folder.is_dir() else []


def load_corpus(corpus: Path, data_dir: Path, documents: Sequence[str] = ()) -> str:
    """Migrate a new database in ``data_dir`` and import every corpus list and
    reference table, and the named agreement PDFs of ``moa_pdfs/``; return the
    import's total line."""
    missing = [name for name in LIST_FOLDERS if not (corpus / name).is_dir()]
    if missing:
        raise CorpusSiteError(f"{corpus} has no {', '.join(missing)} folder")
    env = environment(data_dir)
    _tidewatch(["migrate"], env)
    # Status 1 means some file was refused: the corpus holds one on purpose
    # (an empty pending list), and the import of the others went through.
    folders = [str(corpus / name) for name in LIST_FOLDERS]
    out = _tidewatch(["import", *folders], env, allowed=(0, 1))
    for kind, relative in REFERENCE_FILES:
        if (corpus / relative).exists():
            _tidewatch(["reference", "load", kind, str(corpus / relative)], env)
    if documents:
        pdfs = [str(corpus / "moa_pdfs" / name) for name in documents]
        _tidewatch(["documents", "import", *pdfs], env)
    totals = [line for line in out.splitlines() if line.startswith("total")]
    return totals[0] if totals else out.strip()


@contextlib.contextmanager
def serve(
    data_dir: Path, port: int | None = None, workers: int = 2, timeout: float = 60
) -> Iterator[str]:
    """Run ``tidewatch serve`` on loopback; yield its base URL; stop it after."""
    port = port or free_port()
    log = (data_dir / "serve.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tidewatch.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=environment(data_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise CorpusSiteError(
                    f"tidewatch serve exited ({server.returncode}): "
                    f"{(data_dir / 'serve.log').read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{base_url}/en/", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise CorpusSiteError(f"tidewatch serve did not answer in {timeout} s")
            time.sleep(0.2)
        yield base_url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()
