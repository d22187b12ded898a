"""HTTP caching tied to the data version: ETag, Last-Modified, 304s and a
server-side cache of rendered responses.

Everything public (pages, ``/data/...`` downloads, feeds, the API) changes
only when the data changes: an import or sync, a history rebuild, a place
decision or refresh, a reference load, a search-index rebuild. So a response
is identified by the *data version* (read cheaply from the tables those steps
write, see ``DATA_VERSION_PARTS``), the code that rendered it (``code_stamp``),
the language and the URL. From that:

- ``ETag`` is a hash of the four, and ``Last-Modified`` is when this server
  process first saw the data version; a conditional GET that matches gets a
  304 before any view runs;
- the rendered body is kept in the ``pages`` cache (gzip-compressed when it is
  text) under a key holding the same four, so a repeated request does not
  reach the view, and nothing cached can outlive the data it was made from;
- ``Cache-Control: public, max-age=0, must-revalidate``: browsers and proxies
  keep a copy but ask each time, so no one sees an old list after an import.

Never cached: anything but GET/HEAD, the admin (``TIDEWATCH_CACHE_SKIP``), a
request carrying a session cookie, a response that sets a cookie, varies on
Cookie, touched the session, says ``private``/``no-store``, streams, or is not
a 200. Docs: docs/settings.md, "Caching and security headers".
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe

# (app_label.Model, SQL aggregate): what each pipeline step leaves behind.
# Ids only grow (AUTOINCREMENT on SQLite, sequences on PostgreSQL), so a
# replayed history (new listing and event ids) or a new decision shows up
# even when the counts come out equal. AgencyPlace is replaced wholesale by a
# place refresh under the same keys, so its content is summed as well.
DATA_VERSION_PARTS: tuple[tuple[str, str], ...] = (
    ("publications.ImportRun", "max(id)"),
    ("publications.ImportRun", "max(finished_at)"),
    ("publications.RawFile", "max(id)"),
    ("publications.Publication", "max(id)"),
    ("publications.Publication", "count(*)"),
    ("agreements.Listing", "max(id)"),
    ("agreements.Event", "max(id)"),
    ("agreements.Event", "count(*)"),
    ("agreements.Agency", "count(*)"),
    ("agreements.Agreement", "count(*)"),
    ("agreements.AgencyAlias", "max(id)"),
    ("places.PlaceDecision", "max(id)"),
    ("places.OriAgency", "count(*)"),
    ("places.CountyAor", "count(*)"),
    ("places.AgencyPlace", "count(*)"),
    (
        "places.AgencyPlace",
        "sum(length(level) + length(kind) + length(place) + length(match_status)"
        " + length(reason) + length(ori) + length(CAST(counties AS TEXT)))",
    ),
    ("places.AgencyPlace", "sum(CAST(NULLIF(county_fips, '') AS INTEGER))"),
    ("search.SearchIndexState", "max(id)"),
    # Agreement documents (issue 5): a new reading replaces a document's rows.
    ("documents.Document", "max(id)"),
    ("documents.Document", "max(read_at)"),
    ("documents.DocumentField", "max(id)"),
    ("documents.AgreementDocument", "max(id)"),
    ("documents.AgreementDocument", "count(*)"),
    # Cost records (issue 6): a new record supersedes the current one.
    ("costs.ParameterRecord", "max(id)"),
    ("costs.ParameterRecord", "count(*)"),
)
COMPRESSIBLE = ("text/", "application/json", "application/atom+xml", "application/xml")
COMPRESSIBLE_SUFFIXES = ("+json", "+xml", "javascript", "csv")
MIN_COMPRESS_BYTES = 200


def _version_sql() -> str:
    quote = connection.ops.quote_name
    parts = []
    for label, aggregate in DATA_VERSION_PARTS:
        try:
            table = apps.get_model(label)._meta.db_table
        except LookupError:  # an app that is not installed here
            continue
        parts.append(f"(SELECT {aggregate} FROM {quote(table)})")
    return "SELECT " + ", ".join(parts)


_memo_lock = threading.Lock()
_memo: dict[str, object] = {"version": None, "read_at": 0.0}
_first_seen: dict[str, float] = {}


def data_version() -> str:
    """A short hash that changes whenever the published data changes.

    Read from the database at most once per ``TIDEWATCH_DATA_VERSION_TTL``
    seconds per process (0: on every call, as in tests).
    """
    ttl = getattr(settings, "TIDEWATCH_DATA_VERSION_TTL", 0)
    now = time.monotonic()
    if ttl and _memo["version"] and now - float(_memo["read_at"]) < ttl:
        return str(_memo["version"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(_version_sql())
            row = cursor.fetchone()
    except DatabaseError:
        row = ("no-database",)  # not migrated yet: pages say so, nothing cached
    version = hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:16]
    with _memo_lock:
        _memo.update(version=version, read_at=now)
    return version


_derived: dict[str, tuple[str, Any]] = {}


def per_data_version(key: str, build: Callable[[], Any]) -> Any:
    """``build()``, computed once per data version and process.

    For the small tables every page reads (the ICE lists, a state's statewide
    agencies, which agencies each county has): rendering every county of the
    nation then reads them once, not 3,000 times, and an import still shows
    at once because the version changes."""
    version = data_version()
    found = _derived.get(key)
    if found is not None and found[0] == version:
        return found[1]
    value = build()
    _derived[key] = (version, value)
    return value


def forget_data_version() -> None:
    """Drop the per-process memos (tests and in-process pipeline runs)."""
    with _memo_lock:
        _memo.update(version=None, read_at=0.0)
        _derived.clear()


def first_seen(version: str) -> float:
    """When this process first served ``version``, in whole seconds, always
    later than the previous version's (If-Modified-Since has 1 s resolution)."""
    with _memo_lock:
        if version not in _first_seen:
            now = float(int(time.time()))
            latest = max(_first_seen.values(), default=0.0)
            _first_seen.clear()  # only the current one matters
            _first_seen[version] = max(now, latest + 1)
        return _first_seen[version]


_code_stamp: str | None = None


def code_stamp() -> str:
    """The installed version plus the files of the package (templates,
    translations, code), so a deployment without a version bump still changes
    every ETag."""
    global _code_stamp
    if _code_stamp is None:
        try:
            version = metadata.version("tidewatch")
        except metadata.PackageNotFoundError:
            version = "unknown"
        digest = hashlib.sha256(version.encode())
        package = Path(__file__).resolve().parent.parent
        for path in sorted(package.rglob("*")):
            if path.suffix in (".py", ".html", ".mo", ".txt", ".json") and (
                "__pycache__" not in path.parts
            ):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
        _code_stamp = digest.hexdigest()[:12]
    return _code_stamp


@dataclass
class Stored:
    """A rendered response as kept in the cache."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    gzipped: bool
    # Per-view policies set by django-csp's decorators (read by CSPMiddleware,
    # which runs outside this middleware, on every reply).
    csp: dict[str, object]


def _compressible(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith(COMPRESSIBLE) or kind.endswith(COMPRESSIBLE_SUFFIXES)


def _accepts_gzip(request: HttpRequest) -> bool:
    accepted = request.headers.get("Accept-Encoding", "").lower()
    for item in accepted.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00")
    return False


def _skip(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return True
    if any(request.path.startswith(p) for p in settings.TIDEWATCH_CACHE_SKIP):
        return True
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if request.method != "GET" or response.status_code != 200:
        return False
    if response.streaming or response.cookies:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = response.get("Vary", "").lower()
    return "cookie" not in vary and "*" not in vary


class DataVersionCacheMiddleware:
    """ETag/Last-Modified from the data version, 304s, and the page cache.

    Sits after LocaleMiddleware (the language is known) and before the
    middleware that only matter when a view runs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _skip(request):
            return self.get_response(request)
        version = data_version()
        language = translation.get_language() or ""
        uri = request.build_absolute_uri()
        identity = f"{code_stamp()}|{version}|{language}|{uri}"
        tag = hashlib.sha256(identity.encode()).hexdigest()[:24]
        etag = f'W/"{tag}"'
        modified = first_seen(version)
        if self._not_modified(request, tag, modified):
            response = HttpResponse(status=304)
            self._validators(response, etag, modified)
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        cache = caches[settings.TIDEWATCH_PAGE_CACHE]
        key = f"page:{tag}"
        stored = cache.get(key)
        if stored is not None:
            return self._replay(request, stored)
        response = self.get_response(request)
        if response.status_code != 200:
            return response
        if "Cache-Control" not in response:
            self._validators(response, etag, modified)
        if not _storable(request, response):
            return response
        stored = self._store(response)
        if len(stored.body) <= settings.TIDEWATCH_PAGE_CACHE_MAX_BYTES:
            cache.set(key, stored, None)
        return self._replay(request, stored)

    @staticmethod
    def _not_modified(request: HttpRequest, tag: str, modified: float) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match:
            # Weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
            wanted = {t.removeprefix("W/") for t in parse_etags(if_none_match)}
            return "*" in wanted or f'"{tag}"' in wanted
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        return since is not None and since >= modified

    @staticmethod
    def _validators(response: HttpResponseBase, etag: str, modified: float) -> None:
        response["ETag"] = etag
        response["Last-Modified"] = http_date(modified)
        response["Cache-Control"] = settings.TIDEWATCH_CACHE_CONTROL

    @staticmethod
    def _store(response: HttpResponse) -> Stored:
        body = response.content
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in ("content-length", "content-encoding")
        ]
        gzipped = False
        if len(body) >= MIN_COMPRESS_BYTES and _compressible(
            response.get("Content-Type", "")
        ):
            # mtime=0: the same bytes (and length) on every render.
            body, gzipped = gzip.compress(body, compresslevel=6, mtime=0), True
        csp = {k: v for k, v in vars(response).items() if k.startswith("_csp")}
        return Stored(response.status_code, headers, body, gzipped, csp)

    @staticmethod
    def _replay(request: HttpRequest, stored: Stored) -> HttpResponse:
        body = stored.body
        send_gzip = stored.gzipped and _accepts_gzip(request)
        if stored.gzipped and not send_gzip:
            body = gzip.decompress(body)
        response = HttpResponse(body, status=stored.status)
        for name, value in stored.headers:
            response[name] = value
        if stored.gzipped:
            patch_vary_headers(response, ("Accept-Encoding",))
        if send_gzip:
            response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(body))
        for name, value in stored.csp.items():
            setattr(response, name, value)
        return response
