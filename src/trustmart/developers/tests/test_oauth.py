"""The client-credentials grant (RFC 6749 §4.4) at POST /api/oauth/token."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.developers import services
from trustmart.developers.models import WebhookEndpoint
from trustmart.merchants.models import Merchant, MerchantStaff

from .conftest import Registered, basic

URL = "/api/oauth/token"


def test_basic_credentials_give_a_bearer_token_with_the_apps_scopes(app_a: Registered) -> None:
    response = Client().post(URL, {"grant_type": "client_credentials"},
                             HTTP_AUTHORIZATION=basic(app_a.app.client_id, app_a.secret))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["access_token"].startswith("tmat_")
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == set(app_a.app.scopes)
    assert "no-store" in response["Cache-Control"].replace(" ", "").split(",")


def test_form_credentials_and_a_narrower_scope(app_a: Registered) -> None:
    response = Client().post(URL, {"grant_type": "client_credentials", "scope": "orders:read",
                                   "client_id": app_a.app.client_id,
                                   "client_secret": app_a.secret})
    assert response.status_code == 200
    assert response.json()["scope"] == "orders:read"


def test_a_wrong_secret_is_invalid_client_with_a_basic_challenge(app_a: Registered) -> None:
    response = Client().post(URL, {"grant_type": "client_credentials"},
                             HTTP_AUTHORIZATION=basic(app_a.app.client_id, "tmcs_wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")


def test_other_grants_and_foreign_scopes_are_refused(app_a: Registered) -> None:
    auth = basic(app_a.app.client_id, app_a.secret)
    response = Client().post(URL, {"grant_type": "password"}, HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
    response = Client().post(URL, {"grant_type": "client_credentials",
                                   "scope": "orders:read members:read"},
                             HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    both = Client().post(URL, {"grant_type": "client_credentials",
                               "client_id": app_a.app.client_id}, HTTP_AUTHORIZATION=auth)
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"


def test_a_rotated_secret_works_during_the_overlap_and_not_after(
        app_a: Registered, owner_a: User) -> None:
    _app, new = services.app_secret_rotate(user=owner_a, app_id=app_a.app.pk, overlap_hours=2)
    for secret in (app_a.secret, new):
        assert services.token_issue(client_id=app_a.app.client_id, client_secret=secret)
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert services.token_issue(client_id=app_a.app.client_id, client_secret=new)
        response = Client().post(URL, {"grant_type": "client_credentials"},
                                 HTTP_AUTHORIZATION=basic(app_a.app.client_id, app_a.secret))
        assert response.status_code == 401


def test_a_revoked_app_gets_no_token_and_its_tokens_stop(
        app_a: Registered, owner_a: User, merchant_a: Merchant) -> None:
    grant = services.token_issue(client_id=app_a.app.client_id, client_secret=app_a.secret)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {grant.access_token}")
    endpoint, _s = services.endpoint_create(user=app_a.app.user, url="https://a.example.com/",
                                            event_types=["order.paid"])
    assert api.get(f"/api/orders/merchant/{merchant_a.pk}/orders").status_code == 200
    services.app_revoke(user=owner_a, app_id=app_a.app.pk)
    assert api.get(f"/api/orders/merchant/{merchant_a.pk}/orders").status_code == 401
    response = Client().post(URL, {"grant_type": "client_credentials"},
                             HTTP_AUTHORIZATION=basic(app_a.app.client_id, app_a.secret))
    assert response.status_code == 401
    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.DISABLED  # it gets nothing more
    assert not MerchantStaff.objects.filter(user_id=app_a.app.user_id).exists()
