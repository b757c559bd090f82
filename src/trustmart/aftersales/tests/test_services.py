"""Every transition of a case, its guards, and what it does to the order and the money."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.aftersales import services
from trustmart.aftersales.models import Case, CaseEvent, CaseImage, Kind, Outcome, Reason, Status
from trustmart.catalog.models import Sku
from trustmart.catalog.tests.factories import image_upload, pdf_upload
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.core.models import OutboxEvent
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order, OrderLine

from .factories import PRICE_FEN, make_order, open_case


def reload(case: Case) -> Case:
    return Case.objects.select_related("order", "line").get(pk=case.pk)


def line_of(order: Order) -> OrderLine:
    return order.lines.order_by("pk").first()  # type: ignore[return-value]


def closed_events(case: Case) -> list[dict[str, object]]:
    return [e.payload for e in OutboxEvent.objects.filter(name="case.closed")
            if e.payload["case_no"] == case.case_no]


def kinds(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))


# --- opening ----------------------------------------------------------------------------------
def test_open_holds_the_order_and_publishes(buyer: User, paid: Order) -> None:
    case = open_case(buyer, paid, images=2)
    paid.refresh_from_db()
    assert paid.open_cases == 1
    assert case.status == Status.AWAITING_MERCHANT
    assert case.requested_fen == PRICE_FEN  # defaults to what is left of the line
    assert case.due_at is not None and case.due_at > timezone.now() + timedelta(hours=47)
    assert CaseImage.objects.filter(case=case, message=None).count() == 2
    event = OutboxEvent.objects.get(name="case.opened")
    assert event.payload == {"case_no": case.case_no, "kind": Kind.REFUND_ONLY,
                             "order_no": paid.order_no, "line_id": case.line_id,
                             "buyer_id": buyer.pk, "merchant_id": paid.merchant_id,
                             "store_id": None}
    assert kinds(case) == ["opened"]


def test_one_open_case_per_line(buyer: User, received: Order) -> None:
    open_case(buyer, received, Kind.QUALITY)
    with pytest.raises(Conflict) as error:
        open_case(buyer, received, Kind.COUNTERFEIT)
    assert error.value.code == "case_already_open"
    received.refresh_from_db()
    assert received.open_cases == 1


def test_a_closed_case_lets_a_new_one_open(buyer: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    services.case_withdraw(buyer=buyer, case_no=case.case_no)
    open_case(buyer, received, Kind.COUNTERFEIT)
    received.refresh_from_db()
    assert received.open_cases == 1


@pytest.mark.parametrize(("status", "kind", "ok"), [
    ("paid", Kind.REFUND_ONLY, True), ("paid", Kind.RETURN_REFUND, False),
    ("paid", Kind.COUNTERFEIT, False), ("shipped", Kind.REFUND_ONLY, True),
    ("shipped", Kind.QUALITY, True), ("received", Kind.REFUND_ONLY, False),
    ("received", Kind.RETURN_REFUND, True), ("received", Kind.COUNTERFEIT, True),
])
def test_kinds_depend_on_the_order_status(buyer: User, sku: Sku, status: str, kind: str,
                                          ok: bool) -> None:
    order = make_order(buyer, sku, status)
    if ok:
        assert open_case(buyer, order, kind).kind == kind
    else:
        with pytest.raises(InvalidInput) as error:
            open_case(buyer, order, kind)
        assert error.value.code == "kind_not_allowed"


def test_no_case_after_the_after_sale_window(buyer: User, received: Order) -> None:
    assert received.settle_due_at is not None
    with (time_machine.travel(received.settle_due_at + timedelta(minutes=1), tick=False),
          pytest.raises(Conflict) as error):
        open_case(buyer, received, Kind.QUALITY)
    assert error.value.code == "order_not_disputable"
    assert not Case.objects.exists()


def test_open_validates_input(buyer: User, received: Order) -> None:
    with pytest.raises(InvalidInput) as error:
        open_case(buyer, received, Kind.QUALITY, requested_fen=PRICE_FEN + 1)
    assert error.value.code == "invalid_amount"
    with pytest.raises(InvalidInput):
        open_case(buyer, received, Kind.QUALITY, requested_fen=0)
    with pytest.raises(InvalidInput) as error:
        open_case(buyer, received, "nonsense")
    assert error.value.code == "invalid_kind"
    with pytest.raises(InvalidInput) as error:
        open_case(buyer, received, Kind.QUALITY, reason="because")
    assert error.value.code == "invalid_reason"
    with pytest.raises(InvalidInput) as error:
        open_case(buyer, received, Kind.QUALITY, images=10)
    assert error.value.code == "too_many_images"
    line = line_of(received)
    with pytest.raises(InvalidInput) as error:
        services.case_open(buyer=buyer, order_no=received.order_no, line_id=line.pk,
                           kind=Kind.QUALITY, reason=Reason.DAMAGED, images=[pdf_upload()])
    assert error.value.code == "invalid_image"
    received.refresh_from_db()
    assert received.open_cases == 0 and not Case.objects.exists()


def test_evidence_keeps_its_frame(buyer: User, received: Order) -> None:
    line = line_of(received)
    case = services.case_open(buyer=buyer, order_no=received.order_no, line_id=line.pk,
                              kind=Kind.QUALITY, reason=Reason.DAMAGED,
                              images=[image_upload(size=(3200, 1000))])
    image = CaseImage.objects.get(case=case)
    assert (image.width, image.height) == (1600, 500)
    assert (image.file.name or "").startswith("aftersales/")


def test_someone_elses_order_is_not_found(stranger: User, received: Order) -> None:
    with pytest.raises(NotFound):
        open_case(stranger, received, Kind.QUALITY)
    with pytest.raises(NotFound):
        services.case_open(buyer=received.buyer, order_no=received.order_no, line_id=999_999,
                           kind=Kind.QUALITY, reason=Reason.DAMAGED)


# --- refund only ------------------------------------------------------------------------------
def test_merchant_accepts_refund_only(buyer: User, seller: User, paid: Order) -> None:
    case = open_case(buyer, paid, requested_fen=5_000)
    services.case_merchant_accept(user=seller, case_no=case.case_no)
    case = reload(case)
    assert case.status == Status.REFUNDED and case.outcome == Outcome.REFUNDED
    assert case.refund_fen == 5_000 and case.closed_at is not None and case.due_at is None
    paid.refresh_from_db()
    assert paid.refunded_fen == 5_000 and paid.open_cases == 0
    assert line_of(paid).refunded_fen == 5_000
    assert kinds(case) == ["opened", "merchant_accepted", "refund_paid", "refunded"]
    (payload,) = closed_events(case)
    assert payload["outcome"] == "refunded" and payload["refund_fen"] == 5_000
    assert payload["compensation_fen"] == 0 and payload["counterfeit"] is False
    with pytest.raises(Conflict):
        services.case_merchant_accept(user=seller, case_no=case.case_no)
    paid.refresh_from_db()
    assert paid.refunded_fen == 5_000  # refunded once
    assert ledger_check() == []


def test_merchant_silence_accepts_for_the_buyer(buyer: User, paid: Order) -> None:
    case = open_case(buyer, paid)
    with time_machine.travel(timezone.now() + timedelta(hours=47), tick=False):
        assert services.cases_due_sweep() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=48, minutes=1), tick=False):
        assert services.cases_due_sweep() == 1
        assert services.cases_due_sweep() == 0
    case = reload(case)
    assert case.status == Status.REFUNDED and case.refund_fen == PRICE_FEN
    assert "auto_accepted" in kinds(case)
    paid.refresh_from_db()
    assert paid.status == Order.Status.REFUNDED or paid.refunded_fen == PRICE_FEN


def test_the_sweep_is_a_registered_job() -> None:
    from trustmart.core.jobs import registered_jobs

    assert "aftersales.deadlines" in {j.name for j in registered_jobs()}


# --- returns ----------------------------------------------------------------------------------
def test_return_refund_full_path(buyer: User, seller: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.RETURN_REFUND, reason=Reason.NO_REASON_7_DAYS)
    services.case_merchant_accept(user=seller, case_no=case.case_no)
    case = reload(case)
    assert case.status == Status.AWAITING_RETURN and case.refund_fen == 0
    with pytest.raises(InvalidInput) as error:
        services.case_return_ship(buyer=buyer, case_no=case.case_no, carrier="NOPE",
                                  tracking_no="SF1234567890")
    assert error.value.code == "unknown_carrier"
    services.case_return_ship(buyer=buyer, case_no=case.case_no, carrier="sf",
                              tracking_no="sf 1234 5678 90")
    case = reload(case)
    assert case.status == Status.RETURNED
    assert (case.return_carrier, case.return_tracking_no) == ("SF", "SF1234567890")
    with pytest.raises(Conflict):
        services.case_withdraw(buyer=buyer, case_no=case.case_no)
    services.case_return_confirm(user=seller, case_no=case.case_no)
    case = reload(case)
    assert case.status == Status.REFUNDED and case.refund_fen == PRICE_FEN
    received.refresh_from_db()
    assert received.refunded_fen == PRICE_FEN and received.open_cases == 0
    with pytest.raises(Conflict):
        services.case_return_confirm(user=seller, case_no=case.case_no)
    assert kinds(case) == ["opened", "merchant_accepted", "awaiting_return", "return_shipped",
                           "return_received", "refund_paid"]
    assert closed_events(case)[0]["outcome"] == "refunded"
    assert ledger_check() == []


def test_return_is_confirmed_automatically(buyer: User, seller: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    services.case_merchant_accept(user=seller, case_no=case.case_no)
    services.case_return_ship(buyer=buyer, case_no=case.case_no, carrier="ZTO",
                              tracking_no="7312345678901")
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23), tick=False):
        assert services.cases_due_sweep() == 0
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        assert services.cases_due_sweep() == 1
    case = reload(case)
    assert case.status == Status.REFUNDED and case.refund_fen == PRICE_FEN
    assert "return_auto_confirmed" in kinds(case)


def test_return_never_shipped_closes(buyer: User, seller: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.RETURN_REFUND)
    services.case_merchant_accept(user=seller, case_no=case.case_no)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        assert services.cases_due_sweep() == 1
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == Outcome.WITHDRAWN
    assert case.refund_fen == 0
    received.refresh_from_db()
    assert received.open_cases == 0 and received.refunded_fen == 0


# --- partial offers ---------------------------------------------------------------------------
def test_partial_offer_accepted(buyer: User, seller: User, paid: Order) -> None:
    case = open_case(buyer, paid)
    with pytest.raises(InvalidInput):
        services.case_merchant_offer(user=seller, case_no=case.case_no, amount_fen=PRICE_FEN)
    services.case_merchant_offer(user=seller, case_no=case.case_no, amount_fen=3_000,
                                 note="补偿部分")
    assert reload(case).status == Status.PARTIAL_OFFERED
    services.case_offer_accept(buyer=buyer, case_no=case.case_no)
    case = reload(case)
    assert case.status == Status.REFUNDED and case.outcome == Outcome.PARTIAL
    assert case.refund_fen == 3_000
    paid.refresh_from_db()
    assert paid.refunded_fen == 3_000
    assert closed_events(case)[0]["outcome"] == "partial"


def test_partial_offer_on_a_return_refunds_the_offer(buyer: User, seller: User,
                                                     received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    services.case_merchant_offer(user=seller, case_no=case.case_no, amount_fen=8_000)
    services.case_offer_accept(buyer=buyer, case_no=case.case_no)
    assert reload(case).status == Status.AWAITING_RETURN
    services.case_return_ship(buyer=buyer, case_no=case.case_no, carrier="YTO",
                              tracking_no="YT1234567890")
    services.case_return_confirm(user=seller, case_no=case.case_no)
    case = reload(case)
    assert case.refund_fen == 8_000 and case.outcome == Outcome.PARTIAL


def test_partial_offer_declined_then_upheld(buyer: User, seller: User, operator: User,
                                            paid: Order) -> None:
    case = open_case(buyer, paid)
    services.case_merchant_offer(user=seller, case_no=case.case_no, amount_fen=1_000)
    services.case_offer_decline(buyer=buyer, case_no=case.case_no, note="太少")
    assert reload(case).status == Status.REJECTED
    services.case_escalate(buyer=buyer, case_no=case.case_no, note="请平台介入")
    services.case_arbitrate(operator=operator, case_no=case.case_no, decision="upheld",
                            reason="商家未能举证", refund_fen=12_000)
    case = reload(case)
    assert case.status == Status.UPHELD and case.outcome == Outcome.UPHELD
    assert case.refund_fen == 12_000 and case.compensation_fen == 0
    assert case.decided_by_id == operator.pk and case.decision_reason == "商家未能举证"
    paid.refresh_from_db()
    assert paid.refunded_fen == 12_000 and paid.open_cases == 0


def test_unanswered_offer_lapses(buyer: User, seller: User, paid: Order) -> None:
    case = open_case(buyer, paid)
    services.case_merchant_offer(user=seller, case_no=case.case_no, amount_fen=1_000)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        assert services.cases_due_sweep() == 1
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == Outcome.REJECTED


# --- rejection and arbitration ----------------------------------------------------------------
def test_reject_needs_a_reason(buyer: User, seller: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    with pytest.raises(InvalidInput) as error:
        services.case_merchant_reject(user=seller, case_no=case.case_no, reason="  ")
    assert error.value.code == "reason_required"


def test_rejection_not_escalated_closes(buyer: User, seller: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    services.case_merchant_reject(user=seller, case_no=case.case_no, reason="人为损坏")
    case = reload(case)
    assert case.status == Status.REJECTED and case.merchant_reason == "人为损坏"
    later = timezone.now() + timedelta(days=7, minutes=1)
    with time_machine.travel(later, tick=False):
        with pytest.raises(Conflict) as error:
            services.case_escalate(buyer=buyer, case_no=case.case_no)
        assert error.value.code == "escalation_window_over"
        assert services.cases_due_sweep() == 1
    case = reload(case)
    assert case.status == Status.CLOSED and case.outcome == Outcome.REJECTED
    received.refresh_from_db()
    assert received.open_cases == 0
    assert closed_events(case)[0]["outcome"] == "rejected"


def test_escalated_case_dismissed(buyer: User, seller: User, operator: User,
                                  received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    services.case_merchant_reject(user=seller, case_no=case.case_no, reason="人为损坏")
    services.case_escalate(buyer=buyer, case_no=case.case_no)
    case = reload(case)
    assert case.status == Status.ARBITRATION and case.due_at is None
    # Nothing times out while the platform decides.
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert services.cases_due_sweep() == 0
    with pytest.raises(NotFound):
        services.case_arbitrate(operator=seller, case_no=case.case_no, decision="upheld",
                                reason="x")
    with pytest.raises(InvalidInput):
        services.case_arbitrate(operator=operator, case_no=case.case_no, decision="dismissed",
                                reason="")
    services.case_arbitrate(operator=operator, case_no=case.case_no, decision="dismissed",
                            reason="照片显示为人为损坏")
    case = reload(case)
    assert case.status == Status.DISMISSED and case.outcome == Outcome.DISMISSED
    assert case.refund_fen == 0
    received.refresh_from_db()
    assert received.open_cases == 0 and received.refunded_fen == 0
    with pytest.raises(Conflict):
        services.case_arbitrate(operator=operator, case_no=case.case_no, decision="upheld",
                                reason="改判")


def test_withdraw(buyer: User, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    services.case_withdraw(buyer=buyer, case_no=case.case_no)
    case = reload(case)
    assert case.status == Status.CLOSED_BY_BUYER and case.outcome == Outcome.WITHDRAWN
    received.refresh_from_db()
    assert received.open_cases == 0
    with pytest.raises(Conflict):
        services.case_withdraw(buyer=buyer, case_no=case.case_no)


# --- messages and authorization ---------------------------------------------------------------
def test_every_party_may_write(buyer: User, seller: User, operator: User, stranger: User,
                               received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    services.case_message_post(user=buyer, case_no=case.case_no, text="看图",
                               images=[image_upload()])
    services.case_message_post(user=seller, case_no=case.case_no, text="收到")
    services.case_message_post(user=operator, case_no=case.case_no, text="平台已关注")
    roles = list(case.messages.order_by("pk").values_list("role", flat=True))
    assert roles == ["buyer", "merchant", "operator"]
    assert CaseImage.objects.filter(case=case).exclude(message=None).count() == 1
    with pytest.raises(NotFound):
        services.case_message_post(user=stranger, case_no=case.case_no, text="我也来")
    with pytest.raises(InvalidInput):
        services.case_message_post(user=buyer, case_no=case.case_no, text=" ")


def test_other_parties_get_not_found(buyer: User, stranger: User, other_seller: User,
                                     other_merchant: Merchant, received: Order) -> None:
    case = open_case(buyer, received, Kind.QUALITY)
    no = case.case_no
    for call in (
        lambda: services.case_merchant_accept(user=other_seller, case_no=no),
        lambda: services.case_merchant_reject(user=other_seller, case_no=no, reason="x"),
        lambda: services.case_merchant_offer(user=other_seller, case_no=no, amount_fen=1),
        lambda: services.case_return_confirm(user=other_seller, case_no=no),
        lambda: services.case_merchant_accept(user=buyer, case_no=no),
        lambda: services.case_withdraw(buyer=stranger, case_no=no),
        lambda: services.case_offer_accept(buyer=stranger, case_no=no),
        lambda: services.case_offer_decline(buyer=stranger, case_no=no),
        lambda: services.case_escalate(buyer=stranger, case_no=no),
        lambda: services.case_return_ship(buyer=stranger, case_no=no, carrier="SF",
                                          tracking_no="SF1234567890"),
        lambda: services.case_withdraw(buyer=other_seller, case_no=no),
        lambda: services.case_arbitrate(operator=buyer, case_no=no, decision="upheld",
                                        reason="x"),
    ):
        with pytest.raises(NotFound):
            call()
    assert reload(case).status == Status.AWAITING_MERCHANT


# --- the order waits for the case ---------------------------------------------------------
def test_an_open_case_holds_settlement_then_pays_out_the_rest(buyer: User, seller: User,
                                                              received: Order) -> None:
    from trustmart.orders.settlement import orders_settle_due

    case = open_case(buyer, received, Kind.QUALITY, requested_fen=5_000)
    assert received.settle_due_at is not None
    after_window = received.settle_due_at + timedelta(minutes=1)
    with time_machine.travel(after_window, tick=False):
        assert orders_settle_due() == 0
        services.case_merchant_offer(user=seller, case_no=case.case_no, amount_fen=4_000)
        services.case_offer_accept(buyer=buyer, case_no=case.case_no)
        services.case_return_ship(buyer=buyer, case_no=case.case_no, carrier="SF",
                                  tracking_no="SF1234567890")
        services.case_return_confirm(user=seller, case_no=case.case_no)
        assert orders_settle_due() == 1
    received.refresh_from_db()
    assert received.settled_at is not None and received.refunded_fen == 4_000
    assert ledger_check() == []


def test_the_merchant_reply_window_is_a_setting(buyer: User, paid: Order,
                                                settings: object) -> None:
    settings.AFTERSALE_MERCHANT_REPLY_HOURS = 2  # type: ignore[attr-defined]
    case = open_case(buyer, paid)
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1), tick=False):
        assert services.cases_due_sweep() == 1
    assert reload(case).status == Status.REFUNDED
