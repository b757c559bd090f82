"""Outbound calls: HTTPS only, public addresses only (every one the host resolves to), the
checked address pinned for the connection, no redirects, short timeouts, truncated bodies."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from trustmart.developers import transport

from .tls import make_pki


def _resolving(monkeypatch: pytest.MonkeyPatch, answers: list[list[str]]) -> list[str]:
    """getaddrinfo answers ``answers[0]`` first, then ``answers[1]``... (a rebinding DNS)."""
    asked: list[str] = []

    def fake(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        addresses = answers[min(len(asked) - 1, len(answers) - 1)]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(transport.socket, "getaddrinfo", fake)
    return asked


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                                     "169.254.169.254", "100.64.0.1", "0.0.0.0",  # noqa: S104
                                     "240.0.0.1",
                                     "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
                                     "224.0.0.1"])
def test_private_loopback_link_local_and_reserved_addresses_are_refused(
        address: str, settings: Any) -> None:
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = False
    assert not transport.address_allowed(address)
    assert transport.address_allowed("8.8.8.8") and transport.address_allowed("2001:4860::8888")


def test_a_host_with_any_private_address_is_refused(
        monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = False
    _resolving(monkeypatch, [["93.184.216.34", "10.0.0.5"]])
    result = transport.post("https://hooks.example.com/x", body=b"{}", headers={})
    assert result.status is None and "not public" in result.error


@pytest.mark.parametrize("url", ["http://hooks.example.com/x", "https://user:pw@example.com/",
                                 "https://127.0.0.1/x", "ftp://example.com/"])
def test_urls_that_are_not_plain_https_to_a_public_host_are_refused(url: str,
                                                                    settings: Any) -> None:
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(transport.Refused):
        transport.url_check(url)


class _Server:
    """A TLS server thread answering every request with ``reply`` after ``delay``."""

    def __init__(self, tmp_path: Path, reply: bytes, delay: float = 0.0,
                 host: str = "hooks.example.test") -> None:
        import ssl

        self.pki = make_pki(tmp_path, hosts=(host,))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.pki.cert_file, self.pki.key_file)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.reply, self.delay, self.context = reply, delay, context
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _addr = self.listener.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(raw, server_side=True) as conn:
                    self.requests.append(self._read_request(conn))
                    time.sleep(self.delay)
                    conn.sendall(self.reply)
            except OSError:  # the client refused our certificate, or hung up at its deadline
                continue

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _sep, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += conn.recv(65536)
        return data

    def close(self) -> None:
        self.listener.close()


def test_the_checked_address_is_pinned_and_tls_still_checks_the_host_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    server = _Server(tmp_path, b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEVELOPERS_WEBHOOK_CA_BUNDLE = str(server.pki.ca_file)
    # The second answer would send us elsewhere (rebinding): it is never asked for.
    asked = _resolving(monkeypatch, [["127.0.0.1"], ["203.0.113.9"]])
    result = transport.post(f"https://hooks.example.test:{server.port}/in", body=b"{}",
                            headers={"webhook-id": "msg_1"})
    server.close()
    assert result.status == 204, result.error
    assert asked == ["hooks.example.test"]
    assert b"Host: hooks.example.test" in server.requests[0]


def test_an_untrusted_certificate_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        settings: Any) -> None:
    server = _Server(tmp_path, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEVELOPERS_WEBHOOK_CA_BUNDLE = ""
    _resolving(monkeypatch, [["127.0.0.1"]])
    result = transport.post(f"https://hooks.example.test:{server.port}/", body=b"{}", headers={})
    server.close()
    assert result.status is None and result.error.startswith("TLS")


def test_redirects_are_not_followed_and_long_bodies_are_cut(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    long_body = b"x" * 10_000
    server = _Server(tmp_path, b"HTTP/1.1 302 Found\r\nLocation: https://169.254.169.254/\r\n"
                     b"Content-Length: 10000\r\n\r\n" + long_body)
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEVELOPERS_WEBHOOK_CA_BUNDLE = str(server.pki.ca_file)
    _resolving(monkeypatch, [["127.0.0.1"]])
    result = transport.post(f"https://hooks.example.test:{server.port}/", body=b"{}", headers={})
    server.close()
    assert result.status == 302 and not result.ok and "redirect" in result.error
    assert len(server.requests) == 1 and len(result.body) == transport.RESPONSE_KEEP_BYTES


def test_a_slow_receiver_is_cut_at_the_total_deadline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    server = _Server(tmp_path, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", delay=3)
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEVELOPERS_WEBHOOK_CA_BUNDLE = str(server.pki.ca_file)
    settings.DEVELOPERS_WEBHOOK_TIMEOUT = 1
    _resolving(monkeypatch, [["127.0.0.1"]])
    result = transport.post(f"https://hooks.example.test:{server.port}/", body=b"{}", headers={})
    server.close()
    assert result.status is None and result.error == "timed out"
    assert 900 <= result.latency_ms < 2500
