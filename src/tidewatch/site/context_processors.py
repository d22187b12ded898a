"""Values every page template needs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language


def language_links(request: HttpRequest) -> dict[str, list[dict[str, str]]]:
    """The same page in each other language, query string kept."""
    current = get_language()
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        url = translate_url(request.path, code)
        links.append(
            {"code": code, "name": name, "url": f"{url}?{query}" if query else url}
        )
    return {"other_languages": links}
