"""A stranger's wrong passwords lock a number; its owner still gets in with an SMS code, then
sets a new password by SMS and logs in with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.accounts.sms import MemorySender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MOBILE = "13912340009"
OLD, NEW = "tea-garden-42", "river-stone-77"


def _password_log_in(page: Any, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("手机号").fill(MOBILE)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _code_for(page: Any) -> str:
    page.get_by_test_id("send-code").click()
    page.locator("#code-status .ok").wait_for()
    return [m for m in MemorySender.outbox if m.mobile == MOBILE][-1].code


def test_a_locked_out_owner_logs_in_by_sms_and_resets_the_password(
        page: Any, shot: Any, make_user: Callable[..., User]) -> None:
    make_user("橙子", mobile=MOBILE, password=OLD)
    for _ in range(5):
        _password_log_in(page, "someone-guessing")
        page.get_by_text("手机号或密码不正确").wait_for()
    _password_log_in(page, OLD)  # even the right password waits now
    page.get_by_text("改用短信验证码登录").wait_for()
    shot("locked")

    page.get_by_test_id("login-by-code").click()
    page.get_by_test_id("code-login-form").wait_for()
    page.get_by_label("手机号").fill(MOBILE)
    page.get_by_label("验证码").fill(_code_for(page))
    shot("code-log-in")
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("nickname").wait_for()
    assert page.get_by_test_id("nickname").inner_text() == "橙子"

    page.get_by_role("button", name="退出登录").click()
    # A minute later (one code per minute per number, whatever its purpose).
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        page.goto("/login/")
        page.get_by_test_id("forgot-password").click()
        page.get_by_test_id("password-reset-form").wait_for()
        page.get_by_label("手机号").fill(MOBILE)
        page.get_by_label("验证码").fill(_code_for(page))
        page.get_by_label("新密码").fill(NEW)
        page.get_by_label("确认密码").fill(NEW)
        shot("reset")
        page.get_by_role("button", name="设置新密码").click()
        page.get_by_text("密码已修改。").wait_for()
        page.get_by_role("button", name="退出登录").click()
        # Still "a minute later": the lock's counter lives in fixed time windows, so stepping
        # back in time could land in the window before the one the reset cleared.
        _password_log_in(page, NEW)  # the reset also lifted the lock
        page.get_by_test_id("nickname").wait_for()
        shot("logged-in-with-new-password")
    user = User.objects.get(mobile=MOBILE)
    assert user.check_password(NEW)
