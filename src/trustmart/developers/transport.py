"""Outbound webhook requests that cannot be turned against us (SSRF) or hang a worker.

Only HTTPS, only to the endpoint's own host, no redirects followed. The host is resolved once,
every address it resolves to must be public (not private, loopback, link-local, reserved,
multicast or otherwise non-global) unless ``DEVELOPERS_WEBHOOK_ALLOW_PRIVATE`` is on, and the
connection goes to the address that was checked (pinned) while TLS still verifies the host name,
so a DNS answer that changes between check and connect (rebinding) changes nothing. Connecting
may take ``DEVELOPERS_WEBHOOK_CONNECT_TIMEOUT`` seconds and the whole request
``DEVELOPERS_WEBHOOK_TIMEOUT``; a timer cuts the socket at that deadline even if the receiver
trickles bytes. Only the first bytes of the response are read and kept.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

RESPONSE_KEEP_BYTES = 2048


class Refused(Exception):
    """The URL or the addresses it resolves to may not be called."""


@dataclass(frozen=True)
class Result:
    status: int | None
    body: str
    error: str
    latency_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not address_allowed(str(embedded)):
            return False
    if settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE:
        return not ip.is_unspecified and not ip.is_multicast
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> tuple[str, int, str]:
    """(host, port, path with query) of an acceptable webhook URL; ``Refused`` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError as exc:
        raise Refused("not a valid URL") from exc
    if parts.scheme != "https":
        raise Refused("only https URLs are called")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise Refused("the URL needs a host and no user name or password")
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not address_allowed(str(literal)):
        raise Refused("this address is not public")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return host, port, path


def resolve(host: str, port: int) -> list[str]:
    """The addresses to connect to (in the resolver's order): every one must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Refused(f"cannot resolve {host}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise Refused(f"cannot resolve {host}")
    refused = [a for a in addresses if not address_allowed(a)]
    if refused:
        raise Refused(f"{host} resolves to an address that is not public ({refused[0]})")
    return list(dict.fromkeys(addresses))


class _PinnedConnection(http.client.HTTPSConnection):
    """HTTPS to the checked ``addresses`` only (the first that answers), while Host, SNI and
    the certificate check use the host name."""

    def __init__(self, host: str, port: int, *, addresses: list[str], connect_timeout: float,
                 context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=connect_timeout, context=context)
        self._addresses = addresses

    def connect(self) -> None:
        error: OSError = OSError("no address")
        for address in self._addresses[:3]:  # three tries fit in the total deadline
            # A socket of the address's family, connected to the address itself: nothing here
            # asks the resolver again.
            family = (socket.AF_INET6 if ipaddress.ip_address(address.split("%", 1)[0]).version
                      == 6 else socket.AF_INET)
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect((address, self.port))
                break
            except OSError as exc:
                sock.close()
                error = exc
        else:
            raise error
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _context() -> ssl.SSLContext:
    bundle = settings.DEVELOPERS_WEBHOOK_CA_BUNDLE
    return ssl.create_default_context(cafile=bundle or None)


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Result:
    """POST ``body`` to ``url``; never raises for network trouble, it is in the result."""
    started = time.monotonic()

    def result(status: int | None, text: str = "", error: str = "") -> Result:
        return Result(status, text, error[:300], int((time.monotonic() - started) * 1000))

    try:
        host, port, path = url_check(url)
        addresses = resolve(host, port)
    except Refused as exc:
        return result(None, error=f"refused: {exc}")
    total = float(settings.DEVELOPERS_WEBHOOK_TIMEOUT)
    connection = _PinnedConnection(host, port, addresses=addresses, context=_context(),
                                   connect_timeout=min(float(
                                       settings.DEVELOPERS_WEBHOOK_CONNECT_TIMEOUT), total))
    watchdog: threading.Timer | None = None
    try:
        connection.connect()
        sock = connection.sock
        remaining = max(total - (time.monotonic() - started), 0.05)
        sock.settimeout(remaining)

        def cut() -> None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Timer(remaining, cut)
        watchdog.daemon = True
        watchdog.start()
        connection.request("POST", path, body=body, headers={
            **headers, "Content-Type": "application/json", "User-Agent": "TrustMart-Webhooks/1",
            "Connection": "close"})
        response = connection.getresponse()
        text = response.read(RESPONSE_KEEP_BYTES).decode("utf-8", "replace")
        if 300 <= response.status < 400:
            return result(response.status, text, "redirects are not followed")
        return result(response.status, text)
    except ssl.SSLError as exc:
        return result(None, error=f"TLS: {exc}")
    except TimeoutError:
        return result(None, error="timed out")
    except (OSError, http.client.HTTPException) as exc:
        elapsed = time.monotonic() - started
        return result(None, error="timed out" if elapsed >= total else
                      f"{type(exc).__name__}: {exc}")
    finally:
        if watchdog is not None:
            watchdog.cancel()
        connection.close()
