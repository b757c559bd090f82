"""Repaying the guarantee fund: from the payable when orders settle, or by the merchant now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.aftersales import services
from trustmart.aftersales.models import Case, DebtRepayment, Kind, MerchantDebt, Reason
from trustmart.catalog.models import Sku
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.ledger.models import Journal, Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.ledger.services import Leg, account_get_or_create, post
from trustmart.merchants.models import Merchant
from trustmart.merchants.tests.factories import fund_deposit
from trustmart.orders.models import Order
from trustmart.orders.settlement import order_settle

from .factories import PRICE_FEN, balance, make_order, open_case

TEN_X = 10 * PRICE_FEN


def upheld(buyer: User, seller: User, operator: User, order: Order) -> Case:
    case = open_case(buyer, order, Kind.COUNTERFEIT, reason=Reason.COUNTERFEIT)
    services.case_merchant_reject(user=seller, case_no=case.case_no, reason="正品")
    services.case_escalate(buyer=buyer, case_no=case.case_no)
    services.case_arbitrate(operator=operator, case_no=case.case_no, decision="upheld",
                            reason="鉴定为假货")
    return case


def payable(merchant: Merchant) -> int:
    return balance("merchant", merchant.pk, Purpose.MERCHANT_PAYABLE)


def fund() -> int:
    return balance("platform", None, Purpose.GUARANTEE_FUND)


def credit_payable(merchant: Merchant, amount_fen: int) -> None:
    """Money reaches the payable as settlement would put it there."""
    source = account_get_or_create(owner_type="platform", owner_id=None,
                                   purpose=Purpose.EXTERNAL_PAYMENT_SOURCE)
    post(entries=[Leg.debit(source, amount_fen),
                  Leg.credit(account_get_or_create(owner_type="merchant", owner_id=merchant.pk,
                                                   purpose=Purpose.MERCHANT_PAYABLE),
                             amount_fen)], kind="test.settle")


@pytest.fixture
def two_debts(buyer: User, seller: User, operator: User, merchant: Merchant,
              sku: Sku) -> tuple[MerchantDebt, MerchantDebt]:
    """Two upheld counterfeit claims with no deposit: the fund advanced 10x twice."""
    orders = [make_order(buyer, sku, "received") for _ in range(2)]
    first = upheld(buyer, seller, operator, orders[0])
    second = upheld(buyer, seller, operator, orders[1])
    assert fund() == -2 * TEN_X
    return MerchantDebt.objects.get(case=first), MerchantDebt.objects.get(case=second)


def test_settlement_repays_oldest_debt_first_and_once(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant) -> None:
    old, new = two_debts
    credit_payable(merchant, TEN_X + 5_000)
    assert services.debts_repay_for_settlement(merchant_id=merchant.pk, order_no="O1") == \
        TEN_X + 5_000
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.repaid_fen, old.outstanding_fen) == (TEN_X, 0) and old.repaid_at is not None
    assert (new.repaid_fen, new.outstanding_fen) == (5_000, TEN_X - 5_000)
    assert new.repaid_at is None
    assert payable(merchant) == 0 and fund() == -2 * TEN_X + TEN_X + 5_000
    journal = Journal.objects.get(reference="debt:settle:O1")
    assert journal.kind == "debt.repayment"
    assert sorted(DebtRepayment.objects.values_list("debt_id", "amount_fen", "source")) == \
        sorted([(old.pk, TEN_X, "settlement"), (new.pk, 5_000, "settlement")])
    # The same settlement again (a redelivered event) repays nothing more, even with money.
    credit_payable(merchant, 1_000)
    assert services.debts_repay_for_settlement(merchant_id=merchant.pk, order_no="O1") == 0
    new.refresh_from_db()
    assert new.repaid_fen == 5_000 and payable(merchant) == 1_000
    assert ledger_check() == []


def test_settlement_never_takes_more_than_is_owed_or_available(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant) -> None:
    assert services.debts_repay_for_settlement(merchant_id=merchant.pk, order_no="O0") == 0
    assert not Journal.objects.filter(kind="debt.repayment").exists()
    credit_payable(merchant, 3 * TEN_X)
    assert services.debts_repay_for_settlement(merchant_id=merchant.pk, order_no="O1") == \
        2 * TEN_X
    assert payable(merchant) == TEN_X and fund() == 0
    assert not MerchantDebt.objects.filter(repaid_at__isnull=True).exists()
    # Nothing owed: a later settlement does not touch the payable.
    assert services.debts_repay_for_settlement(merchant_id=merchant.pk, order_no="O2") == 0
    assert payable(merchant) == TEN_X
    assert ledger_check() == []


def test_a_real_settlement_repays_through_the_event(
        buyer: User, seller: User, operator: User, merchant: Merchant, sku: Sku,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    fine = make_order(buyer, sku, "received")
    debt = MerchantDebt.objects.get(case=upheld(buyer, seller, operator,
                                                make_order(buyer, sku, "received")))
    later = timezone.now() + timedelta(days=settings.ORDER_AFTER_SALE_DAYS, minutes=1)
    with time_machine.travel(later, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert order_settle(order_no=fine.order_no)
    fine.refresh_from_db()
    net = fine.total_fen - fine.platform_fee_fen - fine.commission_fen
    assert 0 < net < TEN_X
    debt.refresh_from_db()
    assert debt.repaid_fen == net and payable(merchant) == 0
    assert Journal.objects.filter(reference=f"debt:settle:{fine.order_no}").exists()
    assert ledger_check() == []


def test_a_deposit_top_up_does_not_repay_the_debt(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant) -> None:
    fund_deposit(merchant, 5 * TEN_X)
    assert services.debts_repay_for_settlement(merchant_id=merchant.pk, order_no="O1") == 0
    assert MerchantDebt.objects.filter(repaid_at__isnull=True).count() == 2


def test_the_merchant_repays_from_the_payable(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant, seller: User,
        other_seller: User, other_merchant: Merchant) -> None:
    old, _new = two_debts
    with pytest.raises(Conflict) as caught:
        services.debt_repay(user=seller, merchant_id=merchant.pk, amount_fen=100)
    assert caught.value.code == "payable_insufficient"
    credit_payable(merchant, 50_000)
    with pytest.raises(Conflict):
        services.debt_repay(user=seller, merchant_id=merchant.pk, amount_fen=50_001)
    with pytest.raises(InvalidInput):
        services.debt_repay(user=seller, merchant_id=merchant.pk, amount_fen=0)
    with pytest.raises(NotFound):
        services.debt_repay(user=other_seller, merchant_id=merchant.pk, amount_fen=100)
    assert payable(merchant) == 50_000 and not DebtRepayment.objects.exists()

    assert services.debt_repay(user=seller, merchant_id=merchant.pk, amount_fen=30_000,
                               request_id="r1") == 30_000
    # A double submit repays once.
    assert services.debt_repay(user=seller, merchant_id=merchant.pk, amount_fen=30_000,
                               request_id="r1") == 0
    old.refresh_from_db()
    assert old.repaid_fen == 30_000 and payable(merchant) == 20_000
    assert DebtRepayment.objects.get().source == "merchant"
    assert ledger_check() == []


def test_the_merchant_repays_everything_and_then_owes_nothing(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant,
        seller: User) -> None:
    credit_payable(merchant, 3 * TEN_X)
    assert services.debt_repay(user=seller, merchant_id=merchant.pk) == 2 * TEN_X
    assert payable(merchant) == TEN_X and fund() == 0
    with pytest.raises(Conflict) as caught:
        services.debt_repay(user=seller, merchant_id=merchant.pk)
    assert caught.value.code == "no_open_debt"
    assert ledger_check() == []


def test_api_repays_and_lists_open_debts(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant, seller: User,
        other_seller: User, operator: User, api_client_for: Callable[[User], Client]) -> None:
    credit_payable(merchant, TEN_X + 100)
    api = api_client_for(seller)
    url = f"/api/aftersales/merchant/{merchant.pk}/debts/repay"
    assert api_client_for(other_seller).post(
        url, {"amount_fen": 100}, content_type="application/json").status_code == 404
    answer = api.post(url, {"amount_fen": TEN_X, "request_id": "a"},
                      content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"repaid_fen": TEN_X, "outstanding_fen": TEN_X,
                             "payable_available_fen": 100}
    too_much = api.post(url, {"amount_fen": 5_000}, content_type="application/json")
    assert too_much.status_code == 409 and too_much.json()["code"] == "payable_insufficient"
    open_debts = api.get(f"/api/aftersales/merchant/{merchant.pk}/debts?open_only=true").json()
    assert [d["outstanding_fen"] for d in open_debts] == [TEN_X]
    assert len(api.get(f"/api/aftersales/merchant/{merchant.pk}/debts").json()) == 2
    ops = api_client_for(operator).get("/api/aftersales/ops/debts?open_only=true").json()
    assert [d["outstanding_fen"] for d in ops] == [TEN_X]


def test_pages_show_what_is_left_and_repay(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant, seller: User,
        other_seller: User, operator: User) -> None:
    credit_payable(merchant, 12_345)
    page = Client()
    page.force_login(seller)
    html = page.get("/merchant/cases/").content.decode()
    assert html.count('data-testid="debt"') == 2 and 'data-testid="debt-repay-form"' in html
    assert "¥123.45" in html  # what the payable can repay
    done = page.post("/merchant/debts/repay/", {"merchant": merchant.pk, "amount": "100.00",
                                                "request_id": "p1"})
    assert done.status_code == 302
    html = page.get(done["Location"]).content.decode()
    assert "¥100.00" in html  # the success message
    assert "¥1890.00" in html  # left on the oldest debt
    first = MerchantDebt.objects.order_by("pk").first()
    assert first is not None and first.repaid_fen == 10_000
    refused = page.post("/merchant/debts/repay/", {"merchant": merchant.pk, "amount": "500"},
                        follow=True)
    first.refresh_from_db()
    assert first.repaid_fen == 10_000
    assert refused.context["messages"] and [m.level_tag for m in refused.context["messages"]] \
        == ["error"]
    stranger = Client()
    stranger.force_login(other_seller)
    assert stranger.post("/merchant/debts/repay/", {"merchant": merchant.pk,
                                                    "amount": "1"}).status_code == 404
    stranger.force_login(operator)
    ops = stranger.get("/ops/cases/").content.decode()
    assert ops.count('data-testid="debt"') == 2


def test_no_payable_withdrawal_while_a_debt_is_open(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant, seller: User,
        django_capture_on_commit_callbacks: Any) -> None:
    from trustmart.payments.models import Payout
    from trustmart.payments.services import merchant_withdrawal_create
    from trustmart.payments.tests.helpers import verified_account

    verified_account(owner_type="merchant", owner_id=merchant.pk, user=seller)
    credit_payable(merchant, 2 * TEN_X + 50_000)
    with pytest.raises(Conflict) as caught:
        merchant_withdrawal_create(user=seller, merchant_id=merchant.pk, amount_fen=10_000)
    assert caught.value.code == "debt_open" and "¥3980.00" in str(caught.value.message)
    assert not Payout.objects.exists()
    services.debt_repay(user=seller, merchant_id=merchant.pk)
    with django_capture_on_commit_callbacks(execute=True):
        merchant_withdrawal_create(user=seller, merchant_id=merchant.pk, amount_fen=50_000)
    assert Payout.objects.get().status == Payout.Status.SUCCEEDED
    assert payable(merchant) == 0
    assert ledger_check() == []


def test_the_merchant_pays_its_debts_from_outside_and_a_surplus_stays_in_the_payable(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant, seller: User,
        other_seller: User) -> None:
    from trustmart.payments import services as payments

    with pytest.raises(NotFound):
        services.debt_payment_create(user=other_seller, merchant_id=merchant.pk)
    payment = services.debt_payment_create(user=seller, merchant_id=merchant.pk)
    assert payment.amount_fen == 2 * TEN_X and payment.purpose == "merchant_debt"
    # Before it is paid, a settlement repays part of the first debt from the payable.
    credit_payable(merchant, 500)
    services.debts_repay_for_settlement(merchant_id=merchant.pk, order_no="O-settled")
    payments.sandbox_complete(user=seller, payment_no=payment.payment_no, outcome="succeeded")
    assert not MerchantDebt.objects.filter(repaid_at__isnull=True).exists()
    assert fund() == 0  # the fund has back all it advanced
    assert payable(merchant) == 500  # what the debts no longer needed is the merchant's
    sources = sorted(DebtRepayment.objects.values_list("source", flat=True))
    assert sources == ["payment", "payment", "settlement"]
    assert Journal.objects.filter(reference=f"payment:{payment.payment_no}").count() == 1
    assert ledger_check() == []
    with pytest.raises(Conflict) as exc:
        services.debt_payment_create(user=seller, merchant_id=merchant.pk)
    assert exc.value.code == "no_open_debt"


def test_paying_the_debts_on_the_page_and_through_the_api(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant, seller: User,
        other_seller: User, api_client_for: Callable[[User], Client]) -> None:
    page = Client()
    page.force_login(seller)
    html = page.get("/merchant/cases/").content.decode()
    assert 'data-testid="debt-pay-form"' in html and 'data-testid="debt-pay-sandbox"' in html
    started = page.post("/merchant/debts/pay/", {"merchant": merchant.pk, "provider": "sandbox"})
    assert started.status_code == 302 and started["Location"].startswith("/pay/sandbox/")
    url = f"/api/aftersales/merchant/{merchant.pk}/debts/pay"
    assert api_client_for(other_seller).post(url, {}, content_type="application/json"
                                             ).status_code == 404
    answer = api_client_for(seller).post(url, {}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["amount_fen"] == 2 * TEN_X and body["provider"] == "sandbox"
    assert body["pay_url"].endswith(f"/pay/sandbox/{body['payment_no']}/")


def test_the_payable_page_and_api_say_why_while_a_debt_is_open(
        two_debts: tuple[MerchantDebt, MerchantDebt], merchant: Merchant, seller: User,
        api_client_for: Callable[[User], Client]) -> None:
    credit_payable(merchant, 50_000)
    api = api_client_for(seller)
    shown = api.get(f"/api/payments/merchant/{merchant.pk}/payable",
                    HTTP_ACCEPT_LANGUAGE="en").json()
    assert shown["can_withdraw"] is False and shown["refusal"]["code"] == "debt_open"
    assert "guarantee fund" in shown["refusal"]["message"]
    refused = api.post(f"/api/payments/merchant/{merchant.pk}/withdrawals",
                       {"amount_fen": 10_000}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "debt_open"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(seller)
    page = client.get("/merchant/payable/").content.decode()
    assert 'data-testid="withdrawal-refused"' in page and "guarantee fund" in page
    assert payable(merchant) == 50_000
