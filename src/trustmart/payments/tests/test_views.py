"""H5 pages: the deposit page, the sandbox cashier, the result page and 我的支付."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_balance_fen
from trustmart.payments import services
from trustmart.payments.models import Payment, Refund

from .helpers import client_for, state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("books_stay_sound")]


def english(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_deposit_page_shows_required_balance_and_shortfall(owner: User,
                                                               merchant: Merchant) -> None:
    response = english(owner).get(f"/pay/deposit/{merchant.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "山水茶业" in page
    assert 'data-testid="deposit-required">¥5000.00<' in page
    assert 'data-testid="deposit-balance">¥0.00<' in page
    assert 'data-testid="deposit-shortfall" class="pay-due">¥5000.00<' in page
    assert 'value="5000.00"' in page  # the amount starts at the shortfall
    assert "At least ¥100.00." in page


def test_paying_on_the_pages_end_to_end(owner: User, merchant: Merchant) -> None:
    client = client_for(owner)
    response = client.post(f"/pay/deposit/{merchant.pk}/", {"amount_fen": "5000"})
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/pay/sandbox/{payment.payment_no}/"
    assert payment.return_url == f"/pay/deposit/{merchant.pk}/"
    cashier = client.get(response["Location"])
    assert cashier.status_code == 200
    html = cashier.content.decode()
    assert "¥5000.00" in html
    for outcome in ("succeeded", "failed", "cancelled"):
        assert f'value="{outcome}"' in html
    chosen = client.post(response["Location"], {"outcome": "succeeded"})
    assert chosen["Location"] == f"/pay/result/{payment.payment_no}/"
    result = client.get(chosen["Location"])
    assert 'data-status="succeeded"' in result.content.decode()
    assert f'href="/pay/deposit/{merchant.pk}/"' in result.content.decode()
    merchant.refresh_from_db()
    assert merchant.deposit_ok
    assert merchant_deposit_balance_fen(merchant=merchant) == 5_000_00
    back = english(owner).get(f"/pay/deposit/{merchant.pk}/").content.decode()
    assert 'data-testid="deposit-balance">¥5000.00<' in back
    assert "Your deposit is complete." in back
    # The cashier of a finished payment just shows the result.
    assert client.get(f"/pay/sandbox/{payment.payment_no}/")["Location"] == (
        f"/pay/result/{payment.payment_no}/")


@pytest.mark.parametrize("amount,message", [
    ("abc", "Enter an amount in yuan with at most two decimals"),
    ("100.005", "Enter an amount in yuan with at most two decimals"),
    ("99.99", "The amount must be at least ¥100.00."),
    ("", "This field is required."),
])
def test_bad_amounts_on_the_page_save_nothing(owner: User, merchant: Merchant, amount: str,
                                              message: str) -> None:
    before = state()
    response = english(owner).post(f"/pay/deposit/{merchant.pk}/", {"amount_fen": amount})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


def test_other_users_get_404_on_every_payment_page(owner: User, stranger: User,
                                                   merchant: Merchant) -> None:
    payment = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                              amount_fen=100_00)
    client = client_for(stranger)
    for url in (f"/pay/deposit/{merchant.pk}/", f"/pay/sandbox/{payment.payment_no}/",
                f"/pay/result/{payment.payment_no}/", "/pay/deposit/999999/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/pay/deposit/{merchant.pk}/", {"amount_fen": "100"}).status_code == 404
    assert client.post(f"/pay/sandbox/{payment.payment_no}/",
                       {"outcome": "succeeded"}).status_code == 404
    payment.refresh_from_db()
    assert payment.status == "created" and Payment.objects.count() == 1


def test_pages_ask_anonymous_visitors_to_log_in(merchant: Merchant) -> None:
    for url in (f"/pay/deposit/{merchant.pk}/", "/pay/mine/", "/pay/result/x/",
                "/pay/sandbox/x/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_a_failed_payment_offers_a_retry(owner: User, merchant: Merchant) -> None:
    client = english(owner)
    location = client.post(f"/pay/deposit/{merchant.pk}/", {"amount_fen": "200"})["Location"]
    result = client.get(client.post(location, {"outcome": "failed"})["Location"])
    html = result.content.decode()
    assert "Payment failed" in html and "Try again" in html
    assert f'href="/pay/deposit/{merchant.pk}/"' in html
    # Choosing again on a closed payment changes nothing and says so.
    again = client.post(location, {"outcome": "succeeded"}, follow=True)
    assert "already finished" in again.content.decode()
    assert Payment.objects.get().status == "failed"


def test_an_open_payment_polls_its_status_with_htmx(owner: User, merchant: Merchant) -> None:
    payment = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                              amount_fen=100_00)
    client = client_for(owner)
    page = client.get(f"/pay/result/{payment.payment_no}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    services.sandbox_complete(user=owner, payment_no=payment.payment_no, outcome="succeeded")
    partial = client.get(f"/pay/result/{payment.payment_no}/", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "<html" not in html and 'data-status="succeeded"' in html
    assert "hx-trigger" not in html


def test_my_payments_page_lists_only_mine(owner: User, stranger: User, merchant: Merchant,
                                         make_merchant: Callable[..., Merchant],
                                         make_user: Callable[..., User]) -> None:
    mine = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                           amount_fen=123_00)
    theirs = services.deposit_payment_create(user=stranger,
                                             merchant_id=make_merchant(stranger).pk,
                                             amount_fen=456_00)
    html = english(owner).get("/pay/mine/").content.decode()
    assert mine.payment_no in html and "¥123.00" in html
    assert theirs.payment_no not in html
    assert "No payments yet." in english(make_user("新人")).get("/pay/mine/").content.decode()


def test_the_payer_sees_each_refund_and_where_it_stands(owner: User, stranger: User,
                                                      merchant: Merchant) -> None:
    payment = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                              amount_fen=300_00)
    services.sandbox_complete(user=owner, payment_no=payment.payment_no, outcome="succeeded")
    Refund.objects.create(payment=payment, amount_fen=100_00, reference="test:1",
                          reason=Refund.Reason.ORDER_REFUNDED, status=Refund.Status.PROCESSING)
    Refund.objects.create(payment=payment, amount_fen=50_00, reference="test:2",
                          reason=Refund.Reason.ORDER_REFUNDED, status=Refund.Status.FAILED)
    html = english(owner).get(f"/pay/result/{payment.payment_no}/").content.decode()
    assert 'data-testid="result-refunds"' in html
    assert "¥100.00" in html and "Refund processing" in html and "On its way back" in html
    assert "¥50.00" in html and "Refund failed" in html and "our service team" in html
    body = english(owner).get(f"/api/payments/{payment.payment_no}").json()
    assert [(r["amount_fen"], r["status"]) for r in body["refunds"]] == [
        (100_00, "processing"), (50_00, "failed")]
    assert body["refunded_fen"] == 0  # nothing has reached the payer yet
    assert english(stranger).get(f"/api/payments/{payment.payment_no}").status_code == 404
