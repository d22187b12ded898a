"""Records of what a place's agreements cost: one value of one cost-model
parameter for one county or agency, with the record it comes from.

Records are never edited in place: a new value for the same place and
parameter supersedes the current one (``superseded_at`` set), which stays as
history, so an estimate can always say which record it used and a page can
show how the figure changed as records requests came back.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tidewatch.costmodel.parameters import Override


class ParameterRecord(models.Model):
    """One reported value of a cost parameter for a county or an agency."""

    COUNTY = "county"
    AGENCY = "agency"
    KIND_CHOICES = [
        (COUNTY, "county (5-digit FIPS code)"),
        (AGENCY, "agency (Tidewatch agency id)"),
    ]

    place_kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    place_key = models.CharField(
        max_length=120,
        help_text="A county's 5-digit FIPS code (45019) or an agency id "
        "(sc-charleston-county-sheriffs-office).",
    )
    parameter = models.CharField(
        max_length=60, help_text="A name from `tidewatch cost params list`."
    )
    value = models.FloatField(help_text="In the unit below.")
    low = models.FloatField(
        null=True, blank=True, help_text="Optional: the lowest the value may be."
    )
    high = models.FloatField(
        null=True, blank=True, help_text="Optional: the highest the value may be."
    )
    unit = models.CharField(
        max_length=20,
        blank=True,
        help_text="The unit the value is given in (blank: the parameter's own).",
    )
    dollar_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="For dollar amounts: the year of the dollars (blank: 2025).",
    )
    source = models.TextField(
        help_text="The record: e.g. the county's response to a records request, "
        "a budget line, an agenda item, with its address if it has one."
    )
    source_date = models.DateField(help_text="The date of the record.")
    entered_at = models.DateTimeField(default=timezone.now, editable=False)
    entered_by = models.CharField(max_length=120, editable=False)
    superseded_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a newer record replaced this one (blank: current).",
    )
    import_batch = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="The CSV file it came from (name and sha256), or 'admin'.",
    )

    class Meta:
        ordering = ["place_kind", "place_key", "parameter", "-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["place_kind", "place_key", "parameter"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_record_per_place_and_parameter",
            )
        ]
        indexes = [models.Index(fields=["place_kind", "place_key"])]

    def __str__(self) -> str:
        return f"{self.place}: {self.parameter} = {self.value:g} {self.unit}".strip()

    @property
    def place(self) -> str:
        """``county:45019`` or ``agency:<id>``, as the CSV writes it."""
        return f"{self.place_kind}:{self.place_key}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def as_override(self) -> Override:
        """The record as the model's Override, before ``parameters.check``."""
        return Override(
            name=self.parameter,
            value=self.value,
            unit=self.unit,
            dollar_year=self.dollar_year,
            low=self.low,
            high=self.high,
            source=self.source,
            as_of=self.source_date,
        )

    def same_as(self, other: ParameterRecord) -> bool:
        """Whether ``other`` says the same thing (re-importing is a no-op)."""
        fields = ("value", "low", "high", "unit", "dollar_year", "source")
        return all(getattr(self, f) == getattr(other, f) for f in fields) and str(
            self.source_date
        ) == str(other.source_date)
