"""The database is configured for durability: WAL, synchronous=FULL on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from tidewatch.settings.base import SQLITE_INIT, database_settings


def test_default_database_is_sqlite_in_the_data_dir(tmp_path, monkeypatch):
    config = database_settings("")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert str(config["NAME"]).endswith("tidewatch.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "synchronous=FULL" in config["OPTIONS"]["init_command"]


def test_database_url_selects_postgresql():
    config = database_settings("postgres://u:p@127.0.0.1:5432/tw")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert "init_command" not in config.get("OPTIONS", {})


def test_real_sqlite_connection_has_wal_and_full_sync(tmp_path):
    # A fresh process with the production settings opens a file database.
    code = (
        "import django; django.setup();"
        "from django.db import connection as c; cur = c.cursor();"
        "print([cur.execute(f'PRAGMA {p}').fetchone()[0] for p in "
        "('journal_mode', 'synchronous', 'foreign_keys')])"
    )
    env = {
        **os.environ,
        "TIDEWATCH_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "TIDEWATCH_SECRET_KEY": "x",
        "DJANGO_SETTINGS_MODULE": "tidewatch.settings.base",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "['wal', 2, 1]"  # synchronous 2 = FULL


@pytest.mark.django_db
def test_test_database_uses_the_same_pragmas():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragmas; this run uses " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2
    assert "journal_mode=WAL" in SQLITE_INIT
