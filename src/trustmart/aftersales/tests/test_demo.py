"""The demo leaves cases in every state, made by the real services, with a clean ledger."""

from __future__ import annotations

import pytest

from trustmart.accounts.demo import DEMO_ACCOUNTS
from trustmart.aftersales.models import Case, Kind, Status
from trustmart.ledger.models import Journal
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.web.demo import build_demo

pytestmark = pytest.mark.django_db


def test_demo_cases_in_every_state() -> None:
    counts = build_demo()
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses >= {Status.AWAITING_MERCHANT, Status.PARTIAL_OFFERED, Status.AWAITING_RETURN,
                        Status.RETURNED, Status.REJECTED, Status.ARBITRATION, Status.REFUNDED,
                        Status.UPHELD, Status.DISMISSED, Status.CLOSED_BY_BUYER, Status.CLOSED}
    assert counts["cases"] == Case.objects.count() >= 14
    mine = Case.objects.filter(buyer__mobile__in=[a.mobile for a in DEMO_ACCOUNTS])
    assert mine.filter(status=Status.ARBITRATION).exists()
    upheld = mine.get(status=Status.UPHELD, kind=Kind.COUNTERFEIT)
    assert upheld.compensation_fen == 10 * upheld.line.paid_fen and upheld.refund_fen > 0
    assert Journal.objects.filter(reference=f"case:{upheld.case_no}:compensation").exists()
    # The merchant topped its deposit up again and sells on.
    assert Merchant.objects.get(pk=upheld.merchant_id).can_sell
    assert ledger_check() == []
