"""Every Tidewatch setting, declared once with its default and help.

Settings come from environment variables with the ``TIDEWATCH_`` prefix (plus
``DATABASE_URL``). They are read once, when Django loads
``tidewatch.settings.base``; ``tidewatch settings`` prints them and
``docs/settings.md`` documents them (a test fails when one is missing).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    def read(self) -> str:
        # An empty value means "not set": an empty TIDEWATCH_DATA_DIR must not
        # turn the current folder into the data folder.
        return os.environ.get(self.name) or self.default


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "TIDEWATCH_DATA_DIR",
        "./data",
        "Folder for the database, the raw-file archive (archive/) and logs (logs/).",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "Database to use, e.g. postgres://user:pass@host:5432/db. Empty: SQLite "
        "at TIDEWATCH_DATA_DIR/tidewatch.sqlite3 (WAL, synchronous=FULL).",
    ),
    Setting(
        "TIDEWATCH_ICE_PAGE_URL",
        "https://www.ice.gov/identify-and-arrest/287g",
        "ICE's 287(g) page; `tidewatch sync` reads the workbook links from it.",
    ),
    Setting(
        "TIDEWATCH_FETCH_ALLOWED_HOSTS",
        "www.ice.gov,ice.gov",
        "Comma-separated hosts that downloads may come from (redirects included).",
    ),
    Setting(
        "TIDEWATCH_FETCH_ALLOW_HTTP",
        "0",
        "1 to allow plain http downloads (only for local test servers).",
    ),
    Setting("TIDEWATCH_FETCH_TIMEOUT", "60", "Seconds before a download is given up."),
    Setting("TIDEWATCH_FETCH_RETRIES", "3", "Retries after a failed download."),
    Setting(
        "TIDEWATCH_MAX_FILE_MB",
        "25",
        "Largest workbook accepted, in MB (compressed, as downloaded).",
    ),
    Setting(
        "TIDEWATCH_MAX_UNCOMPRESSED_MB",
        "200",
        "Largest total uncompressed size of a workbook's parts, in MB.",
    ),
    Setting("TIDEWATCH_MAX_ROWS", "100000", "Most rows a worksheet may have."),
    Setting(
        "TIDEWATCH_PARSE_CPU_SECONDS",
        "60",
        "CPU seconds the workbook reader (a child process) may use per file.",
    ),
    Setting(
        "TIDEWATCH_PARSE_MEMORY_MB",
        "1024",
        "Address space the workbook reader may use per file, in MB.",
    ),
    Setting(
        "TIDEWATCH_PARSE_WALL_SECONDS",
        "120",
        "Seconds before a workbook reader is stopped.",
    ),
    Setting(
        "TIDEWATCH_PARSE_WORKERS",
        "2",
        "Workbooks read at once during an import (one child process each).",
    ),
    Setting(
        "TIDEWATCH_DOCUMENT_HOSTS",
        "www.ice.gov,ice.gov",
        "Comma-separated hosts agreement PDFs may be downloaded from (the links "
        "come from spreadsheet cells, so nothing else is fetched).",
    ),
    Setting(
        "TIDEWATCH_FETCH_DELAY",
        "1",
        "Seconds to wait between two document downloads (politeness to ICE).",
    ),
    Setting("TIDEWATCH_PDF_MAX_MB", "50", "Largest agreement PDF accepted, in MB."),
    Setting("TIDEWATCH_PDF_MAX_PAGES", "500", "Most pages an agreement PDF may have."),
    Setting(
        "TIDEWATCH_OCR_PAGE_SECONDS",
        "120",
        "Seconds OCR may take on one page (drawing it and reading it).",
    ),
    Setting(
        "TIDEWATCH_PDF_WALL_SECONDS",
        "1800",
        "Seconds before reading one PDF (text and OCR) is stopped.",
    ),
    Setting(
        "TIDEWATCH_SECRET_KEY",
        "",
        "Django secret key. Empty: one is made and kept in TIDEWATCH_DATA_DIR.",
    ),
    Setting(
        "TIDEWATCH_DEBUG", "0", "1 turns on Django's debug pages (never in public)."
    ),
    Setting(
        "TIDEWATCH_ALLOWED_HOSTS",
        "127.0.0.1,localhost",
        "Comma-separated host names the web site answers to.",
    ),
)


def get(name: str) -> str:
    """The value of a declared setting (environment, else default)."""
    for setting in SETTINGS:
        if setting.name == name:
            return setting.read()
    raise KeyError(f"{name} is not a declared Tidewatch setting")


class SettingError(ValueError):
    """A setting whose value cannot be used; the message names it."""


def whole_number(name: str, minimum: int = 0) -> int:
    """A declared setting as a whole number, or a clear SettingError."""
    value = get(name)
    try:
        number = int(value)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SettingError(f"{name} must be at least {minimum}, not {number}")
    return number


def number(name: str) -> float:
    """A declared setting as a positive number (decimals allowed)."""
    value = get(name)
    try:
        result = float(value)
    except ValueError:
        raise SettingError(f"{name} must be a number, not {value!r}") from None
    if result <= 0:
        raise SettingError(f"{name} must be more than 0, not {value!r}")
    return result


def switch(name: str) -> bool:
    """A declared 1/0 setting: on only when exactly "1"."""
    return get(name) == "1"


def data_dir() -> Path:
    return Path(get("TIDEWATCH_DATA_DIR")).expanduser().resolve()


def without_password(url: str) -> str:
    """A database URL fit to print: the password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
