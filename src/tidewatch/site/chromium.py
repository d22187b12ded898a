"""Debian's chromium, the one browser the tests, screenshots and benchmarks
drive (through Playwright's ``executable_path``; never ``playwright install``,
which downloads a browser). The flags keep a headless run from calling home
or needing a GPU or a sandbox-capable kernel."""

from __future__ import annotations

import shutil

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def executable() -> str | None:
    """The chromium on PATH (``apt-get install chromium``), if any."""
    return shutil.which("chromium")
