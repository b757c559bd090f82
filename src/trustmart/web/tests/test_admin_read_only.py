"""The admin cannot write around the services: every registered model admin is read-only,
except the few listed here with the reason, and no admin page shows a stored secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import Model
from django.test import Client, RequestFactory

from trustmart.accounts.models import ApiToken, User, VerificationCode
from trustmart.catalog.models import Category
from trustmart.core.admin import SECRET_FIELDS
from trustmart.sharing.models import SharingPolicy

pytestmark = pytest.mark.django_db

# Models an operator may edit in the admin, and why that cannot bypass a service.
EDITABLE: dict[type[Model], str] = {
    User: "Django's own user administration (activation, staff flags, the hashed-password "
          "form); roles are granted by actions that call role_grant/role_revoke",
    Group: "Django's permission groups, reference data of the admin itself",
    Category: "plain reference data: the category tree with its deposit and traceability rules",
    SharingPolicy: "saved through sharing.services.policy_update (save_model), operators only",
}


def _superuser_request(user: User) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _admins() -> list[tuple[type[Model], admin.ModelAdmin[Any]]]:
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def test_every_service_owned_model_is_read_only_for_a_superuser(
        make_user: Callable[..., User]) -> None:
    request = _superuser_request(make_user(is_staff=True, is_superuser=True))
    checked = []
    for model, model_admin in _admins():
        if model in EDITABLE:
            continue
        label = model._meta.label
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), f"{label} {inline}"
            assert not inline.has_change_permission(request, None), f"{label} {inline}"
            assert not inline.has_delete_permission(request, None), f"{label} {inline}"
        checked.append(label)
    # The walk really covered the money and the state machines.
    for label in ("ledger.Journal", "ledger.Account", "payments.Payment", "payments.Refund",
                  "commissions.Commission", "commissions.CommissionWithdrawal",
                  "aftersales.Case", "aftersales.MerchantDebt", "reviews.CreditRecord",
                  "reviews.CreditFact", "reviews.Review", "sharing.Binding", "sharing.Share",
                  "sharing.Visit", "stores.Store", "logistics.Shipment", "merchants.Merchant",
                  "accounts.VerificationCode", "accounts.ApiToken", "core.IdempotencyKey"):
        assert label in checked, label


def test_the_exceptions_are_registered_and_explained() -> None:
    for model, reason in EDITABLE.items():
        assert model in admin.site._registry, model
        assert len(reason) > 20


def test_no_admin_shows_a_secret_field(make_user: Callable[..., User]) -> None:
    request = _superuser_request(make_user(is_staff=True, is_superuser=True))
    for model, model_admin in _admins():
        secret = {f.name for f in model._meta.fields} & SECRET_FIELDS
        if not secret:
            continue
        shown = {*model_admin.get_fields(request), *model_admin.get_list_display(request),
                 *model_admin.get_readonly_fields(request)}
        assert not secret & shown, model._meta.label
    assert "token_hash" in {f.name for f in ApiToken._meta.fields}
    assert "code_hash" in {f.name for f in VerificationCode._meta.fields}


def test_token_and_code_pages_render_without_their_hashes(
        make_user: Callable[..., User]) -> None:
    from trustmart.accounts import services

    owner = make_user("token owner")
    token, raw = services.api_token_create(user=owner, name="ci")
    services.verification_code_send(mobile="13912340000", purpose="sign_up", ip="1.2.3.4")
    code = VerificationCode.objects.get(mobile="13912340000")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert page.status_code == 200
    assert token.token_hash not in page.content.decode() and raw not in page.content.decode()
    assert token.prefix in page.content.decode()
    page = client.get(f"/admin/accounts/verificationcode/{code.pk}/change/")
    assert page.status_code == 200 and code.code_hash not in page.content.decode()
    # A read-only page has no save button and refuses a post.
    assert 'name="_save"' not in page.content.decode()
    refused = client.post(f"/admin/accounts/verificationcode/{code.pk}/change/",
                          {"mobile": "13900000000"})
    assert refused.status_code == 403
    code.refresh_from_db()
    assert code.mobile == "13912340000"


def test_the_sharing_policy_is_saved_through_its_service(
        make_user: Callable[..., User]) -> None:
    operator = make_user("运营", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)
    from trustmart.sharing import services

    policy = services.policy_get()
    bad = client.post(f"/admin/sharing/sharingpolicy/{policy.pk}/change/",
                      {"binding_mode": "latest", "binding_days": "999"})
    assert bad.status_code == 200  # the form comes back with the error
    policy.refresh_from_db()
    assert policy.binding_days == 15
    saved = client.post(f"/admin/sharing/sharingpolicy/{policy.pk}/change/",
                        {"binding_mode": "first", "binding_days": "30"})
    assert saved.status_code == 302
    policy.refresh_from_db()
    assert (policy.binding_mode, policy.binding_days, policy.updated_by) == ("first", 30, operator)


def test_roles_are_granted_by_an_action_that_calls_the_service(
        make_user: Callable[..., User]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    someone = make_user("新运营")
    response = client.post("/admin/accounts/user/", {
        "action": "grant_operator", "_selected_action": [someone.pk], "index": 0})
    assert response.status_code == 302
    someone.refresh_from_db()
    # role_grant makes an operator staff as well, which a raw inline never did.
    assert someone.role_grants.filter(role="operator").exists() and someone.is_staff
    client.post("/admin/accounts/user/", {
        "action": "revoke_operator", "_selected_action": [someone.pk], "index": 0})
    someone.refresh_from_db()
    assert not someone.role_grants.filter(role="operator").exists() and not someone.is_staff
