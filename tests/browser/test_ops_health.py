"""On a phone: after a worker has run, an operator opens the health page from the 我的 menu and
sees the books sound, the outbox empty and each timed job's last run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import Role, User
from trustmart.core.worker import Worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def test_an_operator_reads_the_health_page(page: Any, shot: Any,
                                           make_user: Callable[..., User]) -> None:
    make_user("平台运营小周", mobile="13900000005", password=PASSWORD, roles=(Role.OPERATOR,))
    Worker(until_idle=True, poll_seconds=0.05).run()  # every job runs once

    page.goto("/login/")
    page.get_by_label("手机号").fill("13900000005")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("nickname").wait_for()
    page.get_by_role("link", name="系统状况").click()
    page.get_by_role("heading", name="系统状况").wait_for()
    assert page.get_by_test_id("ledger-ok").is_visible()
    assert page.get_by_test_id("outbox-pending").inner_text() == "0"
    expire = page.get_by_test_id("job-orders.expire_unpaid")
    assert "上次运行" in expire.inner_text() and "成功" in expire.inner_text()
    shot("health")
