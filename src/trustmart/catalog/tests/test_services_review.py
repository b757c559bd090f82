from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import storages

from trustmart.accounts.models import User
from trustmart.catalog import selectors, services
from trustmart.catalog.models import (
    Category,
    Certificate,
    Product,
    ProductImage,
    ProductReview,
    ProductRevision,
)
from trustmart.core.errors import Conflict, DomainError, NotFound
from trustmart.core.tests import pdfs
from trustmart.merchants.models import Merchant

from .factories import image_upload, make_product, pdf_upload

pytestmark = pytest.mark.django_db
Status = Product.Status


def test_full_review_flow_records_every_decision(seller: User, draft: Product,
                                                 operator: User) -> None:
    services.product_submit(user=seller, product_id=draft.pk)
    rejected = services.product_reject(operator=operator, product_id=draft.pk,
                                       reason="主图不清晰")
    assert rejected.status == Status.REJECTED and rejected.review_reason == "主图不清晰"
    services.product_submit(user=seller, product_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == Status.PENDING and draft.review_reason == ""
    live = services.product_approve(operator=operator, product_id=draft.pk)
    assert live.status == Status.LIVE and live.published_at is not None
    down = services.product_take_down(operator=operator, product_id=draft.pk, reason="涉嫌虚假宣传")
    assert down.status == Status.OFFLINE and down.review_reason == "涉嫌虚假宣传"
    decisions = list(ProductReview.objects.filter(product=draft).order_by("pk")
                     .values_list("decision", "reason", "operator"))
    assert decisions == [("reject", "主图不清晰", operator.pk), ("approve", "", operator.pk),
                         ("take_down", "涉嫌虚假宣传", operator.pk)]


def test_transitions_are_guarded(seller: User, draft: Product, operator: User) -> None:
    with pytest.raises(Conflict) as caught:
        services.product_approve(operator=operator, product_id=draft.pk)
    assert caught.value.code == "invalid_transition"
    services.product_submit(user=seller, product_id=draft.pk)
    with pytest.raises(Conflict):
        services.product_submit(user=seller, product_id=draft.pk)
    with pytest.raises(Conflict):
        services.product_take_down(operator=operator, product_id=draft.pk, reason="x")
    assert not ProductReview.objects.exists()


def test_reject_and_take_down_need_a_reason(seller: User, draft: Product,
                                            operator: User) -> None:
    services.product_submit(user=seller, product_id=draft.pk)
    with pytest.raises(DomainError) as caught:
        services.product_reject(operator=operator, product_id=draft.pk, reason="  ")
    assert caught.value.code == "reason_required"
    draft.refresh_from_db()
    assert draft.status == Status.PENDING and not ProductReview.objects.exists()


def test_only_operators_decide(seller: User, draft: Product) -> None:
    services.product_submit(user=seller, product_id=draft.pk)
    with pytest.raises(NotFound):
        services.product_approve(operator=seller, product_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == Status.PENDING


def test_incomplete_product_cannot_be_submitted(seller: User, merchant: Merchant, tea: Category,
                                                apparel: Category) -> None:
    bare = make_product(seller, merchant, tea, image=False, batch=False)
    with pytest.raises(Conflict) as caught:
        services.product_submit(user=seller, product_id=bare.pk)
    assert caught.value.code == "product_incomplete"
    assert set(caught.value.fields) == {"images", "batches"}
    # Clothing needs neither licence nor batches.
    shirt = make_product(seller, merchant, apparel, batch=False, production_licence_no="")
    assert services.product_submit(user=seller, product_id=shirt.pk).status == Status.PENDING


def test_live_content_change_becomes_a_revision_and_stays_on_sale(
        seller: User, live: Product, operator: User) -> None:
    services.product_update(user=seller, product_id=live.pk, name="山水 明前龙井 特级 礼盒装",
                            subtitle="新茶上市")
    live.refresh_from_db()
    assert live.name == "山水 明前龙井 特级 250g" and live.status == Status.LIVE
    revision = ProductRevision.objects.get(product=live)
    assert revision.changes == {"name": "山水 明前龙井 特级 礼盒装", "subtitle": "新茶上市"}
    # A second edit merges into the same pending revision; reverting a field drops it.
    services.product_update(user=seller, product_id=live.pk, subtitle=live.subtitle,
                            brand="山水茶")
    revision.refresh_from_db()
    assert revision.changes == {"name": "山水 明前龙井 特级 礼盒装", "brand": "山水茶"}
    assert ProductRevision.objects.filter(product=live).count() == 1
    assert selectors.product_visible_get(product_id=live.pk).name == "山水 明前龙井 特级 250g"
    services.revision_approve(operator=operator, revision_id=revision.pk)
    live.refresh_from_db()
    assert live.name == "山水 明前龙井 特级 礼盒装" and live.brand == "山水茶"
    revision.refresh_from_db()
    assert revision.status == ProductRevision.Status.APPROVED
    assert ProductReview.objects.filter(revision=revision, decision="approve").exists()


def test_reverting_every_change_withdraws_the_revision(seller: User, live: Product) -> None:
    services.product_update(user=seller, product_id=live.pk, name="临时改名")
    services.product_update(user=seller, product_id=live.pk, name=live.name)
    assert ProductRevision.objects.get(product=live).status == ProductRevision.Status.WITHDRAWN


def test_live_price_stock_commission_apply_at_once(seller: User, live: Product) -> None:
    sku = live.skus.get(spec_key="规格:250g")
    services.sku_update(user=seller, sku_id=sku.pk, price_fen=17_900)
    services.sku_stock_adjust(user=seller, sku_id=sku.pk, delta=5)
    services.product_update(user=seller, product_id=live.pk, commission_bps=1500,
                            purchase_limit=3)
    live.refresh_from_db()
    sku.refresh_from_db()
    assert (live.price_fen, sku.stock, live.commission_bps, live.purchase_limit) == (
        17_900, 15, 1500, 3)
    assert not ProductRevision.objects.exists()


def test_live_images_and_certificates_wait_for_review(seller: User, live: Product,
                                                      operator: User) -> None:
    first = live.images.get()
    added = services.product_image_add(user=seller, product_id=live.pk, upload=image_upload())
    cert = services.certificate_add(user=seller, product_id=live.pk, name="SGS 检测报告",
                                    upload=pdf_upload())
    assert added.pending and cert.pending
    page = selectors.product_page(product_id=live.pk)
    assert [i.pk for i in page.images] == [first.pk] and page.certificates == []
    services.product_images_reorder(user=seller, product_id=live.pk,
                                    image_ids=[added.pk, first.pk])
    services.product_image_delete(user=seller, image_id=first.pk)
    assert ProductImage.objects.filter(pk=first.pk).exists()  # still live until approval
    revision = ProductRevision.objects.get(product=live, status="pending")
    assert revision.changes == {"images": [added.pk], "certificates": [cert.pk]}
    rows = selectors.revision_diff(revision=selectors.revision_for_operator(
        user=operator, revision_id=revision.pk))
    assert [r.field for r in rows] == ["images", "certificates"]
    assert [i.pk for i in rows[0].before] == [first.pk]
    assert [i.pk for i in rows[0].after] == [added.pk]
    services.revision_approve(operator=operator, revision_id=revision.pk)
    page = selectors.product_page(product_id=live.pk)
    assert [i.pk for i in page.images] == [added.pk]
    assert [c.pk for c in page.certificates] == [cert.pk]
    assert not ProductImage.objects.filter(pk=first.pk).exists()


def test_rejected_revision_deletes_its_uploads(seller: User, live: Product, operator: User,
                                               django_capture_on_commit_callbacks: Any) -> None:
    added = services.product_image_add(user=seller, product_id=live.pk, upload=image_upload())
    services.product_update(user=seller, product_id=live.pk, name="夸大其词的名字")
    revision = ProductRevision.objects.get(product=live)
    storage, name = added.image.storage, str(added.image.name)
    with pytest.raises(DomainError):
        services.revision_reject(operator=operator, revision_id=revision.pk, reason="")
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_reject(operator=operator, revision_id=revision.pk, reason="名称夸大")
    live.refresh_from_db()
    assert live.name == "山水 明前龙井 特级 250g"
    assert not ProductImage.objects.filter(pk=added.pk).exists()
    assert ProductReview.objects.get(revision=revision).reason == "名称夸大"
    assert not storage.exists(name)


def test_live_product_keeps_at_least_one_image(seller: User, live: Product) -> None:
    with pytest.raises(DomainError) as caught:
        services.product_image_delete(user=seller, image_id=live.images.get().pk)
    assert caught.value.code == "image_required"
    assert not ProductRevision.objects.exists()


def test_revision_category_change_checks_the_licence_rule(
        seller: User, live: Product, apparel: Category, operator: User) -> None:
    services.product_update(user=seller, product_id=live.pk, category_id=apparel.pk,
                            production_licence_no="")
    revision = ProductRevision.objects.get(product=live)
    services.revision_approve(operator=operator, revision_id=revision.pk)
    live.refresh_from_db()
    assert live.category == apparel and live.production_licence_no == ""


def test_take_down_withdraws_a_pending_revision(seller: User, live: Product,
                                                operator: User) -> None:
    added = services.product_image_add(user=seller, product_id=live.pk, upload=image_upload())
    services.product_take_down(operator=operator, product_id=live.pk, reason="质量抽检不合格")
    assert ProductRevision.objects.get(product=live).status == "withdrawn"
    assert not ProductImage.objects.filter(pk=added.pk).exists()
    # Offline products are edited in place and may be submitted again.
    services.product_update(user=seller, product_id=live.pk, name="山水 龙井 整改后")
    assert services.product_submit(user=seller, product_id=live.pk).status == Status.PENDING


def test_withdraw_revision(seller: User, live: Product,
                           make_user: Callable[..., User]) -> None:
    services.product_update(user=seller, product_id=live.pk, subtitle="改个卖点")
    with pytest.raises(NotFound):
        services.revision_withdraw(user=make_user(), product_id=live.pk)
    services.revision_withdraw(user=seller, product_id=live.pk)
    assert ProductRevision.objects.get().status == "withdrawn"
    with pytest.raises(NotFound):
        services.revision_withdraw(user=seller, product_id=live.pk)


def test_certificate_uploads_are_checked(seller: User, draft: Product) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trustmart.catalog.services import media

    image_cert = services.certificate_add(user=seller, product_id=draft.pk, name="质检报告",
                                          upload=image_upload("JPEG", name="r.jpg"))
    assert str(image_cert.file.name).endswith(".jpg")
    pdf_cert = services.certificate_add(user=seller, product_id=draft.pk, name="有机认证",
                                        upload=pdf_upload())
    assert str(pdf_cert.file.name).endswith(".pdf")
    bad = [
        (SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
         "invalid_file_type"),
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (media.CERTIFICATE_MAX_BYTES + 1)),
         "file_too_large"),
        # An HTML page renamed .pdf is neither a PDF nor an image.
        (pdfs.upload(pdfs.renamed_html()), "invalid_file_type"),
        # Polyglots: a PDF that is also a web page, or also a ZIP archive.
        (pdfs.upload(pdfs.html_polyglot()), "pdf_polyglot"),
        (pdfs.upload(pdfs.zip_polyglot()), "pdf_polyglot"),
        (pdfs.upload(pdfs.javascript_pdf()), "pdf_active_content"),
        (pdfs.upload(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), "pdf_broken"),
    ]
    for upload, code in bad:
        with pytest.raises(DomainError) as caught:
            services.certificate_add(user=seller, product_id=draft.pk, name="坏文件",
                                     upload=upload)
        assert caught.value.code == code
    assert Certificate.objects.count() == 2
    # Stored in the private storage: no public URL exists for a certificate.
    assert pdf_cert.file.storage is storages["private"]
    with pytest.raises(ValueError):
        pdf_cert.file.url  # noqa: B018


def test_image_uploads_are_checked(seller: User, draft: Product) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trustmart.catalog.services import media

    before = ProductImage.objects.count()
    bad = [
        (SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png"),
         "invalid_image"),
        (image_upload("GIF", name="a.gif"), "invalid_image"),
        (SimpleUploadedFile("big.jpg", b"\xff" * (media.IMAGE_MAX_BYTES + 1)),
         "file_too_large"),
    ]
    for upload, code in bad:
        with pytest.raises(DomainError) as caught:
            services.product_image_add(user=seller, product_id=draft.pk, upload=upload)
        assert caught.value.code == code
    assert ProductImage.objects.count() == before
    big = services.product_image_add(user=seller, product_id=draft.pk,
                                     upload=image_upload("WEBP", name="w.webp",
                                                         size=(2400, 1200)))
    from PIL import Image

    with Image.open(big.image.path) as stored:
        assert stored.format == "JPEG" and stored.size == (1200, 600)
