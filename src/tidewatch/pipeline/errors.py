"""The one error type the ingest pipeline reports to people.

Every failure to take in a file (bad bytes, limits hit, parser crash, network
refusal) ends as a :class:`FileRejected` whose ``str()`` is one clear line that
names the file and the problem. The CLI prints that line and moves on to the
next file.
"""

from __future__ import annotations


class FileRejected(Exception):
    """A file (or download) that cannot be taken in, with the reason."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
