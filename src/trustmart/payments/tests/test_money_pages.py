"""The money-out pages and API: payout accounts set up and proven per kind, the bank payout
batch an operator exports and marks, the wallet's API; other people get 404."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.ledger.models import Hold, Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.ledger.services import Leg, account_get_or_create, post
from trustmart.merchants.models import Merchant
from trustmart.payments import services
from trustmart.payments.models import Payout, PayoutAccount, WechatOpenid

from .helpers import client_for

pytestmark = pytest.mark.django_db


def credit_payable(merchant: Merchant, amount_fen: int) -> None:
    source = account_get_or_create(owner_type="platform", owner_id=None,
                                   purpose=Purpose.GUARANTEE_FUND)
    payable = account_get_or_create(owner_type="merchant", owner_id=merchant.pk,
                                    purpose=Purpose.MERCHANT_PAYABLE)
    post(entries=[Leg.debit(source, amount_fen), Leg.credit(payable, amount_fen)],
         kind="test.payable", reference=f"test:payable:{merchant.pk}:{amount_fen}")


def test_a_store_owner_sets_up_wechat_and_alipay_on_the_page(owner: User, settings: Any) -> None:
    settings.WECHAT_OA_APPID = ""
    client = client_for(owner)
    page = client.get("/me/payout-account/")
    assert page.status_code == 200
    assert 'data-testid="bank-account-form"' not in page.content.decode()
    # A sandbox site without an official account: the sandbox's openid stands in.
    client.post("/me/payout-account/", {"action": "wechat", "wechat-real_name": ""})
    account = PayoutAccount.objects.get(kind="wechat")
    assert (account.owner_type, account.owner_id, account.status) == ("user", owner.pk,
                                                                       "verified")
    assert account.appid == "sandbox"
    bad = client.post("/me/payout-account/", {
        "action": "alipay", "alipay-login_id": "a@b.cn", "alipay-login_id_again": "a@b.cm",
        "alipay-real_name": "王建国", "alipay-confirmed": "on"})
    assert bad.status_code == 200 and "两次输入的账号不一致" in bad.content.decode()
    client.post("/me/payout-account/", {
        "action": "alipay", "alipay-login_id": "a@b.cn", "alipay-login_id_again": "a@b.cn",
        "alipay-real_name": "王建国", "alipay-confirmed": "on"})
    assert PayoutAccount.objects.get(kind="alipay").masked == "王建国 · a***@b.cn"
    shown = client.get("/me/payout-account/").content.decode()
    assert shown.count('data-testid="payout-account"') == 2


def test_inside_wechat_the_own_openid_is_used_or_learned_first(owner: User,
                                                                 settings: Any) -> None:
    settings.WECHAT_OA_APPID, settings.WECHAT_OA_SECRET = "wxoa", "secret"
    client = client_for(owner)
    response = client.post("/me/payout-account/", {"action": "wechat"})
    assert response.status_code == 302
    assert response["Location"] == "/pay/wechat/oauth/?next=/me/payout-account/"
    WechatOpenid.objects.create(user=owner, appid="wxoa", openid="o-owner")
    client.post("/me/payout-account/", {"action": "wechat", "wechat-real_name": "王建国"})
    account = PayoutAccount.objects.get()
    assert (account.appid, account.openid, account.real_name) == ("wxoa", "o-owner", "王建国")


def test_a_merchant_bank_account_is_verified_then_paid_by_hand_in_a_batch(
        merchant: Merchant, owner: User, operator: User, stranger: User,
        django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(owner)
    url = f"/me/payout-account/?merchant={merchant.pk}"
    assert 'data-testid="bank-account-form"' in client.get(url).content.decode()
    assert client_for(stranger).get(url).status_code == 404
    client.post(url, {"action": "bank", "bank-real_name": "山水茶业有限公司",
                      "bank-bank_name": "招商银行", "bank-bank_branch": "杭州分行",
                      "bank-bank_account_no": "6214 8301 2345 6789"})
    account = PayoutAccount.objects.get()
    assert account.status == "pending" and account.bank_account_no == "6214830123456789"
    credit_payable(merchant, 500_00)
    with pytest.raises(Exception) as unverified:
        services.merchant_withdrawal_create(user=owner, merchant_id=merchant.pk,
                                            amount_fen=200_00)
    assert getattr(unverified.value, "code", "") == "payout_account_required"
    ops = client_for(operator)
    assert 'data-testid="ops-bank-account"' in ops.get("/ops/payouts/").content.decode()
    assert client_for(stranger).get("/ops/payouts/").status_code == 404
    ops.post("/ops/payouts/", {"action": "approve", "id": account.pk})
    account.refresh_from_db()
    assert account.status == "verified" and account.verified_by == operator
    with django_capture_on_commit_callbacks(execute=True):
        first = services.merchant_withdrawal_create(user=owner, merchant_id=merchant.pk,
                                                    amount_fen=200_00, request_id="b1")
        second = services.merchant_withdrawal_create(user=owner, merchant_id=merchant.pk,
                                                     amount_fen=100_00, request_id="b2")
    assert {first.provider, first.status} == {"manual", "pending"}  # nobody calls a bank
    exported = ops.post("/ops/payouts/", {"action": "export"})
    assert exported.status_code == 302
    sheet = ops.get(exported["Location"])
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0][0] == "payout_no" and len(rows) == 3
    assert rows[1][:6] == [first.payout_no, "山水茶业有限公司", "招商银行", "杭州分行",
                           "6214830123456789", "200.00"]
    assert client_for(stranger).get(exported["Location"]).status_code == 404
    first.refresh_from_db()
    assert first.status == "processing" and first.batch is not None
    ops.post("/ops/payouts/", {"action": "failed", "id": second.pk, "note": ""})
    second.refresh_from_db()
    assert second.status == "processing"  # failing needs a reason
    ops.post("/ops/payouts/", {"action": "paid", "id": first.pk})
    ops.post("/ops/payouts/", {"action": "failed", "id": second.pk, "note": "户名不符"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("succeeded", "failed")
    assert Hold.objects.get(pk=first.hold_id).status == "posted"
    assert Hold.objects.get(pk=second.hold_id).status == "voided"
    page = client.get(f"/merchant/payable/?merchant={merchant.pk}").content.decode()
    assert 'data-status="failed"' in page and "户名不符" in page
    assert ledger_check() == []


def test_the_wallet_api(buyer: User, stranger: User, api_client_for: Any,
                        django_capture_on_commit_callbacks: Any) -> None:
    api = api_client_for(buyer)
    assert api.get("/api/payments/wallet").json() == {"balance_fen": 0, "payouts": []}
    created = api.post("/api/payments/payout-accounts/alipay", {
        "login_id": "13800001111", "login_id_again": "13800001111", "real_name": "张三",
        "confirmed": True}, content_type="application/json")
    assert created.status_code == 201 and created.json()["kind"] == "alipay"
    assert [a["status"] for a in api.get("/api/payments/payout-accounts").json()] == [
        "verified"]
    wallet = account_get_or_create(owner_type="user", owner_id=buyer.pk,
                                   purpose=Purpose.BUYER_WALLET)
    fund = account_get_or_create(owner_type="platform", owner_id=None,
                                 purpose=Purpose.GUARANTEE_FUND)
    post(entries=[Leg.debit(fund, 300_00), Leg.credit(wallet, 300_00)], kind="case.compensation",
         reference="test:wallet")
    too_much = api.post("/api/payments/wallet/withdrawals", {"amount_fen": 300_01,
                                                             "request_id": "x"},
                        content_type="application/json")
    assert too_much.status_code == 409 and too_much.json()["code"] == "withdrawal_exceeds_balance"
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post("/api/payments/wallet/withdrawals", {"amount_fen": 100_00,
                                                             "request_id": "w1"},
                        content_type="application/json")
    assert done.status_code == 201, done.content
    payout = done.json()
    assert payout["amount_fen"] == 100_00 and payout["account"]["kind"] == "alipay"
    assert api.get(f"/api/payments/payouts/{payout['id']}").json()["status"] == "succeeded"
    assert api_client_for(stranger).get(f"/api/payments/payouts/{payout['id']}").status_code == 404
    assert api.get("/api/payments/wallet").json()["balance_fen"] == 200_00
    assert Client().get("/api/payments/wallet").status_code == 401
    assert Payout.objects.get().provider == "sandbox"  # no Alipay configured: the sandbox pays


@pytest.mark.parametrize("model", ["payout", "payoutaccount", "payoutbatch", "reconciliationrun",
                                   "reconciliationdifference", "wechatopenid", "sandboxrecord"])
def test_operators_see_money_out_in_the_admin_read_only(operator: User, stranger: User,
                                                        model: str) -> None:
    assert client_for(operator).get(f"/admin/payments/{model}/").status_code == 200
    assert client_for(operator).get(f"/admin/payments/{model}/add/").status_code == 403
    assert client_for(stranger).get(f"/admin/payments/{model}/").status_code == 302
