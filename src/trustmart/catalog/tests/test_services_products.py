from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.catalog import services
from trustmart.catalog.models import Category, Product, ProductImage, Sku, SpecOption
from trustmart.catalog.services import SkuInput, SpecOptionInput
from trustmart.core.errors import DomainError, NotFound, PermissionDenied
from trustmart.merchants.models import Merchant

from .factories import LICENCE, make_merchant, product_fields

pytestmark = pytest.mark.django_db


def _nothing_saved() -> None:
    assert not Product.objects.exists()
    assert not Sku.objects.exists()
    assert not SpecOption.objects.exists()


def test_create_builds_the_sku_matrix_in_spec_order(seller: User, merchant: Merchant,
                                                     tea: Category) -> None:
    product = services.product_create(user=seller, merchant_id=merchant.pk, **product_fields(
        tea, options=[SpecOptionInput("颜色", ["红色", "蓝色"]),
                      SpecOptionInput("尺码", ["M", "L", "XL"])], price_fen=9900, stock=5))
    keys = list(product.skus.order_by("pk").values_list("spec_key", flat=True))
    assert keys == ["颜色:红色|尺码:M", "颜色:红色|尺码:L", "颜色:红色|尺码:XL",
                    "颜色:蓝色|尺码:M", "颜色:蓝色|尺码:L", "颜色:蓝色|尺码:XL"]
    sku = product.skus.get(spec_key="颜色:蓝色|尺码:L")
    assert sku.specs == {"颜色": "蓝色", "尺码": "L"} and sku.stock == 5
    assert product.status == Product.Status.DRAFT and product.price_fen == 9900
    assert list(product.spec_options.values_list("name", flat=True)) == ["颜色", "尺码"]


def test_product_without_options_has_one_sku_with_empty_key(seller: User, merchant: Merchant,
                                                            apparel: Category) -> None:
    product = services.product_create(user=seller, merchant_id=merchant.pk, **product_fields(
        apparel, options=[], production_licence_no="", price_fen=5000))
    assert list(product.skus.values_list("spec_key", flat=True)) == [""]


def test_explicit_skus_and_price_is_lowest_active(seller: User, merchant: Merchant,
                                                  tea: Category) -> None:
    product = services.product_create(user=seller, merchant_id=merchant.pk, **product_fields(
        tea, price_fen=None, skus=[
            SkuInput(specs={"规格": "250g"}, price_fen=19900, stock=3, barcode="6901234567892"),
            SkuInput(specs={"规格": "500g"}, price_fen=36900, stock=1)]))
    assert product.price_fen == 19900
    cheap = product.skus.get(spec_key="规格:250g")
    assert cheap.barcode == "6901234567892"
    services.sku_update(user=seller, sku_id=cheap.pk, is_active=False)
    product.refresh_from_db()
    assert product.price_fen == 36900
    services.sku_update(user=seller, sku_id=cheap.pk, is_active=True, price_fen=100)
    product.refresh_from_db()
    assert product.price_fen == 100


def test_redefining_options_keeps_existing_skus_and_deactivates_dropped(
        seller: User, draft: Product) -> None:
    old = draft.skus.get(spec_key="规格:250g")
    services.sku_stock_set(user=seller, sku_id=old.pk, stock=77)
    services.product_skus_define(user=seller, product_id=draft.pk, price_fen=50000, stock=1,
                                 options=[SpecOptionInput("规格", ["250g", "1kg"])])
    old.refresh_from_db()
    assert old.stock == 77 and old.price_fen == 19900 and old.is_active
    assert not draft.skus.get(spec_key="规格:500g").is_active
    assert draft.skus.get(spec_key="规格:1kg").price_fen == 50000


@pytest.mark.parametrize(("overrides", "code"), [
    ({"price_fen": 0}, "invalid_price"),
    ({"price_fen": -100}, "invalid_price"),
    ({"price_fen": None, "skus": [SkuInput(specs={"规格": "250g"}, price_fen=-1)]},
     "invalid_price"),
    ({"commission_bps": 50}, "commission_out_of_bounds"),
    ({"commission_bps": 3001}, "commission_out_of_bounds"),
    ({"options": [SpecOptionInput("颜色", ["红色", "红色"])]}, "duplicate_sku_spec"),
    ({"price_fen": None, "skus": [SkuInput(specs={"规格": "250g"}, price_fen=100),
                                  SkuInput(specs={"规格": "250g"}, price_fen=200)]},
     "duplicate_sku_spec"),
    ({"price_fen": None, "skus": [SkuInput(specs={"规格": "1kg"}, price_fen=100)]},
     "invalid_sku_spec"),
    ({"options": [SpecOptionInput("颜色", ["红:色"])]}, "invalid_spec_option"),
    ({"production_licence_no": ""}, "licence_required"),
    ({"production_licence_no": "SC123"}, "invalid_licence_no"),
    ({"name": "x"}, "invalid_name"),
    ({"stock": -1}, "invalid_stock"),
    ({"purchase_limit": 0}, "invalid_purchase_limit"),
])
def test_bad_input_is_refused_and_saves_nothing(seller: User, merchant: Merchant, tea: Category,
                                                overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        services.product_create(user=seller, merchant_id=merchant.pk,
                                **product_fields(tea, **overrides))
    assert caught.value.code == code
    _nothing_saved()


def test_commission_message_names_the_bounds_in_percent(seller: User, merchant: Merchant,
                                                        tea: Category,
                                                        operator: User) -> None:
    services.commission_bounds_set(operator=operator, min_bps=250, max_bps=1500)
    with pytest.raises(DomainError) as caught:
        services.product_create(user=seller, merchant_id=merchant.pk,
                                **product_fields(tea, commission_bps=2000))
    assert caught.value.code == "commission_out_of_bounds"
    assert "2.5%" in str(caught.value.message) and "15%" in str(caught.value.message)
    product = services.product_create(user=seller, merchant_id=merchant.pk,
                                      **product_fields(tea, commission_bps=1500))
    assert product.commission_bps == 1500


def test_commission_bounds_are_for_operators_only(seller: User) -> None:
    with pytest.raises(NotFound):
        services.commission_bounds_set(operator=seller, min_bps=0, max_bps=100)


def test_description_is_sanitised(seller: User, merchant: Merchant, tea: Category) -> None:
    product = services.product_create(user=seller, merchant_id=merchant.pk, **product_fields(
        tea, description='<p style="color:red" onclick="x()">好茶<script>alert(1)</script></p>'
                         '<img src="https://img.example/a.jpg" alt="茶" width="9" '
                         'onerror="x()"><a href="https://evil">链接</a><style>p{}</style>'
                         '<img src="javascript:alert(1)">'))
    assert product.description == ('<p>好茶</p><img src="https://img.example/a.jpg" alt="茶">'
                                   '链接<img>')


def test_plain_text_description_becomes_paragraphs(seller: User, merchant: Merchant,
                                                   tea: Category) -> None:
    product = services.product_create(user=seller, merchant_id=merchant.pk, **product_fields(
        tea, description="第一段 <b>不是标签\n第二行\n\n第二段"))
    assert product.description == "<p>第一段 &lt;b&gt;不是标签<br>第二行</p>\n\n<p>第二段</p>"


def test_merchant_without_deposit_or_not_active_cannot_list(
        make_user: Callable[..., User], tea: Category) -> None:
    owner = make_user()
    unpaid = make_merchant(owner, categories=[tea], deposit_ok=False)
    with pytest.raises(PermissionDenied) as caught:
        services.product_create(user=owner, merchant_id=unpaid.pk, **product_fields(tea))
    assert caught.value.code == "deposit_required"
    other = make_user()
    suspended = make_merchant(other, categories=[tea], status=Merchant.Status.SUSPENDED)
    with pytest.raises(PermissionDenied) as caught:
        services.product_create(user=other, merchant_id=suspended.pk, **product_fields(tea))
    assert caught.value.code == "merchant_not_active"
    _nothing_saved()


def test_category_outside_the_merchants_approval_is_refused(
        make_user: Callable[..., User], tea: Category, apparel: Category) -> None:
    owner = make_user()
    merchant = make_merchant(owner, categories=[apparel])
    with pytest.raises(DomainError) as caught:
        services.product_create(user=owner, merchant_id=merchant.pk, **product_fields(tea))
    assert caught.value.code == "category_not_allowed"
    _nothing_saved()


def test_another_merchants_staff_gets_not_found_everywhere(
        other_seller: User, other_merchant: Merchant, merchant: Merchant, draft: Product,
        tea: Category) -> None:
    sku = draft.skus.first()
    image = draft.images.first()
    batch = draft.batches.first()
    assert sku and image and batch
    calls: list[Callable[[], object]] = [
        lambda: services.product_create(user=other_seller, merchant_id=merchant.pk,
                                        **product_fields(tea)),
        lambda: services.product_update(user=other_seller, product_id=draft.pk, name="偷改"),
        lambda: services.product_submit(user=other_seller, product_id=draft.pk),
        lambda: services.sku_stock_set(user=other_seller, sku_id=sku.pk, stock=0),
        lambda: services.sku_stock_adjust(user=other_seller, sku_id=sku.pk, delta=-1),
        lambda: services.sku_update(user=other_seller, sku_id=sku.pk, price_fen=1),
        lambda: services.product_skus_define(user=other_seller, product_id=draft.pk,
                                             options=[], price_fen=1),
        lambda: services.product_image_delete(user=other_seller, image_id=image.pk),
        lambda: services.batch_delete(user=other_seller, batch_id=batch.pk),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    draft.refresh_from_db()
    sku.refresh_from_db()
    assert draft.name != "偷改" and sku.stock == 10 and sku.price_fen == 19900
    assert ProductImage.objects.filter(pk=image.pk).exists()


def test_draft_edits_apply_in_place_and_reindex(seller: User, draft: Product,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from trustmart.catalog.services import _common

    indexed: list[list[int]] = []
    monkeypatch.setattr(_common, "search_reindex", lambda ids: indexed.append(ids))
    from trustmart.catalog.services import products

    monkeypatch.setattr(products, "search_reindex", lambda ids: indexed.append(ids))
    services.product_update(user=seller, product_id=draft.pk, name="山水 龙井 特级 新包装",
                            purchase_limit=5)
    draft.refresh_from_db()
    assert draft.name == "山水 龙井 特级 新包装" and draft.purchase_limit == 5
    assert indexed == [[draft.pk]]
    services.product_update(user=seller, product_id=draft.pk, purchase_limit=None,
                            manufacturer="杭州山水茶业有限公司")
    draft.refresh_from_db()
    assert draft.purchase_limit is None
    assert indexed == [[draft.pk]]  # neither field is searched


def test_pending_content_is_frozen_but_price_and_stock_move(seller: User,
                                                            draft: Product) -> None:
    services.product_submit(user=seller, product_id=draft.pk)
    with pytest.raises(DomainError) as caught:
        services.product_update(user=seller, product_id=draft.pk, name="审核中改名")
    assert caught.value.code == "product_under_review"
    sku = draft.skus.get(spec_key="规格:250g")
    services.sku_update(user=seller, sku_id=sku.pk, price_fen=18800)
    services.product_update(user=seller, product_id=draft.pk, commission_bps=1200)
    draft.refresh_from_db()
    assert draft.price_fen == 18800 and draft.commission_bps == 1200


def test_licence_number_is_normalised(seller: User, merchant: Merchant, tea: Category) -> None:
    product = services.product_create(user=seller, merchant_id=merchant.pk, **product_fields(
        tea, production_licence_no=" " + LICENCE.lower() + " "))
    assert product.production_licence_no == LICENCE
