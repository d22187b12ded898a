"""Security headers Django does not set by itself.

Django's SecurityMiddleware covers HSTS, nosniff, the referrer and
cross-origin-opener policies, and django-csp the Content-Security-Policy
(settings in tidewatch.settings.base). This adds Permissions-Policy: the site
never needs a camera, a microphone or the reader's location.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class SecurityHeadersMiddleware:
    """Adds ``Permissions-Policy`` (setting ``PERMISSIONS_POLICY``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
