"""``{{ "SC"|state_name }}``: a state's name in the page's language."""

from __future__ import annotations

from django import template

from tidewatch.places.reference import county_index
from tidewatch.places.state_names import local_state_name

register = template.Library()


@register.filter
def state_name(usps: str, english: str = "") -> str:
    """The name of the state with USPS code ``usps`` in the active language;
    ``english`` saves a lookup when the caller has the Census name."""
    if not english:
        state = county_index().states.get(usps)
        english = state.name if state else usps
    return local_state_name(usps, english)
