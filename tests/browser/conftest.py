"""Browser tests: Debian's chromium, driven by pytest-playwright, against
``tidewatch serve`` over a real import of the corpus.

Never ``playwright install``: it downloads a browser. The site runs in a child
process with its own SQLite data folder (``tidewatch.site.corpus_site``), so
these tests run once, on the SQLite pass of CI; the pages are the same code on
PostgreSQL, which the rest of the suite covers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tidewatch.site import chromium
from tidewatch.site.corpus_site import load_corpus, serve

CHROMIUM = chromium.executable()
# Two real MOAs: one with a text layer, one partly scanned (OCR).
MOAS = (
    "ALABAMA__AutaugaCoSheriffsOfficeAL_WSO_MOA_09222025.pdf",
    "TENNESSEE__287g_JEM_Knox_6-8-2020.pdf",
)
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium); "
            "the browser tests never download a browser"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": chromium.ARGS,
    }


@pytest.fixture(scope="session")
def site_url(corpus, tmp_path_factory) -> str:
    """Base URL of a served import of the whole corpus."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip(
            "browser tests run on the SQLite pass only: the served copy uses "
            "its own SQLite folder, so a PostgreSQL pass would repeat them"
        )
    data_dir = tmp_path_factory.mktemp("corpus-site")
    load_corpus(corpus, data_dir, documents=MOAS)
    with serve(data_dir) as url:
        yield url


@pytest.fixture()
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run make install (npm ci installs axe-core)")
    return AXE.read_text()
