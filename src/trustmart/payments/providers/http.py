"""The HTTP transport providers call their APIs with, injectable so tests can stand in for them.

A transport is ``(method, url, headers, body) -> (status, headers, body)``. The default speaks
HTTPS only, through urllib, with a timeout; an HTTP error status is returned, not raised, and a
network failure raises ``OSError`` (callers turn it into ``ProviderError``). It trusts the
system's certificate authorities, or only the bundle ``PAYMENT_CA_BUNDLE`` names (a local test
provider's self-signed certificate, a corporate proxy).
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Transport = Callable[[str, str, Mapping[str, str], bytes], tuple[int, Mapping[str, str], bytes]]

HTTP_TIMEOUT_SECONDS = 10


@lru_cache(maxsize=4)
def _ssl_context(ca_bundle: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle or None)


def urllib_transport(method: str, url: str, headers: Mapping[str, str],
                     body: bytes) -> tuple[int, Mapping[str, str], bytes]:
    """The real network call, with a timeout; an HTTP error status is returned, not raised."""
    if not url.startswith("https://"):
        raise ImproperlyConfigured("a payment provider's API must be an https:// URL")
    request = urllib.request.Request(  # noqa: S310 (https only, checked above)
        url, data=body or None, headers=dict(headers), method=method)
    context = _ssl_context(str(getattr(settings, "PAYMENT_CA_BUNDLE", "") or ""))
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS,  # noqa: S310
                                    context=context) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
    except urllib.error.URLError as exc:
        raise OSError(str(exc.reason)) from exc
