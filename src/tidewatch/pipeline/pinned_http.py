"""Connections only to public addresses: resolve once, check, connect to it.

Part of the download defences (docs/methods.md, "Untrusted input"): a host
name on the allowlist could still resolve to a private address (DNS
rebinding, a hostile zone). The backend here resolves the name itself,
refuses if any address is not globally routable, and connects to the address
it checked, while TLS still verifies the certificate for the host name.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx

# DNS64/NAT64 well-known prefix: the low 32 bits are an IPv4 address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _os_message(exc: OSError) -> str:
    # "Name or service not known" reads better than "[Errno -2] ...".
    return exc.strerror or str(exc) or type(exc).__name__


class AddressRefused(Exception):
    """A host name resolved to an address we never connect to."""


def _resolve(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (a seam for tests' fake resolvers)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    """True if ``address`` is a globally routable unicast IP address.

    IPv6 forms that carry an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64)
    are judged by that IPv4 address, so ``::ffff:127.0.0.1`` is not public.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: list[ipaddress.IPv4Address] = []
        if ip.ipv4_mapped is not None:
            embedded.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            embedded.append(ip.sixtofour)
        if ip.teredo is not None:
            embedded.extend(ip.teredo)
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if embedded:
            return all(_is_public_ip(v4) for v4 in embedded)
    return _is_public_ip(ip)


def _is_public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # is_global already excludes loopback, private, link-local (and so the
    # 169.254.169.254 metadata address), CGNAT, unspecified and reserved.
    return ip.is_global and not ip.is_multicast


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to checked, public addresses.

    httpcore hands us the URL's host; we resolve it ourselves, refuse it if any
    address is not public, and connect to the address we checked. TLS still
    uses the host name for SNI and certificate checks (httpcore passes the
    name to ``start_tls``), so pinning does not weaken verification.
    """

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            # An IP literal reaches this point only by matching an explicit
            # allowlist entry: the operator named that address on purpose.
            return self._inner.connect_tcp(
                host, port, timeout, local_address, socket_options
            )
        try:
            addresses = _resolve(host, port)
        except OSError as exc:
            # "from None": the reason should name the host, not just errno.
            raise httpcore.ConnectError(
                f"cannot resolve {host} ({_os_message(exc)})"
            ) from None
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host} (no addresses)")
        # Refuse if *any* address is private: an attacker-controlled zone
        # could otherwise mix a public and a private answer.
        for address in addresses:
            if not is_public_address(address):
                raise AddressRefused(
                    f"host {host} resolves to {address}, which is not a public address"
                )
        last_error: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets are never used for downloads")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its pool swapped for one using the pinned
    backend (HTTPTransport has no parameter for a network backend)."""

    def __init__(self) -> None:
        super().__init__(verify=True, retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=True),
            network_backend=_PinnedBackend(),
            retries=0,  # we retry ourselves, with backoff and clear reasons
        )


def pinned_client() -> httpx.Client:
    # trust_env=False: no proxy from the environment (it would connect for us,
    # bypassing the address check) and no .netrc credentials sent anywhere.
    return httpx.Client(
        transport=_PinnedTransport(), trust_env=False, follow_redirects=False
    )
