"""Tests for tidewatch.pipeline.download: safe fetching and link extraction.

Everything stays on loopback: pytest-httpserver for well-behaved HTTP, and a
tiny raw socket server for what a well-behaved server will not do (short
bodies, silence, dripping bytes). No Django is needed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import httpcore
import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tidewatch.pipeline import download, pinned_http
from tidewatch.pipeline.download import Download, extract_links, fetch_url
from tidewatch.pipeline.errors import FileRejected

ICE_HOSTS = ("www.ice.gov", "ice.gov")
LOCAL = ("127.0.0.1",)
# Fast settings: no waiting between retries, short timeouts.
FAST = {"backoff": 0, "timeout": 2.0}


def local_url(server: HTTPServer, path: str) -> str:
    # 127.0.0.1 rather than url_for()'s "localhost": the allowlist names the IP,
    # and "localhost" is kept as a *different* host for the redirect tests.
    return f"http://127.0.0.1:{server.port}{path}"


# --------------------------------------------------------------------------
# A raw loopback server that counts connections


class RawServer:
    """Accepts TCP connections on 127.0.0.1, counts them, and lets ``reply``
    write whatever bytes it likes after the request has been read."""

    def __init__(self, reply: Callable[[socket.socket, RawServer], None]) -> None:
        self.reply = reply
        self.connections = 0
        self.stopped = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file.xlsx"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    part = conn.recv(4096)
                    if not part:
                        return
                    data += part
                self.reply(conn, self)
            except OSError:
                pass

    def close(self) -> None:
        self.stopped.set()
        self._thread.join(timeout=2)
        self._sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(reply: Callable[[socket.socket, RawServer], None]) -> RawServer:
        server = RawServer(reply)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def silent(conn: socket.socket, server: RawServer) -> None:
    server.stopped.wait(5)  # hold the connection open, say nothing


def short_body(conn: socket.socket, server: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)


@pytest.fixture
def connect_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Records every TCP connect httpcore attempts, and blocks it."""
    calls: list[tuple[str, int]] = []

    def record(self: object, host: str, port: int, *args: object, **kw: object):
        calls.append((host, port))
        raise httpcore.ConnectError("blocked by test")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", record)
    return calls


def rejected(url: str, **kwargs: object) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        fetch_url(url, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)
    return info.value


# --------------------------------------------------------------------------
# Successful downloads


def test_plain_200_download_returns_body_and_headers(httpserver: HTTPServer) -> None:
    body = b"PK\x03\x04 workbook bytes"
    httpserver.expect_request("/287g.xlsx").respond_with_data(
        body,
        content_type="application/vnd.ms-excel",
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Jul 2025 00:00:00 GMT"},
    )
    url = local_url(httpserver, "/287g.xlsx")

    result = fetch_url(url, allowed_hosts=LOCAL, allow_http=True, **FAST)

    assert result == Download(
        url=url,
        final_url=url,
        status=200,
        content=body,
        headers=result.headers,
        not_modified=False,
    )
    assert result.headers["etag"] == '"v1"'
    assert result.headers["last-modified"] == "Tue, 01 Jul 2025 00:00:00 GMT"
    assert result.headers["content-type"] == "application/vnd.ms-excel"
    assert result.headers["content-length"] == str(len(body))
    (request, _), *_ = httpserver.log
    assert request.headers["User-Agent"] == download.DEFAULT_USER_AGENT
    assert request.headers["Accept-Encoding"] == "identity"
    assert "Authorization" not in request.headers


def test_moved_url_is_followed_and_final_url_recorded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old.xlsx").respond_with_data(
        "", status=301, headers={"Location": "/new/287g.xlsx"}
    )
    httpserver.expect_request("/new/287g.xlsx").respond_with_data(b"moved here")
    url = local_url(httpserver, "/old.xlsx")

    result = fetch_url(url, allowed_hosts=LOCAL, allow_http=True, **FAST)

    assert result.url == url
    assert result.final_url == local_url(httpserver, "/new/287g.xlsx")
    assert result.content == b"moved here"
    assert [req.path for req, _ in httpserver.log] == ["/old.xlsx", "/new/287g.xlsx"]


def test_conditional_request_gets_304_not_modified(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/287g.xlsx", headers={"If-None-Match": '"v1"'}
    ).respond_with_data("", status=304, headers={"ETag": '"v1"'})
    httpserver.expect_request("/287g.xlsx").respond_with_data(b"full body")
    url = local_url(httpserver, "/287g.xlsx")
    date = "Tue, 01 Jul 2025 00:00:00 GMT"

    result = fetch_url(
        url,
        allowed_hosts=LOCAL,
        allow_http=True,
        etag='"v1"',
        last_modified=date,
        **FAST,
    )

    assert result.not_modified is True
    assert result.status == 304
    assert result.content == b""
    assert result.headers["etag"] == '"v1"'
    (request, _), *_ = httpserver.log
    assert request.headers["If-Modified-Since"] == date
    # Without validators the same URL gives the whole file.
    plain = fetch_url(url, allowed_hosts=LOCAL, allow_http=True, **FAST)
    assert (plain.status, plain.content, plain.not_modified) == (
        200,
        b"full body",
        False,
    )


def test_port_specific_allowlist_entry(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data(b"ok")
    url = local_url(httpserver, "/f")
    other_port = httpserver.port + 1 if httpserver.port < 65535 else 1

    ok = fetch_url(
        url, allowed_hosts=[f"127.0.0.1:{httpserver.port}"], allow_http=True, **FAST
    )
    assert ok.content == b"ok"
    error = rejected(
        url, allowed_hosts=[f"127.0.0.1:{other_port}"], allow_http=True, **FAST
    )
    assert error.reason.startswith(f"port {httpserver.port} on host 127.0.0.1 is not")
    assert len(httpserver.log) == 1


# --------------------------------------------------------------------------
# Redirects


def test_redirect_to_host_not_on_allowlist_is_refused(httpserver: HTTPServer) -> None:
    # "localhost" reaches this very server, so if the redirect were followed
    # the /secret request would show up in the log.
    secret = f"http://localhost:{httpserver.port}/secret"
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": secret}
    )
    httpserver.expect_request("/secret").respond_with_data(b"internal data")
    url = local_url(httpserver, "/start")

    error = rejected(url, allowed_hosts=LOCAL, allow_http=True, **FAST)

    assert error.name == url
    assert error.reason == (
        f"redirect to {secret} refused: host localhost is not on the allowlist "
        "(127.0.0.1)"
    )
    assert [req.path for req, _ in httpserver.log] == ["/start"]


def test_redirect_to_plain_http_is_refused() -> None:
    # A caller-supplied client with a mock transport stands in for ICE here.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://www.ice.gov/x.xlsx"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        error = rejected(
            "https://www.ice.gov/287g.xlsx",
            allowed_hosts=ICE_HOSTS,
            client=client,
            **FAST,
        )
    assert error.reason.endswith("scheme http is not allowed (https only)")


def test_too_many_redirects_are_refused(httpserver: HTTPServer) -> None:
    for hop in range(5):
        httpserver.expect_request(f"/r{hop}").respond_with_data(
            "", status=302, headers={"Location": f"/r{hop + 1}"}
        )
    url = local_url(httpserver, "/r0")

    error = rejected(url, allowed_hosts=LOCAL, allow_http=True, max_redirects=3, **FAST)

    assert error.reason == "too many redirects (more than 3)"
    assert [req.path for req, _ in httpserver.log] == ["/r0", "/r1", "/r2", "/r3"]


# --------------------------------------------------------------------------
# HTTP errors and retries


@pytest.mark.parametrize(
    ("status", "reason"), [(403, "HTTP 403 Forbidden"), (404, "HTTP 404 Not Found")]
)
def test_client_error_is_reported_and_not_retried(
    httpserver: HTTPServer, status: int, reason: str
) -> None:
    httpserver.expect_request("/f").respond_with_data("blocked", status=status)
    url = local_url(httpserver, "/f")

    error = rejected(url, allowed_hosts=LOCAL, allow_http=True, retries=3, **FAST)

    assert error.reason == reason
    assert str(error) == f"{url}: {reason}"
    assert len(httpserver.log) == 1


def test_503_then_200_succeeds_after_retry(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/f").respond_with_data("busy", status=503)
    httpserver.expect_request("/f").respond_with_data(b"second time lucky")
    url = local_url(httpserver, "/f")

    result = fetch_url(url, allowed_hosts=LOCAL, allow_http=True, retries=2, **FAST)

    assert result.content == b"second time lucky"
    assert [resp.status_code for _, resp in httpserver.log] == [503, 200]


def test_server_errors_give_up_after_retries_with_backoff(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    fake_time = SimpleNamespace(monotonic=time.monotonic, sleep=sleeps.append)
    monkeypatch.setattr(download, "time", fake_time)
    httpserver.expect_request("/f").respond_with_data("busy", status=503)
    url = local_url(httpserver, "/f")

    error = rejected(
        url, allowed_hosts=LOCAL, allow_http=True, retries=3, backoff=0.5, timeout=2
    )

    assert error.reason == "HTTP 503 Service Unavailable (after 4 attempts)"
    assert len(httpserver.log) == 4
    assert sleeps == [0.5, 1.0, 2.0]


# --------------------------------------------------------------------------
# Broken bodies: truncation, size cap, timeouts


def test_truncated_body_from_werkzeug_response_is_rejected(
    httpserver: HTTPServer,
) -> None:
    def handler(request: Request) -> Response:
        response = Response(b"x" * 10, content_type="application/octet-stream")
        response.headers["Content-Length"] = "100"
        return response

    httpserver.expect_request("/short.xlsx").respond_with_handler(handler)
    url = local_url(httpserver, "/short.xlsx")

    error = rejected(url, allowed_hosts=LOCAL, allow_http=True, retries=1, **FAST)

    assert error.reason == "truncated download: got 10 of 100 bytes (after 2 attempts)"
    assert len(httpserver.log) == 2


def test_truncated_body_is_retried_then_rejected(
    raw_server: Callable[..., RawServer],
) -> None:
    server = raw_server(short_body)

    error = rejected(
        server.url, allowed_hosts=LOCAL, allow_http=True, retries=2, **FAST
    )

    assert error.reason == "truncated download: got 10 of 100 bytes (after 3 attempts)"
    assert server.connections == 3


def test_truncated_body_then_full_body_succeeds(
    raw_server: Callable[..., RawServer],
) -> None:
    def reply(conn: socket.socket, server: RawServer) -> None:
        if server.connections == 1:
            short_body(conn, server)
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"y" * 100)

    server = raw_server(reply)

    result = fetch_url(server.url, allowed_hosts=LOCAL, allow_http=True, **FAST)

    assert result.content == b"y" * 100
    assert server.connections == 2


def test_oversize_body_rejected_from_content_length(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big.xlsx").respond_with_data(b"x" * 2000)
    url = local_url(httpserver, "/big.xlsx")

    error = rejected(url, allowed_hosts=LOCAL, allow_http=True, max_bytes=1000, **FAST)

    assert error.reason == (
        "larger than the limit of 1000 bytes (Content-Length is 2000)"
    )
    assert len(httpserver.log) == 1  # a size refusal is final, not retried


def test_oversize_body_without_content_length_rejected_while_streaming(
    raw_server: Callable[..., RawServer],
) -> None:
    def reply(conn: socket.socket, server: RawServer) -> None:
        # No Content-Length: the body runs until the connection closes.
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        for _ in range(50):
            conn.sendall(b"z" * 1000)

    server = raw_server(reply)

    error = rejected(
        server.url, allowed_hosts=LOCAL, allow_http=True, max_bytes=1000, **FAST
    )

    assert error.reason == "larger than the limit of 1000 bytes"
    assert server.connections == 1


def test_silent_server_times_out(raw_server: Callable[..., RawServer]) -> None:
    server = raw_server(silent)
    started = time.monotonic()

    error = rejected(
        server.url,
        allowed_hosts=LOCAL,
        allow_http=True,
        retries=1,
        backoff=0,
        timeout=0.3,
    )

    assert error.reason == "timed out: no response within 0.3 s (after 2 attempts)"
    assert server.connections == 2
    assert time.monotonic() - started < 3


def test_dripping_body_hits_the_per_attempt_deadline(
    raw_server: Callable[..., RawServer],
) -> None:
    def reply(conn: socket.socket, server: RawServer) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            if server.stopped.wait(0.02):
                return
            conn.sendall(b"d")

    server = raw_server(reply)

    error = rejected(
        server.url,
        allowed_hosts=LOCAL,
        allow_http=True,
        retries=0,
        backoff=0,
        timeout=0.3,
    )

    assert error.reason == "timed out: the download took longer than 0.3 s"


# --------------------------------------------------------------------------
# Refusals before any connection (SSRF)


def test_plain_http_refused_unless_allowed(
    raw_server: Callable[..., RawServer],
) -> None:
    server = raw_server(silent)

    error = rejected(server.url, allowed_hosts=LOCAL, **FAST)

    assert error.reason == "scheme http is not allowed (https only)"
    assert server.connections == 0


def test_unknown_host_refused_before_connecting(
    connect_calls: list[tuple[str, int]],
) -> None:
    url = "https://evil.example/287g.xlsx"

    error = rejected(url, allowed_hosts=ICE_HOSTS, **FAST)

    assert str(error) == (
        f"{url}: host evil.example is not on the allowlist (www.ice.gov, ice.gov)"
    )
    assert connect_calls == []


def test_unlisted_loopback_name_is_never_contacted(
    raw_server: Callable[..., RawServer],
) -> None:
    server = raw_server(silent)

    error = rejected(
        f"http://localhost:{server.port}/", allowed_hosts=LOCAL, allow_http=True
    )

    assert error.reason == "host localhost is not on the allowlist (127.0.0.1)"
    assert server.connections == 0


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://0x7f000001:{port}/",
        "http://2130706433:{port}/",
        "http://localhost.:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:{port}/_GET",
        "ftp://127.0.0.1:{port}/",
        "https://attacker.example/287g.xlsx",
        "https://user:secret@www.ice.gov/287g.xlsx",
        "/relative/287g.xlsx",
    ],
)
def test_hostile_urls_refused_before_any_connection(
    template: str,
    raw_server: Callable[..., RawServer],
    connect_calls: list[tuple[str, int]],
) -> None:
    server = raw_server(silent)
    url = template.format(port=server.port)

    error = rejected(url, allowed_hosts=ICE_HOSTS, allow_http=True, **FAST)

    assert error.name == url
    assert error.reason
    assert connect_calls == []
    assert server.connections == 0


@pytest.mark.parametrize(
    "addresses",
    [
        ["10.0.0.1"],
        ["127.0.0.1"],
        ["169.254.169.254"],
        ["100.64.0.1"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["fd00::1"],
        ["93.184.215.14", "192.168.1.10"],
    ],
)
def test_allowed_name_resolving_to_private_address_is_refused(
    addresses: list[str],
    monkeypatch: pytest.MonkeyPatch,
    connect_calls: list[tuple[str, int]],
) -> None:
    monkeypatch.setattr(pinned_http, "_resolve", lambda host, port: addresses)

    error = rejected("https://www.ice.gov/287g.xlsx", allowed_hosts=ICE_HOSTS, **FAST)

    bad = next(a for a in addresses if not pinned_http.is_public_address(a))
    assert error.reason == (
        f"host www.ice.gov resolves to {bad}, which is not a public address"
    )
    assert connect_calls == []


def test_allowed_name_connects_to_the_checked_address(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend loopback is public so the pinned path can be exercised locally:
    # the OS never resolves "tidewatch.test"; we connect to what _resolve said.
    monkeypatch.setattr(pinned_http, "_resolve", lambda host, port: ["127.0.0.1"])
    monkeypatch.setattr(pinned_http, "is_public_address", lambda address: True)
    httpserver.expect_request("/pinned").respond_with_data(b"pinned")
    url = f"http://tidewatch.test:{httpserver.port}/pinned"

    result = fetch_url(url, allowed_hosts=["tidewatch.test"], allow_http=True, **FAST)

    assert result.content == b"pinned"
    (request, _), *_ = httpserver.log
    assert request.headers["Host"] == f"tidewatch.test:{httpserver.port}"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd12:3456::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),
        ("64:ff9b::a00:1", False),
        ("not an address", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert pinned_http.is_public_address(address) is public


def test_connection_refused_says_could_not_connect() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is now closed: nothing listens there.

    error = rejected(
        f"http://127.0.0.1:{port}/287g.xlsx",
        allowed_hosts=LOCAL,
        allow_http=True,
        retries=1,
        **FAST,
    )

    assert error.reason == "could not connect: Connection refused (after 2 attempts)"


def test_allowlist_given_as_one_string_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        fetch_url("https://www.ice.gov/", allowed_hosts="www.ice.gov")


# --------------------------------------------------------------------------
# extract_links


def test_extract_links_resolves_relative_links_and_decodes_entities() -> None:
    html = """
    <html><body>
      <a href="/doc/xlsx/287gMOA.xlsx?v=1&amp;lang=en">Participating agencies</a>
      <A HREF="pending/287gPending.xlsx">Pending</A>
      <a name="no-href">not a link</a>
      <a href="https://www.dhs.gov/287g">DHS</a>
      <a href="/doc/xlsx/287gMOA.xlsx?v=1&amp;lang=en">same file again</a>
      <a href="  ../faq.htm  ">FAQ</a>
      <a href="/caf&eacute;.pdf">entity</a>
    </body></html>
    """
    base = "https://www.ice.gov/identify-and-arrest/287g/index.htm"

    assert extract_links(html, base) == [
        "https://www.ice.gov/doc/xlsx/287gMOA.xlsx?v=1&lang=en",
        "https://www.ice.gov/identify-and-arrest/287g/pending/287gPending.xlsx",
        "https://www.dhs.gov/287g",
        "https://www.ice.gov/identify-and-arrest/faq.htm",
        "https://www.ice.gov/café.pdf",
    ]


def test_extract_links_on_page_without_links() -> None:
    assert extract_links("<p>No links here</p>", "https://www.ice.gov/") == []
