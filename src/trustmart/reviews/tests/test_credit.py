"""The credit record follows events: settlement, shipping, cases, reviews; 6-month window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.events import publish
from trustmart.core.jobs import run_job
from trustmart.merchants.models import Merchant
from trustmart.orders import settlement
from trustmart.orders.models import Order
from trustmart.reviews import handlers, selectors, services
from trustmart.reviews.levels import level_for, level_info
from trustmart.reviews.models import CreditFact, CreditRecord, Rating, SubjectType
from trustmart.stores.models import Store

from .factories import deliver_all, event, received_order


def record(subject_type: str, subject_id: int) -> CreditRecord:
    return selectors.credit_record_of(subject_type=subject_type, subject_id=subject_id)


def review(buyer: User, order: Order, rating: str = Rating.POSITIVE) -> None:
    services.review_create(buyer=buyer, line_id=order.lines.get().pk, rating=rating,
                           text="" if rating == Rating.POSITIVE else "不太满意这次的货",
                           description_stars=5, service_stars=5, logistics_stars=5)


def test_settlement_counts_a_completed_transaction(order: Order, merchant: Merchant,
                                                   shop: Store, buyer: User) -> None:
    assert order.settle_due_at is not None
    with time_machine.travel(order.settle_due_at + timedelta(minutes=1), tick=False):
        assert settlement.order_settle(order_no=order.order_no)
    deliver_all()
    assert record(SubjectType.MERCHANT, merchant.pk).completed == 1
    assert record(SubjectType.STORE, shop.pk).completed == 1
    buyer_record = record(SubjectType.USER, buyer.pk)
    assert buyer_record.completed == 1 and buyer_record.points == 1 and buyer_record.level == 1


def test_the_same_fact_twice_counts_once(order: Order, merchant: Merchant) -> None:
    payload = {"order_no": order.order_no, "merchant_id": merchant.pk, "buyer_id": order.buyer_id,
               "total_fen": 1,
               "fee_fen": 0, "lines": []}
    handlers.on_order_settled(event("order.settled", payload))
    handlers.on_order_settled(event("order.settled", payload))  # another event id, same fact
    assert record(SubjectType.MERCHANT, merchant.pk).completed == 1


def test_shipping_time_average(merchant: Merchant, order: Order) -> None:
    # the order's own shipment was counted when it shipped
    first = record(SubjectType.MERCHANT, merchant.pk)
    assert first.shipped == 1
    paid = timezone.now()
    for n, hours in enumerate((10, 20)):
        publish("order.shipped", {"order_no": f"X{n}", "buyer_id": 1, "merchant_id": merchant.pk,
                                  "paid_at": paid.isoformat(),
                                  "shipped_at": (paid + timedelta(hours=hours)).isoformat()})
    deliver_all()
    merchant_record = record(SubjectType.MERCHANT, merchant.pk)
    assert merchant_record.shipped == 3
    assert merchant_record.ship_seconds_total == first.ship_seconds_total + 30 * 3600
    view = selectors.credit_view(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk)
    assert view.avg_ship_hours == round(merchant_record.ship_seconds_total / 3 / 3600, 1)


def test_cases_and_counterfeit(order: Order, merchant: Merchant, shop: Store,
                               buyer: User) -> None:
    line = order.lines.get()
    base = {"case_no": "K1", "kind": "counterfeit", "order_no": order.order_no,
            "line_id": line.pk, "buyer_id": buyer.pk, "merchant_id": merchant.pk,
            "store_id": shop.pk}
    publish("case.opened", base)
    publish("case.closed", {**base, "outcome": "refund", "refund_fen": line.paid_fen,
                            "compensation_fen": 10 * line.paid_fen, "counterfeit": True})
    publish("case.closed", {**base, "case_no": "K2", "outcome": "rejected", "refund_fen": 0,
                            "compensation_fen": 0, "counterfeit": False})
    deliver_all()
    merchant_record = record(SubjectType.MERCHANT, merchant.pk)
    assert (merchant_record.cases_opened, merchant_record.counterfeits) == (1, 1)
    assert record(SubjectType.STORE, shop.pk).cases_opened == 1
    assert record(SubjectType.USER, buyer.pk).cases_opened == 1
    # a minimal payload (order and line only) finds the parties itself
    handlers.on_case_opened(event("case.opened", {"case_no": "K3", "order_no": order.order_no,
                                                  "line_id": line.pk}))
    assert record(SubjectType.MERCHANT, merchant.pk).cases_opened == 2
    assert record(SubjectType.STORE, shop.pk).cases_opened == 2


def test_dispute_rate(merchant: Merchant) -> None:
    for n in range(4):
        services.credit_fact_add(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk,
                                 kind="completed", key=f"O{n}")
    services.credit_fact_add(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk,
                             kind="case_opened", key="K1")
    view = selectors.credit_view(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk)
    assert view.dispute_rate_bps == 2500 and view.dispute_rate == "25.0%"


def test_reviews_move_points_and_level(buyer: User, sku: Sku, merchant: Merchant,
                                       make_user: Callable[..., User]) -> None:
    for n, rating in enumerate([Rating.POSITIVE] * 5 + [Rating.NEUTRAL, Rating.NEGATIVE]):
        someone = make_user(f"买家{n}")
        review(someone, received_order(someone, sku), rating)
    merchant_record = record(SubjectType.MERCHANT, merchant.pk)
    assert (merchant_record.good_total, merchant_record.neutral_total,
            merchant_record.bad_total) == (5, 1, 1)
    assert merchant_record.points == 4 and merchant_record.level == 2
    view = selectors.credit_view(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk)
    assert view.positive_rate == "71.4%" and view.level.symbols == "♥♥"


def test_six_month_window(buyer: User, sku: Sku, merchant: Merchant,
                          make_user: Callable[..., User]) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        review(buyer, received_order(buyer, sku), Rating.NEGATIVE)
    later = start + timedelta(days=100)
    with time_machine.travel(later, tick=False):
        other = make_user("阿强")
        review(other, received_order(other, sku))
    merchant_record = record(SubjectType.MERCHANT, merchant.pk)
    assert (merchant_record.good_6m, merchant_record.bad_6m) == (1, 1)
    assert merchant_record.window_due_at is not None
    # the day before the first review leaves the window nothing is due
    with time_machine.travel(merchant_record.window_due_at - timedelta(days=1), tick=False):
        assert run_job("reviews.credit_window") == 0
    with time_machine.travel(merchant_record.window_due_at + timedelta(hours=1), tick=False):
        assert int(run_job("reviews.credit_window")) >= 1  # type: ignore[call-overload]
    merchant_record = record(SubjectType.MERCHANT, merchant.pk)
    assert (merchant_record.good_6m, merchant_record.bad_6m) == (1, 0)
    assert (merchant_record.good_total, merchant_record.bad_total) == (1, 1)
    assert merchant_record.window_due_at is not None and merchant_record.window_due_at > later
    with time_machine.travel(later + timedelta(days=200), tick=False):
        run_job("reviews.credit_window")
    merchant_record = record(SubjectType.MERCHANT, merchant.pk)
    assert merchant_record.good_6m == 0 and merchant_record.window_due_at is None


def test_default_review_counts_for_the_store(order: Order, shop: Store) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=settings.REVIEW_DEFAULT_DAYS + 1),
                             tick=False):
        run_job("reviews.default_positive")
    assert record(SubjectType.STORE, shop.pk).good_total == 1


def test_levels() -> None:
    assert [level_for(p) for p in (-3, 0, 1, 3, 4, 11, 151, 5001, 10**7)] == [
        0, 0, 1, 1, 2, 3, 6, 11, 15]
    assert level_info(6).kind == "diamond" and level_info(6).symbols == "◆"
    assert level_info(15).symbols == "♛" * 5


def test_public_credit_view_of_unknown_subject_is_not_found(db: None) -> None:
    from trustmart.core.errors import NotFound

    for kind in ("merchant", "store", "user", "planet"):
        with pytest.raises(NotFound):
            selectors.credit_view(subject_type=kind, subject_id=999_999)


def test_facts_are_rows(order: Order, merchant: Merchant) -> None:
    assert CreditFact.objects.filter(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk,
                                     kind="shipped", key=order.order_no).count() == 1


def test_a_real_counterfeit_case_reaches_the_record(buyer: User, seller: User, operator: User,
                                                    order: Order, merchant: Merchant,
                                                    shop: Store) -> None:
    """Through aftersales' own services: the case opens (dispute), is upheld as counterfeit
    (judgment), the line is refunded in full (the review stops counting)."""
    from trustmart.aftersales import services as aftersales
    from trustmart.aftersales.models import Kind, Reason

    review(buyer, order)
    line = order.lines.get()
    case = aftersales.case_open(buyer=buyer, order_no=order.order_no, line_id=line.pk,
                                kind=Kind.COUNTERFEIT, reason=Reason.COUNTERFEIT,
                                text="防伪码查询不到")
    aftersales.case_merchant_reject(user=seller, case_no=case.case_no, reason="正品")
    aftersales.case_escalate(buyer=buyer, case_no=case.case_no)
    aftersales.case_arbitrate(operator=operator, case_no=case.case_no, decision="upheld",
                              reason="鉴定为假货")
    deliver_all()
    merchant_record = record(SubjectType.MERCHANT, merchant.pk)
    assert (merchant_record.cases_opened, merchant_record.counterfeits) == (1, 1)
    assert record(SubjectType.STORE, shop.pk).cases_opened == 1
    assert record(SubjectType.USER, buyer.pk).cases_opened == 1
    assert merchant_record.good_total == 0  # the refunded line's review no longer counts
