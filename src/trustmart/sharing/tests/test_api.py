from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.sharing import services
from trustmart.stores.models import Store

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_create_list_kit_tree(make_user: Callable[..., User], product: Product,
                              open_store: Callable[..., Store],
                              api_client_for: Callable[[User], Client]) -> None:
    owner, friend = make_user("店主"), make_user("朋友")
    store = open_store(owner, product)
    client = api_client_for(owner)
    response = client.post("/api/sharing/shares", {"target": "product", "product_id": product.pk,
                                                   "channel": "wechat_moments"},
                           content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    code = body["code"]
    assert body["store_id"] == store.pk and body["depth"] == 0 and body["parent_code"] is None
    assert body["url"] == f"http://testserver/s/{code}?ch=wechat_moments"
    child = api_client_for(friend).post(
        "/api/sharing/shares", {"target": "product", "product_id": product.pk,
                                "channel": "qq", "parent_code": code}, content_type=JSON).json()
    assert child["parent_code"] == code and child["depth"] == 1
    services.visit_record(code=code, channel=None, visitor=None, device_id="d1")
    mine = client.get("/api/sharing/shares").json()
    assert mine["count"] == 1 and mine["items"][0]["visits"] == 1
    kit = client.get(f"/api/sharing/shares/{code}/kit").json()
    assert len(kit["items"]) == 7 and kit["poster_url"].endswith(f"/s/{code}/poster.png")
    tree = client.get(f"/api/sharing/shares/{code}/tree").json()
    assert tree["depth"] == 1 and [n["code"] for n in tree["nodes"]] == [code, child["code"]]
    assert tree["nodes"][1]["parent_code"] == code and tree["nodes"][0]["reshares"] == 1
    svg = client.get(f"/api/sharing/shares/{code}/tree.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert tree["root_code"] == code and tree["ancestors"] == 0
    # the friend, one level down, sees their own branch and only how many shares are above
    branch = api_client_for(friend).get(f"/api/sharing/shares/{child['code']}/tree").json()
    assert branch["root_code"] == child["code"] and branch["ancestors"] == 1
    assert [n["code"] for n in branch["nodes"]] == [child["code"]]
    assert branch["nodes"][0]["parent_code"] is None
    picture = api_client_for(friend).get(f"/api/sharing/shares/{child['code']}/tree.svg")
    assert f'data-code="{child["code"]}"'.encode() in picture.content
    assert f'data-code="{code}"'.encode() not in picture.content


def test_others_get_404(make_user: Callable[..., User], product: Product,
                        api_client_for: Callable[[User], Client]) -> None:
    share = services.share_create(user=make_user(), target="product", product_id=product.pk,
                                  channel="link")
    stranger = api_client_for(make_user())
    for path in ("kit", "tree", "tree.svg"):
        response = stranger.get(f"/api/sharing/shares/{share.code}/{path}")
        assert response.status_code == 404 and response.json()["code"] == "share_not_found"
    assert Client().get(f"/api/sharing/shares/{share.code}/kit").status_code == 401
    assert Client().get(f"/api/sharing/shares/{share.code}/poster").status_code == 200
    assert Client().get("/api/sharing/shares/NoSuch12/poster").status_code == 404


def test_bad_input(make_user: Callable[..., User], product: Product,
                   api_client_for: Callable[[User], Client]) -> None:
    client = api_client_for(make_user())
    bad = client.post("/api/sharing/shares", {"target": "product", "product_id": product.pk,
                                              "channel": "myspace"}, content_type=JSON)
    assert bad.status_code == 422
    missing = client.post("/api/sharing/shares", {"target": "product", "product_id": 999_999},
                          content_type=JSON)
    assert missing.status_code == 404 and missing.json()["code"] == "product_not_found"
    closed = Store.objects.create(owner=make_user(), name="歇业小店", status=Store.Status.CLOSED)
    shut = client.post("/api/sharing/shares", {"target": "store", "store_id": closed.pk},
                       content_type=JSON)
    assert shut.status_code == 422 and shut.json()["code"] == "store_closed"


def test_policy_public_read_operator_write(make_user: Callable[..., User],
                                           api_client_for: Callable[[User], Client]) -> None:
    assert Client().get("/api/sharing/policy").json() == {"binding_mode": "latest",
                                                           "binding_days": 15}
    payload = {"binding_mode": "first"}
    assert api_client_for(make_user()).put("/api/sharing/policy", payload,
                                           content_type=JSON).status_code == 404
    operator = api_client_for(make_user(is_staff=True))
    assert operator.put("/api/sharing/policy", payload, content_type=JSON).json() == {
        "binding_mode": "first", "binding_days": 15}
    bad = operator.put("/api/sharing/policy", {"binding_days": 0}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["code"] == "binding_days_invalid"
