"""Certificate files: approved certificates of visible products for anyone, every certificate
of the product for its merchant's staff and operators, 404 for anyone else; a PDF downloads as
an attachment and is never sniffed; no public media URL reaches a certificate."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog import services
from trustmart.catalog.models import Certificate, Product
from trustmart.core.tests import pdfs
from trustmart.merchants.models import Merchant

from .factories import image_upload, make_live_product

pytestmark = pytest.mark.django_db


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _add(user: User, product: Product, upload: object) -> Certificate:
    return services.certificate_add(user=user, product_id=product.pk, name="检测报告",
                                    upload=upload)  # type: ignore[arg-type]


@pytest.fixture
def visible_pdf(seller: User, merchant: Merchant, tea: object, operator: User) -> Certificate:
    product = make_live_product(seller, merchant, tea, operator)  # type: ignore[arg-type]
    certificate = _add(seller, product, pdfs.upload(pdfs.real_pdf()))
    # Added to a live product it waits for review; approve the revision.
    revision = product.revisions.get(status="pending")
    services.revision_approve(operator=operator, revision_id=revision.pk)
    certificate.refresh_from_db()
    assert not certificate.pending
    return certificate


def test_anyone_opens_an_approved_certificate_of_a_visible_product(
        visible_pdf: Certificate) -> None:
    for url in (f"/certificates/{visible_pdf.pk}/",
                f"/api/catalog/certificates/{visible_pdf.pk}/file"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]


def test_the_product_page_and_api_link_the_guarded_view(visible_pdf: Certificate) -> None:
    page = Client().get(f"/p/{visible_pdf.product_id}/").content.decode()
    assert f"/certificates/{visible_pdf.pk}/" in page
    assert str(visible_pdf.file.name) not in page
    detail = Client().get(f"/api/catalog/products/{visible_pdf.product_id}").json()
    assert detail["traceability"]["certificates"][0]["url"] == (
        f"/api/catalog/certificates/{visible_pdf.pk}/file")


def test_a_pending_certificate_is_only_for_staff_and_operators(
        live: Product, seller: User, operator: User, other_seller: User,
        make_user: Callable[..., User]) -> None:
    pending = _add(seller, live, image_upload("JPEG", name="r.jpg"))
    assert pending.pending
    url = f"/certificates/{pending.pk}/"
    assert _client(seller).get(url).status_code == 200
    assert _client(operator).get(url).status_code == 200
    for refused in (_client(), _client(other_seller), _client(make_user())):
        assert refused.get(url).status_code == 404
    picture = _client(seller).get(url)
    assert picture["Content-Type"] == "image/jpeg"
    assert picture["Content-Disposition"].startswith("inline;")


def test_a_certificate_of_a_hidden_product_is_404(draft: Product, seller: User) -> None:
    certificate = _add(seller, draft, pdfs.upload(pdfs.real_pdf()))
    assert Client().get(f"/certificates/{certificate.pk}/").status_code == 404
    assert Client().get(f"/api/catalog/certificates/{certificate.pk}/file").status_code == 404
    assert _client(seller).get(f"/certificates/{certificate.pk}/").status_code == 200
    assert Client().get("/certificates/999999/").status_code == 404


def test_the_raw_media_path_is_404(visible_pdf: Certificate) -> None:
    assert Client().get(f"/media/{visible_pdf.file.name}").status_code == 404
