"""Demo data: after-sales cases in every state, made through the real services.

Cases are opened on the demo's paid, shipped and received orders; the merchant's owner answers,
buyers escalate, and the demo operator decides. The demo buyer gets a counterfeit claim the
platform upheld (refund + 10x compensation from the merchant's deposit, which the merchant then
tops up through the sandbox) and a case waiting for arbitration. The only shortcut: cases meant
to time out get their deadline moved into the past before the real sweep runs.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from trustmart.accounts.models import User
from trustmart.core.errors import DomainError
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order
from trustmart.payments import demo as payments_demo

from . import services
from .models import Case, Kind, Reason

OS = Order.Status
TEXTS: dict[str, tuple[str, str]] = {
    Kind.REFUND_ONLY: ("拍错了，还没发货请帮忙退款", "物流一直没有更新，没收到货"),
    Kind.RETURN_REFUND: ("7天无理由退货，包装完好未拆封", "颜色和图片差别较大，想退货"),
    Kind.QUALITY: ("收到时外包装破损，茶叶受潮结块", "瓶盖漏液，商品有异味"),
    Kind.COUNTERFEIT: ("防伪码查询不到，包装印刷模糊", "和专柜购买的对比明显不同，怀疑假货"),
}
REASONS: dict[str, str] = {Kind.REFUND_ONLY: Reason.NO_LONGER_WANTED, Kind.RETURN_REFUND:
           Reason.NO_REASON_7_DAYS, Kind.QUALITY: Reason.DAMAGED,
           Kind.COUNTERFEIT: Reason.COUNTERFEIT}
REJECTIONS = ("商品出库前已检查，无质量问题", "我方为品牌直供正品，可提供授权书",
              "已超出无理由退货范围")
CARRIERS = ("SF", "ZTO", "YTO", "JD")


def _evidence(rng: random.Random) -> SimpleUploadedFile:
    """A small made-up photo: a coloured card with a few marks."""
    image = Image.new("RGB", (480, 360), tuple(rng.randrange(120, 240) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x, y = rng.randrange(20, 400), rng.randrange(20, 280)
        draw.rectangle((x, y, x + rng.randrange(30, 80), y + rng.randrange(20, 60)),
                       outline=(200, 40, 40), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("evidence.png", buffer.getvalue(), content_type="image/png")


class _Demo:
    def __init__(self, rng: random.Random, operator: User) -> None:
        self.rng = rng
        self.operator = operator

    def open(self, order: Order, kind: str, *, part: bool = False) -> Case:
        line = order.lines.order_by("pk").first()
        assert line is not None
        left = line.paid_fen - line.refunded_fen
        return services.case_open(
            buyer=order.buyer, order_no=order.order_no, line_id=line.pk, kind=kind,
            reason=REASONS[kind], text=self.rng.choice(TEXTS[kind]),
            requested_fen=max(left // 2, 1) if part else None,
            images=[_evidence(self.rng) for _ in range(self.rng.choice((1, 2, 3)))])

    def merchant(self, case: Case) -> User:
        return case.merchant.owner

    def reject(self, case: Case) -> None:
        services.case_merchant_reject(user=self.merchant(case), case_no=case.case_no,
                                      reason=self.rng.choice(REJECTIONS))

    def escalate(self, case: Case) -> None:
        self.reject(case)
        services.case_message_post(user=case.buyer, case_no=case.case_no,
                                   text="补充照片，请平台看一下", images=[_evidence(self.rng)])
        services.case_escalate(buyer=case.buyer, case_no=case.case_no, note="请平台介入")

    def ship_back(self, case: Case) -> None:
        carrier = self.rng.choice(CARRIERS)
        services.case_return_ship(buyer=case.buyer, case_no=case.case_no, carrier=carrier,
                                  tracking_no=f"{carrier}{self.rng.randrange(10**9, 10**10)}")

    def overdue(self, case: Case) -> None:
        Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(minutes=1))

    # --- one function per end state ----------------------------------------------------------
    def awaiting_merchant(self, order: Order) -> None:
        self.open(order, Kind.REFUND_ONLY if order.status == OS.PAID else Kind.QUALITY)

    def refunded(self, order: Order) -> None:
        case = self.open(order, Kind.REFUND_ONLY)
        services.case_merchant_accept(user=self.merchant(case), case_no=case.case_no)

    def auto_accepted(self, order: Order) -> None:
        self.overdue(self.open(order, Kind.REFUND_ONLY, part=True))

    def partial_offered(self, order: Order) -> None:
        case = self.open(order, Kind.QUALITY)
        services.case_merchant_offer(user=self.merchant(case), case_no=case.case_no,
                                     amount_fen=max(case.requested_fen * 3 // 10, 1),
                                     note="可以补偿部分款项，无需退货")

    def partial_refunded(self, order: Order) -> None:
        case = self.open(order, Kind.REFUND_ONLY)
        services.case_merchant_offer(user=self.merchant(case), case_no=case.case_no,
                                     amount_fen=max(case.requested_fen // 2, 1), note="退一半")
        services.case_offer_accept(buyer=case.buyer, case_no=case.case_no)

    def rejected(self, order: Order) -> None:
        self.reject(self.open(order, Kind.QUALITY))

    def closed(self, order: Order) -> None:
        case = self.open(order, Kind.QUALITY)
        self.reject(case)
        self.overdue(case)

    def withdrawn(self, order: Order) -> None:
        case = self.open(order, Kind.QUALITY)
        services.case_withdraw(buyer=case.buyer, case_no=case.case_no)

    def awaiting_return(self, order: Order) -> None:
        case = self.open(order, Kind.RETURN_REFUND)
        services.case_merchant_accept(user=self.merchant(case), case_no=case.case_no)

    def returned(self, order: Order) -> None:
        case = self.open(order, Kind.RETURN_REFUND)
        services.case_merchant_accept(user=self.merchant(case), case_no=case.case_no)
        self.ship_back(case)

    def return_refunded(self, order: Order) -> None:
        case = self.open(order, Kind.QUALITY)
        services.case_merchant_accept(user=self.merchant(case), case_no=case.case_no)
        self.ship_back(case)
        services.case_return_confirm(user=self.merchant(case), case_no=case.case_no)

    def arbitration(self, order: Order) -> None:
        kind = Kind.QUALITY if order.status == OS.SHIPPED else Kind.COUNTERFEIT
        self.escalate(self.open(order, kind))

    def dismissed(self, order: Order) -> None:
        case = self.open(order, Kind.QUALITY)
        self.escalate(case)
        services.case_arbitrate(operator=self.operator, case_no=case.case_no,
                                decision="dismissed", reason="照片无法证明质量问题，商家已举证")

    def upheld_counterfeit(self, order: Order) -> None:
        case = self.open(order, Kind.COUNTERFEIT)
        self.escalate(case)
        services.case_arbitrate(operator=self.operator, case_no=case.case_no, decision="upheld",
                                reason="经第三方鉴定为假冒商品，支持买家，假一赔十")
        # The merchant tops its deposit up again through the sandbox (and is reinstated).
        payments_demo.pay_deposits([Merchant.objects.get(pk=case.merchant_id)])


# (end state, order statuses it can start from); the demo buyer's three orders come first.
DEMO_BUYER_PLAN = (("upheld_counterfeit", OS.RECEIVED), ("arbitration", OS.SHIPPED),
                   ("awaiting_merchant", OS.PAID))
PLAN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("awaiting_merchant", (OS.SHIPPED,)),
    ("refunded", (OS.PAID,)),
    ("auto_accepted", (OS.PAID,)),
    ("partial_offered", (OS.RECEIVED, OS.SHIPPED)),
    ("partial_refunded", (OS.SHIPPED, OS.PAID)),
    ("rejected", (OS.RECEIVED, OS.SHIPPED)),
    ("closed", (OS.SHIPPED, OS.RECEIVED)),
    ("withdrawn", (OS.SHIPPED, OS.RECEIVED)),
    ("awaiting_return", (OS.RECEIVED,)),
    ("returned", (OS.RECEIVED,)),
    ("return_refunded", (OS.RECEIVED, OS.SHIPPED)),
    ("arbitration", (OS.RECEIVED, OS.SHIPPED)),
    ("dismissed", (OS.RECEIVED, OS.SHIPPED)),
)


def build(rng: random.Random, *, buyer: User, operator: User) -> dict[str, int]:
    """Cases in every state on the demo's open orders. Returns the number per status."""
    demo = _Demo(rng, operator)
    orders = list(Order.objects.filter(status__in=(OS.PAID, OS.SHIPPED, OS.RECEIVED),
                                       open_cases=0)
                  .select_related("buyer", "merchant__owner").order_by("pk"))
    used: set[int] = set()

    def take(statuses: tuple[str, ...], owner: User | None) -> Order | None:
        for status in statuses:
            for order in orders:
                if (order.pk not in used and order.status == status
                        and (owner is None or order.buyer_id == owner.pk)):
                    used.add(order.pk)
                    return order
        return None

    steps: list[tuple[str, Order | None]] = [
        (name, take((status,), buyer)) for name, status in DEMO_BUYER_PLAN]
    steps += [(name, take(statuses, None)) for name, statuses in PLAN]
    for name, order in steps:
        if order is None:
            continue
        action: Callable[[Order], None] = getattr(demo, name)
        try:
            action(order)
        except DomainError:
            continue  # an order the scenario cannot use; the demo goes on without it
    services.cases_due_sweep()
    return dict(sorted(Counter(Case.objects.values_list("status", flat=True)).items()))
