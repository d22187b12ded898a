"""The changes page: every event found between ICE's lists, filterable by
date range, state, model and kind, newest first.

Pages are paths (``/en/changes/``, ``/en/changes/page/2/``) so a static copy
of the site has them as files; filters stay query parameters and every
pagination and download link keeps them. A bad filter value is answered
with the form, its message and HTTP 400, never a crash or a silently
ignored filter.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tidewatch.agreements import reports
from tidewatch.agreements.models import MODEL_CHOICES, Event
from tidewatch.places.reference import county_index
from tidewatch.site import queries

PAGE_SIZE = 100
FILTERS = ("since", "until", "state", "model", "kind")
FORMATS = ("csv", "json", "xlsx")


def state_choices() -> list[tuple[str, str]]:
    states = sorted(county_index().states.values(), key=lambda s: s.name)
    return [("", _("All states and territories"))] + [(s.usps, s.name) for s in states]


class ChangeFilters(forms.Form):
    """The changes page's filters; the same parameters filter its downloads."""

    since = forms.DateField(
        label=_("From (list date)"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("Until (list date)"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=state_choices)
    model = forms.ChoiceField(
        label=_("Model"),
        required=False,
        choices=[("", _("All models"))]
        + [(code, f"{label} ({code})") for code, label in MODEL_CHOICES],
    )
    kind = forms.ChoiceField(
        label=_("Change"),
        required=False,
        choices=[("", _("All changes")), *Event.KIND_CHOICES],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(
                _("The start date must not be after the end date.")
            )
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters with a value, as keyword arguments."""
        return {k: v for k, v in self.cleaned_data.items() if v}


def parse_filters(request: HttpRequest) -> ChangeFilters:
    """The form bound to the query's known parameters (others are ignored)."""
    return ChangeFilters({k: request.GET[k] for k in FILTERS if k in request.GET})


def query_string(form: ChangeFilters) -> str:
    """The valid filters as a query string ("" or "?state=SC&...")."""
    values = {
        k: v.isoformat() if isinstance(v, date) else v
        for k, v in form.filters().items()
    }
    return "?" + urlencode(values) if values else ""


def changes_page(request: HttpRequest, page: int = 1) -> HttpResponse:
    """One page of the (filtered) changes, newest first."""
    form = parse_filters(request)
    if not form.is_valid():
        context = {"form": form, "page_obj": None, "lists": queries.latest_lists()}
        return render(request, "site/changes.html", context, status=400)
    query = query_string(form)
    if page == 1 and "page" in (
        request.resolver_match.kwargs if request.resolver_match else {}
    ):
        return redirect(reverse("changes") + query)
    found = reports.filter_events(queries.events(), **form.filters()).reverse()
    paginator = Paginator(found, PAGE_SIZE)
    if page < 1 or page > paginator.num_pages:
        raise Http404("no such page")
    page_obj = paginator.page(page)

    def page_url(number: int) -> str:
        if number == 1:
            return reverse("changes") + query
        return reverse("changes-page", kwargs={"page": number}) + query

    context = {
        "form": form,
        "page_obj": page_obj,
        "events": list(page_obj.object_list),
        "filtered": bool(form.filters()),
        "previous_url": page_url(page - 1) if page_obj.has_previous() else "",
        "next_url": page_url(page + 1) if page_obj.has_next() else "",
        "first_url": page_url(1),
        "last_url": page_url(paginator.num_pages),
        "downloads": [
            {
                "fmt": fmt,
                "url": reverse("download-changes", kwargs={"fmt": fmt}) + query,
            }
            for fmt in FORMATS
        ],
        "lists": queries.latest_lists(),
    }
    return render(request, "site/changes.html", context)
