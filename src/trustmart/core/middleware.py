"""Security headers of every response, from the policies declared in settings.

* ``Content-Security-Policy`` (``CONTENT_SECURITY_POLICY``): no inline script or style, no
  plugins, no framing, forms post only to us and the payment providers. The templates keep to
  it: behaviour lives in static JS files (``web/app.js``), styles in static CSS. A response that
  already carries its own policy (a served file's sandbox) keeps it.
* ``Permissions-Policy`` (``PERMISSIONS_POLICY``): no camera, microphone or location.
* ``Cache-Control: private, no-store`` on the pages and API answers (HTML, JSON) a logged-in
  user is served: they carry personal data. Files and pictures keep the caching their view
  chose (a private file says ``private``, a poster ``public``); static files never get here
  (WhiteNoise answers before), and the anonymous product page keeps its public caching because
  it is served to nobody logged in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

CSP = "Content-Security-Policy"
CSP_REPORT_ONLY = "Content-Security-Policy-Report-Only"
PAGE_TYPES = frozenset({"text/html", "application/json"})


def csp_header(policy: Mapping[str, Sequence[str]]) -> str:
    """``{"default-src": ["'self'"], "upgrade-insecure-requests": []}`` → header text."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


def permissions_header(policy: Mapping[str, Sequence[str]]) -> str:
    """``{"camera": [], "payment": ["self"]}`` → ``camera=(), payment=(self)``."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


def _logged_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated) or bool(
        request.META.get("HTTP_AUTHORIZATION"))


def _is_page(response: HttpResponseBase) -> bool:
    if getattr(response, "streaming", False):
        return False
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    return content_type in PAGE_TYPES


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.csp_name = CSP_REPORT_ONLY if settings.CSP_REPORT_ONLY else CSP
        self.csp = csp_header(settings.CONTENT_SECURITY_POLICY)
        self.permissions = permissions_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if CSP not in response and CSP_REPORT_ONLY not in response:
            response[self.csp_name] = self.csp
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions
        if _logged_in(request) and _is_page(response):
            response["Cache-Control"] = "private, no-store"
        return response
