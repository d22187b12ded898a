"""Run accounting: one ImportRun row per `tidewatch import` or `sync`."""

from __future__ import annotations

import os
from typing import Any

from django.utils import timezone

from tidewatch.publications.models import ImportRun


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(command: str) -> ImportRun:
    """Record a new run; mark earlier runs whose process is gone as interrupted."""
    for run in ImportRun.objects.filter(status=ImportRun.RUNNING):
        if not _alive(run.pid):
            run.status = ImportRun.INTERRUPTED
            run.finished_at = run.finished_at or timezone.now()
            run.save(update_fields=["status", "finished_at"])
    return ImportRun.objects.create(command=command, pid=os.getpid())


def finish(run: ImportRun, summary: dict[str, Any], errors: list[str]) -> None:
    run.summary = summary
    run.errors = errors
    run.status = ImportRun.REFUSED if errors else ImportRun.OK
    run.finished_at = timezone.now()
    run.save(update_fields=["summary", "errors", "status", "finished_at"])
