"""Rendering one address of the site to a file, in a build worker.

Pages are rendered by Django in-process through the site's own WSGI handler
and middleware (the same bytes a reader gets from the server; measured: the
middleware costs nothing notable once the page cache is skipped). Each result
lists the same-site links of the response, so the crawl in
``tidewatch.site.static_build`` can follow them.
"""

from __future__ import annotations

import gc
import html
import io
import logging
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

# A form's action is a link too: the search box must lead to the search page.
LINK = re.compile(r"""\s(href|src|action|data-[\w-]+)\s*=\s*["']([^"'<>]+)["']""")
JSON_PATH = re.compile(r'"(/[^"\s{}<>]*)"')


@dataclass
class Fetched:
    """What rendering one path gave: the file written and the links it holds."""

    path: str
    status: int
    kind: str
    seconds: float
    file: str = ""
    size: int = 0
    links: list[str] = field(default_factory=list)
    # Addresses in data-* attributes, for scripts: some are templates such
    # as /en/county/00000/, so a failure there is no broken link.
    soft_links: list[str] = field(default_factory=list)
    query_links: int = 0
    error: str = ""


def output_file(path: str, content_type: str = "text/html") -> str:
    """The file, relative to OUTDIR, that stands for URL path ``path``."""
    parts = unquote(path).split("/")
    if any(part in (".", "..") or "\\" in part for part in parts):
        raise ValueError(f"{path!r} is not a safe file path")
    relative = "/".join(parts).lstrip("/")
    if relative == "" or relative.endswith("/"):
        return relative + "index.html"
    if "." in relative.rsplit("/", 1)[-1] or not content_type.startswith("text/html"):
        return relative
    return relative + "/index.html"


def redirect_page(target: str) -> bytes:
    """An HTML page that sends the reader on: the static form of a redirect."""
    url = html.escape(target)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={url}">'
        f'<link rel="canonical" href="{url}"><title>Tidewatch</title></head>'
        f'<body><main><p><a href="{url}">{url}</a></p></main></body></html>'
    ).encode()


STATIC_MIDDLEWARE = [
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
]
_worker: dict = {}
_inherited: list = []  # DB connections a forked worker must neither use nor close


@contextmanager
def renderer(staging: Path, host: str, scheme: str) -> Iterator[None]:
    """Prepare this process (and the workers forked from it) to render."""
    from django.core import signals
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import close_old_connections
    from django.test import override_settings

    # CONN_MAX_AGE=0 would reconnect for every page; the build keeps one.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(_remember_exception)
    # A file has no headers: the session, CSRF, security, CSP and HTTP-cache
    # middleware would only spend time (a third of a small download's) on
    # headers nobody receives. The language still comes from the path.
    with override_settings(MIDDLEWARE=STATIC_MIDDLEWARE):
        handler = WSGIHandler()
    _worker.update(handler=handler, staging=staging, host=host, scheme=scheme)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        signals.got_request_exception.disconnect(_remember_exception)
        _worker.clear()


def start_worker(snapshot: Path | None) -> None:
    """In a forked worker: open its own connection, to the snapshot if any."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _inherited.append(conn.connection)  # the parent's: keep it from closing
        conn.connection = None
    if snapshot is not None:
        connections["default"].settings_dict["NAME"] = str(snapshot)
    # Django's modules and the URL and template caches are made before the
    # fork: keep the collector off them (fewer pauses, pages stay shared).
    gc.freeze()


@contextmanager
def quiet() -> Iterator[None]:
    """Silence Django's per-request log lines; failures are listed at the end."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _remember_exception(sender: object, request: object = None, **kwargs) -> None:
    kind, value, _ = sys.exc_info()
    if kind is not None:
        _worker["error"] = f"{kind.__name__}: {value}"


def _kind(path: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return "unknown"
    return match.url_name or match.view_name or "other"


def _environ(path: str) -> dict:
    host = _worker["host"]
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": host.split(":")[0],
        "SERVER_PORT": host.split(":")[1] if ":" in host else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_ACCEPT_LANGUAGE": "en",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": _worker["scheme"],
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def render(path: str) -> Fetched:
    """Render one path, write its file into the staging folder, list its links."""
    started = time.process_time()
    _worker["error"] = ""
    headers: dict[str, str] = {}

    def start_response(status: str, header_list: list, exc_info=None) -> None:
        headers["status"] = status
        headers.update((k.lower(), v) for k, v in header_list)

    result = _worker["handler"](_environ(path), start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    status = int(headers["status"].split()[0])
    done = Fetched(path, status, _kind(path), 0.0)
    content_type = headers.get("content-type", "")
    if 300 <= status < 400 and "location" in headers:
        done.links = [headers["location"]]
        body, content_type = redirect_page(headers["location"]), "text/html"
    elif status != 200:
        done.error = _worker["error"] or headers["status"]
        done.seconds = time.process_time() - started
        return done
    else:
        links, soft = links_in(path, body, content_type)
        done.links, done.query_links = _paths(links, path)
        done.soft_links, _ = _paths(soft, path)
    attachment = _attachment_name(headers.get("content-disposition", ""))
    try:
        if attachment and path.endswith("/"):
            # e.g. /raw/<sha256>/: the bytes under their own name, and a page
            # at the address itself that sends the reader to them.
            _write(output_file(path + attachment, "application/octet-stream"), body)
            done.size += len(body)
            body, content_type = redirect_page(path + attachment), "text/html"
        done.file = output_file(path, content_type)
        _write(done.file, body)
    except (OSError, ValueError) as error:
        done.error = f"cannot write the file: {error}"
    done.size += len(body)
    done.seconds = time.process_time() - started
    return done


def _paths(links: list[str], page: str) -> tuple[list[str], int]:
    """The distinct same-site paths of ``links``, and how many had a query."""
    paths, queries = set(), 0
    for link in links:
        found = same_site_path(link, page, _worker["host"])
        if found:
            paths.add(found[0])
            queries += found[1]
    return sorted(paths), queries


def _attachment_name(disposition: str) -> str:
    if not disposition.startswith("attachment"):
        return ""
    message = Message()
    message["content-disposition"] = disposition
    name = message.get_filename() or ""
    return name if name and "/" not in name and not name.startswith(".") else ""


def _write(relative: str, body: bytes) -> None:
    target = _worker["staging"] / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)


def links_in(path: str, body: bytes, content_type: str) -> tuple[list, list]:
    """The links of a response, and the addresses in its ``data-*`` attributes
    and (under /data/) JSON strings, which scripts may or may not fetch."""
    if content_type.startswith(("text/html", "application/atom", "application/xml")):
        text = body.decode("utf-8", "replace")
        links, soft = [], []
        for attribute, value in LINK.findall(text):
            if attribute in ("href", "src", "action"):
                links.append(html.unescape(value))
            elif value.startswith("/"):
                soft.append(html.unescape(value))
        return links, soft
    if content_type.startswith("application/json") and path.startswith("/data/"):
        from django.urls import Resolver404, resolve

        found = []
        for candidate in set(JSON_PATH.findall(body.decode("utf-8", "replace"))):
            try:
                resolve(urlsplit(candidate).path)
            except Resolver404:
                continue
            found.append(candidate)
        return [], found
    return [], []


def render_batch(paths: list[str]) -> list[Fetched]:
    return [render(path) for path in paths]


def same_site_path(link: str, page: str, host: str) -> tuple[str, bool] | None:
    """The path a link points to on this site, and whether it had a query;
    None for other sites, mail links and the like."""
    parts = urlsplit(urljoin(page, link))
    if parts.scheme not in ("", "http", "https") or (
        parts.netloc and parts.netloc != host
    ):
        return None
    if not parts.path.startswith("/"):
        return None
    return parts.path, bool(parts.query)
