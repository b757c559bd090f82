"""The product page's cache: the same page as without it, changes show at once, visibility is
exact, and what belongs to one viewer (share earning, cart badge, CSRF token) stays theirs."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from trustmart.accounts.models import User
from trustmart.catalog import selectors, services
from trustmart.catalog.models import Product, ProductImage
from trustmart.merchants import services as merchant_services
from trustmart.merchants.models import Merchant
from trustmart.orders.services import cart_line_add

from .factories import image_upload

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
CART_COUNT = re.compile(r'data-testid="cart-count">(\d+)<')


def _client(user: User | None = None, lang: str = "en",
            enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks, HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        client.force_login(user)
    return client


def _page(client: Client, product: Product) -> str:
    response = client.get(f"/p/{product.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _cached(product: Product, lang: str = "en") -> bool:
    key = selectors.product_page_cache_key(product_id=product.pk, language=lang)
    return cache.get(key) is not None


def test_cached_page_equals_the_uncached_one(live: Product, user: User) -> None:
    for who in (None, user):
        client = _client(who)
        filled, hit = _page(client, live), _page(client, live)
        with override_settings(PRODUCT_PAGE_CACHE_SECONDS=0):
            fresh = _page(client, live)
        assert CSRF.sub(r"\1", filled) == CSRF.sub(r"\1", hit) == CSRF.sub(r"\1", fresh)
        assert "山水 明前龙井 特级 250g" in hit and "B20260101" in hit
    assert _cached(live) and not _cached(live, "zh-hans")  # one body for both viewers


def test_cache_off_keeps_nothing(live: Product) -> None:
    with override_settings(PRODUCT_PAGE_CACHE_SECONDS=0):
        _page(_client(), live)
    assert not _cached(live)
    _page(_client(), live)
    assert _cached(live)


def test_english_and_chinese_are_cached_apart(live: Product) -> None:
    english, chinese = _page(_client(), live), _page(_client(lang="zh-hans"), live)
    assert "Traceability" in english and "溯源信息" not in english
    assert "溯源信息" in chinese and "Traceability" not in chinese
    assert _cached(live) and _cached(live, "zh-hans")
    assert "溯源信息" in _page(_client(lang="zh-hans"), live)
    assert "Traceability" in _page(_client(), live)


def test_price_and_stock_changes_show_at_once(live: Product, seller: User) -> None:
    before = _page(_client(), live)
    assert "199.00" in before and "188.00" not in before
    sku = live.skus.get(spec_key="规格:250g")
    services.sku_update(user=seller, sku_id=sku.pk, price_fen=18_800)
    assert "<small>¥</small>188.00<span" in _page(_client(), live)  # now a range from 188
    services.sku_stock_set(user=seller, sku_id=sku.pk, stock=7)
    assert "7 in stock" in _page(_client(), live)


def test_take_down_and_merchant_suspension_are_404_at_once(
        live: Product, operator: User, merchant: Merchant) -> None:
    _page(_client(), live)
    merchant_services.merchant_suspend(operator=operator, merchant_id=merchant.pk,
                                       reason="核查资质")
    assert _client().get(f"/p/{live.pk}/").status_code == 404
    merchant_services.merchant_reinstate(operator=operator, merchant_id=merchant.pk)
    _page(_client(), live)
    Merchant.objects.filter(pk=merchant.pk).update(deposit_ok=False)  # no service, no bump
    assert _client().get(f"/p/{live.pk}/").status_code == 404
    Merchant.objects.filter(pk=merchant.pk).update(deposit_ok=True)
    _page(_client(), live)
    services.product_take_down(operator=operator, product_id=live.pk, reason="质检不合格")
    assert _client().get(f"/p/{live.pk}/").status_code == 404


def test_approved_changes_images_and_batches_show_at_once(
        live: Product, seller: User, operator: User) -> None:
    before = _page(_client(), live)
    assert before.count('width="600" height="600"') == 1
    services.product_update(user=seller, product_id=live.pk, subtitle="新茶上市")
    services.product_image_add(user=seller, product_id=live.pk, upload=image_upload())
    pending = _page(_client(), live)  # a live product's change waits for review
    assert "新茶上市" not in pending and pending.count('width="600" height="600"') == 1
    revision = selectors.revision_pending_of(product=live)
    assert revision is not None
    services.revision_approve(operator=operator, revision_id=revision.pk)
    approved = _page(_client(), live)
    assert "新茶上市" in approved and approved.count('width="600" height="600"') == 2
    assert ProductImage.objects.filter(product=live, pending=False).count() == 2
    services.batch_add(user=seller, product_id=live.pk, batch_no="B20990101",
                       production_date=live.batches.get().production_date,
                       shelf_life_days=700)
    assert "B20990101" in _page(_client(), live)


def test_merchant_card_edits_show_at_once(live: Product, seller: User,
                                          merchant: Merchant) -> None:
    assert "百年茶园" not in _page(_client(), live)
    merchant_services.merchant_profile_update(user=seller, merchant_id=merchant.pk,
                                              introduction="百年茶园，匠心制茶。")
    assert "百年茶园" in _page(_client(), live)


def test_each_viewer_keeps_their_own_parts(live: Product, user: User,
                                           make_user: Callable[..., User]) -> None:
    other = make_user("小红")
    sku = live.skus.get(spec_key="规格:250g")
    cart_line_add(user=user, sku_id=sku.pk, quantity=2)
    anonymous = _page(_client(), live)  # fills the cache
    assert "Share and earn" not in anonymous and 'data-testid="cart-count"' not in anonymous
    mine = _page(_client(user), live)
    assert "Share and earn ¥19.90" in mine and CART_COUNT.findall(mine) == ["2"]
    theirs_client = _client(other, enforce_csrf_checks=True)
    theirs = _page(theirs_client, live)
    assert "Share and earn ¥19.90" in theirs and not CART_COUNT.findall(theirs)
    # The token in the (cached) page is the viewer's own: their add-to-cart form works.
    token = re.search(r'csrfmiddlewaretoken" value="([^"]+)"', theirs)
    assert token is not None
    added = theirs_client.post("/cart/add/", {"sku_id": sku.pk, "quantity": 1,
                                              "csrfmiddlewaretoken": token.group(1)})
    assert added.status_code != 403
    assert CART_COUNT.findall(_page(theirs_client, live)) == ["1"]
    assert CART_COUNT.findall(_page(_client(user), live)) == ["2"]
    assert "Share and earn" not in _page(_client(), live)


def test_visitors_share_the_page_but_not_the_csrf_token(live: Product) -> None:
    first, second = _client(enforce_csrf_checks=True), _client(enforce_csrf_checks=True)
    _page(first, live)  # fills the visitors' page
    html = _page(second, live)
    tokens = set(re.findall(r'csrfmiddlewaretoken" value="([^"]+)"', html))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
    assert len(tokens) == 1 and "csrftoken" in second.cookies
    # The token is this visitor's own: a form posted with it passes the CSRF check.
    answer = second.post("/login/", {"mobile": "13800009999", "password": "wrong",
                                     "csrfmiddlewaretoken": tokens.pop()})
    assert answer.status_code != 403
    rejected = second.post("/login/", {"mobile": "13800009999", "password": "wrong",
                                       "csrfmiddlewaretoken": "x" * 64})
    assert rejected.status_code == 403


def test_a_store_link_keeps_its_store(live: Product) -> None:
    _page(_client(), live)
    html = _client().get(f"/p/{live.pk}/?store=7").content.decode()
    assert '<input type="hidden" name="store_id" value="7">' in html
    assert 'name="store_id"' not in _page(_client(), live)


def test_unknown_and_impossible_ids_are_404(live: Product) -> None:
    for product_id in (live.pk + 1000, 2**63, 10**30):
        assert _client().get(f"/p/{product_id}/").status_code == 404
