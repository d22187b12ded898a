"""Shared fixtures: a private archive folder per test, the real-file corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(items):
    """Browser tests last: their browser and Playwright driver live for the
    rest of the session, and other tests check that this process has no
    stray child processes."""
    browser = [item for item in items if "browser" in item.path.parts]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if item not in browser] + browser


@pytest.fixture(scope="session", autouse=True)
def _translations():
    """The Spanish pages need compiled messages (make install compiles them too)."""
    from tidewatch.i18n import compile_messages

    compile_messages()


@pytest.fixture(autouse=True)
def _fresh_memos():
    """Tests roll the database back, so two tests can see different data under
    the same data version (the same highest ids): drop what was derived. And
    each test starts in English, whatever the one before activated."""
    from django.utils import translation

    from tidewatch.site import caching

    caching.forget_data_version()
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _private_archive(settings, tmp_path):
    """Each test archives into its own folder."""
    settings.ARCHIVE_DIR = tmp_path / "archive"
    settings.LOGS_DIR = tmp_path / "logs"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The folder of real ICE files named by TIDEWATCH_CORPUS (CI: ../shared/data)."""
    folder = os.environ.get("TIDEWATCH_CORPUS")
    if not folder:
        pytest.skip(
            "TIDEWATCH_CORPUS is not set: the corpus tests read the real ICE "
            "workbooks from that folder (CI sets it to ../shared/data)"
        )
    path = Path(folder)
    if not (path / "ice_sheets").is_dir():
        pytest.fail(f"TIDEWATCH_CORPUS={folder} has no ice_sheets folder")
    return path
