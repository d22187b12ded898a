"""Raw files as received, the lists they publish, and import runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RawFile(models.Model):
    """A file exactly as downloaded or imported, stored once by its SHA-256."""

    PUBLISHED = "published"
    REJECTED = "rejected"
    RECEIVED = "received"
    STATUS_CHOICES = [
        (RECEIVED, "received, not yet read"),
        (PUBLISHED, "read and loaded as a publication"),
        (REJECTED, "could not be read"),
    ]

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField(help_text="Bytes.")
    path = models.CharField(
        max_length=300, help_text="Where the bytes are, relative to the archive folder."
    )
    source_key = models.CharField(max_length=50, default="ice_287g")
    first_observed_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=RECEIVED)
    rejection = models.TextField(
        blank=True, help_text="Why the file could not be read."
    )

    class Meta:
        ordering = ["first_observed_at", "sha256"]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} bytes)"


class Observation(models.Model):
    """One sighting of a raw file: under which name, from where, when."""

    IMPORT = "import"
    SYNC = "sync"

    raw_file = models.ForeignKey(
        RawFile, on_delete=models.CASCADE, related_name="observations"
    )
    original_name = models.CharField(max_length=300)
    source_url = models.URLField(
        max_length=2000, blank=True, help_text="The link followed (from ICE's page)."
    )
    final_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text="Where the bytes came from, after redirects.",
    )
    http_headers = models.JSONField(default=dict, blank=True)
    observed_at = models.DateTimeField(
        help_text="When the file was seen: the download time, or the date in its name."
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=10, default=IMPORT)

    class Meta:
        ordering = ["observed_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Publication(models.Model):
    """One ICE list (a workbook) with the date it describes."""

    PARTICIPATING = "participating"
    PENDING = "pending"
    KIND_CHOICES = [
        (PARTICIPATING, "participating agencies"),
        (PENDING, "pending agencies"),
    ]

    raw_file = models.OneToOneField(
        RawFile, on_delete=models.PROTECT, related_name="publication"
    )
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    header_code = models.CharField(max_length=10, help_text="H1, P1-P5, Q1-Q5 or new.")
    sheet = models.CharField(max_length=100)
    header = models.JSONField(default=list)
    name = models.CharField(max_length=300, help_text="The file's original name.")
    as_of = models.DateField(help_text="The date the list describes.")
    as_of_rule = models.CharField(
        max_length=100, help_text="How the as-of date was found."
    )
    observed_at = models.DateTimeField()
    row_count = models.IntegerField(help_text="Rows with a state and an agency.")
    hidden_row_count = models.IntegerField(default=0)
    agreement_count = models.IntegerField(default=0)
    duplicate_row_count = models.IntegerField(default=0)
    reject_count = models.IntegerField(default=0)
    records = models.JSONField(
        default=dict,
        help_text="The normalised rows, as {columns, rows}; history is rebuilt "
        "from these.",
    )
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["as_of", "kind", "observed_at", "raw_file__sha256"]
        indexes = [models.Index(fields=["kind", "as_of"])]

    def __str__(self) -> str:
        return f"{self.kind} list as of {self.as_of}"

    @property
    def sort_key(self) -> tuple:
        return publication_sort_key(
            self.as_of, self.kind, self.observed_at, self.raw_file.sha256
        )


def publication_sort_key(as_of, kind, observed_at, sha256) -> tuple:
    """Order of publications in history: by date; on one date the participating
    list before the pending one (ICE's pending list lags), then by when seen."""
    return (as_of, 0 if kind == Publication.PARTICIPATING else 1, observed_at, sha256)


class RejectedRow(models.Model):
    """A row that could not be understood, kept with the reason."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="rejected_rows"
    )
    sheet = models.CharField(max_length=100)
    row_number = models.IntegerField()
    reason = models.CharField(max_length=300)
    values = models.JSONField(default=dict)

    class Meta:
        ordering = ["publication", "row_number"]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"


class ImportRun(models.Model):
    """One run of `tidewatch import` or `tidewatch sync`, with what it did."""

    RUNNING = "running"
    OK = "ok"
    REFUSED = "refused"
    INTERRUPTED = "interrupted"
    STATUS_CHOICES = [
        (RUNNING, _("running")),
        (OK, _("completed")),
        (REFUSED, _("completed, some files or downloads refused")),
        (INTERRUPTED, _("interrupted before it finished")),
    ]

    command = models.CharField(max_length=20)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=RUNNING)
    pid = models.IntegerField(null=True)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.command} {self.started_at:%Y-%m-%d %H:%M} {self.status}"
