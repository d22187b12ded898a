"""Agencies, their 287(g) agreements, each listing in an ICE list, and events.

Everything here is derived from the publications (``tidewatch.publications``)
by ``tidewatch.pipeline.history`` and can be rebuilt from them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tidewatch.publications.models import Publication

MODEL_CHOICES = [
    ("JEM", "Jail Enforcement Model"),
    ("WSO", "Warrant Service Officer"),
    ("TFM", "Task Force Model"),
]


class Agency(models.Model):
    """A law-enforcement agency, stable across ICE's renames and typos."""

    id = models.CharField(
        max_length=120,
        primary_key=True,
        help_text="e.g. sc-charleston-county-sheriffs-office",
    )
    state = models.CharField(max_length=2, help_text="USPS code.")
    name = models.CharField(max_length=300, help_text="The name in ICE's latest list.")
    name_key = models.CharField(max_length=300)
    agency_type = models.CharField(max_length=20, blank=True)
    county = models.CharField(max_length=120, blank=True)
    first_listed = models.DateField()
    last_listed = models.DateField()

    class Meta:
        ordering = ["state", "name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"


class AgencyAlias(models.Model):
    """A name (as a comparison key) under which ICE listed an agency."""

    state = models.CharField(max_length=2)
    name_key = models.CharField(max_length=300)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=300, help_text="The name as first written.")
    match = models.CharField(
        max_length=30, help_text="exact, moa or fuzzy:<score> (docs/methods.md)."
    )
    first_seen = models.DateField()

    class Meta:
        ordering = ["state", "name_key"]
        constraints = [
            models.UniqueConstraint(fields=["state", "name_key"], name="unique_alias")
        ]
        verbose_name_plural = "agency aliases"

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """One agency x one model: the unit ICE lists, one row per agreement."""

    PARTICIPATING = "participating"
    PENDING = "pending"
    REMOVED = "removed"
    PENDING_DROPPED = "pending_dropped"
    STATUS_CHOICES = [
        (PARTICIPATING, "on ICE's latest participating list"),
        (PENDING, "on ICE's latest pending list"),
        (REMOVED, "dropped from the participating list"),
        (
            PENDING_DROPPED,
            "dropped from the pending list, never listed as participating",
        ),
    ]

    id = models.CharField(max_length=130, primary_key=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="agreements"
    )
    model = models.CharField(max_length=3, choices=MODEL_CHOICES)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    signed_date = models.DateField(null=True, blank=True)
    first_listed = models.DateField()
    last_listed = models.DateField()
    removed_on = models.DateField(null=True, blank=True)
    moa_url = models.URLField(max_length=2000, blank=True)
    addendum_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["agency__state", "agency__name", "model"]

    def __str__(self) -> str:
        return self.id


class Listing(models.Model):
    """An agreement's row in one ICE list, with the values as ICE wrote them."""

    # No separate FK indexes: the unique (agreement, publication) constraint and
    # the (publication, agreement) index below serve both lookups, and two
    # fewer indexes to maintain make imports faster.
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="listings", db_index=False
    )
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="listings", db_index=False
    )
    status = models.CharField(max_length=20, help_text="The list's kind.")
    as_of = models.DateField()
    sheet = models.CharField(max_length=100)
    row_number = models.IntegerField()
    duplicate_rows = models.JSONField(
        default=list, help_text="Other rows collapsed into this one."
    )
    hidden = models.BooleanField(default=False)
    agency_name = models.CharField(max_length=300)
    state_raw = models.CharField(max_length=100)
    type_raw = models.CharField(max_length=100, blank=True)
    agency_type = models.CharField(max_length=20, blank=True)
    county_raw = models.CharField(max_length=200, blank=True)
    county = models.CharField(max_length=120, blank=True)
    support_type_raw = models.CharField(max_length=100)
    signed_raw = models.CharField(max_length=100, blank=True)
    signed_date = models.DateField(null=True, blank=True)
    signed_note = models.CharField(max_length=200, blank=True)
    moa_status = models.CharField(max_length=10)
    moa_url = models.URLField(max_length=2000, blank=True)
    moa_link = models.TextField(
        blank=True, help_text="The hyperlink as written, before unwrapping."
    )
    addendum_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["as_of", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "publication"], name="one_listing_per_list"
            )
        ]
        indexes = [models.Index(fields=["publication", "agreement"])]

    def __str__(self) -> str:
        return f"{self.agreement_id} in {self.publication_id}"


class Event(models.Model):
    """A change in an agreement's history, derived by comparing ICE's lists."""

    FIRST_LISTED = "first_listed"
    MODEL_ADDED = "model_added"
    PROMOTED = "promoted"
    SIGNED_DATE_CHANGED = "signed_date_changed"
    REMOVED = "removed"
    RELISTED = "relisted"
    PENDING_DROPPED = "pending_dropped"
    KIND_CHOICES = [
        (FIRST_LISTED, _("first listed")),
        (MODEL_ADDED, _("model added for an agency already listed")),
        (PROMOTED, _("moved from pending to participating")),
        (SIGNED_DATE_CHANGED, _("signing date changed (renewal or correction)")),
        (REMOVED, _("removed from the participating list")),
        (RELISTED, _("listed again after a removal")),
        (
            PENDING_DROPPED,
            _("dropped from the pending list without being listed as participating"),
        ),
    ]

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=KIND_CHOICES)
    date = models.DateField(help_text="As-of date of the list that showed the change.")
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="events"
    )
    previous_publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    sequence = models.IntegerField(help_text="Order of events within one list.")

    class Meta:
        ordering = ["date", "sequence"]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.agreement_id}"
