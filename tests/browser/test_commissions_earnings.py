"""A store owner on a phone sees their earnings from 我的小店, withdraws available commission;
an operator clears a flagged order from the review queue; anyone reads the commission rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from trustmart.accounts.models import User
from trustmart.commissions.models import Commission, CommissionWithdrawal
from trustmart.commissions.tests.conftest import available, make_world
from trustmart.sharing.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def zh(msgid: str) -> str:
    """What the page shows in Chinese (the English msgid until the catalog is merged)."""
    with translation.override("zh-hans"):
        return gettext(msgid)


def log_in(page: Any, user: User, next_url: str) -> None:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("手机号").fill(user.mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_earnings_withdraw_review_and_rules(page: Any, shot: Any,
                                            make_user: Callable[..., User],
                                            operator: User) -> None:
    world = make_world(make_user, operator, None)
    for _ in range(2):
        world.settle(world.buy())  # 2 × ¥10.00 available to B
    world.buy()  # ¥10.00 pending
    for user in (world.b, world.c):  # the next order is suspicious: same device
        Visit.objects.create(share=world.share_a, channel="link", visitor=user, device_id="dx")
    world.buy()

    log_in(page, world.b, "/my/store/")
    page.get_by_test_id("my-earnings-link").click()
    page.wait_for_url("**/me/earnings/")
    assert page.get_by_test_id("earnings-available").inner_text() == "¥20.00"
    assert page.get_by_test_id("earnings-pending").inner_text() == "¥20.00"
    shot("my-earnings")
    page.get_by_label(zh("Amount (yuan)")).fill("15")
    page.get_by_test_id("withdraw").click()
    page.get_by_test_id("withdrawal").wait_for()
    assert page.get_by_test_id("earnings-available").inner_text() == "¥5.00"
    assert CommissionWithdrawal.objects.filter(user=world.b, amount_fen=1500).count() == 1
    shot("after-withdrawal")
    page.get_by_label(zh("Amount (yuan)")).fill("50")
    page.get_by_test_id("withdraw").click()
    page.locator(".form-error, .field-error").first.wait_for()
    shot("withdrawal-refused")
    assert available(world.b) == 500

    page.context.clear_cookies()
    log_in(page, operator, "/ops/commissions/review/")
    item = page.get_by_test_id("review-item")
    assert item.count() == 1
    assert zh("Buyer and sharer used the same device") in item.inner_text()
    shot("review-queue")
    item.get_by_test_id("reject-reason").fill("同一设备下单，疑似刷单")
    item.get_by_test_id("reject").click()
    page.get_by_text(zh("Nothing is waiting for review.")).wait_for()
    rejected = Commission.objects.get(review_status=Commission.Review.REJECTED)
    assert rejected.status == Commission.Status.CANCELLED

    page.goto("/rules/commission")
    page.get_by_test_id("rules").wait_for()
    assert "¥10.00" in page.get_by_test_id("rule-withdrawal").inner_text()
    shot("rules")
