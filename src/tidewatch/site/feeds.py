"""Atom feeds of the changes found in ICE's lists: national, per state, per
county and per agency. Each entry is one ``Event``; its id is a ``tag:`` URI
made of the event's facts, so it survives ``tidewatch rebuild``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from urllib.parse import quote

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from tidewatch.agreements.models import Agency, Event
from tidewatch.agreements.reports import EVENT_LIST_ROWS
from tidewatch.places.reference import county_index
from tidewatch.site import queries

MAX_ITEMS = 200
AUTHOR = "Tidewatch"
# The tag: authority of every id. Changing it changes every entry id, so readers
# would show every change again: leave it as it is.
TAG_AUTHORITY = "tidewatch,2025"
KIND_LABELS = dict(Event.KIND_CHOICES)


@dataclass
class Scope:
    """What one feed covers: its title, its Atom id and its events."""

    title: str
    key: str
    events: QuerySet[Event]


def event_link(event: Event) -> str:
    """Where an entry points: the ICE list the change was found in."""
    return reverse("raw-file", args=[event.publication.raw_file.sha256])


def event_tag(event: Event) -> str:
    """A ``tag:`` URI from the event's facts; no database row ids in it.

    An agreement has at most one event of a kind per ICE list, and the list is
    named by its file's SHA-256: unique, and the same whatever order lists
    were imported in (a date and a sequence number would not be).
    """
    parts = (event.agreement_id, event.kind, event.publication.raw_file.sha256)
    return f"tag:{TAG_AUTHORITY}:event/" + "/".join(quote(str(p)) for p in parts)


def event_summary(event: Event) -> str:
    """What the change is, in words, e.g. "moved from pending to participating"."""
    label = KIND_LABELS.get(event.kind, event.kind)
    details = event.details or {}
    if event.kind == Event.SIGNED_DATE_CHANGED:
        change = details.get("change", "change")
        old, new = details.get("old") or "?", details.get("new") or "?"
        return f"{label.split(' (')[0]} ({change}: {old} -> {new})"
    if event.kind == Event.MODEL_ADDED:
        return label.removeprefix("model ")
    if event.kind in (Event.FIRST_LISTED, Event.RELISTED) and details.get("status"):
        return f"{label} ({details['status']})"
    return label


def event_title(event: Event) -> str:
    """ "Agency (ST): Task Force Model moved from pending to participating"."""
    agreement = event.agreement
    agency = agreement.agency
    return (
        f"{agency.name} ({agency.state}): "
        f"{agreement.get_model_display()} {event_summary(event)}"
    )


def event_description(event: Event) -> str:
    """An HTML fragment (Atom type="html"): the list date and file, escaped."""
    publication = event.publication
    text = format_html(
        "Found in ICE's {} list as of {}, file {}.",
        publication.get_kind_display(),
        publication.as_of.isoformat(),
        publication.name,
    )
    previous = event.previous_publication
    if previous is not None:
        text += format_html(
            " Compared with the list as of {}, file {}.",
            previous.as_of.isoformat(),
            previous.name,
        )
    return text


class ChangesFeed(Feed):
    """The latest changes, newest first; subclasses choose which events."""

    feed_type = Atom1Feed
    link = "/"
    language = "en"
    author_name = AUTHOR
    item_author_name = AUTHOR

    def get_object(self, request: HttpRequest, *args: str, **kwargs: str) -> Scope:
        return Scope("nationwide", "all", Event.objects.all())

    def title(self, scope: Scope) -> str:
        return f"Tidewatch: 287(g) changes {scope.title}"

    def subtitle(self, scope: Scope) -> str:
        return f"Changes found in ICE's 287(g) lists {scope.title}, newest first."

    def feed_guid(self, scope: Scope) -> str:
        return f"tag:{TAG_AUTHORITY}:feed/{quote(scope.key)}"

    def items(self, scope: Scope) -> list[Event]:
        # History order, reversed: by date, on one date the pending list (after
        # the participating one: "pending" > "participating"), then when seen.
        events = (
            scope.events.select_related(
                "agreement__agency", "publication__raw_file", "previous_publication"
            )
            .defer(*EVENT_LIST_ROWS)
            .order_by(
                "-date",
                "-publication__kind",
                "-publication__observed_at",
                "-publication__raw_file__sha256",
                "-sequence",
            )
        )
        return list(events[:MAX_ITEMS])

    def item_title(self, event: Event) -> str:
        return event_title(event)  # plain text: the generator escapes it

    def item_description(self, event: Event) -> str:
        return event_description(event)

    def item_link(self, event: Event) -> str:
        return event_link(event)

    def item_guid(self, event: Event) -> str:
        return event_tag(event)

    def item_pubdate(self, event: Event) -> datetime:
        return datetime.combine(event.date, time.min, tzinfo=UTC)

    def item_updateddate(self, event: Event) -> datetime:
        return self.item_pubdate(event)


class StateFeed(ChangesFeed):
    """Changes of the agencies of one state or territory (USPS code)."""

    def get_object(self, request: HttpRequest, state: str) -> Scope:
        found = county_index().states.get(state)
        if found is None:
            raise Http404("no such state")
        events = Event.objects.filter(agreement__agency__state=state)
        return Scope(f"in {found.name}", f"state/{state}", events)


class CountyFeed(ChangesFeed):
    """Changes of the agencies that police or serve one county (FIPS)."""

    def get_object(self, request: HttpRequest, fips: str) -> Scope:
        county = county_index().counties.get(fips)
        if county is None:
            raise Http404("no such county")
        agencies = list(queries.county_agencies(fips))  # the county rule, memoised
        state = county_index().states[county.state].name
        events = Event.objects.filter(agreement__agency_id__in=agencies)
        return Scope(f"in {county.name}, {state}", f"county/{fips}", events)


class AgencyFeed(ChangesFeed):
    """Changes of one agency's agreements."""

    def get_object(self, request: HttpRequest, agency_id: str) -> Scope:
        agency = get_object_or_404(Agency, pk=agency_id)
        events = Event.objects.filter(agreement__agency=agency)
        return Scope(f"of {agency}", f"agency/{agency.id}", events)
