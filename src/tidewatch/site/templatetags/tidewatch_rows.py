"""``{% raw_rows listings %}``: an agreement's rows as ICE wrote them, on the
agency page (``queries.attach_listings`` gives them as dicts); and
``{% source_items sources %}``, the ICE lists a place page drew on.

Built in Python rather than with template tags: an agency has a row per ICE
list (40 and more for the oldest agreements), and ``tidewatch build-site``
draws 3,000 agency pages; the template loop was most of a page's time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from tidewatch.publications.models import Publication

register = template.Library()


@cache
def _raw_file_url(sha256: str) -> str:
    return reverse("raw-file", args=[sha256])


@register.filter
def raw_file_url(sha256: str) -> str:
    """``{{ sha256|raw_file_url }}``: ``{% url 'raw-file' sha256 %}`` for the
    rows of a table (reversed once per file, not once per row of every page)."""
    return _raw_file_url(sha256)


@register.filter
def agency_url(agency_id: str) -> str:
    """``{{ agency_id|agency_url }}``: ``{% url 'agency' agency_id %}`` in the
    page's language, reversed once per process and language."""
    return _agency_url(agency_id, get_language())


@lru_cache(maxsize=16384)
def _agency_url(agency_id: str, language: str) -> str:
    return reverse("agency", args=[agency_id])


def _moa_cell(listing: dict[str, Any]) -> SafeString:
    # Only the unwrapped, checked address is a link: the hyperlink as written
    # comes from an untrusted spreadsheet cell.
    if listing["moa_url"] and urlsplit(listing["moa_url"]).scheme in ("http", "https"):
        return format_html(
            '<a href="{}" rel="external noopener">{}</a>', listing["moa_url"], _("link")
        )
    if listing["moa_status"] == "pending":
        return format_html("{}", _("link pending"))
    return mark_safe("—")


def _sheet_cell(listing: dict[str, Any]) -> SafeString:
    tags = []
    if listing["hidden"]:
        tags.append(format_html(' <span class="tag">{}</span>', _("hidden row")))
    if listing["duplicate_rows"]:
        n = len(listing["duplicate_rows"])
        text = ngettext("%(n)s duplicate row", "%(n)s duplicate rows", n) % {"n": n}
        tags.append(format_html(' <span class="tag">{}</span>', text))
    return format_html(
        "{}, {}{}", listing["sheet"], listing["row_number"], mark_safe("".join(tags))
    )


def _signed_cell(listing: dict[str, Any]) -> SafeString:
    if listing["signed_note"]:
        return format_html(
            '{} <span class="note">({})</span>',
            listing["signed_raw"],
            listing["signed_note"],
        )
    return format_html("{}", listing["signed_raw"])


@register.simple_tag
def raw_rows(listings: Iterable[dict[str, Any]]) -> SafeString:
    """One ``<tr>`` per listing: list date and kind, sheet and row (hidden,
    duplicates), then the cells as ICE wrote them."""
    return format_html_join(
        "",
        '<tr><th scope="row"><a href="{}" title="{}">{}</a> {}</th><td>{}</td>'
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>",
        (
            (
                _raw_file_url(listing["publication"].raw_file.sha256),
                listing["publication"].name,
                listing["as_of"].isoformat(),
                _("pending") if listing["status"] == "pending" else _("participating"),
                _sheet_cell(listing),
                listing["agency_name"],
                listing["state_raw"],
                listing["type_raw"],
                listing["county_raw"],
                listing["support_type_raw"],
                _signed_cell(listing),
                _moa_cell(listing),
            )
            for listing in listings
        ),
    )


@register.simple_tag
def source_items(lists: Iterable[Publication]) -> SafeString:
    """``{% source_items sources %}``: one ``<li>`` per ICE list (date, kind,
    file link). A place page names every list it drew on, 40 and more, and
    the same few dozen lists recur on every page: each item is worded once
    per process and language."""
    language = get_language()
    return mark_safe(
        "".join(
            _source_item(
                publication.as_of,
                publication.kind,
                publication.raw_file.sha256,
                publication.name,
                language,
            )
            for publication in lists
        )
    )


@lru_cache(maxsize=1024)
def _source_item(
    as_of: date, kind: str, sha256: str, name: str, language: str
) -> SafeString:
    """One list's ``<li>`` in ``language`` (the active one)."""
    return format_html(
        '<li>{}: {}, <a href="{}">{}</a></li>',
        date_format(as_of, "DATE_FORMAT"),
        _("ICE's participating list")
        if kind == Publication.PARTICIPATING
        else _("ICE's pending list"),
        _raw_file_url(sha256),
        name,
    )
