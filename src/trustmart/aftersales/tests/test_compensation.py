"""假一赔十: refund plus ten times the line, from the deposit, topped up by the guarantee fund."""

from __future__ import annotations

from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.aftersales import services
from trustmart.aftersales.models import Case, Kind, MerchantDebt, Outcome, Reason, Status
from trustmart.aftersales.selectors import debt_outstanding_fen
from trustmart.core.models import OutboxEvent
from trustmart.ledger.models import Journal, Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.merchants.tests.factories import fund_deposit
from trustmart.orders.models import Order

from .factories import PRICE_FEN, balance, open_case, wallet_fen

TEN_X = 10 * PRICE_FEN


def upheld_counterfeit(buyer: User, seller: User, operator: User, order: Order) -> Case:
    case = open_case(buyer, order, Kind.COUNTERFEIT, reason=Reason.COUNTERFEIT,
                     text="防伪码查询不到")
    services.case_merchant_reject(user=seller, case_no=case.case_no, reason="正品")
    services.case_escalate(buyer=buyer, case_no=case.case_no)
    services.case_arbitrate(operator=operator, case_no=case.case_no, decision="upheld",
                            reason="鉴定为假货")
    return Case.objects.select_related("order", "line").get(pk=case.pk)


def deposit(merchant: Merchant) -> int:
    return balance("merchant", merchant.pk, Purpose.MERCHANT_DEPOSIT)


def test_deposit_covers_the_compensation(buyer: User, seller: User, operator: User,
                                         merchant: Merchant, received: Order) -> None:
    Merchant.objects.filter(pk=merchant.pk).update(deposit_required_fen=100_000)
    fund_deposit(merchant, 1_000_000)
    case = upheld_counterfeit(buyer, seller, operator, received)
    assert case.status == Status.UPHELD and case.outcome == Outcome.UPHELD
    assert case.refund_fen == PRICE_FEN and case.compensation_fen == TEN_X
    assert deposit(merchant) == 1_000_000 - TEN_X
    assert balance("platform", None, Purpose.GUARANTEE_FUND) == 0
    assert wallet_fen(buyer) == TEN_X
    journal = Journal.objects.get(reference=f"case:{case.case_no}:compensation")
    assert journal.kind == "case.compensation"
    assert not MerchantDebt.objects.exists()
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.ACTIVE and merchant.deposit_ok
    received.refresh_from_db()
    assert received.refunded_fen == PRICE_FEN and received.open_cases == 0
    payload = next(e.payload for e in OutboxEvent.objects.filter(name="case.closed"))
    assert payload["outcome"] == "upheld" and payload["counterfeit"] is True
    assert payload["compensation_fen"] == TEN_X and payload["refund_fen"] == PRICE_FEN
    # Paying again changes nothing.
    assert services.pay_compensation(case) == TEN_X
    assert deposit(merchant) == 1_000_000 - TEN_X
    assert ledger_check() == []


def test_fund_advances_what_the_deposit_lacks(buyer: User, seller: User, operator: User,
                                              merchant: Merchant, received: Order) -> None:
    Merchant.objects.filter(pk=merchant.pk).update(deposit_required_fen=100_000)
    fund_deposit(merchant, 150_000)
    case = upheld_counterfeit(buyer, seller, operator, received)
    assert case.compensation_fen == TEN_X
    assert deposit(merchant) == 0
    assert balance("platform", None, Purpose.GUARANTEE_FUND) == -(TEN_X - 150_000)
    debt = MerchantDebt.objects.get(case=case)
    assert debt.merchant_id == merchant.pk and debt.amount_fen == TEN_X - 150_000
    assert debt.outstanding_fen == TEN_X - 150_000
    assert debt_outstanding_fen(merchant=merchant) == TEN_X - 150_000
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.SUSPENDED
    assert merchant.suspension_kind == Merchant.SuspensionKind.DEPOSIT
    assert not merchant.deposit_ok
    assert wallet_fen(buyer) == TEN_X
    assert ledger_check() == []


def test_no_deposit_at_all(buyer: User, seller: User, operator: User, merchant: Merchant,
                           received: Order) -> None:
    case = upheld_counterfeit(buyer, seller, operator, received)
    assert MerchantDebt.objects.get(case=case).amount_fen == TEN_X
    assert balance("platform", None, Purpose.GUARANTEE_FUND) == -TEN_X
    assert ledger_check() == []


def test_merchant_admitting_a_counterfeit_pays_ten_times(buyer: User, seller: User,
                                                         merchant: Merchant,
                                                         shipped: Order) -> None:
    fund_deposit(merchant, 5_000_000)
    case = open_case(buyer, shipped, Kind.COUNTERFEIT, reason=Reason.COUNTERFEIT)
    services.case_merchant_accept(user=seller, case_no=case.case_no)
    case.refresh_from_db()
    assert case.status == Status.REFUNDED and case.compensation_fen == TEN_X
    assert case.refund_fen == PRICE_FEN
    assert ledger_check() == []


def test_a_partial_settlement_of_a_counterfeit_claim_pays_no_compensation(
        buyer: User, seller: User, merchant: Merchant, received: Order) -> None:
    case = open_case(buyer, received, Kind.COUNTERFEIT, reason=Reason.COUNTERFEIT)
    services.case_merchant_offer(user=seller, case_no=case.case_no, amount_fen=5_000)
    services.case_offer_accept(buyer=buyer, case_no=case.case_no)
    case.refresh_from_db()
    assert case.status == Status.REFUNDED and case.outcome == Outcome.PARTIAL
    assert case.compensation_fen == 0 and case.refund_fen == 5_000
    payload = next(e.payload for e in OutboxEvent.objects.filter(name="case.closed"))
    assert payload["counterfeit"] is False


@pytest.mark.parametrize("decision", ["dismissed"])
def test_dismissed_counterfeit_pays_nothing(buyer: User, seller: User, operator: User,
                                            merchant: Merchant, received: Order,
                                            decision: str) -> None:
    fund_deposit(merchant, 1_000_000)
    case = open_case(buyer, received, Kind.COUNTERFEIT, reason=Reason.COUNTERFEIT)
    services.case_merchant_reject(user=seller, case_no=case.case_no, reason="正品")
    services.case_escalate(buyer=buyer, case_no=case.case_no)
    services.case_arbitrate(operator=operator, case_no=case.case_no, decision=decision,
                            reason="证据不足")
    assert deposit(merchant) == 1_000_000
    assert not Journal.objects.filter(kind="case.compensation").exists()


def test_the_buyer_receives_the_compensation_in_the_wallet_and_withdraws_it(
        buyer: User, seller: User, operator: User, merchant: Merchant, received: Order,
        django_capture_on_commit_callbacks: Any) -> None:
    """假一赔十 reaches the buyer: credited to the wallet (我的钱包), shown on the case with a
    link, withdrawn to the buyer's own payout account."""
    from django.test import Client

    from trustmart.payments import services as payments
    from trustmart.payments.models import Payout
    from trustmart.payments.tests.helpers import verified_account

    fund_deposit(merchant, 1_000_000)
    case = upheld_counterfeit(buyer, seller, operator, received)
    assert payments.wallet_balance_fen(user_id=buyer.pk) == TEN_X
    client = Client()
    client.force_login(buyer)
    page = client.get(f"/cases/{case.case_no}/").content.decode()
    assert 'data-testid="case-wallet-link"' in page
    wallet = client.get("/me/wallet/").content.decode()
    assert "¥" + f"{TEN_X // 100}.{TEN_X % 100:02d}" in wallet
    assert 'data-testid="wallet-entry"' in wallet and "counterfeit compensation" in wallet
    verified_account(owner_type="user", owner_id=buyer.pk, user=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/wallet/", {"amount": f"{TEN_X // 100}.00",
                                               "request_id": "all"})
    assert response.status_code == 302
    payout = Payout.objects.get()
    assert payout.status == "succeeded" and payout.source == "wallet"
    assert payments.wallet_balance_fen(user_id=buyer.pk) == 0
    # The seller sees no wallet of the buyer's, nor a link on the case.
    client.force_login(seller)
    assert 'data-testid="case-wallet-link"' not in client.get(
        f"/cases/{case.case_no}/").content.decode()
    assert ledger_check() == []
