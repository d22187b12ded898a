"""Run a file parser in a child process with CPU, memory and wall-clock limits.

Parsers for untrusted files can loop, balloon or crash the interpreter
(reliability.md §1.6, A1-A3, A10-A11). Each call here forks one child, sets
``RLIMIT_CPU``, ``RLIMIT_AS`` and ``RLIMIT_CORE`` in it, runs the parse
function, and sends back either the result or a one-line reason. Whatever
happens in the child (an exception, running out of memory, a CPU or wall-clock
limit, a segfault) reaches the caller as exactly one :class:`FileRejected`,
and the calling process (web worker, DB owner) keeps running.

The ``fork`` start method is used on purpose: the parent has already imported
openpyxl, so a child starts in about a millisecond and needs no imports, and
the parse function may be any module-level function (or even a closure).
The child leaves with ``os._exit`` so it never runs the parent's ``atexit``
handlers or closes database connections it inherited.

This is a resource and crash boundary, not a security boundary against code
execution: the child runs as the same user, inherits open files, and its
result is unpickled by the parent. Use bubblewrap or similar for that.
``RLIMIT_AS`` counts the address space inherited from the parent too (a
process that imported pyarrow and started threads may already map several
hundred MiB), so ``memory_bytes`` must leave room above that.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import resource
import signal
import struct
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_ready
from pathlib import Path
from typing import Any, TypeVar
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError
from xml.sax import SAXException

from tidewatch.pipeline.errors import FileRejected

__all__ = ["SandboxLimits", "SandboxPool", "run_sandboxed"]

T = TypeVar("T")

_MIB = 1024 * 1024
_HEADER = struct.Struct(">Q")  # payload length, so a torn message is detectable
_READ_SIZE = 1024 * 1024
# Exceptions that mean "the file is damaged or hostile" rather than a bug.
# defusedxml's EntitiesForbidden/DTDForbidden/ExternalReferenceForbidden are
# ValueError subclasses; XML parse errors are SyntaxError subclasses (lxml's
# included).
_CORRUPT = (
    zlib.error,
    zipfile.BadZipFile,
    EOFError,
    KeyError,
    ValueError,
    SyntaxError,
    ParseError,
    ExpatError,
    SAXException,
)
_CTX = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one child (defaults: reliability.md §6 "Parser child")."""

    cpu_seconds: int = 60
    memory_bytes: int = 1024 * 1024 * 1024  # RLIMIT_AS
    wall_seconds: float = 120.0


def run_sandboxed(
    func: Callable[[Path], T],
    path: Path,
    *,
    name: str,
    limits: SandboxLimits = SandboxLimits(),
) -> T:
    """Call ``func(path)`` in a forked child under ``limits``; return its result.

    Inputs: ``func`` (its result must be picklable), the ``path`` it reads,
    the display ``name`` used in errors, and the ``limits``.
    Output: whatever ``func`` returned, unpickled in the parent.
    Raises: :class:`FileRejected` (one line, ``name: reason``) for any failure
    in the child, including limits hit and crashes, or if the child cannot be
    started.
    Side effects: forks one child process and always reaps it before
    returning; kills it with SIGKILL when ``limits.wall_seconds`` passes.
    """
    job = _Job(func, path, name, limits)
    try:
        while not job.done:
            job.step(wait_ready(job.waitables(), job.time_left()))
    finally:
        job.stop()
    outcome = job.outcome()
    if isinstance(outcome, FileRejected):
        raise outcome
    return outcome


class SandboxPool:
    """Run several sandboxed calls at once, at most ``workers`` children alive.

    Inputs: ``workers`` (maximum concurrent children, at least 1) and the
    ``limits`` applied to each child.
    """

    def __init__(
        self, workers: int = 2, limits: SandboxLimits = SandboxLimits()
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.limits = limits

    def map(
        self, func: Callable[[Path], T], items: Iterable[tuple[str, Path]]
    ) -> Iterator[tuple[str, T | FileRejected]]:
        """Yield ``(name, result)`` or ``(name, FileRejected)`` per item.

        Inputs: ``func`` as for :func:`run_sandboxed`; ``items`` of
        ``(display name, path)``, consumed lazily.
        Output: one pair per item, in completion order (not input order). A
        failure is yielded as a :class:`FileRejected` instance, never raised,
        so one bad file cannot stop the others.
        Side effects: forks one child per item; if the caller stops iterating
        early (or an exception escapes), the remaining children are killed
        and reaped.
        """
        pending = iter(items)
        active: list[_Job] = []
        finished: list[tuple[str, T | FileRejected]] = []
        exhausted = False
        try:
            while True:
                # Start the next children before handing results to the
                # caller: the caller's work on a result (loading it) then
                # overlaps with the children reading the next files.
                while not exhausted and len(active) < self.workers:
                    item = next(pending, None)
                    if item is None:
                        exhausted = True
                        break
                    item_name, item_path = item
                    try:
                        active.append(_Job(func, item_path, item_name, self.limits))
                    except FileRejected as exc:  # fork failed for this item
                        finished.append((item_name, exc))
                while finished:
                    yield finished.pop(0)
                if not active:
                    return
                waitables = [w for job in active for w in job.waitables()]
                timeout = min(job.time_left() for job in active)
                ready = wait_ready(waitables, timeout)
                for job in list(active):
                    job.step(ready)
                    if job.done:
                        active.remove(job)
                        job.stop()
                        finished.append((job.name, job.outcome()))
        finally:
            for job in active:
                job.stop()


class _Job:
    """One child process and the parent's end of its result pipe."""

    def __init__(
        self, func: Callable[[Path], Any], path: Path, name: str, limits: SandboxLimits
    ) -> None:
        self.name = name
        self.limits = limits
        self.done = False
        self._buffer = bytearray()
        self._eof = False
        self._timed_out = False
        self._stopped = False
        self._exitcode: int | None = None
        self._ended = 0.0
        self._fd, write_fd = os.pipe()
        self._process = _CTX.Process(
            target=_child_main,
            args=(func, path, limits, write_fd),
            name=f"sandbox:{name}",
            daemon=True,
        )
        try:
            self._process.start()
        except Exception as exc:  # fork can fail (EAGAIN, ENOMEM)
            os.close(self._fd)
            raise FileRejected(
                name, f"could not start the reader process ({_short(exc)})"
            ) from None
        finally:
            # Only the child may hold the write end, so its exit means EOF.
            os.close(write_fd)
        os.set_blocking(self._fd, False)
        self._started = time.monotonic()
        self._deadline = self._started + limits.wall_seconds

    def waitables(self) -> list[Any]:
        """Objects to wait on: the pipe (until EOF) and the child's sentinel."""
        if self._eof:
            return [self._process.sentinel]
        return [self._fd, self._process.sentinel]

    def time_left(self) -> float:
        """Seconds until the wall-clock deadline (never negative)."""
        return max(0.0, self._deadline - time.monotonic())

    def step(self, ready: list[Any]) -> None:
        """Handle readiness: drain the pipe, notice exit, enforce the deadline."""
        if self._fd in ready:
            # Draining as data arrives matters: a big result fills the pipe and
            # the child would block on write forever if nobody read it.
            self._drain()
        if self._process.sentinel in ready:
            # The child has exited; whatever it wrote is still in the pipe.
            self.stop()
            self.done = True
        elif self.time_left() <= 0:
            self._timed_out = self._process.exitcode is None
            self.stop()
            self.done = True

    def stop(self) -> None:
        """Kill the child if still running, reap it, drain and close the pipe.

        Safe to call more than once.
        """
        if self._stopped:
            return
        self._stopped = True
        if self._process.exitcode is None:
            with contextlib.suppress(OSError):  # it may have just exited
                self._process.kill()
        self._process.join()  # reaps it: no zombie is left behind
        self._ended = time.monotonic()
        # Recorded here because Process.close() makes exitcode unreadable.
        self._exitcode = self._process.exitcode
        self._process.close()
        # Whatever the child wrote before it ended is still in the pipe.
        self._drain()
        os.close(self._fd)
        self._fd = -1

    def outcome(self) -> Any:
        """The child's result, or a FileRejected describing what went wrong."""
        message = self._message()
        if message is not None:
            kind, value = message
            if kind == "ok":
                return value
            return FileRejected(self.name, str(value))
        return FileRejected(self.name, self._death_reason())

    def _drain(self) -> None:
        """Read everything available from the pipe without blocking."""
        if self._fd < 0 or self._eof:
            return
        while True:
            try:
                data = os.read(self._fd, _READ_SIZE)
            except BlockingIOError:
                return
            if not data:
                self._eof = True
                return
            self._buffer += data

    def _message(self) -> tuple[str, Any] | None:
        """Decode the child's message, or None if it never sent a whole one."""
        if len(self._buffer) < _HEADER.size:
            return None
        (length,) = _HEADER.unpack_from(self._buffer)
        if len(self._buffer) != _HEADER.size + length:
            return None  # torn: the child died while writing
        try:
            message = pickle.loads(memoryview(self._buffer)[_HEADER.size :])
        except Exception as exc:  # any unpickling failure
            return ("error", f"the reader's result could not be decoded ({exc!r})")
        if (
            not isinstance(message, tuple)
            or len(message) != 2
            or message[0] not in ("ok", "error")
        ):
            return ("error", "the reader sent an unexpected message")
        return message

    def _death_reason(self) -> str:
        """Explain a child that ended without sending a result."""
        limits = self.limits
        if self._timed_out:
            return f"took longer than {limits.wall_seconds:g} s to read; stopped"
        code = self._exitcode
        cpu_message = (
            f"the reader was stopped: CPU time limit of {limits.cpu_seconds} s reached"
        )
        if code == -signal.SIGXCPU:
            return cpu_message
        if code == -signal.SIGKILL:
            # Nobody here sent it (that is _timed_out). The kernel sends SIGKILL
            # at the hard CPU limit, which takes at least cpu_seconds of wall
            # time for a single-threaded reader; otherwise suspect the OOM killer.
            if self._ended - self._started >= limits.cpu_seconds:
                return cpu_message
            return "the reader was killed (signal 9, SIGKILL; out of memory?)"
        if code is not None and code < 0:
            return f"the reader crashed (signal {-code}, {_signal_name(-code)})"
        return f"the reader exited without a result (exit code {code})"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown signal"


def _child_main(
    func: Callable[[Path], Any], path: Path, limits: SandboxLimits, write_fd: int
) -> None:
    """Body of the child: set limits, run ``func``, send one message, exit.

    Never returns: it ends with ``os._exit`` so no ``atexit`` handler,
    multiprocessing finalizer or inherited connection's ``__del__`` runs.
    """
    status = 0
    # The child is short-lived and memory-capped. The cyclic garbage collector
    # would walk every object inherited from the parent, touching (and so
    # copying) their pages: with it on, each child cost ~40 ms more.
    gc.disable()
    try:
        try:
            _apply_limits(limits)
        except (ValueError, OSError) as exc:
            message: tuple[str, Any] = (
                "error",
                f"the sandbox could not set its limits ({_short(exc)})",
            )
        else:
            # The one error boundary: whatever func raises becomes a reason.
            try:
                message = ("ok", func(path))
            except BaseException as exc:
                message = ("error", _describe(exc, path, limits))
        try:
            payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # unpicklable, or out of memory
            payload = pickle.dumps(
                ("error", f"the reader's result could not be sent ({_short(exc)})")
            )
        _write_all(write_fd, _HEADER.pack(len(payload)))
        _write_all(write_fd, payload)
    except BaseException:  # e.g. the parent went away (EPIPE)
        status = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(status)


def _apply_limits(limits: SandboxLimits) -> None:
    """Set CPU, address-space and core-size limits on the current process."""
    # SIGXCPU and SIGSEGV dump core by default; a 1 GiB core file per bad
    # input would fill the disk.
    _set_limit(resource.RLIMIT_CORE, 0, 0)
    _set_limit(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 5)
    _set_limit(resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes)


def _set_limit(which: int, soft: int, hard: int) -> None:
    """Lower a limit, staying within any hard limit the parent already has."""
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _describe(exc: BaseException, path: Path, limits: SandboxLimits) -> str:
    """One-line reason for an exception raised by the parse function."""
    chain = _chain(exc)
    for link in chain:
        if isinstance(link, FileRejected):
            return link.reason
    if any(isinstance(link, MemoryError) for link in chain):
        return f"ran out of memory (limit {limits.memory_bytes // _MIB} MiB)"
    if isinstance(exc, _CORRUPT):
        # Libraries wrap the real cause in a generic error (openpyxl turns a
        # refused entity bomb into "ValueError: Unable to read workbook"), so
        # name the innermost cause of the same family.
        cause = [link for link in chain if isinstance(link, _CORRUPT)][-1]
        detail = _short(cause, path)
        return f"corrupt or unsafe workbook ({_class_name(cause)}: {detail})"
    return f"could not be read ({_class_name(exc)}: {_short(exc, path)})"


def _class_name(exc: BaseException) -> str:
    """The exception's class name, qualified when bare (``zlib.error``)."""
    name = type(exc).__name__
    if name.lower() == "error":
        return f"{type(exc).__module__}.{name}"
    return name


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception followed by its causes/contexts, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 20:
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return chain


def _short(exc: BaseException, path: Path | None = None) -> str:
    """First line of the message, at most 200 characters, without tmp paths."""
    text = str(exc).strip()
    if path is not None:
        # Readers quote the full (often temporary) path; the caller adds the
        # display name anyway.
        text = text.replace(str(path), path.name)
    lines = text.splitlines()
    text = lines[0].strip() if lines else ""
    return text[:200] or type(exc).__name__
