"""REST API: same behaviour as the services; 401 anonymous; 404 for everyone else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.merchants import services
from trustmart.merchants.models import Merchant, MerchantApplication, StaffInvitation

from .factories import fund_deposit, pdf, png, submit, valid_code

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User], Client]


def _form(categories: list[Any], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "company_name": "福建山水茶业有限公司", "credit_code": valid_code(),
        "legal_representative": "王建国", "contact_name": "王建国",
        "contact_mobile": "13900000004", "brand_name": "山水茶业",
        "main_category_ids": [c.pk for c in categories],
        "business_licence": png(), "brand_authorisation": pdf(),
    }
    data.update(overrides)
    return data


def test_apply_and_see_my_application(applicant: User, categories: dict[str, Any],
                                      api_client_for: ClientFor) -> None:
    client = api_client_for(applicant)
    response = client.post("/api/merchants/applications",
                           _form([categories["food"], categories["beauty"]]),
                           HTTP_IDEMPOTENCY_KEY="apply-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["brand_name"] == "山水茶业"
    assert {c["id"] for c in body["main_categories"]} == {categories["food"].pk,
                                                          categories["beauty"].pk}
    assert body["business_licence_url"] == (
        f"/api/merchants/applications/{body['id']}/documents/business_licence")
    mine = client.get("/api/merchants/applications/mine").json()
    assert [a["id"] for a in mine["items"]] == [body["id"]]
    document = client.get(body["business_licence_url"])
    assert document.status_code == 200 and document["Content-Type"] == "image/png"


def test_documents_through_the_api_are_404_for_others(
        applicant: User, operator: User, categories: dict[str, Any],
        make_user: Callable[..., User], api_client_for: ClientFor) -> None:
    application = submit(applicant, [categories["food"]])
    url = f"/api/merchants/applications/{application.pk}/documents/business_licence"
    assert api_client_for(make_user()).get(url).status_code == 404
    assert Client().get(url).status_code == 404  # the anonymous learn nothing either
    assert api_client_for(operator).get(url).status_code == 200
    assert api_client_for(applicant).get(url.replace("business_licence", "x")).status_code \
        == 422


def test_retried_application_is_replayed(applicant: User, categories: dict[str, Any],
                                         api_client_for: ClientFor) -> None:
    client = api_client_for(applicant)
    form = _form([categories["food"]])
    first = client.post("/api/merchants/applications", form, HTTP_IDEMPOTENCY_KEY="k-1")
    form["business_licence"].seek(0)
    form["brand_authorisation"].seek(0)
    retry = client.post("/api/merchants/applications", form, HTTP_IDEMPOTENCY_KEY="k-1")
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert MerchantApplication.objects.count() == 1


def test_apply_errors(applicant: User, categories: dict[str, Any],
                      api_client_for: ClientFor) -> None:
    client = api_client_for(applicant)
    response = client.post("/api/merchants/applications",
                           _form([categories["food"]], credit_code="914403001922038217"),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_credit_code"
    assert "check character" in response.json()["fields"]["credit_code"][0]
    missing = _form([categories["food"]])
    del missing["brand_authorisation"]
    assert client.post("/api/merchants/applications", missing).status_code == 422
    assert not MerchantApplication.objects.exists()
    assert client.post("/api/merchants/applications",
                       _form([categories["food"]])).status_code == 201
    again = client.post("/api/merchants/applications", _form([categories["food"]]))
    assert again.status_code == 409 and again.json()["code"] == "application_pending"


def test_anonymous_gets_401(merchant: Merchant) -> None:
    anonymous = Client()
    for method, path in [
        ("post", "/api/merchants/applications"), ("get", "/api/merchants/applications/mine"),
        ("get", "/api/merchants/mine"), ("get", f"/api/merchants/{merchant.pk}"),
        ("get", "/api/merchants/invitations"), ("get", "/api/merchants/ops/applications"),
        ("post", f"/api/merchants/ops/merchants/{merchant.pk}/suspend"),
    ]:
        response = getattr(anonymous, method)(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"


def test_review_flow_through_the_api(applicant: User, operator: User,
                                     categories: dict[str, Any],
                                     api_client_for: ClientFor) -> None:
    rejected = submit(applicant, [categories["food"]])
    ops = api_client_for(operator)
    queue = ops.get("/api/merchants/ops/applications").json()
    assert [a["id"] for a in queue["items"]] == [rejected.pk]
    no_reason = ops.post(f"/api/merchants/ops/applications/{rejected.pk}/reject",
                         {"reason": ""}, content_type="application/json")
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    response = ops.post(f"/api/merchants/ops/applications/{rejected.pk}/reject",
                        {"reason": "执照模糊"}, content_type="application/json")
    assert response.json()["status"] == "rejected"
    mine = api_client_for(applicant).get("/api/merchants/applications/mine").json()["items"]
    assert mine[0]["decisions"][0]["reason"] == "执照模糊"

    application = submit(applicant, [categories["food"]])
    detail = ops.get(f"/api/merchants/ops/applications/{application.pk}").json()
    assert detail["credit_code"] == application.credit_code
    approved = ops.post(f"/api/merchants/ops/applications/{application.pk}/approve",
                        {"reason": "ok"}, content_type="application/json")
    assert approved.status_code == 200
    assert approved.json()["deposit_required_fen"] == 1_000_000
    twice = ops.post(f"/api/merchants/ops/applications/{application.pk}/approve",
                     {}, content_type="application/json")
    assert twice.status_code == 409
    assert twice.json()["code"] == "application_already_decided"


def test_operator_endpoints_are_404_for_others(merchant: Merchant, applicant: User,
                                               categories: dict[str, Any],
                                               make_user: Callable[..., User],
                                               api_client_for: ClientFor) -> None:
    application = submit(make_user(), [categories["food"]])
    for someone in (applicant, make_user()):
        client = api_client_for(someone)
        for method, path, body in [
            ("get", "/api/merchants/ops/applications", None),
            ("get", f"/api/merchants/ops/applications/{application.pk}", None),
            ("post", f"/api/merchants/ops/applications/{application.pk}/approve", {}),
            ("post", f"/api/merchants/ops/applications/{application.pk}/reject", {"reason": "x"}),
            ("get", "/api/merchants/ops/merchants", None),
            ("post", f"/api/merchants/ops/merchants/{merchant.pk}/suspend", {"reason": "x"}),
            ("post", f"/api/merchants/ops/merchants/{merchant.pk}/reinstate", {}),
            ("post", f"/api/merchants/ops/merchants/{merchant.pk}/close", {"reason": "x"}),
        ]:
            kwargs = {"content_type": "application/json"} if body is not None else {}
            response = getattr(client, method)(path, body, **kwargs) if body is not None \
                else getattr(client, method)(path)
            assert response.status_code == 404, (path, response.content)
    application.refresh_from_db()
    merchant.refresh_from_db()
    assert application.status == "pending" and merchant.status == "active"


def test_merchant_views_for_staff_and_404_for_others(
        merchant: Merchant, applicant: User, operator: User,
        make_user: Callable[..., User], api_client_for: ClientFor) -> None:
    fund_deposit(merchant, 500_000)
    owner = api_client_for(applicant)
    body = owner.get(f"/api/merchants/{merchant.pk}").json()
    assert body["deposit_required_fen"] == 2_000_000
    assert body["deposit_balance_fen"] == 500_000
    assert body["deposit_missing_fen"] == 1_500_000
    assert body["is_selling"] is False and body["my_role"] == "owner"
    assert body["pay_deposit_url"] == f"/pay/deposit/{merchant.pk}/"
    assert [m["id"] for m in owner.get("/api/merchants/mine").json()] == [merchant.pk]
    for someone in (make_user(), operator):
        client = api_client_for(someone)
        assert client.get(f"/api/merchants/{merchant.pk}").status_code == 404
        assert client.get(f"/api/merchants/{merchant.pk}/invitations").status_code == 404
        assert client.get("/api/merchants/mine").json() == []
        assert client.post(f"/api/merchants/{merchant.pk}/profile",
                           {"introduction": "x"}).status_code == 404
    assert owner.get("/api/merchants/999999").status_code == 404


def test_public_card(merchant: Merchant, operator: User) -> None:
    response = Client().get(f"/api/merchants/{merchant.pk}/public")
    assert response.status_code == 200
    assert response.json() == {"id": merchant.pk, "name": merchant.name, "logo_url": None,
                               "introduction": "", "status": "active",
                               "genuine_guarantee": False}
    fund_deposit(merchant, merchant.deposit_required_fen)
    services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert Client().get(f"/api/merchants/{merchant.pk}/public").json()["genuine_guarantee"]
    services.merchant_close(operator=operator, merchant_id=merchant.pk, reason="x")
    assert Client().get(f"/api/merchants/{merchant.pk}/public").status_code == 404


def test_staff_flow_through_the_api(merchant: Merchant, applicant: User,
                                    make_user: Callable[..., User],
                                    api_client_for: ClientFor) -> None:
    owner = api_client_for(applicant)
    clerk_user = make_user("小李", mobile="13600000001")
    clerk = api_client_for(clerk_user)
    outsider = api_client_for(make_user())
    created = owner.post(f"/api/merchants/{merchant.pk}/invitations", {"mobile": "13600000001"},
                         content_type="application/json")
    assert created.status_code == 201
    invitation_id = created.json()["id"]
    assert [i["id"] for i in owner.get(f"/api/merchants/{merchant.pk}/invitations").json()] \
        == [invitation_id]
    assert [i["id"] for i in clerk.get("/api/merchants/invitations").json()["items"]] \
        == [invitation_id]
    assert outsider.get("/api/merchants/invitations").json()["items"] == []
    assert outsider.post(f"/api/merchants/invitations/{invitation_id}/accept").status_code == 404
    assert outsider.delete(f"/api/merchants/invitations/{invitation_id}").status_code == 404
    assert outsider.post(f"/api/merchants/{merchant.pk}/invitations", {"mobile": "13600000002"},
                         content_type="application/json").status_code == 404
    accepted = clerk.post(f"/api/merchants/invitations/{invitation_id}/accept")
    assert accepted.status_code == 200 and accepted.json()["role"] == "staff"
    assert clerk.get(f"/api/merchants/{merchant.pk}").json()["my_role"] == "staff"
    # staff act for the merchant but do not manage staff
    assert clerk.post(f"/api/merchants/{merchant.pk}/invitations", {"mobile": "13600000002"},
                      content_type="application/json").status_code == 404
    assert clerk.delete(f"/api/merchants/{merchant.pk}/staff/{applicant.pk}").status_code == 404
    assert outsider.delete(
        f"/api/merchants/{merchant.pk}/staff/{clerk_user.pk}").status_code == 404
    own = owner.delete(f"/api/merchants/{merchant.pk}/staff/{applicant.pk}")
    assert own.status_code == 409 and own.json()["code"] == "cannot_remove_owner"
    assert owner.delete(f"/api/merchants/{merchant.pk}/staff/{clerk_user.pk}").status_code == 204
    assert clerk.get(f"/api/merchants/{merchant.pk}").status_code == 404


def test_decline_and_revoke(merchant: Merchant, applicant: User,
                            make_user: Callable[..., User], api_client_for: ClientFor) -> None:
    owner = api_client_for(applicant)
    clerk = api_client_for(make_user(mobile="13600000001"))
    first = services.staff_invitation_create(user=applicant, merchant_id=merchant.pk,
                                             mobile="13600000001")
    declined = clerk.post(f"/api/merchants/invitations/{first.pk}/decline")
    assert declined.json()["status"] == "declined"
    second = services.staff_invitation_create(user=applicant, merchant_id=merchant.pk,
                                              mobile="13600000001")
    assert owner.delete(f"/api/merchants/invitations/{second.pk}").json()["status"] == "revoked"
    assert clerk.post(f"/api/merchants/invitations/{second.pk}/accept").status_code == 404
    assert StaffInvitation.objects.filter(status="pending").count() == 0


def test_operator_status_changes(merchant: Merchant, operator: User,
                                 api_client_for: ClientFor) -> None:
    ops = api_client_for(operator)
    base = f"/api/merchants/ops/merchants/{merchant.pk}"
    assert ops.post(f"{base}/suspend", {"reason": ""},
                    content_type="application/json").status_code == 422
    suspended = ops.post(f"{base}/suspend", {"reason": "调查"}, content_type="application/json")
    assert suspended.json()["status"] == "suspended"
    listed = ops.get("/api/merchants/ops/merchants?status=suspended").json()["items"]
    assert [m["id"] for m in listed] == [merchant.pk]
    again = ops.post(f"{base}/suspend", {"reason": "x"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    assert ops.post(f"{base}/reinstate", {}, content_type="application/json").json()[
        "status"] == "active"
    assert ops.post(f"{base}/close", {"reason": "清退"}, content_type="application/json").json()[
        "status"] == "closed"


def test_application_documents_are_private(applicant: User, operator: User,
                                           categories: dict[str, Any],
                                           make_user: Callable[..., User]) -> None:
    application = submit(applicant, [categories["food"]])
    url = f"/merchant/application/{application.pk}/documents/brand_authorisation/"
    outsider = Client()
    outsider.force_login(make_user())
    assert outsider.get(url).status_code == 404
    owner = Client()
    owner.force_login(applicant)
    response = owner.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    ops = Client()
    ops.force_login(operator)
    assert ops.get(url).status_code == 200
    assert ops.get(url.replace("brand_authorisation", "secret")).status_code == 404
