"""The search index: one row per thing a reader may look for.

Derived from the registry and the place reference by ``tidewatch.search.index``
and rebuilt after every import, rebuild and place decision; nothing here is
edited by hand. On SQLite an FTS5 table (``search_fts``, created by the
migration) mirrors ``names`` and ``place_text``; on PostgreSQL a GIN index on
their ``to_tsvector('simple', ...)`` serves the same queries.
"""

from __future__ import annotations

from django.db import models


class SearchEntry(models.Model):
    """An agency, county, city or state, with its names folded for matching."""

    AGENCY = "agency"
    COUNTY = "county"
    CITY = "city"
    STATE = "state"
    KIND_CHOICES = [
        (AGENCY, "agency"),
        (COUNTY, "county"),
        (CITY, "city"),
        (STATE, "state or territory"),
    ]

    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    key = models.CharField(
        max_length=130,
        help_text="Agency id, county FIPS, STATE/city-slug, or USPS code.",
    )
    name = models.CharField(max_length=300, help_text="The name shown.")
    state = models.CharField(max_length=2, help_text="USPS code.")
    detail = models.CharField(
        max_length=300, blank=True, help_text="County of an agency or a city."
    )
    names = models.TextField(
        help_text="Folded names: the current one first, then aliases and forms."
    )
    place_text = models.TextField(
        blank=True, help_text="Folded state, county, FIPS and ORI: matched too."
    )
    models_in_force = models.CharField(
        max_length=20, blank=True, help_text="Participating models, e.g. 'JEM WSO'."
    )
    models_pending = models.CharField(max_length=20, blank=True)
    has_agreements = models.BooleanField(
        default=False, help_text="Any agreement in force or pending: ranked first."
    )

    class Meta:
        ordering = ["kind", "state", "name"]
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class SearchIndexState(models.Model):
    """When the index was built and from which data (one row)."""

    stamp = models.CharField(
        max_length=200, help_text="The data the index was built from (index.stamp)."
    )
    built_at = models.DateTimeField(auto_now=True)
    entries = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"search index of {self.built_at:%Y-%m-%d %H:%M} ({self.entries})"
