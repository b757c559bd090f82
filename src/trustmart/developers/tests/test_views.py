"""The H5 pages: the public developer page, and the console a merchant's owner uses."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from trustmart.accounts.models import User
from trustmart.developers.models import Delivery, DeveloperApp, WebhookEndpoint
from trustmart.merchants.models import Merchant

from .conftest import Registered


def _login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_developer_page_is_public_and_lists_scopes_events_and_the_sample(db: None) -> None:
    page = Client().get("/developers/")
    assert page.status_code == 200
    text = page.content.decode()
    for needle in ("orders:read", "/api/orders/merchant/", "order.paid", "stock.low",
                   "webhook-signature", "from standardwebhooks import Webhook"):
        assert needle in text
    assert "<script" not in text.split("</header>")[-1]


def test_the_owner_registers_an_app_and_sees_its_secret_once(
        owner_a: User, merchant_a: Merchant) -> None:
    client = _login(owner_a)
    response = client.post("/merchant/developers/apps/new", {
        "merchant": merchant_a.pk, "name": "仓库系统", "scopes": ["orders:read", "stock:write"]})
    assert response.status_code == 200
    app = DeveloperApp.objects.get(name="仓库系统")
    assert app.merchant == merchant_a and app.scopes == ["orders:read", "stock:write"]
    assert "tmcs_" in response.content.decode()
    again = client.get(f"/merchant/developers/?merchant={merchant_a.pk}").content.decode()
    assert app.client_id in again and "tmcs_" not in again


def test_an_endpoint_is_added_tested_and_its_log_shown(
        owner_a: User, merchant_a: Merchant) -> None:
    client = _login(owner_a)
    response = client.post("/merchant/developers/endpoints/new", {
        "merchant": merchant_a.pk, "url": "https://erp.example.com/hooks",
        "event_types": ["order.paid", "stock.low"]})
    assert response.status_code == 200 and "whsec_" in response.content.decode()
    endpoint = WebhookEndpoint.objects.get(merchant=merchant_a)
    client.post(f"/merchant/developers/endpoints/{endpoint.pk}/test")
    assert Delivery.objects.filter(endpoint=endpoint, message__event_type="webhook.test").exists()
    page = client.get(f"/merchant/developers/endpoints/{endpoint.pk}/").content.decode()
    assert "webhook.test" in page


def test_another_merchants_pages_are_404(
        owner_b: User, app_a: Registered, owner_a: User, merchant_a: Merchant) -> None:
    client = _login(owner_b)
    endpoint = WebhookEndpoint.objects.create(merchant=merchant_a, url="https://a.example.com/",
                                              event_types=["order.paid"])
    assert client.get(f"/merchant/developers/?merchant={merchant_a.pk}").status_code == 404
    assert client.get(f"/merchant/developers/apps/{app_a.app.pk}/").status_code == 404
    assert client.get(f"/merchant/developers/endpoints/{endpoint.pk}/").status_code == 404
    assert client.post(f"/merchant/developers/apps/{app_a.app.pk}/revoke").status_code == 404
    app_a.app.refresh_from_db()
    assert app_a.app.status == DeveloperApp.Status.ACTIVE


def test_the_app_page_shows_the_audit_trail(
        owner_a: User, merchant_a: Merchant, app_a: Registered,
        app_client: Callable[..., Client]) -> None:
    app_client(app_a).get(f"/api/orders/merchant/{merchant_a.pk}/orders")
    page = _login(owner_a).get(f"/merchant/developers/apps/{app_a.app.pk}/").content.decode()
    assert f"/api/orders/merchant/{merchant_a.pk}/orders" in page and "orders:read" in page
