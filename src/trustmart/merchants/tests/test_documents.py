"""Application documents are private files: the applicant, its merchant's staff and operators
open them through the guarded views; anyone else, the anonymous included, gets 404, and no
public media URL reaches them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import storages
from django.test import Client

from trustmart.accounts.models import User
from trustmart.core.tests import pdfs
from trustmart.merchants import services
from trustmart.merchants.models import Merchant

from .factories import approved

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User], Client]


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def merchant_with_pdf(applicant: User, operator: User, categories: dict[str, Any]) -> Merchant:
    return approved(applicant, operator, [categories["food"]],
                    brand_authorisation=pdfs.upload(pdfs.real_pdf(), "授权书.pdf"))


@pytest.fixture
def clerk(merchant_with_pdf: Merchant, applicant: User,
          make_user: Callable[..., User]) -> User:
    clerk = make_user("店员", mobile="13911112222")
    invitation = services.staff_invitation_create(user=applicant,
                                                  merchant_id=merchant_with_pdf.pk,
                                                  mobile=clerk.mobile)
    services.staff_invitation_accept(user=clerk, invitation_id=invitation.pk)
    return clerk


def test_who_may_open_the_documents(merchant_with_pdf: Merchant, applicant: User,
                                    operator: User, clerk: User,
                                    make_user: Callable[..., User],
                                    api_client_for: ClientFor) -> None:
    application_id = merchant_with_pdf.application_id
    for kind in ("business_licence", "brand_authorisation"):
        page = f"/merchant/application/{application_id}/documents/{kind}/"
        api = f"/api/merchants/applications/{application_id}/documents/{kind}"
        for allowed in (applicant, clerk, operator):
            assert _client(allowed).get(page).status_code == 200, (kind, allowed)
            assert api_client_for(allowed).get(api).status_code == 200, (kind, allowed)
        stranger = make_user("路人")
        for refused in (_client(stranger), _client()):
            assert refused.get(page).status_code == 404
        assert api_client_for(stranger).get(api).status_code == 404
        assert Client().get(api).status_code == 404


def test_a_pdf_downloads_as_an_attachment_and_is_never_sniffed(
        merchant_with_pdf: Merchant, applicant: User) -> None:
    url = f"/merchant/application/{merchant_with_pdf.application_id}/documents/" \
          "brand_authorisation/"
    response = _client(applicant).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == pdfs.real_pdf()  # type: ignore[attr-defined]
    picture = _client(applicant).get(url.replace("brand_authorisation", "business_licence"))
    assert picture["Content-Type"] == "image/png"
    assert picture["Content-Disposition"].startswith("inline;")


def test_documents_are_not_under_the_public_media_url(merchant_with_pdf: Merchant,
                                                      applicant: User) -> None:
    application = merchant_with_pdf.application
    stored = application.brand_authorisation
    assert stored.name
    assert stored.storage is storages["private"]
    assert storages["private"].exists(stored.name)
    assert not storages["default"].exists(stored.name)
    with pytest.raises(ValueError):
        stored.url  # noqa: B018
    for who in (_client(), _client(applicant)):
        assert who.get(f"/media/{stored.name}").status_code == 404


def test_a_copy_left_in_media_root_is_refused_too(applicant: User) -> None:
    """Files of the private folders are 404 under /media/ even if one is still there."""
    from django.core.files.base import ContentFile

    leftover = storages["default"].save("merchant-papers/1/old.pdf",
                                        ContentFile(pdfs.real_pdf()))
    try:
        assert _client(applicant).get(f"/media/{leftover}").status_code == 404
        assert Client().get(f"/media/{leftover}").status_code == 404
        public = storages["default"].save("avatars/1/ok.png", ContentFile(pdfs.png_bytes()))
        served = Client().get(f"/media/{public}")
        assert served.status_code == 200 and served["X-Content-Type-Options"] == "nosniff"
    finally:
        storages["default"].delete(leftover)
