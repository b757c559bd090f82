from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog import services
from trustmart.catalog.models import Batch, Category, Product, ProductImage, ProductRevision, Sku
from trustmart.merchants.models import Merchant

from .factories import LICENCE, image_upload, make_live_product, pdf_upload

pytestmark = pytest.mark.django_db


def _client(user: User | None = None, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        client.force_login(user)
    return client


def test_product_page_shows_everything_a_buyer_needs(live: Product, seller: User) -> None:
    services.certificate_add(user=seller, product_id=live.pk, name="SGS 检测报告",
                             upload=pdf_upload())
    response = _client().get(f"/p/{live.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "山水 明前龙井 特级 250g" in html and "199.00" in html
    assert "Genuine guarantee · 10x compensation for fakes" in html
    assert LICENCE in html and "杭州山水茶业有限公司" in html and "浙江杭州" in html
    assert "B20260101" in html  # the current batch
    assert f'hx-get="/stores/item-button/{live.pk}/"' in html
    assert "Share and earn" not in html  # anonymous visitors see no commission hint
    assert "<strong>明前</strong>" in html  # the sanitised description, as HTML


def test_logged_in_user_sees_share_earning(live: Product, user: User) -> None:
    html = _client(user).get(f"/p/{live.pk}/").content.decode()
    assert "Share and earn ¥19.90" in html


def test_product_page_shows_price_and_stock_per_sku(live: Product, seller: User) -> None:
    big = live.skus.get(spec_key="规格:500g")
    services.sku_update(user=seller, sku_id=big.pk, price_fen=36_900, stock=0)
    html = _client().get(f"/p/{live.pk}/").content.decode()
    assert "199.00" in html and "369.00" in html  # the range
    assert "10 in stock" in html  # the pre-selected 250g SKU
    assert "Sold out" in html  # the 500g SKU in the variant table


def test_expired_batches_make_the_product_unavailable(live: Product) -> None:
    Batch.objects.filter(product=live).update(
        production_date=timezone.localdate() - timedelta(days=800),
        expires_on=timezone.localdate() - timedelta(days=1))
    html = _client().get(f"/p/{live.pk}/").content.decode()
    assert "cannot be bought now" in html and "Not available" in html


def test_hidden_products_are_404(draft: Product, live: Product, merchant: Merchant) -> None:
    assert _client().get(f"/p/{draft.pk}/").status_code == 404
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.SUSPENDED)
    assert _client().get(f"/p/{live.pk}/").status_code == 404
    assert "山水" not in _client().get("/c/tea/").content.decode()


def test_category_pages(live: Product, tea: Category) -> None:
    html = _client().get("/c/food/").content.decode()
    assert live.name in html and "茶叶" in html
    assert live.name in _client().get("/c/tea/?order=price").content.decode()
    assert _client().get("/c/nope/").status_code == 404
    assert "食品" in _client().get("/c/").content.decode()


def test_category_pages_load_more_with_htmx(seller: User, merchant: Merchant, tea: Category,
                                            operator: User) -> None:
    from trustmart.catalog.views import buyer

    for n in range(buyer.PAGE_SIZE + 1):
        make_live_product(seller, merchant, tea, operator, name=f"山水 龙井 {n:02d} 号")
    first = _client().get("/c/tea/").content.decode()
    assert 'hx-trigger="revealed"' in first
    more = _client().get("/c/tea/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in more and more.count('data-testid="product-card"') == 1


def test_merchant_console_create_flow(seller: User, merchant: Merchant, tea: Category) -> None:
    client = _client(seller)
    assert client.get("/merchant/products/").status_code == 200
    assert client.get(f"/merchant/products/new/?merchant={merchant.pk}").status_code == 200
    response = client.post("/merchant/products/new/", {
        "merchant": merchant.pk, "name": "山水 碧螺春 一级 100g", "brand": "山水",
        "category_id": tea.pk, "manufacturer": "苏州山水茶厂", "place_of_origin": "江苏苏州",
        "production_licence_no": LICENCE, "commission_bps": "12.5", "specs": "规格：100g、200g",
        "price": "68.00", "stock": "20", "description": "香气清幽\n\n回味甘甜"})
    product = Product.objects.get(name="山水 碧螺春 一级 100g")
    assert response.status_code == 302
    assert response["Location"] == f"/merchant/products/{product.pk}/images/"
    assert product.commission_bps == 1250 and product.price_fen == 6800
    assert sorted(product.skus.values_list("spec_key", flat=True)) == ["规格:100g",
                                                                        "规格:200g"]
    assert client.post(f"/merchant/products/{product.pk}/images/",
                       {"image": image_upload()}).status_code == 302
    assert client.post(f"/merchant/products/{product.pk}/batches/", {
        "batch_no": "BLC-1", "production_date": str(timezone.localdate()),
        "shelf_life_days": "540"}).status_code == 302
    assert client.post(f"/merchant/products/{product.pk}/certificates/", {
        "name": "有机认证", "file": pdf_upload()}).status_code == 302
    sku = product.skus.first()
    assert sku is not None
    row = client.post(f"/merchant/skus/{sku.pk}/", {f"sku{sku.pk}-price": "59.90",
                                                    f"sku{sku.pk}-stock": "7",
                                                    f"sku{sku.pk}-barcode": ""},
                      HTTP_HX_REQUEST="true")
    assert b"sku-saved" in row.content and b"<html" not in row.content
    sku.refresh_from_db()
    assert (sku.price_fen, sku.stock) == (5990, 7)
    overview = client.get(f"/merchant/products/{product.pk}/").content.decode()
    assert 'data-testid="submit-review"' in overview
    client.post(f"/merchant/products/{product.pk}/submit/")
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING
    for section in ("edit", "skus", "batches", "certificates", "images"):
        assert client.get(f"/merchant/products/{product.pk}/{section}/").status_code == 200


@pytest.mark.parametrize(("fields", "message"), [
    ({"price": "0"}, "The price must be more than"),
    ({"price": "-3"}, "The price must be more than"),
    ({"price": "1.234"}, "Enter an amount in yuan"),
    ({"commission_bps": "50"}, "between 1% and 30%"),
    ({"specs": "颜色: 红, 红"}, "lists a value twice"),
    ({"production_licence_no": ""}, "need a production licence number"),
])
def test_bad_product_form_shows_the_error_and_saves_nothing(
        seller: User, merchant: Merchant, tea: Category, fields: dict[str, str],
        message: str) -> None:
    data: dict[str, Any] = {
        "merchant": merchant.pk, "name": "山水 龙井", "brand": "山水", "category_id": tea.pk,
        "manufacturer": "山水茶业", "place_of_origin": "杭州", "production_licence_no": LICENCE,
        "commission_bps": "10", "specs": "", "price": "10", "stock": "1", **fields}
    response = _client(seller).post("/merchant/products/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Product.objects.exists() and not Sku.objects.exists()


def test_bad_batch_and_upload_forms_save_nothing(seller: User, draft: Product) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(seller)
    batches, images = Batch.objects.count(), ProductImage.objects.count()
    future = client.post(f"/merchant/products/{draft.pk}/batches/", {
        "batch_no": "F1", "production_date": str(timezone.localdate() + timedelta(days=1)),
        "shelf_life_days": "30"})
    assert "cannot be in the future" in future.content.decode()
    bad = client.post(f"/merchant/products/{draft.pk}/images/", {
        "image": SimpleUploadedFile("a.png", b"GIF89a...", content_type="image/png")})
    assert "Upload a JPEG, PNG or WebP image." in bad.content.decode()
    assert (Batch.objects.count(), ProductImage.objects.count()) == (batches, images)


def test_live_edit_in_the_console_becomes_a_revision(seller: User, live: Product,
                                                     operator: User) -> None:
    client = _client(seller)
    form = client.get(f"/merchant/products/{live.pk}/edit/").content.decode()
    assert "This product is live" in form
    response = client.post(f"/merchant/products/{live.pk}/edit/", {
        "name": "山水 明前龙井 特级 礼盒", "brand": live.brand, "category_id": live.category_id,
        "subtitle": live.subtitle, "description": live.description,
        "manufacturer": live.manufacturer, "place_of_origin": live.place_of_origin,
        "production_licence_no": live.production_licence_no, "commission_bps": "15",
        "purchase_limit": ""})
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.name == "山水 明前龙井 特级 250g" and live.commission_bps == 1500
    revision = ProductRevision.objects.get(product=live)
    assert revision.changes == {"name": "山水 明前龙井 特级 礼盒"}
    ops = _client(operator)
    queue = ops.get("/ops/products/?tab=revisions").content.decode()
    assert live.name in queue
    diff = ops.get(f"/ops/revisions/{revision.pk}/").content.decode()
    assert "山水 明前龙井 特级 礼盒" in diff
    ops.post(f"/ops/revisions/{revision.pk}/approve/")
    live.refresh_from_db()
    assert live.name == "山水 明前龙井 特级 礼盒"


def test_operator_pages_review_and_take_down(seller: User, draft: Product,
                                             operator: User) -> None:
    services.product_submit(user=seller, product_id=draft.pk)
    ops = _client(operator)
    assert draft.name in ops.get("/ops/products/").content.decode()
    assert 'data-testid="approve"' in ops.get(f"/ops/products/{draft.pk}/").content.decode()
    ops.post(f"/ops/products/{draft.pk}/reject/", {"reason": ""})
    draft.refresh_from_db()
    assert draft.status == Product.Status.PENDING  # a reason is required
    ops.post(f"/ops/products/{draft.pk}/reject/", {"reason": "资质图片模糊"})
    draft.refresh_from_db()
    assert draft.status == Product.Status.REJECTED
    shown = _client(seller).get(f"/merchant/products/{draft.pk}/").content.decode()
    assert "资质图片模糊" in shown
    services.product_submit(user=seller, product_id=draft.pk)
    ops.post(f"/ops/products/{draft.pk}/approve/")
    ops.post(f"/ops/products/{draft.pk}/take_down/", {"reason": "消费者投诉"})
    draft.refresh_from_db()
    assert draft.status == Product.Status.OFFLINE and draft.review_reason == "消费者投诉"
    saved = ops.post("/ops/commission/", {"min_bps": "2", "max_bps": "25"})
    assert saved.status_code == 302
    from trustmart.catalog.selectors import commission_bounds

    assert commission_bounds() == (200, 2500)


def test_other_users_get_404_on_every_page(other_seller: User, other_merchant: Merchant,
                                           draft: Product, merchant: Merchant, seller: User,
                                           make_user: Callable[..., User]) -> None:
    client = _client(other_seller)
    sku, image, batch = draft.skus.first(), draft.images.first(), draft.batches.first()
    assert sku and image and batch
    cert = services.certificate_add(user=seller, product_id=draft.pk, name="检测报告",
                                    upload=pdf_upload())
    p = f"/merchant/products/{draft.pk}"
    for url in (f"{p}/", f"{p}/edit/", f"{p}/skus/", f"{p}/batches/", f"{p}/certificates/",
                f"{p}/images/", f"/merchant/products/?merchant={merchant.pk}",
                f"/merchant/products/new/?merchant={merchant.pk}"):
        assert client.get(url).status_code == 404, url
    for url in (f"{p}/submit/", f"{p}/withdraw/", f"/merchant/skus/{sku.pk}/",
                f"/merchant/batches/{batch.pk}/delete/",
                f"/merchant/certificates/{cert.pk}/delete/",
                f"{p}/images/{image.pk}/delete/", f"{p}/images/{image.pk}/up/"):
        assert client.post(url).status_code == 404, url
    assert Batch.objects.filter(pk=batch.pk).exists()
    assert draft.certificates.filter(pk=cert.pk).exists()
    assert ProductImage.objects.filter(pk=image.pk).exists()
    draft.refresh_from_db()
    assert draft.status == Product.Status.DRAFT
    services.product_submit(user=seller, product_id=draft.pk)
    buyer = _client(make_user())
    for url in ("/ops/products/", f"/ops/products/{draft.pk}/", "/ops/commission/"):
        assert buyer.get(url).status_code == 404, url
    for action in ("approve", "reject", "take_down"):
        response = buyer.post(f"/ops/products/{draft.pk}/{action}/", {"reason": "x"})
        assert response.status_code == 404, action
    draft.refresh_from_db()
    assert draft.status == Product.Status.PENDING


def test_revision_pages_are_404_for_merchants(seller: User, live: Product) -> None:
    services.product_update(user=seller, product_id=live.pk, name="山水 龙井 改名")
    revision = ProductRevision.objects.get(product=live)
    client = _client(seller)
    assert client.get(f"/ops/revisions/{revision.pk}/").status_code == 404
    for action in ("approve", "reject"):
        assert client.post(f"/ops/revisions/{revision.pk}/{action}/",
                           {"reason": "x"}).status_code == 404
    revision.refresh_from_db()
    assert revision.status == ProductRevision.Status.PENDING


def test_console_pages_need_log_in() -> None:
    response = Client().get("/merchant/products/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_user_without_merchant_is_invited_to_apply(user: User) -> None:
    html = _client(user).get("/merchant/products/").content.decode()
    assert "/merchant/apply/" in html


def test_admin_shows_products_read_only(live: Product, make_user: Callable[..., User]) -> None:
    admin = make_user(is_staff=True, is_superuser=True)
    client = _client(admin)
    assert live.name in client.get("/admin/catalog/product/").content.decode()
    assert client.get(f"/admin/catalog/product/{live.pk}/change/").status_code == 200
    assert client.get("/admin/catalog/category/").status_code == 200
