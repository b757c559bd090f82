"""The demo shows money out and reconciliation as a visitor would find them: the demo store
owner's payout accounts, a payout paid and one refused (its money back), and the operators'
reconciliation queue with one difference."""

from __future__ import annotations

from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.ledger.selectors import ledger_check
from trustmart.payments.models import Payout, PayoutAccount, ReconciliationDifference
from trustmart.web.demo import build_demo

pytestmark = pytest.mark.django_db


def test_the_demo_pays_out_and_reconciles(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        build_demo()
    owner = User.objects.get(mobile="13900000002")
    kinds = set(PayoutAccount.objects.filter(owner_id=owner.pk).values_list("kind", "status"))
    assert kinds == {("wechat", "verified"), ("alipay", "verified")}
    payouts = dict(Payout.objects.filter(owner_id=owner.pk).values_list("account__kind",
                                                                         "status"))
    assert payouts == {"wechat": "succeeded", "alipay": "failed"}
    difference = ReconciliationDifference.objects.get()
    assert (difference.kind, difference.fix) == ("status_mismatch", "query_payment")
    assert ledger_check() == []
