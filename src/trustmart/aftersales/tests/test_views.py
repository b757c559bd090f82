"""The H5 pages: every page renders for its party and is the not-found page for others."""

from __future__ import annotations

from django.test import Client

from trustmart.accounts.models import User
from trustmart.aftersales.models import Case, CaseImage, Kind, Status
from trustmart.catalog.tests.factories import image_upload
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order

from .factories import PRICE_FEN, open_case


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_order_detail_links_to_after_sales(buyer: User, received: Order) -> None:
    page = client_for(buyer).get(f"/orders/{received.order_no}/")
    line = received.lines.get()
    assert f"/aftersales/new/?order={received.order_no}&amp;line={line.pk}" in page.content.decode()


def test_open_a_case_through_the_form(buyer: User, received: Order) -> None:
    client = client_for(buyer)
    line = received.lines.get()
    url = f"/aftersales/new/?order={received.order_no}&line={line.pk}"
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="case-form"' in page.content.decode()
    assert 'value="refund_only"' not in page.content.decode()  # not for a received order
    response = client.post(url, {"order": received.order_no, "line": line.pk,
                                 "kind": "counterfeit", "reason": "counterfeit",
                                 "amount": "", "text": "假的",
                                 "images": [image_upload(), image_upload(name="b.png")]})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.case_no}/"
    assert case.requested_fen == PRICE_FEN and CaseImage.objects.filter(case=case).count() == 2
    # A second visit goes to the open case.
    assert client.get(url)["Location"] == f"/cases/{case.case_no}/"


def test_form_errors_are_shown(buyer: User, received: Order) -> None:
    client = client_for(buyer)
    line = received.lines.get()
    response = client.post("/aftersales/new/", {"order": received.order_no, "line": line.pk,
                                                "kind": "quality", "reason": "damaged",
                                                "amount": "9999"})
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert not Case.objects.exists()


def test_strangers_see_nothing(buyer: User, stranger: User, other_seller: User,
                               other_merchant: Merchant, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY, images=1)
    image = CaseImage.objects.get(case=case)
    line = received.lines.get()
    for user in (stranger, other_seller):
        client = client_for(user)
        assert client.get(f"/cases/{case.case_no}/").status_code == 404
        assert client.get(f"/case-images/{image.pk}/").status_code == 404
        assert client.post(f"/cases/{case.case_no}/withdraw/").status_code == 404
        assert client.post(f"/cases/{case.case_no}/accept/").status_code == 404
        assert client.post(f"/cases/{case.case_no}/decide/",
                           {"decision": "upheld", "reason": "x"}).status_code == 404
        assert client.get(f"/aftersales/new/?order={received.order_no}"
                          f"&line={line.pk}").status_code == 404
    assert client_for(stranger).get("/ops/cases/").status_code == 404
    assert Client().get(f"/media/{image.file.name}").status_code == 404
    assert Case.objects.get().status == Status.AWAITING_MERCHANT


def test_parties_see_the_case_and_its_evidence(buyer: User, seller: User, operator: User,
                                               received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY, images=1)
    image = CaseImage.objects.get(case=case)
    for user, marker in ((buyer, "withdraw"), (seller, "merchant-accept"),
                         (operator, "case-order")):
        client = client_for(user)
        page = client.get(f"/cases/{case.case_no}/")
        assert page.status_code == 200 and f'data-testid="{marker}"' in page.content.decode()
        evidence = client.get(f"/case-images/{image.pk}/")
        assert evidence.status_code == 200 and evidence["Content-Type"] == "image/jpeg"


def test_merchant_and_buyer_actions(buyer: User, seller: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    merchant_client, buyer_client = client_for(seller), client_for(buyer)
    listing = merchant_client.get("/merchant/cases/")
    assert case.case_no in listing.content.decode()
    merchant_client.post(f"/cases/{case.case_no}/offer/", {"amount": "50.00", "note": "部分"})
    assert Case.objects.get().offered_fen == 5_000
    buyer_client.post(f"/cases/{case.case_no}/offer_decline/", {"note": "太少"})
    response = buyer_client.post(f"/cases/{case.case_no}/escalate/", {"note": "请介入"})
    assert response.status_code == 302
    assert Case.objects.get().status == Status.ARBITRATION
    buyer_client.post(f"/cases/{case.case_no}/message/", {"text": "补充证据",
                                                          "images": [image_upload()]})
    page = buyer_client.get(f"/cases/{case.case_no}/").content.decode()
    assert "补充证据" in page
    mine = buyer_client.get("/my/cases/")
    assert case.case_no in mine.content.decode()


def test_errors_come_back_as_messages(buyer: User, seller: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    response = client_for(seller).post(f"/cases/{case.case_no}/reject/", {"reason": ""},
                                       follow=True)
    assert "toast-error" in response.content.decode()
    assert Case.objects.get().status == Status.AWAITING_MERCHANT


def test_operator_decides_on_the_page(buyer: User, seller: User, operator: User,
                                      received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    client_for(seller).post(f"/cases/{case.case_no}/reject/", {"reason": "人为损坏"})
    client_for(buyer).post(f"/cases/{case.case_no}/escalate/")
    ops = client_for(operator)
    queue = ops.get("/ops/cases/").content.decode()
    assert case.case_no in queue
    page = ops.get(f"/cases/{case.case_no}/").content.decode()
    assert 'data-testid="decision-form"' in page
    ops.post(f"/cases/{case.case_no}/decide/", {"decision": "upheld", "refund": "100.00",
                                                "reason": "商家无法证明"})
    case.refresh_from_db()
    assert case.status == Status.UPHELD and case.refund_fen == 10_000
