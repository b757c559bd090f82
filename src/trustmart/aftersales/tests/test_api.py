"""The REST API: every operation, and 404 for everyone who is not a party."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from trustmart.accounts.models import User
from trustmart.aftersales.models import Case, Kind, Status
from trustmart.catalog.tests.factories import image_bytes, image_upload
from trustmart.merchants.models import Merchant
from trustmart.merchants.tests.factories import fund_deposit
from trustmart.orders.models import Order

from .factories import PRICE_FEN, open_case

JSON = "application/json"
ApiFor = Callable[[User], Client]


def open_via_api(api: Client, order: Order, kind: str = Kind.COUNTERFEIT, images: int = 2,
                 **extra: object) -> dict:
    line = order.lines.order_by("pk").first()
    assert line is not None
    data: dict[str, object] = {"order_no": order.order_no, "line_id": line.pk, "kind": kind,
                               "reason": "counterfeit", "text": "防伪码查不到", **extra}
    if images:
        data["images"] = [image_upload(name=f"p{i}.png") for i in range(images)]
    response = api.post("/api/aftersales/cases", data)
    assert response.status_code == 201, response.content
    return response.json()


def test_the_whole_counterfeit_flow(api_client_for: ApiFor, buyer: User, seller: User,
                                    operator: User, merchant: Merchant,
                                    received: Order) -> None:
    fund_deposit(merchant, 5_000_000)
    buyer_api, seller_api, ops_api = (api_client_for(u) for u in (buyer, seller, operator))
    body = open_via_api(buyer_api, received)
    case_no = body["case"]["case_no"]
    assert body["viewer"] == "buyer" and body["case"]["status"] == "awaiting_merchant"
    assert len(body["evidence"]) == 2
    image = seller_api.get(body["evidence"][0]["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    listing = seller_api.get(f"/api/aftersales/merchant/{merchant.pk}/cases?tab=todo").json()
    assert [c["case_no"] for c in listing["items"]] == [case_no]
    rejected = seller_api.post(f"/api/aftersales/cases/{case_no}/reject",
                               {"reason": "正品，有授权"}, content_type=JSON)
    assert rejected.json()["case"]["status"] == "rejected"
    message = buyer_api.post(f"/api/aftersales/cases/{case_no}/messages",
                             {"text": "鉴定报告见图", "images": [image_upload()]})
    assert message.status_code == 201 and len(message.json()["images"]) == 1
    escalated = buyer_api.post(f"/api/aftersales/cases/{case_no}/escalate", {"note": "请介入"},
                               content_type=JSON)
    assert escalated.json()["case"]["status"] == "arbitration"
    queue = ops_api.get("/api/aftersales/ops/cases").json()
    assert [c["case_no"] for c in queue["items"]] == [case_no]
    assert seller_api.get("/api/aftersales/ops/cases").status_code == 404
    assert seller_api.post(f"/api/aftersales/cases/{case_no}/decision",
                           {"decision": "upheld", "reason": "x"},
                           content_type=JSON).status_code == 404
    decided = ops_api.post(f"/api/aftersales/cases/{case_no}/decision",
                           {"decision": "upheld", "reason": "鉴定为假货"}, content_type=JSON)
    assert decided.status_code == 200, decided.content
    case = decided.json()["case"]
    assert case["status"] == "upheld" and case["refund_fen"] == PRICE_FEN
    assert case["compensation_fen"] == 10 * PRICE_FEN
    detail = buyer_api.get(f"/api/aftersales/cases/{case_no}").json()
    assert [e["kind"] for e in detail["events"]][-3:] == ["upheld", "refund_paid",
                                                          "compensation_paid"]
    assert detail["order"]["refunded_fen"] == PRICE_FEN


def test_strangers_get_not_found_everywhere(api_client_for: ApiFor, buyer: User,
                                            stranger: User, other_seller: User,
                                            other_merchant: Merchant, merchant: Merchant,
                                            received: Order) -> None:
    body = open_via_api(api_client_for(buyer), received, images=1)
    case_no = body["case"]["case_no"]
    image_url = body["evidence"][0]["url"]
    for user in (stranger, other_seller):
        api = api_client_for(user)
        assert api.get(f"/api/aftersales/cases/{case_no}").status_code == 404
        assert api.get(image_url).status_code == 404
        for path, payload in (("withdraw", {}), ("offer/accept", {}), ("offer/decline", {}),
                              ("escalate", {}), ("accept", {}), ("reject", {"reason": "x"}),
                              ("offer", {"amount_fen": 1}), ("return/received", {}),
                              ("decision", {"decision": "upheld", "reason": "x"}),
                              ("return", {"carrier": "SF", "tracking_no": "SF1234567890"})):
            response = api.post(f"/api/aftersales/cases/{case_no}/{path}", payload,
                                content_type=JSON)
            assert response.status_code == 404, (user, path, response.content)
        assert api.post(f"/api/aftersales/cases/{case_no}/messages",
                        {"text": "hi"}).status_code == 404
        assert api.get("/api/aftersales/cases").json()["items"] == []
    other_api = api_client_for(other_seller)
    assert other_api.get(f"/api/aftersales/merchant/{merchant.pk}/cases").status_code == 404
    assert other_api.get(f"/api/aftersales/merchant/{merchant.pk}/debts").status_code == 404
    assert Client().get(image_url).status_code == 401
    assert Case.objects.get().status == Status.AWAITING_MERCHANT


def test_buyer_operations(api_client_for: ApiFor, buyer: User, seller: User,
                          received: Order, sku: object) -> None:
    buyer_api, seller_api = api_client_for(buyer), api_client_for(seller)
    case_no = open_via_api(buyer_api, received, kind=Kind.QUALITY, images=0,
                           requested_fen=10_000)["case"]["case_no"]
    offered = seller_api.post(f"/api/aftersales/cases/{case_no}/offer",
                              {"amount_fen": 6_000, "note": "部分退款"}, content_type=JSON)
    assert offered.json()["case"]["offered_fen"] == 6_000
    accepted = buyer_api.post(f"/api/aftersales/cases/{case_no}/offer/accept")
    assert accepted.json()["case"]["status"] == "awaiting_return"
    bad = buyer_api.post(f"/api/aftersales/cases/{case_no}/return",
                         {"carrier": "XX", "tracking_no": "1"}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_carrier"
    shipped = buyer_api.post(f"/api/aftersales/cases/{case_no}/return",
                             {"carrier": "SF", "tracking_no": "SF1234567890"},
                             content_type=JSON)
    assert shipped.json()["case"]["status"] == "returned"
    done = seller_api.post(f"/api/aftersales/cases/{case_no}/return/received")
    assert done.json()["case"]["refund_fen"] == 6_000
    assert done.json()["case"]["outcome"] == "partial"
    mine = buyer_api.get("/api/aftersales/cases").json()
    assert mine["items"][0]["case_no"] == case_no


def test_bad_input_is_422_and_changes_nothing(api_client_for: ApiFor, buyer: User,
                                              received: Order) -> None:
    api = api_client_for(buyer)
    line = received.lines.get()
    response = api.post("/api/aftersales/cases", {
        "order_no": received.order_no, "line_id": line.pk, "kind": "quality",
        "reason": "damaged",
        "images": [image_upload()] + [
            _named(image_bytes(), f"{i}.png") for i in range(9)]})
    assert response.status_code == 422 and response.json()["code"] == "too_many_images"
    response = api.post("/api/aftersales/cases", {
        "order_no": received.order_no, "line_id": line.pk, "kind": "refund_only",
        "reason": "damaged"})
    assert response.status_code == 422 and response.json()["code"] == "kind_not_allowed"
    assert not Case.objects.exists()


def test_withdraw_via_api(api_client_for: ApiFor, buyer: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    response = api_client_for(buyer).post(f"/api/aftersales/cases/{case.case_no}/withdraw")
    assert response.json()["case"]["status"] == "closed_by_buyer"


def _named(data: bytes, name: str) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def test_debts_are_shown_to_the_merchant_and_operators(api_client_for: ApiFor, buyer: User,
                                                       seller: User, operator: User,
                                                       other_seller: User,
                                                       other_merchant: Merchant,
                                                       merchant: Merchant,
                                                       received: Order) -> None:
    from trustmart.aftersales import services

    case = open_case(buyer, received, Kind.COUNTERFEIT)
    services.case_merchant_reject(user=seller, case_no=case.case_no, reason="正品")
    services.case_escalate(buyer=buyer, case_no=case.case_no)
    services.case_arbitrate(operator=operator, case_no=case.case_no, decision="upheld",
                            reason="假货")
    mine = api_client_for(seller).get(f"/api/aftersales/merchant/{merchant.pk}/debts").json()
    assert mine == [{"case_no": case.case_no, "merchant_id": merchant.pk,
                     "amount_fen": 10 * PRICE_FEN, "repaid_fen": 0,
                     "outstanding_fen": 10 * PRICE_FEN, "created_at": mine[0]["created_at"],
                     "repaid_at": None}]
    assert len(api_client_for(operator).get("/api/aftersales/ops/debts").json()) == 1
    assert api_client_for(seller).get("/api/aftersales/ops/debts").status_code == 404
    assert api_client_for(other_seller).get(
        f"/api/aftersales/merchant/{merchant.pk}/debts").status_code == 404
    page = Client()
    page.force_login(seller)
    assert 'data-testid="merchant-debts"' in page.get("/merchant/cases/").content.decode()
    page.force_login(operator)
    assert 'data-testid="ops-debts"' in page.get("/ops/cases/").content.decode()
