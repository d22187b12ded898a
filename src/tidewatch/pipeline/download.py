"""Safe downloads of ICE's 287(g) page and the workbooks it links to.

The links we fetch come from untrusted places (the ICE page itself, hyperlinks
inside the spreadsheet, volunteer submissions), so every download goes through
the SSRF rules of docs/reliability.md (B4, B7, section 1.7):

* only ``https`` (``http`` only when the caller opts in, for local tests);
* the host (and, if the entry says so, the port) must be on an allowlist, and
  this is checked before any connection is made;
* redirects are never followed blindly: each ``Location`` is resolved,
  re-checked against the same rules, and at most ``max_redirects`` are taken;
* host names are resolved once, every address must be public (no loopback,
  RFC 1918, link-local, CGNAT, metadata or IPv4-mapped tricks), and the
  connection goes to that checked address, so DNS rebinding cannot swap in a
  private one between the check and the connect;
* connect and read timeouts, a wall-clock limit per attempt, a byte cap, a
  truncation check against ``Content-Length``, TLS verification always on,
  retries with exponential backoff for transient failures only.

Every failure ends as :class:`~tidewatch.pipeline.errors.FileRejected` with a
one-line reason the CLI can print as it is.

This module is plain library code: it imports nothing from Django.
"""

from __future__ import annotations

import http
import re
import ssl
import time
from collections.abc import Collection
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

# httpcore is the connection layer under httpx (always installed with it); we
# use its public NetworkBackend hook to pin connections to checked addresses.
import httpx

from tidewatch.pipeline.errors import FileRejected
from tidewatch.pipeline.pinned_http import AddressRefused, pinned_client

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_USER_AGENT",
    "Download",
    "FileRejected",
    "extract_links",
    "fetch_url",
]

DEFAULT_USER_AGENT = "tidewatch (+https://github.com/tidewatch)"
# reliability.md section 6: ICE workbooks are at most 25 MB compressed.
DEFAULT_MAX_BYTES = 25 * 1024 * 1024

# Statuses that usually mean "try again shortly"; every other 4xx/5xx is final.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Reasons quote text chosen by remote servers; keep them short and on one line.
_MAX_REASON_TEXT = 160
_ERRNO_PREFIX = re.compile(r"^\[Errno -?\d+\]\s*")


@dataclass(frozen=True)
class Download:
    """The result of :func:`fetch_url`.

    ``url`` is the URL asked for and ``final_url`` the one that answered after
    validated redirects. ``status`` is 200, or 304 when a conditional request
    found the file unchanged; then ``not_modified`` is true and ``content`` is
    ``b""``. ``headers`` holds the final response's headers, names lower-case.
    """

    url: str
    final_url: str
    status: int
    content: bytes
    headers: dict[str, str]
    not_modified: bool


def fetch_url(
    url: str,
    *,
    allowed_hosts: Collection[str],
    allow_http: bool = False,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = 3,
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.Client | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
) -> Download:
    """Download ``url`` under the SSRF and reliability rules of this module.

    Inputs:
        url: absolute URL to fetch (untrusted).
        allowed_hosts: host names or IP literals that may be contacted, e.g.
            ``("www.ice.gov", "ice.gov")``. An entry ``host:port`` (``[v6]:port``)
            allows only that port; a bare entry allows any port.
        allow_http: also accept ``http`` URLs (tests against a local server).
        timeout: read timeout in seconds, and the wall-clock limit for one
            attempt (connect, headers and body); connecting gets at most
            ``min(10, timeout)`` seconds.
        retries: extra attempts after the first for connection errors,
            timeouts, truncated bodies and HTTP 429/500/502/503/504.
        backoff: the n-th retry (n = 0, 1, ...) waits ``backoff * 2**n``
            seconds; 0 disables waiting.
        max_bytes: largest body accepted (after any content decoding).
        max_redirects: most redirects followed; each one is re-validated.
        etag, last_modified: validators from an earlier download; when given,
            ``If-None-Match`` / ``If-Modified-Since`` are sent.
        client: an httpx client to use instead of a fresh one. The public
            address check and pinning live in the client this function builds,
            so a caller-supplied client must provide its own (tests use this to
            inject a transport). It is not closed here.
        user_agent: value of the ``User-Agent`` header.

    Output:
        A :class:`Download` (status 200 with the body, or 304 not modified).

    Raises:
        FileRejected: ``(url, reason)`` for every refusal or failure, with a
            one-line reason such as ``HTTP 403 Forbidden`` or
            ``could not connect: Connection refused (after 4 attempts)``.
        TypeError, ValueError: for programming errors in the arguments (a bad
            allowlist entry, negative limits), never for remote behaviour.
    """
    if retries < 0 or max_redirects < 0 or max_bytes < 0 or timeout <= 0:
        raise ValueError(
            "retries, max_redirects and max_bytes must be >= 0, timeout > 0"
        )
    allow = _Allowlist.parse(allowed_hosts)
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FileRejected(url, f"not a valid URL: {_one_line(str(exc))}") from None
    refusal = _refusal(target, allow, allow_http)
    if refusal:
        raise FileRejected(url, refusal)

    headers = {
        "User-Agent": user_agent,
        # Ask for the bytes as stored: the cap and the Content-Length check
        # then measure the same thing, and no gzip bomb is inflated in memory.
        "Accept-Encoding": "identity",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    job = _Job(
        url=url,
        allow=allow,
        allow_http=allow_http,
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        deadline=timeout,
        retries=retries,
        backoff=backoff,
        max_bytes=max_bytes,
        headers=headers,
        conditional=bool(etag or last_modified),
    )

    owned = client is None
    http_client = pinned_client() if client is None else client
    try:
        redirects = 0
        while True:
            outcome = _with_retries(job, http_client, target)
            if isinstance(outcome, Download):
                return outcome
            if redirects >= max_redirects:
                raise FileRejected(
                    url, f"too many redirects (more than {max_redirects})"
                )
            redirects += 1
            target = _redirect_target(job, target, outcome.location)
    finally:
        if owned:
            http_client.close()


def extract_links(html: str, base_url: str) -> list[str]:
    """Return the targets of every ``<a href>`` in ``html``, made absolute.

    Inputs: the page's HTML text and the URL it was fetched from.
    Output: absolute URLs (``urljoin`` against ``base_url``, HTML entities such
    as ``&amp;`` decoded), in page order, each URL once. Nothing is filtered:
    the links are untrusted and :func:`fetch_url` decides what may be fetched.
    """
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    # dict keeps first-seen order while dropping repeats.
    links = dict.fromkeys(urljoin(base_url, href.strip()) for href in parser.hrefs)
    return list(links)


# --------------------------------------------------------------------------
# Allowlist and URL checks


@dataclass(frozen=True)
class _Allowlist:
    entries: frozenset[tuple[str, int | None]]  # (host, port or None for any)
    shown: str  # for messages, in the caller's order

    @classmethod
    def parse(cls, hosts: Collection[str]) -> _Allowlist:
        # A lone string is a Collection[str] too, and would allow single
        # letters as hosts; refuse that mistake outright.
        if isinstance(hosts, str | bytes):
            raise TypeError("allowed_hosts must be a collection of hosts, not a str")
        entries: dict[tuple[str, int | None], None] = {}
        shown: dict[str, None] = {}
        for raw in hosts:
            entry = raw.strip()
            if entry.count(":") > 1 and not entry.startswith("["):
                entry = f"[{entry}]"  # a bare IPv6 literal
            # Parse entries with the same URL parser that parses the URLs we
            # fetch, so both sides normalise case, IDNA and IPv6 alike.
            try:
                parsed = httpx.URL(f"tidewatch-allow://{entry}/")
            except httpx.InvalidURL as exc:
                raise ValueError(f"bad allowed_hosts entry {raw!r}: {exc}") from exc
            host = parsed.raw_host.decode("ascii")
            if not host or "%" in host or parsed.userinfo or parsed.path != "/":
                raise ValueError(f"bad allowed_hosts entry {raw!r}")
            entries[(host, parsed.port)] = None
            shown[raw.strip()] = None
        return cls(frozenset(entries), ", ".join(shown) or "empty")

    def allows(self, host: str, port: int) -> bool:
        return (host, None) in self.entries or (host, port) in self.entries

    def knows(self, host: str) -> bool:
        return any(allowed == host for allowed, _ in self.entries)


def _refusal(url: httpx.URL, allow: _Allowlist, allow_http: bool) -> str | None:
    """Why ``url`` may not be fetched, or None when it may."""
    schemes = ("https", "http") if allow_http else ("https",)
    if url.scheme not in schemes:
        wanted = "http or https" if allow_http else "https only"
        if not url.scheme:
            return f"not an absolute URL ({wanted})"
        return f"scheme {_one_line(url.scheme)} is not allowed ({wanted})"
    host = url.raw_host.decode("ascii")
    if not host:
        return "the URL has no host"
    # No credentials are ever forwarded (B7), not even ones in the URL.
    if url.userinfo:
        return "the URL carries a user name or password, which is not allowed"
    port = url.port if url.port is not None else (443 if url.scheme == "https" else 80)
    if not allow.allows(host, port):
        if allow.knows(host):
            return f"port {port} on host {host} is not on the allowlist ({allow.shown})"
        return f"host {_one_line(host)} is not on the allowlist ({allow.shown})"
    return None


def _redirect_target(job: _Job, current: httpx.URL, location: str) -> httpx.URL:
    """Resolve a Location header against ``current`` and validate it."""
    try:
        target = current.join(location)
    except httpx.InvalidURL:
        raise FileRejected(
            job.url, f"redirected to an invalid URL: {_one_line(location)}"
        ) from None
    refusal = _refusal(target, job.allow, job.allow_http)
    if refusal:
        raise FileRejected(
            job.url, f"redirect to {_one_line(str(target))} refused: {refusal}"
        )
    return target


# --------------------------------------------------------------------------
# One request, with retries


@dataclass(frozen=True)
class _Job:
    url: str
    allow: _Allowlist
    allow_http: bool
    timeout: httpx.Timeout
    deadline: float
    retries: int
    backoff: float
    max_bytes: int
    headers: dict[str, str]
    conditional: bool


@dataclass(frozen=True)
class _Redirect:
    location: str


class _Retry(Exception):
    """A transient failure: try again if attempts remain."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _with_retries(
    job: _Job, client: httpx.Client, target: httpx.URL
) -> Download | _Redirect:
    attempts = job.retries + 1
    reason = ""
    for attempt in range(attempts):
        if attempt and job.backoff > 0:
            time.sleep(job.backoff * 2 ** (attempt - 1))
        try:
            return _attempt(job, client, target)
        except _Retry as exc:
            reason = exc.reason
    suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
    raise FileRejected(job.url, reason + suffix)


def _attempt(
    job: _Job, client: httpx.Client, target: httpx.URL
) -> Download | _Redirect:
    started = time.monotonic()
    request = client.build_request(
        "GET", target, headers=job.headers, timeout=job.timeout
    )
    try:
        # auth=None: never attach a client's default credentials, which would
        # otherwise travel to every host a redirect points at.
        response = client.send(request, stream=True, follow_redirects=False, auth=None)
    except AddressRefused as exc:
        raise FileRejected(job.url, str(exc)) from None
    except httpx.TransportError as exc:
        raise _transport_failure(job, exc) from None
    try:
        return _handle_response(job, response, target, started)
    finally:
        response.close()


def _transport_failure(job: _Job, exc: httpx.TransportError) -> Exception:
    """Turn an error raised before any response into _Retry or FileRejected."""
    if isinstance(exc, httpx.ConnectTimeout):
        return _Retry(
            f"could not connect: connection timed out after {job.timeout.connect:g} s"
        )
    if isinstance(exc, httpx.ConnectError):
        cert_error = _find_cause(exc, ssl.SSLCertVerificationError)
        if isinstance(cert_error, ssl.SSLCertVerificationError):
            # A bad certificate will not fix itself in a few seconds.
            detail = cert_error.verify_message or _short_cause(exc)
            return FileRejected(
                job.url, f"TLS certificate verification failed: {_one_line(detail)}"
            )
        return _Retry(f"could not connect: {_short_cause(exc)}")
    if isinstance(exc, httpx.TimeoutException):
        return _Retry(f"timed out: no response within {job.timeout.read:g} s")
    if isinstance(exc, httpx.RemoteProtocolError):
        return _Retry(f"the server sent no valid response: {_short_cause(exc)}")
    if isinstance(exc, httpx.NetworkError):
        return _Retry(f"connection error: {_short_cause(exc)}")
    return FileRejected(job.url, f"request failed: {_short_cause(exc)}")


def _handle_response(
    job: _Job, response: httpx.Response, target: httpx.URL, started: float
) -> Download | _Redirect:
    status = response.status_code
    if status in _REDIRECT_STATUSES:
        location = response.headers.get("location")
        if not location:
            raise FileRejected(
                job.url, f"{_status_text(status)} without a Location header"
            )
        return _Redirect(location)
    if status == 304:
        if not job.conditional:
            raise FileRejected(
                job.url, f"unexpected {_status_text(status)} (no ETag or date sent)"
            )
        return Download(
            url=job.url,
            final_url=str(target),
            status=304,
            content=b"",
            headers=dict(response.headers.items()),
            not_modified=True,
        )
    if status in _RETRY_STATUSES:
        raise _Retry(_status_text(status))
    if status != 200:
        # 206, 204 and other oddities are not a whole file either.
        text = _status_text(status)
        raise FileRejected(job.url, text if status >= 400 else f"unexpected {text}")
    content = _read_body(job, response, started)
    return Download(
        url=job.url,
        final_url=str(target),
        status=200,
        content=content,
        headers=dict(response.headers.items()),
        not_modified=False,
    )


def _read_body(job: _Job, response: httpx.Response, started: float) -> bytes:
    """Stream the body under the byte cap, deadline and truncation check."""
    expected = _content_length(job, response)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            # Count both decoded and wire bytes: a server may compress anyway.
            if max(size, response.num_bytes_downloaded) > job.max_bytes:
                raise FileRejected(
                    job.url, f"larger than the limit of {job.max_bytes} bytes"
                )
            # The read timeout is per read, so a server dripping a byte at a
            # time could last forever; cap the whole attempt as well (B4).
            if time.monotonic() - started > job.deadline:
                raise _Retry(
                    f"timed out: the download took longer than {job.deadline:g} s"
                )
            chunks.append(chunk)
    except httpx.RemoteProtocolError:
        # h11 raises this when the connection closes before Content-Length
        # bytes (or the last chunk) arrived: a truncated download.
        raise _Retry(_truncated(response.num_bytes_downloaded, expected)) from None
    except httpx.TimeoutException:
        raise _Retry(
            f"timed out: no data from the server for {job.timeout.read:g} s"
        ) from None
    except httpx.NetworkError as exc:
        raise _Retry(
            f"connection lost during the download: {_short_cause(exc)}"
        ) from None
    except httpx.DecodingError:
        encoding = response.headers.get("content-encoding", "")
        raise FileRejected(
            job.url, f"could not decode the {_one_line(encoding)} response body"
        ) from None
    received = response.num_bytes_downloaded
    if expected is not None and received != expected:
        raise _Retry(_truncated(received, expected))
    return b"".join(chunks)


def _content_length(job: _Job, response: httpx.Response) -> int | None:
    raw = response.headers.get("content-length")
    if raw is None:
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        raise FileRejected(
            job.url, f"invalid Content-Length header: {_one_line(raw)}"
        ) from None
    if value < 0:
        raise FileRejected(job.url, f"invalid Content-Length header: {value}")
    # Refuse before reading a byte when the server announces too much.
    if value > job.max_bytes:
        raise FileRejected(
            job.url,
            f"larger than the limit of {job.max_bytes} bytes "
            f"(Content-Length is {value})",
        )
    return value


def _truncated(received: int, expected: int | None) -> str:
    if expected is None:
        return (
            f"truncated download: the connection closed after {received} bytes, "
            "before the end of the body"
        )
    return f"truncated download: got {received} of {expected} bytes"


# --------------------------------------------------------------------------
# Small helpers


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        # convert_charrefs: text entities decoded; attribute values are
        # always unescaped by HTMLParser, which is what decodes &amp; in hrefs.
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        for name, value in attrs:
            if name == "href" and value is not None:
                self.hrefs.append(value)
                return  # the first href wins, as in browsers


def _status_text(status: int) -> str:
    # The standard phrase, not the server's: HTTP/2 has none and a server's
    # own phrase is untrusted text that could be long or multi-line.
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    return f"HTTP {status} {phrase}".rstrip()


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    for link in _chain(exc):
        if isinstance(link, kind):
            return link
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions behind it, outermost first (as tracebacks)."""
    links: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in links):
        links.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__suppress_context__:
            current = None
        else:
            current = current.__context__
    return links


def _short_cause(exc: BaseException) -> str:
    """The most specific message in an exception chain, on one short line."""
    deepest = _chain(exc)[-1]
    if isinstance(deepest, OSError):
        text = _os_message(deepest)
    else:
        text = str(deepest) or str(exc) or type(deepest).__name__
    # httpcore's pool re-raises "from None", so the OSError itself is often
    # gone and only its text ("[Errno 111] Connection refused") is left.
    return _one_line(_ERRNO_PREFIX.sub("", text))


def _os_message(exc: OSError) -> str:
    # "Connection refused" reads better than "[Errno 111] Connection refused".
    return exc.strerror or str(exc) or type(exc).__name__


def _one_line(text: str) -> str:
    """Collapse whitespace and control characters; cap the length."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > _MAX_REASON_TEXT:
        cleaned = cleaned[: _MAX_REASON_TEXT - 1] + "…"
    return cleaned
