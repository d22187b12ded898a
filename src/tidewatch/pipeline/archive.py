"""The raw-file archive: every file received, stored unchanged by its SHA-256.

Files live at ``<archive>/<source_key>/<sha256[:2]>/<sha256><suffix>``. A file
is written to a temporary name, synced and renamed into place, so the archive
never holds a partial file even if the process is killed mid-write. Each
sighting (name, URL, headers, time) is an :class:`Observation`; bytes already
archived are recognised and not stored twice.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from tidewatch.publications.models import Observation, RawFile


@dataclass(frozen=True)
class Archived:
    raw_file: RawFile
    observation: Observation
    is_new: bool


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def archive_path(source_key: str, sha256: str, suffix: str) -> Path:
    return Path(source_key) / sha256[:2] / f"{sha256}{suffix}"


def _write_atomically(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(content)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def store(
    content: bytes,
    *,
    original_name: str,
    observed_at: datetime,
    source_url: str = "",
    final_url: str = "",
    http_headers: dict[str, str] | None = None,
    via: str = Observation.IMPORT,
    source_key: str = "ice_287g",
) -> Archived:
    """Archive ``content`` (if new) and record this sighting of it.

    Returns the :class:`RawFile`, the new :class:`Observation`, and whether the
    bytes were new to the archive.
    """
    digest = sha256_of(content)
    suffix = Path(original_name).suffix.lower()[:10]
    relative = archive_path(source_key, digest, suffix)
    target = Path(settings.ARCHIVE_DIR) / relative
    if not target.exists() or target.stat().st_size != len(content):
        _write_atomically(target, content)
    existing = RawFile.objects.filter(sha256=digest).first()
    if existing is not None and via == Observation.IMPORT:
        seen = existing.observations.filter(
            original_name=original_name, source_url=source_url
        ).first()
        if seen is not None:
            return Archived(existing, seen, False)
    with transaction.atomic():
        raw_file, created = RawFile.objects.get_or_create(
            sha256=digest,
            defaults={
                "size": len(content),
                "path": str(relative),
                "source_key": source_key,
                "first_observed_at": observed_at,
            },
        )
        if not created and observed_at < raw_file.first_observed_at:
            raw_file.first_observed_at = observed_at
            raw_file.save(update_fields=["first_observed_at"])
        # The same file under the same name from the same place says nothing
        # new (a re-import); a download is always a new sighting.
        observation = None
        if via == Observation.IMPORT:
            observation = raw_file.observations.filter(
                original_name=original_name, source_url=source_url
            ).first()
        if observation is None:
            observation = Observation.objects.create(
                raw_file=raw_file,
                original_name=original_name,
                source_url=source_url,
                final_url=final_url or source_url,
                http_headers=http_headers or {},
                observed_at=observed_at,
                via=via,
            )
    return Archived(raw_file, observation, created)


def stored_file(raw_file: RawFile) -> Path:
    return Path(settings.ARCHIVE_DIR) / raw_file.path


def last_download_headers(url: str) -> dict[str, str]:
    """The HTTP headers of the latest download from ``url`` (empty if none):
    their ETag and Last-Modified make the next request conditional."""
    last = (
        Observation.objects.filter(source_url=url, via=Observation.SYNC)
        .order_by("-observed_at")
        .first()
    )
    return last.http_headers if last else {}
