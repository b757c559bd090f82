"""The admin shows every merchant model, read-only: every change goes through the services."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.merchants.models import Merchant

pytestmark = pytest.mark.django_db


def test_admin_pages_render_read_only(merchant: Merchant,
                                      make_user: Callable[..., User]) -> None:
    admin = make_user(is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    for model in ("merchantapplication", "applicationdecision", "merchant", "merchantstaff",
                  "staffinvitation", "merchantstatuschange"):
        assert client.get(f"/admin/merchants/{model}/").status_code == 200, model
    application = client.get(f"/admin/merchants/merchantapplication/{merchant.application_id}"
                             "/change/").content.decode()
    assert "application decisions" in application.lower()
    assert 'name="status"' not in application
    # The documents link to the access-checked view, never to a media URL.
    assert (f"/merchant/application/{merchant.application_id}/documents/business_licence/"
            in application)
    assert "/media/" not in application
    page = client.get(f"/admin/merchants/merchant/{merchant.pk}/change/").content.decode()
    # Staff edit the introduction and logo in the console, where the logo is re-encoded.
    assert 'name="introduction"' not in page and 'name="status"' not in page
    assert client.get("/admin/merchants/merchant/add/").status_code == 403
