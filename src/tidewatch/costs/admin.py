"""Entering cost records in the admin: every value checked by the cost model
(``parameters.check``), never edited in place.

Adding a record for a place and parameter that already has one supersedes
it; the old record stays, read-only, as history. Opening a current record
and saving it stores the form as a new version (save as new), so the record
an estimate once cited is never changed under it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from tidewatch.costmodel import parameters as params
from tidewatch.costs import records
from tidewatch.costs.models import ParameterRecord


def _field_for(problem: str) -> str:
    """The form field a ``parameters.check`` problem is about."""
    if problem.startswith("no such parameter"):
        return "parameter"
    if problem.startswith("given in"):
        return "unit"
    if "dollar" in problem:
        return "dollar_year"
    return "value"


class ParameterRecordForm(forms.ModelForm):
    class Meta:
        model = ParameterRecord
        fields = [
            "place_kind",
            "place_key",
            "parameter",
            "value",
            "unit",
            "dollar_year",
            "low",
            "high",
            "source",
            "source_date",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, key = data.get("place_kind"), (data.get("place_key") or "").strip()
        if kind and key:
            data["place_key"] = key
            problem = records.place_problem(kind, key)
            if problem:
                self.add_error("place_key", problem)
        name = (data.get("parameter") or "").strip()
        if not name or data.get("value") is None:
            return data
        data["parameter"] = name
        given = {"unit": (data.get("unit") or "").strip()}
        steps = (
            ("value", {"dollar_year": data.get("dollar_year")}),
            ("low", {"dollar_year": data.get("dollar_year"), "low": data.get("low")}),
            ("high", {k: data.get(k) for k in ("dollar_year", "low", "high")}),
        )
        for field, extra in steps:
            try:
                params.check(params.Override(name, data["value"], **given, **extra))
            except params.ParameterError as error:
                where = _field_for(error.problem)
                self.add_error(field if where == "value" else where, str(error))
                break
        return data


class CurrentFilter(admin.SimpleListFilter):
    title = "version"
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "current"), ("no", "superseded (history)")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ParameterRecord]
    ) -> QuerySet[ParameterRecord]:
        if self.value() == "yes":
            return queryset.filter(superseded_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(superseded_at__isnull=False)
        return queryset


@admin.register(ParameterRecord)
class ParameterRecordAdmin(admin.ModelAdmin):
    form = ParameterRecordForm
    list_display = (
        "place",
        "parameter",
        "value",
        "unit",
        "dollar_year",
        "source_date",
        "current",
        "entered_at",
        "entered_by",
    )
    list_filter = (CurrentFilter, "place_kind", "parameter", "import_batch")
    search_fields = ("place_key", "parameter", "source")
    date_hierarchy = "entered_at"
    readonly_fields = ("entered_at", "entered_by", "import_batch", "versions")
    fieldsets = (
        (
            None,
            {
                "fields": ParameterRecordForm.Meta.fields,
                "description": "Checked by the cost model when saved. Saving "
                "stores a new version: the current record for the same place "
                "and parameter is kept as history (docs/cost-records.md).",
            },
        ),
        ("Versions", {"fields": readonly_fields}),
    )

    @admin.display(boolean=True)
    def current(self, obj: ParameterRecord) -> bool:
        return obj.is_current

    @admin.display(description="every version (newest first)")
    def versions(self, obj: ParameterRecord) -> str:
        if obj.pk is None:
            return "-"
        found = ParameterRecord.objects.filter(
            place_kind=obj.place_kind, place_key=obj.place_key, parameter=obj.parameter
        ).order_by("-entered_at", "-id")
        rows = format_html_join(
            "",
            "<li>{} {} {} ({}, {}; entered {} by {}){}</li>",
            (
                (r.value, r.unit, f"[{r.low:g}-{r.high:g}]" if r.low is not None
                 and r.high is not None else "", r.source, r.source_date,
                 r.entered_at.date(), r.entered_by,
                 "" if r.superseded_at is None else " - superseded")
                for r in found
            ),
        )  # fmt: skip
        return format_html("<ul>{}</ul>", rows)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not obj.is_current:
            return False  # history: shown, never changed
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # history is kept: a wrong value is superseded, not deleted

    def save_model(
        self, request: HttpRequest, obj: ParameterRecord, form: Any, change: bool
    ) -> None:
        """Store the form as a new version (the current one is superseded)."""
        if change:
            obj.pk = None
            obj._state.adding = True
        stored = records.store(
            obj, entered_by=request.user.get_username(), batch="admin"
        )
        if stored == records.UNCHANGED:  # the same as the current record
            current = ParameterRecord.objects.get(
                place_kind=obj.place_kind,
                place_key=obj.place_key,
                parameter=obj.parameter,
                superseded_at__isnull=True,
            )
            obj.pk, obj._state.adding = current.pk, False
