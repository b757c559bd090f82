from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.demo import DEMO_ACCOUNTS
from trustmart.accounts.models import Follow, User
from trustmart.web.demo import build_demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/discover/", "/cart/", "/settings/language/", "/login/",
                                  "/signup/"])
def test_pages_render_with_the_tab_bar(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="tabbar"' in html
    assert 'name="viewport"' in html
    assert "htmx/htmx.min.js" in html


def test_chinese_is_the_default_and_english_is_a_switch_away() -> None:
    client = Client()
    assert "首页" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert ">Home<" in html and "首页" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "首页" in client.get("/").content.decode()


def test_demo_mode_shows_the_demo_log_ins(settings: Any) -> None:
    settings.DEMO_MODE = True
    html = Client().get("/").content.decode()
    assert 'data-testid="demo-logins"' in html
    for account in DEMO_ACCOUNTS:
        assert account.mobile in html
    settings.DEMO_MODE = False
    assert 'data-testid="demo-logins"' not in Client().get("/").content.decode()


def test_static_files_are_served() -> None:
    response = Client().get("/static/web/app.css")
    assert response.status_code == 200


class _Rollback(Exception):
    pass


def _snapshot() -> tuple[list[tuple[str, str]], int, list[str], list[str]]:
    from trustmart.catalog.models import Product
    from trustmart.stores.models import Store

    return (list(User.objects.order_by("mobile").values_list("mobile", "nickname")),
            Follow.objects.count(),
            list(Product.objects.order_by("name").values_list("name", flat=True)),
            list(Store.objects.order_by("name").values_list("name", flat=True)))


def test_demo_data_is_deterministic_and_complete() -> None:
    from django.db import transaction

    from trustmart.ledger.selectors import ledger_check

    try:
        with transaction.atomic():
            counts = build_demo()
            first = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not User.objects.exists()
    assert counts["merchants"] >= 6 and counts["products"] >= 80 and counts["stores"] >= 30
    assert counts["orders"] >= 40
    assert len(first[0]) >= 60
    build_demo()
    assert _snapshot() == first
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(mobile=account.mobile)
        assert user.avatar and user.check_password("trustmart2026")
    assert ledger_check() == []


def test_home_and_discover_show_the_demo_catalog() -> None:
    build_demo()
    home = Client().get("/").content.decode()
    assert home.count('data-testid="product-card"') == 10
    assert "/c/beauty/" in home and "/c/digital/" in home
    discover = Client().get("/discover/").content.decode()
    assert discover.count('data-testid="product-card"') == 10


def test_suspended_merchants_vanish_from_the_home_page() -> None:
    from trustmart.catalog.models import Product
    from trustmart.merchants.models import Merchant

    build_demo()
    top = Product.objects.order_by("-sales_count", "-pk").first()
    assert top is not None and f'/p/{top.pk}/' in Client().get("/").content.decode()
    Merchant.objects.filter(pk=top.merchant_id).update(status=Merchant.Status.SUSPENDED)
    assert f'/p/{top.pk}/' not in Client().get("/").content.decode()
