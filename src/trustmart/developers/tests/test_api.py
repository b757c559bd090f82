"""The developers API: apps by people, endpoints also by an app with webhooks:manage, and no
way into another merchant's or app's endpoints and deliveries."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from trustmart.accounts.models import User
from trustmart.developers import services
from trustmart.developers.models import WebhookEndpoint
from trustmart.developers.selectors import endpoints_visible
from trustmart.merchants.models import Merchant

from .conftest import Registered

JSON = "application/json"


def test_an_owner_registers_an_app_over_the_api_and_staff_cannot(
        owner_a: User, merchant_a: Merchant, make_user: Callable[..., User],
        api_client_for: Callable[[User], Client]) -> None:
    from trustmart.merchants.models import MerchantStaff

    response = api_client_for(owner_a).post("/api/developers/apps", {
        "merchant_id": merchant_a.pk, "name": "客服系统", "scopes": ["cases:read", "cases:reply"]},
        content_type=JSON)
    assert response.status_code == 201
    body = response.json()
    assert body["client_secret"].startswith("tmcs_") and body["scopes"] == ["cases:read",
                                                                           "cases:reply"]
    listed = api_client_for(owner_a).get("/api/developers/apps").json()
    assert [a["client_id"] for a in listed] == [body["client_id"]]
    assert "client_secret" not in listed[0]
    clerk = make_user("店员")
    MerchantStaff.objects.create(merchant=merchant_a, user=clerk)
    refused = api_client_for(clerk).post("/api/developers/apps", {
        "merchant_id": merchant_a.pk, "name": "x", "scopes": []}, content_type=JSON)
    assert refused.status_code == 404
    unknown = api_client_for(owner_a).post("/api/developers/apps", {
        "merchant_id": merchant_a.pk, "name": "x", "scopes": ["everything"]}, content_type=JSON)
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_scope"


def test_an_app_manages_its_own_endpoints_and_sees_no_others(
        app_a: Registered, app_b: Registered, app_client: Callable[..., Client],
        owner_a: User, merchant_a: Merchant) -> None:
    api_a, api_b = app_client(app_a), app_client(app_b)
    created = api_a.post("/api/developers/endpoints", {
        "url": "https://erp-a.example.com/hooks", "event_types": ["order.paid"]},
        content_type=JSON)
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    endpoint_id = created.json()["id"]
    mine = services.endpoint_create(user=owner_a, merchant_id=merchant_a.pk,
                                    url="https://mine.example.com/", event_types=["case.opened"])
    assert [e["id"] for e in api_a.get("/api/developers/endpoints").json()] == [endpoint_id]
    for path in (f"/api/developers/endpoints/{endpoint_id}",
                 f"/api/developers/endpoints/{endpoint_id}/deliveries",
                 f"/api/developers/endpoints/{endpoint_id}/secret",
                 f"/api/developers/endpoints/{mine[0].pk}"):
        assert api_b.get(path).status_code == 404, path
    assert api_b.delete(f"/api/developers/endpoints/{endpoint_id}").status_code == 404
    assert api_b.post(f"/api/developers/endpoints/{endpoint_id}/test").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint_id).exists()
    # The owner sees the app's endpoint among the merchant's.
    assert {e.pk for e in endpoints_visible(user=owner_a)} == {endpoint_id, mine[0].pk}


def test_endpoints_refuse_urls_that_are_not_public_https(
        app_a: Registered, app_client: Callable[..., Client]) -> None:
    for url in ("http://erp.example.com/", "https://127.0.0.1/hooks", "https://10.0.0.2/"):
        response = app_client(app_a).post("/api/developers/endpoints", {
            "url": url, "event_types": ["order.paid"]}, content_type=JSON)
        assert response.status_code == 422 and response.json()["code"] == "invalid_url", url


def test_an_app_without_webhooks_manage_cannot_touch_endpoints(
        app_a: Registered, app_client: Callable[..., Client]) -> None:
    response = app_client(app_a, scope="orders:read").get("/api/developers/endpoints")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_replay_and_test_send_over_the_api(
        owner_a: User, merchant_a: Merchant, api_client_for: Callable[[User], Client]) -> None:
    api = api_client_for(owner_a)
    endpoint = api.post("/api/developers/endpoints", {
        "merchant_id": merchant_a.pk, "url": "https://erp.example.com/h",
        "event_types": ["order.paid"]}, content_type=JSON).json()
    test = api.post(f"/api/developers/endpoints/{endpoint['id']}/test")
    assert test.status_code == 202 and test.json()["event_type"] == "webhook.test"
    detail = api.get(f"/api/developers/deliveries/{test.json()['id']}").json()
    assert '"type":"webhook.test"' in detail["body"] and detail["log"] == []
    again = api.post(f"/api/developers/deliveries/{test.json()['id']}/replay")
    assert again.status_code == 202 and again.json()["status"] == "pending"
    replay = api.post(f"/api/developers/endpoints/{endpoint['id']}/replay",
                      {"since": "2020-01-01T00:00:00Z"}, content_type=JSON)
    assert replay.status_code == 202 and replay.json() == {"queued": 0}
