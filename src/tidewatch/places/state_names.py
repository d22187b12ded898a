"""State and territory names in Spanish, as Spanish-language newsrooms in the
United States write them; names not listed are the same in both languages
(Texas, Florida, Puerto Rico...). Data files keep the English (Census) names:
only pages say them in the reader's language."""

from __future__ import annotations

from django.utils.translation import get_language

SPANISH = {
    "DC": "Distrito de Columbia",
    "HI": "Hawái",
    "LA": "Luisiana",
    "MI": "Míchigan",
    "MS": "Misisipi",
    "MO": "Misuri",
    "NH": "Nuevo Hampshire",
    "NJ": "Nueva Jersey",
    "NM": "Nuevo México",
    "NY": "Nueva York",
    "NC": "Carolina del Norte",
    "ND": "Dakota del Norte",
    "OR": "Oregón",
    "PA": "Pensilvania",
    "SC": "Carolina del Sur",
    "SD": "Dakota del Sur",
    "WV": "Virginia Occidental",
    "AS": "Samoa Americana",
    "MP": "Islas Marianas del Norte",
    "VI": "Islas Vírgenes de los Estados Unidos",
}


def local_state_name(usps: str, english: str) -> str:
    """``english`` (the Census name of ``usps``) in the active language."""
    if (get_language() or "").startswith("es"):
        return SPANISH.get(usps, english)
    return english
