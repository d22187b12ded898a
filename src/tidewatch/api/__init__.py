"""Tidewatch's public, read-only JSON API (Django Ninja, OpenAPI 3.1).

Mounted at ``/api/`` by ``tidewatch.urls``: ``/api/openapi.json`` is the
OpenAPI document and ``/api/docs`` the interactive documentation. Endpoints
are in ``tidewatch.api.api``, request and response schemas in
``tidewatch.api.schemas``.
"""
