"""The events aftersales publishes: a case opened on an order line, and how it closed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from trustmart.core.events import EventType, Payload


@dataclass(frozen=True)
class CaseOpened(Payload):
    """A buyer opened an after-sales case (refund, return, quality or counterfeit claim)."""

    case_no: Annotated[str, "The case's number."]
    order_no: Annotated[str, "The order the line belongs to."]
    line_id: Annotated[int, "The order line the case is about."]
    # Always sent; absent only in the earliest rows, whose readers look them up by the order.
    kind: Annotated[str, "refund_only, return_refund, quality or counterfeit."] = ""
    buyer_id: Annotated[int | None, "The buyer who opened it (user id)."] = None
    merchant_id: Annotated[int | None, "The merchant who must answer."] = None
    store_id: Annotated[int | None, "The microstore the line was bought through, if any."] = None


@dataclass(frozen=True)
class CaseClosed(CaseOpened):
    """A case reached its end: refunded, upheld, dismissed, withdrawn or lapsed."""

    outcome: Annotated[str, "How it ended (refunded, upheld, dismissed, withdrawn, ...)."] = ""
    refund_fen: Annotated[int, "What the buyer got back, in fen."] = 0
    compensation_fen: Annotated[int, "Counterfeit compensation (10x) paid, in fen."] = 0
    counterfeit: Annotated[bool, "A counterfeit claim was proven against the merchant."] = False


CASE_OPENED = EventType("case.opened", CaseOpened)
CASE_CLOSED = EventType("case.closed", CaseClosed)
