"""The council brief as PDF: the brief's HTML printed by Debian's chromium.

``chromium --headless --print-to-pdf`` lays the page out with the brief's
print stylesheet (US letter, ``@page``), the same engine a reader's browser
uses when printing the page, so the PDF and the printed page agree. It runs
as a child process in a session of its own, with a private profile folder
(two briefs at once do not share a profile lock) and a time limit; on time
out the whole session is killed, so no browser process is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from tidewatch.site import chromium

TIMEOUT = 90  # seconds; a brief prints in about two


class PdfError(RuntimeError):
    """The PDF could not be made; the message says why."""


class ChromiumMissing(PdfError):
    """No chromium on PATH: PDF needs it, the HTML brief does not."""


def _kill(process: subprocess.Popen) -> None:
    """End the child's whole session (chromium starts helpers of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def html_to_pdf(html: str, *, timeout: float = TIMEOUT) -> bytes:
    """The PDF of a standalone HTML page (stylesheet inside it, no network).

    Raises ChromiumMissing when chromium is not installed, PdfError when it
    fails or takes longer than ``timeout`` seconds.
    """
    browser = chromium.executable()
    if browser is None:
        raise ChromiumMissing(
            "chromium is not installed, and the PDF brief needs it: "
            "apt-get install chromium (the HTML brief, --format html, works "
            "without it)"
        )
    with tempfile.TemporaryDirectory(prefix="tidewatch-brief-") as folder:
        work = Path(folder)
        page, pdf = work / "brief.html", work / "brief.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            "--headless",
            *chromium.ARGS,
            f"--user-data-dir={work / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            process.communicate()
            raise PdfError(
                f"chromium did not print the brief within {timeout:g} seconds"
            ) from None
        finally:
            _kill(process)
        data = pdf.read_bytes() if pdf.is_file() else b""
        if process.returncode != 0 or not data.startswith(b"%PDF"):
            detail = errors.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfError(
                f"chromium could not print the brief (exit status "
                f"{process.returncode}): {' / '.join(detail) or 'no message'}"
            )
        return data
