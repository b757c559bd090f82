"""Headers every response carries (CSP, Permissions-Policy), no-store for logged-in pages, the
language cookie's flags, and templates that keep to the policy (no inline script or style)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from trustmart.accounts.models import User
from trustmart.core.middleware import csp_header, permissions_header

pytestmark = pytest.mark.django_db
SOURCE = Path(__file__).resolve().parents[2]


def _directives(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


def test_every_page_has_the_policy() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    policy = _directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["form-action"][0] == "'self'"
    assert "https://wx.tenpay.com" in policy["form-action"]
    assert "https://openapi.alipay.com" in policy["form-action"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=(self)"):
        assert feature in permissions
    for url in ("/api/catalog/categories", "/login/", "/no-such-page/", "/admin/login/"):
        assert "Content-Security-Policy" in Client().get(url), url


@override_settings(CSP_REPORT_ONLY=True)
def test_report_only_mode_sends_the_report_only_header() -> None:
    response = Client().get("/")
    assert "Content-Security-Policy-Report-Only" in response
    assert "Content-Security-Policy" not in response


def test_the_header_builders() -> None:
    assert csp_header({"default-src": ["'self'"], "upgrade-insecure-requests": []}) == \
        "default-src 'self'; upgrade-insecure-requests"
    assert permissions_header({"camera": [], "payment": ["self"]}) == "camera=(), payment=(self)"


def test_logged_in_pages_are_never_stored(user: User, api_client_for: Callable[[User], Client]
                                          ) -> None:
    client = Client()
    client.force_login(user)
    for url in ("/me/", "/", "/cart/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url
    api = api_client_for(user).get("/api/me")
    assert api.status_code == 200 and api["Cache-Control"] == "private, no-store"


def test_anonymous_pages_and_static_files_are_not_marked_no_store(user: User) -> None:
    assert "no-store" not in Client().get("/").get("Cache-Control", "")
    client = Client()
    client.force_login(user)
    static = client.get("/static/web/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_the_anonymous_product_page_keeps_its_caching_and_a_member_gets_no_store(
        make_user: Callable[..., User]) -> None:
    from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant

    seller = make_user("卖家")
    operator = make_user("运营", roles=("operator",))
    tea = make_category("tea")
    product = make_live_product(seller, make_merchant(seller, categories=[tea]), tea, operator)
    anonymous = Client().get(f"/p/{product.pk}/")
    assert anonymous.status_code == 200
    assert "no-store" not in anonymous.get("Cache-Control", "")
    member = Client()
    member.force_login(make_user("买家"))
    assert member.get(f"/p/{product.pk}/")["Cache-Control"] == "private, no-store"


def test_the_language_cookie_is_lax_and_http_only() -> None:
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]
    with override_settings(LANGUAGE_COOKIE_SECURE=True):
        secure = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
        assert secure.cookies["django_language"]["secure"]


def test_the_language_cookie_is_secure_outside_development(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in {"TRUSTMART_TESTING", "DJANGO_SETTINGS_MODULE", "DEBUG", "TRUSTMART_DEMO"}}
    code = ("import trustmart.settings as s; print(s.LANGUAGE_COOKIE_SECURE, "
            "s.LANGUAGE_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_HTTPONLY)")
    for debug, expected in (("0", "True Lax True"), ("1", "False Lax True")):
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
            check=False, env={**env, "DEBUG": debug, "SECRET_KEY": "x" * 50,
                              "TRUSTMART_DATA_DIR": str(tmp_path),
                              "PYTHONPATH": str(SOURCE.parent)})
        assert result.stdout.strip() == expected, result.stderr


# Markup the policy would block: inline <script> (one without src, except JSON data blocks),
# inline event handlers, style attributes and <style> elements, htmx's eval-based hx-on.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*['\"]", re.I)
STYLE = re.compile(r"\sstyle\s*=\s*['\"]|<style[\s>]", re.I)
HX_ON = re.compile(r"\shx-on[:-]", re.I)


def test_templates_keep_to_the_policy() -> None:
    offenders = []
    for template in sorted(SOURCE.rglob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for name, pattern in (("inline script", INLINE_SCRIPT), ("event handler", EVENT_HANDLER),
                              ("inline style", STYLE), ("hx-on", HX_ON)):
            if pattern.search(text):
                offenders.append(f"{template.relative_to(SOURCE)}: {name}")
    assert not offenders, offenders
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert EVENT_HANDLER.search('<button onclick="x()">') and STYLE.search('<p style="a">')
