"""Poppler and tesseract, run as separate programs under limits.

Each program starts in a session of its own with at most 1 GiB of address
space (or the caller's own limit, when lower) and no core dumps; when its
time limit passes, it is killed with everything it started. Failures come
back as one :class:`FileRejected` line naming the file, the step and the
reason.

OCR of a page is two programs in turn, ``pdftoppm`` drawing the page and
``tesseract`` reading the picture; :func:`run_all` runs several pages at a
time by polling, without threads (see :class:`OcrPage`).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

from tidewatch.pipeline.errors import FileRejected

OCR_DPI = 300
# The programs' own memory cap (address space), on top of the sandbox's.
_PROGRAM_MEMORY_BYTES = 1024 * 1024 * 1024


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text[:200] or type(value).__name__


def _limit_program() -> None:
    """In a program we start: cap its memory and never let it dump core."""
    # Never above the sandbox's own cap: raising a hard limit fails, and the
    # program would not start at all.
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _PROGRAM_MEMORY_BYTES
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(
    command: list[str],
    *,
    name: str,
    what: str,
    seconds: float,
    limit: float | None = None,
) -> bytes:
    """Run a program; ``limit`` is the time limit named in the error (default
    ``seconds``)."""
    return finish(start(command), name=name, what=what, seconds=seconds, limit=limit)


def start(command: list[str]) -> subprocess.Popen[bytes]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1", LC_ALL="C.UTF-8")
    # A session of its own, so that a timeout kills the program and whatever
    # it started (a wrapper script's children would outlive it otherwise).
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_program,
        env=env,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def finish(
    process: subprocess.Popen[bytes],
    *,
    name: str,
    what: str,
    seconds: float,
    limit: float | None = None,
) -> bytes:
    with process:
        try:
            stdout, stderr = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            stop(process)
            shown = seconds if limit is None else limit
            raise FileRejected(name, f"{what} took longer than {shown:g} s") from None
    if process.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else f"exit status {process.returncode}"
        raise FileRejected(name, f"{what} failed: {_one_line(reason)}")
    return stdout


def run_all(pages: list[OcrPage], workers: int) -> None:
    """Run the pages' OCR, ``workers`` at a time. The first failure stops the
    others and is raised: the document is refused, so nothing more is read."""
    waiting = list(pages)
    running: list[OcrPage] = []
    try:
        while waiting or running:
            while waiting and len(running) < workers:
                page = waiting.pop(0)
                page.start()
                running.append(page)
            time.sleep(0.02)
            running = [page for page in running if not page.advance()]
    except BaseException:
        for page in running:
            page.stop()
        raise


class OcrPage:
    """One page's OCR: ``pdftoppm`` draws it, then ``tesseract`` reads it.

    Driven by polling, not by threads: the reader runs in a forked child, and
    a thread started there can hang on a lock some thread of the parent held
    at the fork (seen with pyarrow loaded). The page's time limit covers both
    programs; when it passes, both are killed with their process group.
    """

    def __init__(
        self,
        path: Path,
        number: int,
        folder: Path,
        seconds: float,
        *,
        dpi: int = OCR_DPI,
        psm: int = 6,
    ) -> None:
        self.path = path
        self.number = number
        self.seconds_allowed = seconds
        self.psm = psm
        self.dpi = dpi
        self.image = folder / f"page-{number}-{dpi}-{psm}"
        self.what = f"page {number}: OCR"
        self.process: subprocess.Popen[bytes] | None = None
        self.drawing = True
        self.started = 0.0
        self.text = ""
        self.seconds = 0.0

    def start(self) -> None:
        self.started = time.perf_counter()
        self.process = start(
            [
                "pdftoppm",
                "-r",
                str(self.dpi),
                "-gray",
                "-png",
                "-singlefile",
                "-f",
                str(self.number),
                "-l",
                str(self.number),
                str(self.path),
                str(self.image),
            ]
        )

    def advance(self) -> bool:
        """Move on if the running program has ended; True once the text is
        read. Raises :class:`FileRejected` on a failure or the time limit."""
        assert self.process is not None
        limit = self.seconds_allowed
        if time.perf_counter() - self.started > limit:
            self.stop()
            raise FileRejected(
                self.path.name, f"{self.what} took longer than {limit:g} s"
            )
        if self.process.poll() is None:
            return False
        what = f"{self.what} (drawing the page)" if self.drawing else self.what
        output = finish(self.process, name=self.path.name, what=what, seconds=limit)
        if self.drawing:
            self.drawing = False
            self.process = start(
                [
                    "tesseract",
                    f"{self.image}.png",
                    "stdout",
                    "-l",
                    "eng",
                    "--psm",
                    str(self.psm),
                    # Keep the gap between the two signature columns, as
                    # pdftotext -layout does.
                    "-c",
                    "preserve_interword_spaces=1",
                ]
            )
            return False
        Path(f"{self.image}.png").unlink(missing_ok=True)
        self.text = output.decode("utf-8", "replace")
        self.seconds = time.perf_counter() - self.started
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop(self.process)
