from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Batch, Category, Certificate, Product, ProductImage, Sku
from trustmart.merchants.models import Merchant

from .factories import LICENCE, image_upload, pdf_upload

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _post(client: Client, url: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type=JSON)


def _create_body(category: Category, **overrides: Any) -> dict[str, Any]:
    body = {"name": "山水 明前龙井 特级 250g", "brand": "山水", "category_id": category.pk,
            "manufacturer": "杭州山水茶业有限公司", "place_of_origin": "浙江杭州",
            "production_licence_no": LICENCE, "commission_bps": 1000,
            "options": [{"name": "规格", "values": ["250g", "500g"]}],
            "price_fen": 19900, "stock": 10}
    body.update(overrides)
    return body


def test_public_list_detail_and_categories(live: Product, draft: Product, tea: Category) -> None:
    client = Client()
    tree = client.get("/api/catalog/categories").json()
    assert [c["slug"] for c in tree] == ["food", "apparel"]
    assert tree[0]["children"][0]["slug"] == "tea"
    listed = client.get("/api/catalog/products").json()
    assert listed["count"] == 1
    card = listed["items"][0]
    assert card["id"] == live.pk and card["price"] == "¥199.00"
    assert card["image_url"].startswith("/media/") and card["merchant"]["genuine"] is True
    assert client.get("/api/catalog/products?category=food").json()["count"] == 1
    assert client.get("/api/catalog/products?category=apparel").json()["count"] == 0
    assert client.get("/api/catalog/products?category=nope").status_code == 404
    detail = client.get(f"/api/catalog/products/{live.pk}").json()
    assert [s["spec_key"] for s in detail["skus"]] == ["规格:250g", "规格:500g"]
    assert detail["options"] == [{"name": "规格", "values": ["250g", "500g"]}]
    trace = detail["traceability"]
    assert trace["production_licence_no"] == LICENCE
    assert trace["current_batch"]["batch_no"] == "B20260101"
    assert detail["genuine"] and detail["purchasable"] and detail["share_earning_fen"] == 1990
    assert client.get(f"/api/catalog/products/{draft.pk}").status_code == 404


def test_public_list_is_paginated(live: Product) -> None:
    response = Client().get("/api/catalog/products?limit=1&offset=1").json()
    assert response == {"items": [], "count": 1}


def test_merchant_creates_and_edits_through_the_api(
        seller: User, merchant: Merchant, tea: Category,
        api_client_for: Callable[[User], Client], operator: User) -> None:
    client = api_client_for(seller)
    created = _post(client, "/api/catalog/merchant/products", _create_body(tea))
    assert created.status_code == 201, created.content
    product = created.json()
    assert product["status"] == "draft" and len(product["skus"]) == 2
    pid = product["id"]
    listed = client.get("/api/catalog/merchant/products?status=draft").json()
    assert [p["id"] for p in listed["items"]] == [pid]
    patched = _post(client, f"/api/catalog/merchant/products/{pid}",
                    {"subtitle": "头采", "purchase_limit": 2}, method="patch").json()
    assert patched["subtitle"] == "头采" and patched["purchase_limit"] == 2
    sku_id = product["skus"][0]["id"]
    assert _post(client, f"/api/catalog/merchant/skus/{sku_id}", {"price_fen": 18800},
                 method="patch").json()["price_fen"] == 18800
    assert _post(client, f"/api/catalog/merchant/skus/{sku_id}/stock",
                 {"delta": -4}).json()["stock"] == 6
    assert _post(client, f"/api/catalog/merchant/skus/{sku_id}/stock",
                 {"stock": 50}).json()["stock"] == 50
    image = client.post(f"/api/catalog/merchant/products/{pid}/images",
                        {"image": image_upload()})
    assert image.status_code == 201
    batch = _post(client, f"/api/catalog/merchant/products/{pid}/batches", {
        "batch_no": "LJ-01", "production_date": str(timezone.localdate() - timedelta(days=3)),
        "shelf_life_days": 540})
    assert batch.status_code == 201 and batch.json()["expired"] is False
    cert = client.post(f"/api/catalog/merchant/products/{pid}/certificates",
                       {"name": "SGS 检测报告", "issued_by": "SGS", "file": pdf_upload()})
    assert cert.status_code == 201 and cert.json()["kind"] == "pdf"
    submitted = client.post(f"/api/catalog/merchant/products/{pid}/submit").json()
    assert submitted["status"] == "pending"
    ops = api_client_for(operator)
    queue = ops.get("/api/catalog/ops/products").json()
    assert [p["id"] for p in queue["items"]] == [pid]
    approved = _post(ops, f"/api/catalog/ops/products/{pid}/approve", {}).json()
    assert approved["status"] == "live"
    # A content change of a live product is a revision the operator sees as a diff.
    _post(client, f"/api/catalog/merchant/products/{pid}", {"name": "山水 龙井 礼盒装"},
          method="patch")
    revisions = ops.get("/api/catalog/ops/revisions").json()["items"]
    assert len(revisions) == 1
    diff = ops.get(f"/api/catalog/ops/revisions/{revisions[0]['id']}").json()["diff"]
    assert [(d["field"], d["before"], d["after"]) for d in diff] == [
        ("name", "山水 明前龙井 特级 250g", "山水 龙井 礼盒装")]
    rejected = _post(ops, f"/api/catalog/ops/revisions/{revisions[0]['id']}/reject",
                     {"reason": "名称不规范"}).json()
    assert rejected["status"] == "rejected"
    mine = client.get(f"/api/catalog/merchant/products/{pid}").json()
    assert mine["name"] == "山水 明前龙井 特级 250g" and mine["pending_revision"] is None
    assert mine["reviews"][0]["reason"] == "名称不规范"


@pytest.mark.parametrize(("overrides", "code"), [
    ({"price_fen": 0}, "invalid_price"),
    ({"price_fen": -5}, "invalid_price"),
    ({"commission_bps": 5000}, "commission_out_of_bounds"),
    ({"options": [{"name": "规格", "values": ["250g", "250g"]}]}, "duplicate_sku_spec"),
    ({"production_licence_no": "XX1"}, "invalid_licence_no"),
])
def test_bad_create_is_422_and_saves_nothing(seller: User, merchant: Merchant, tea: Category,
                                             api_client_for: Callable[[User], Client],
                                             overrides: dict[str, Any], code: str) -> None:
    response = _post(api_client_for(seller), "/api/catalog/merchant/products",
                     _create_body(tea, **overrides))
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert not Product.objects.exists() and not Sku.objects.exists()


def test_bad_uploads_and_batches_are_refused(seller: User, draft: Product,
                                             api_client_for: Callable[[User], Client]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_client_for(seller)
    images, batches, certs = (ProductImage.objects.count(), Batch.objects.count(),
                              Certificate.objects.count())
    bad_image = client.post(f"/api/catalog/merchant/products/{draft.pk}/images", {
        "image": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")})
    assert bad_image.status_code == 422 and bad_image.json()["code"] == "invalid_image"
    future = _post(client, f"/api/catalog/merchant/products/{draft.pk}/batches", {
        "batch_no": "F-1", "production_date": str(timezone.localdate() + timedelta(days=2)),
        "shelf_life_days": 30})
    assert future.status_code == 422 and future.json()["code"] == "batch_in_future"
    bad_cert = client.post(f"/api/catalog/merchant/products/{draft.pk}/certificates", {
        "name": "假报告", "file": SimpleUploadedFile("r.pdf", b"hello", content_type="text/plain")})
    assert bad_cert.status_code == 422 and bad_cert.json()["code"] == "invalid_file_type"
    assert (ProductImage.objects.count(), Batch.objects.count(),
            Certificate.objects.count()) == (images, batches, certs)
    both = _post(client, f"/api/catalog/merchant/skus/{draft.skus.first().pk}/stock",  # type: ignore[union-attr]
                 {"stock": 1, "delta": 1})
    assert both.status_code == 422


def test_another_merchant_gets_404_on_every_object_endpoint(
        other_seller: User, other_merchant: Merchant, draft: Product, merchant: Merchant,
        api_client_for: Callable[[User], Client]) -> None:
    client = api_client_for(other_seller)
    sku, image, batch = draft.skus.first(), draft.images.first(), draft.batches.first()
    assert sku and image and batch
    cert = Certificate.objects.create(product=draft, name="x", file="certificates/x.pdf")
    p = f"/api/catalog/merchant/products/{draft.pk}"
    requests = [
        ("get", p, None), ("patch", p, {"name": "偷改名字"}), ("post", f"{p}/submit", None),
        ("post", f"{p}/revision/withdraw", None),
        ("put", f"{p}/skus", {"options": [], "price_fen": 1}),
        ("patch", f"/api/catalog/merchant/skus/{sku.pk}", {"price_fen": 1}),
        ("post", f"/api/catalog/merchant/skus/{sku.pk}/stock", {"stock": 0}),
        ("post", f"{p}/batches", {"batch_no": "X", "production_date": "2026-01-01",
                                  "shelf_life_days": 9}),
        ("delete", f"/api/catalog/merchant/batches/{batch.pk}", None),
        ("put", f"{p}/images/order", {"image_ids": [image.pk]}),
        ("delete", f"/api/catalog/merchant/images/{image.pk}", None),
        ("delete", f"/api/catalog/merchant/certificates/{cert.pk}", None),
        ("get", f"/api/catalog/merchant/products?merchant_id={merchant.pk}", None),
        ("post", "/api/catalog/merchant/products",
         {**_create_body(draft.category), "merchant_id": merchant.pk}),
    ]
    for method, url, body in requests:
        response = (_post(client, url, body, method=method) if body is not None
                    else getattr(client, method)(url))
        assert response.status_code == 404, (method, url, response.content)
    for url in (f"{p}/images", f"{p}/certificates"):
        response = client.post(url, {"image": image_upload(), "file": pdf_upload(), "name": "x"})
        assert response.status_code == 404, url
    sku.refresh_from_db()
    draft.refresh_from_db()
    assert sku.stock == 10 and sku.price_fen == 19900 and draft.name != "偷改名字"
    assert Batch.objects.filter(pk=batch.pk).exists()
    assert ProductImage.objects.filter(pk=image.pk).exists()
    # And this merchant's own list shows only its own products.
    assert client.get("/api/catalog/merchant/products").json()["count"] == 0


def test_operator_endpoints_are_404_for_everyone_else(
        seller: User, live: Product, draft: Product,
        api_client_for: Callable[[User], Client]) -> None:
    from trustmart.catalog import services

    services.product_update(user=seller, product_id=live.pk, name="山水 龙井 改名")
    revision = live.revisions.get()
    services.product_submit(user=seller, product_id=draft.pk)
    client = api_client_for(seller)
    for method, url in [("get", "/api/catalog/ops/products"),
                        ("get", f"/api/catalog/ops/products/{live.pk}"),
                        ("post", f"/api/catalog/ops/products/{live.pk}/take-down"),
                        ("post", f"/api/catalog/ops/products/{draft.pk}/approve"),
                        ("post", f"/api/catalog/ops/products/{draft.pk}/reject"),
                        ("get", "/api/catalog/ops/revisions"),
                        ("get", f"/api/catalog/ops/revisions/{revision.pk}"),
                        ("post", f"/api/catalog/ops/revisions/{revision.pk}/approve"),
                        ("post", f"/api/catalog/ops/revisions/{revision.pk}/reject"),
                        ("get", "/api/catalog/ops/commission-bounds")]:
        response = (_post(client, url, {"reason": "x"}) if method == "post"
                    else client.get(url))
        assert response.status_code == 404, url
    response = _post(client, "/api/catalog/ops/commission-bounds",
                     {"min_bps": 0, "max_bps": 10}, method="put")
    assert response.status_code == 404
    live.refresh_from_db()
    draft.refresh_from_db()
    revision.refresh_from_db()
    assert live.status == Product.Status.LIVE and draft.status == Product.Status.PENDING
    assert revision.status == "pending" and live.name != "山水 龙井 改名"
    assert Client().get("/api/catalog/merchant/products").status_code == 401


def test_operator_takes_down_and_sets_bounds(live: Product, operator: User,
                                             api_client_for: Callable[[User], Client]) -> None:
    ops = api_client_for(operator)
    missing = _post(ops, f"/api/catalog/ops/products/{live.pk}/take-down", {"reason": ""})
    assert missing.status_code == 422 and missing.json()["code"] == "reason_required"
    down = _post(ops, f"/api/catalog/ops/products/{live.pk}/take-down", {"reason": "抽检不合格"})
    assert down.json()["status"] == "offline"
    assert Client().get(f"/api/catalog/products/{live.pk}").status_code == 404
    assert ops.get("/api/catalog/ops/commission-bounds").json() == {"min_bps": 100,
                                                                   "max_bps": 3000}
    bad = _post(ops, "/api/catalog/ops/commission-bounds", {"min_bps": 500, "max_bps": 100},
                method="put")
    assert bad.status_code == 422
    ok = _post(ops, "/api/catalog/ops/commission-bounds", {"min_bps": 200, "max_bps": 2000},
               method="put")
    assert ok.json() == {"min_bps": 200, "max_bps": 2000}


def test_product_create_is_idempotent(seller: User, merchant: Merchant, tea: Category,
                                      api_client_for: Callable[[User], Client]) -> None:
    client = api_client_for(seller)
    body = json.dumps(_create_body(tea))
    first = client.post("/api/catalog/merchant/products", data=body, content_type=JSON,
                        HTTP_IDEMPOTENCY_KEY="create-1")
    again = client.post("/api/catalog/merchant/products", data=body, content_type=JSON,
                        HTTP_IDEMPOTENCY_KEY="create-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Product.objects.count() == 1


def test_revision_diff_shows_images_and_certificates(
        seller: User, live: Product, operator: User,
        api_client_for: Callable[[User], Client]) -> None:
    client = api_client_for(seller)
    added = client.post(f"/api/catalog/merchant/products/{live.pk}/images",
                        {"image": image_upload()}).json()
    assert added["pending"] is True
    client.post(f"/api/catalog/merchant/products/{live.pk}/certificates",
                {"name": "有机认证", "file": pdf_upload()})
    _post(client, f"/api/catalog/merchant/products/{live.pk}", {"category_id": live.category_id,
                                                               "subtitle": "新卖点"},
          method="patch")
    mine = client.get(f"/api/catalog/merchant/products/{live.pk}").json()
    assert set(mine["pending_revision"]["changes"]) == {"images", "certificates", "subtitle"}
    public = Client().get(f"/api/catalog/products/{live.pk}").json()
    assert len(public["images"]) == 1 and public["traceability"]["certificates"] == []
    ops = api_client_for(operator)
    revision_id = mine["pending_revision"]["id"]
    diff = {row["field"]: row for row in
            ops.get(f"/api/catalog/ops/revisions/{revision_id}").json()["diff"]}
    assert [i["id"] for i in diff["images"]["after"]][-1] == added["id"]
    assert diff["certificates"]["before"] == []
    assert diff["certificates"]["after"][0]["kind"] == "pdf"
    html = Client(HTTP_ACCEPT_LANGUAGE="en")
    html.force_login(operator)
    page = html.get(f"/ops/revisions/{revision_id}/").content.decode()
    assert added["url"] in page and "有机认证" in page and "新卖点" in page
    approved = _post(ops, f"/api/catalog/ops/revisions/{revision_id}/approve", {}).json()
    assert approved["status"] == "approved"
    public = Client().get(f"/api/catalog/products/{live.pk}").json()
    assert len(public["images"]) == 2 and public["subtitle"] == "新卖点"
    assert public["traceability"]["certificates"][0]["name"] == "有机认证"
