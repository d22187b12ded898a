"""Where each agency polices, how that was decided, and identifier crosswalks.

``AgencyPlace`` is derived (``tidewatch.places.resolve``) and recomputed after
every import; ``PlaceDecision`` rows are people's decisions and are never
derived, so they survive re-imports and rebuilds (keyed by agency id, not by
a foreign key that a rebuild would delete).
"""

from __future__ import annotations

from django.db import models

from tidewatch.agreements.models import Agency

LEVEL_CHOICES = [
    ("state", "a state agency: highway patrol, state police, corrections, ..."),
    ("county", "a county agency: sheriff, county jail or corrections, county police"),
    ("municipal", "a city, town, borough, township or village agency"),
    (
        "other",
        "campus, port, airport, transit, constable, judicial district, "
        "regional jail or task force",
    ),
]


class AgencyPlace(models.Model):
    """The jurisdiction an agency polices, resolved from ICE's cells and names."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="place"
    )
    level = models.CharField(max_length=10, choices=LEVEL_CHOICES)
    kind = models.CharField(
        max_length=20, blank=True, help_text="For level other: campus, port, ..."
    )
    state_fips = models.CharField(max_length=2)
    county_fips = models.CharField(
        max_length=5, blank=True, help_text="The main county (5-digit FIPS)."
    )
    counties = models.JSONField(
        default=list, help_text="Every county policed or served (FIPS codes)."
    )
    place = models.CharField(max_length=120, blank=True, help_text="City or town.")
    match_status = models.CharField(
        max_length=20,
        help_text="ice_county, name, alias, fuzzy:<score>, manual or unresolved.",
    )
    reason = models.CharField(max_length=300)
    ori = models.CharField(max_length=9, blank=True, help_text="FBI agency identifier.")

    class Meta:
        ordering = ["agency"]
        indexes = [models.Index(fields=["county_fips"]), models.Index(fields=["level"])]

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.level} {self.county_fips or self.state_fips}"


class PlaceDecision(models.Model):
    """A person's decision about where an agency polices; beats any rule."""

    agency_id = models.CharField(max_length=120, db_index=True)
    county_fips = models.CharField(max_length=5, blank=True)
    place = models.CharField(max_length=120, blank=True)
    reason = models.CharField(max_length=300)
    decided_by = models.CharField(max_length=120)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency_id", "-decided_at"]

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.county_fips or self.place} ({self.decided_by})"


class OriAgency(models.Model):
    """One agency of an FBI roster (ORI code, name, counties), as loaded."""

    ori = models.CharField(max_length=9, primary_key=True)
    name = models.CharField(max_length=200)
    state = models.CharField(max_length=2)
    agency_type = models.CharField(max_length=60, blank=True)
    county_names = models.CharField(max_length=300, blank=True)
    counties = models.JSONField(default=list, help_text="FIPS codes of county_names.")
    source = models.CharField(max_length=200, help_text="The file it was loaded from.")

    class Meta:
        ordering = ["state", "name"]
        verbose_name = "FBI roster agency"

    def __str__(self) -> str:
        return f"{self.ori} {self.name}"


class CountyAor(models.Model):
    """The ICE field office (Area of Responsibility) covering a county."""

    county_fips = models.CharField(max_length=5, primary_key=True)
    aor = models.CharField(max_length=10)
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["county_fips"]
        verbose_name = "county ICE area of responsibility"

    def __str__(self) -> str:
        return f"{self.county_fips} {self.aor}"
