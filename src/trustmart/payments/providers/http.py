"""The HTTP transport providers call their APIs with, injectable so tests never use the network.

A transport is ``(method, url, headers, body) -> (status, headers, body)``. The default speaks
HTTPS only, through urllib, with a timeout; an HTTP error status is returned, not raised, and a
network failure raises ``OSError`` (callers turn it into ``ProviderError``).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from django.core.exceptions import ImproperlyConfigured

Transport = Callable[[str, str, Mapping[str, str], bytes], tuple[int, Mapping[str, str], bytes]]

HTTP_TIMEOUT_SECONDS = 10


def urllib_transport(method: str, url: str, headers: Mapping[str, str],
                     body: bytes) -> tuple[int, Mapping[str, str], bytes]:
    """The real network call, with a timeout; an HTTP error status is returned, not raised."""
    if not url.startswith("https://"):
        raise ImproperlyConfigured("a payment provider's API must be an https:// URL")
    request = urllib.request.Request(  # noqa: S310 (https only, checked above)
        url, data=body or None, headers=dict(headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
