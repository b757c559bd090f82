"""Daily reconciliation (对账): real-format bills (WeChat's backticked CSV with its summary,
Alipay's GBK CSVs in a zip, the sandbox's own records) built from our own data with injected
differences, downloaded from the local fake providers over HTTPS, compared line by line; every
difference lands in the operators' queue with its fix, and is resolved with a note."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.errors import InvalidInput, NotFound
from trustmart.core.jobs import registered_jobs
from trustmart.payments import services
from trustmart.payments.models import (
    Payment,
    ReconciliationDifference,
    ReconciliationRun,
    Refund,
)

from .bills import Line, alipay_bill_zip, wechat_trade_bill
from .conftest import WX_APPID, WX_MCHID
from .helpers import client_for

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 2)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=SHANGHAI)


def paid(payer: User, provider: str, amount_fen: int, when: datetime, *,
         status: str = "succeeded") -> Payment:
    payment = Payment(payer=payer, purpose="deposit", reference="merchant:1",
                      amount_fen=amount_fen, provider=provider, status=status)
    if status == "succeeded":
        payment.provider_txn_id, payment.paid_at = f"T{payment.payment_no}", when
    payment.save()
    return payment


def refunded(payment: Payment, amount_fen: int, when: datetime) -> Refund:
    refund = Refund.objects.create(payment=payment, amount_fen=amount_fen, reason="order_refunded",
                                   reference=f"test:{payment.payment_no}", status="succeeded",
                                   provider_refund_id=f"R{payment.payment_no}", refunded_at=when)
    return refund


@pytest.fixture
def books(buyer: User) -> dict[str, Any]:
    """Our side of one day at a provider (filled per provider by ``ours``)."""
    return {}


def ours(buyer: User, provider: str) -> dict[str, Any]:
    a = paid(buyer, provider, 256_00, at(10))
    b = paid(buyer, provider, 128_00, at(11))
    c = paid(buyer, provider, 99_00, at(12))  # the provider's bill will not show it
    d = paid(buyer, provider, 77_00, at(13), status="created")  # our notification was lost
    e = paid(buyer, provider, 50_00, at(14))  # the provider says REVOKED
    r = refunded(a, 56_00, at(15))
    late = paid(buyer, provider, 10_00, at(23, 59) + timedelta(minutes=2))  # next day for us
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "r": r, "late": late}


def their_lines(books: dict[str, Any]) -> list[Line]:
    a, b, d, e, r = books["a"], books["b"], books["d"], books["e"], books["r"]
    return [
        Line(a.payment_no, a.provider_txn_id, a.amount_fen, at(10)),
        Line(b.payment_no, b.provider_txn_id, b.amount_fen + 1, at(11)),  # amount differs
        Line(d.payment_no, f"T{d.payment_no}", d.amount_fen, at(13)),  # paid there, not here
        Line(e.payment_no, e.provider_txn_id, e.amount_fen, at(14), state="REVOKED"),
        Line("UNKNOWN000000000000000001", "T-unknown", 5_00, at(16)),  # not ours at all
        Line(a.payment_no, a.provider_txn_id, r.amount_fen, at(15), refund_no=r.refund_no,
             refund_id=r.provider_refund_id),
        Line(books["late"].payment_no, books["late"].provider_txn_id, 10_00, at(23, 59)),
    ]


def differences() -> set[tuple[str, str, str, str]]:
    return set(ReconciliationDifference.objects.values_list("kind", "record", "number", "fix"))


def expected(books: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        ("amount_mismatch", "payment", books["b"].payment_no, "check_amount"),
        ("missing_theirs", "payment", books["c"].payment_no, "ask_provider"),
        ("status_mismatch", "payment", books["d"].payment_no, "query_payment"),
        ("status_mismatch", "payment", books["e"].payment_no, "check_status"),
        ("missing_ours", "payment", "UNKNOWN000000000000000001", "refund_at_provider"),
    }


def test_wechat_trade_bill_is_downloaded_checked_and_compared(fake_wechat: Any,
                                                              buyer: User) -> None:
    books = ours(buyer, "wechatpay")
    raw = wechat_trade_bill(their_lines(books), appid=WX_APPID, mchid=WX_MCHID)
    assert raw.decode().splitlines()[1].startswith("`2026-12-02 10:00:00,`")
    fake_wechat.bills[DAY.isoformat()] = raw
    run = services.reconciliation_run(provider="wechatpay", bill_date=DAY)
    assert run.status == ReconciliationRun.Status.DONE, run.error
    assert (run.bill_lines, run.differences) == (7, 5)
    assert run.matched == 3  # a, its refund, and the one we booked after midnight
    assert differences() == expected(books)
    b = ReconciliationDifference.objects.get(kind="amount_mismatch")
    assert (b.our_amount_fen, b.their_amount_fen) == (128_00, 128_01)
    # Once a day: running it again changes nothing and asks WeChat nothing.
    calls = len(fake_wechat.calls)
    assert services.reconciliation_run(provider="wechatpay", bill_date=DAY).pk == run.pk
    assert len(fake_wechat.calls) == calls
    assert not fake_wechat.refused


def test_a_bill_that_fails_its_hash_check_is_not_believed(fake_wechat: Any, buyer: User,
                                                          monkeypatch: Any) -> None:
    books = ours(buyer, "wechatpay")
    raw = wechat_trade_bill(their_lines(books), appid=WX_APPID, mchid=WX_MCHID)
    fake_wechat.bills[DAY.isoformat()] = raw
    original = fake_wechat.__class__.__call__

    def tampering(self: Any, method: str, path: str, headers: dict[str, str],
                  body: bytes) -> Any:
        status, answer_headers, answer = original(self, method, path, headers, body)
        if path.startswith("/v3/billdownload/file"):
            import gzip

            answer = gzip.compress(gzip.decompress(answer).replace(b"256.00", b"2.56"))
        return status, answer_headers, answer

    monkeypatch.setattr(fake_wechat.__class__, "__call__", tampering)
    run = services.reconciliation_run(provider="wechatpay", bill_date=DAY)
    assert run.status == ReconciliationRun.Status.FAILED and "SHA1" in run.error
    assert not ReconciliationDifference.objects.exists()
    monkeypatch.setattr(fake_wechat.__class__, "__call__", original)
    # A failed run is tried again.
    assert services.reconciliation_run(provider="wechatpay", bill_date=DAY).status == "done"
    assert differences() == expected(books)


def test_alipay_bill_zip_of_gbk_csv_is_compared(fake_alipay: Any, buyer: User) -> None:
    books = ours(buyer, "alipay")
    fake_alipay.bills[DAY.isoformat()] = alipay_bill_zip(
        [line for line in their_lines(books) if line.state == "SUCCESS"], bill_date=DAY)
    run = services.reconciliation_run(provider="alipay", bill_date=DAY)
    assert run.status == ReconciliationRun.Status.DONE, run.error
    # Alipay's bill has only what succeeded: the revoked payment is simply missing there.
    assert differences() == (expected(books) - {
        ("status_mismatch", "payment", books["e"].payment_no, "check_status")}) | {
        ("missing_theirs", "payment", books["e"].payment_no, "ask_provider")}
    assert not fake_alipay.refused


def test_the_sandbox_reconciles_its_own_records(buyer: User, owner: User, merchant: Any,
                                                django_capture_on_commit_callbacks: Any) -> None:
    """A payment whose notification was lost shows in the sandbox's bill and not as paid here;
    the fix says to run the query, which then applies it."""
    kept = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                           amount_fen=merchant.deposit_required_fen)
    services.sandbox_complete(user=owner, payment_no=kept.payment_no, outcome="succeeded")
    lost = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                           amount_fen=100_00)
    services.sandbox_complete(user=owner, payment_no=lost.payment_no, outcome="succeeded",
                              notify=False)
    today = timezone.now().astimezone(SHANGHAI).date()
    run = services.reconciliation_run(provider="sandbox", bill_date=today)
    assert run.status == "done" and (run.bill_lines, run.matched) == (2, 1)
    assert differences() == {("status_mismatch", "payment", lost.payment_no, "query_payment")}
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        assert services.payments_sweep() == {"paid": 1}
    lost.refresh_from_db()
    assert lost.status == "succeeded"


def test_the_job_reconciles_yesterday_for_every_provider(buyer: User) -> None:
    assert "payments.reconcile_daily" in [job.name for job in registered_jobs()]
    moment = datetime.combine(DAY + timedelta(days=1), time(10), tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        assert services.reconciliations_daily() == {"sandbox": "done"}
    assert ReconciliationRun.objects.get().bill_date == DAY


def test_operators_resolve_differences_with_a_note(fake_wechat: Any, buyer: User,
                                                   operator: User, stranger: User) -> None:
    books = ours(buyer, "wechatpay")
    fake_wechat.bills[DAY.isoformat()] = wechat_trade_bill(their_lines(books), appid=WX_APPID,
                                                           mchid=WX_MCHID)
    services.reconciliation_run(provider="wechatpay", bill_date=DAY)
    ops = client_for(operator)
    page = ops.get("/ops/reconciliation/").content.decode()
    assert page.count('data-testid="reconciliation-difference"') == 5
    assert "渠道显示已支付而我方仍在等待" in page  # the fix, in words
    target = ReconciliationDifference.objects.get(kind="missing_ours")
    assert ops.post("/ops/reconciliation/", {"id": target.pk, "note": ""}).status_code == 302
    target.refresh_from_db()
    assert target.resolved_at is None  # a note is required
    ops.post("/ops/reconciliation/", {"id": target.pk, "note": "已在商户平台原路退款"})
    target.refresh_from_db()
    assert target.resolved_at is not None and target.resolved_by == operator
    assert ops.get("/ops/reconciliation/").content.decode().count(
        'data-testid="reconciliation-difference"') == 4
    assert "已在商户平台原路退款" in ops.get("/ops/reconciliation/?tab=resolved").content.decode()
    for user in (stranger, buyer):
        assert client_for(user).get("/ops/reconciliation/").status_code == 404
        client_for(user).post("/ops/reconciliation/", {"id": target.pk, "note": "x"})
        with pytest.raises(NotFound):
            services.reconciliation_resolve(user=user, difference_id=target.pk, note="x")
    assert Client().get("/ops/reconciliation/").status_code == 302
    with pytest.raises(InvalidInput):
        services.reconciliation_resolve(user=operator, difference_id=target.pk, note=" ")
