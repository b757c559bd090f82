"""H5 pages: 我的收益, a commission, the public rules, the operator's queue and policy, the
merchant's top sharers; someone else's commission and the operator pages are 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.commissions import services
from trustmart.commissions.models import Commission, CommissionPolicy, CommissionWithdrawal
from trustmart.sharing.models import Visit

from .conftest import World, available

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_earnings_page_and_withdraw(world: World) -> None:
    world.settle(world.buy())
    world.settle(world.buy())
    world.buy()
    client = logged_in(world.b)
    page = client.get("/me/earnings/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="earnings-pending">¥10.00' in html
    assert 'data-testid="earnings-available">¥20.00' in html
    assert html.count('data-testid="commission"') == 3
    request_id = page.context["form"].initial["request_id"]
    done = client.post("/me/earnings/", {"amount": "15.00", "request_id": request_id})
    assert done.status_code == 302
    again = client.post("/me/earnings/", {"amount": "15.00", "request_id": request_id})
    assert again.status_code == 302
    assert CommissionWithdrawal.objects.count() == 1 and available(world.b) == 500
    too_much = client.post("/me/earnings/", {"amount": "9.00", "request_id": "other"})
    assert too_much.status_code == 200 and too_much.context["form"].errors


def test_earnings_needs_login() -> None:
    assert Client().get("/me/earnings/").status_code == 302


def test_commission_detail_is_the_earners_only(world: World, operator: User) -> None:
    for user in (world.b, world.c):
        Visit.objects.create(share=world.share_a, channel="link", visitor=user, device_id="d")
    world.buy()
    c = Commission.objects.get()
    services.commission_reject(user=operator, commission_id=c.pk, reason="同设备刷单")
    page = logged_in(world.b).get(f"/me/earnings/{c.pk}/")
    assert page.status_code == 200 and "同设备刷单" in page.content.decode()
    assert logged_in(world.a).get(f"/me/earnings/{c.pk}/").status_code == 404
    assert logged_in(operator).get(f"/me/earnings/{c.pk}/").status_code == 404


def test_rules_page_is_public_and_shows_the_numbers(operator: User) -> None:
    services.policy_change(user=operator, level2_enabled=True, level2_bps=250,
                           max_total_bps=2000, withdrawal_min_fen=500)
    html = Client().get("/rules/commission").content.decode()
    assert "2.5%" in html and "20%" in html and "¥5.00" in html
    assert 'lang="zh-CN"' in html


def test_review_queue_page(world: World, operator: User) -> None:
    for user in (world.b, world.c):
        Visit.objects.create(share=world.share_a, channel="link", visitor=user, device_id="d")
    world.buy()
    world.buy()
    assert logged_in(world.b).get("/ops/commissions/review/").status_code == 404
    client = logged_in(operator)
    page = client.get("/ops/commissions/review/")
    assert page.content.decode().count('data-testid="review-item"') == 2
    first, second = Commission.objects.order_by("pk")
    assert logged_in(world.b).post(
        f"/ops/commissions/review/{first.pk}/approve/").status_code == 404
    client.post(f"/ops/commissions/review/{first.pk}/approve/")
    client.post(f"/ops/commissions/review/{second.pk}/reject/", {"reason": "刷单"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.review_status == "approved"
    assert (second.review_status, second.status) == ("rejected", "cancelled")


def test_policy_page(operator: User, user: User) -> None:
    assert logged_in(user).get("/ops/commissions/policy/").status_code == 404
    client = logged_in(operator)
    assert client.get("/ops/commissions/policy/").status_code == 200
    page = client.get("/ops/commissions/policy/").content.decode()
    assert 'name="max_total_bps" value="30"' in page and "E+" not in page  # 3000 bps, as 30%
    form = {"level2_enabled": "on", "level2_bps": "2", "max_total_bps": "30",
            "withdrawal_min_fen": "1000", "withdrawal_daily_limit_fen": "500000",
            "min_click_to_pay_seconds": "10", "note": "试行二级"}
    assert client.post("/ops/commissions/policy/", form).status_code == 302
    saved = CommissionPolicy.objects.get()
    assert (saved.level2_bps, saved.max_total_bps) == (200, 3000)
    refused = client.post("/ops/commissions/policy/", dict(form, max_total_bps="60"))
    assert refused.status_code == 200 and "50%" in refused.content.decode()
    assert CommissionPolicy.objects.count() == 1
    half = client.post("/ops/commissions/policy/", dict(form, level2_bps="2.5"))
    assert half.status_code == 302
    assert CommissionPolicy.objects.order_by("-pk").first().level2_bps == 250  # type: ignore[union-attr]


def test_merchant_sharers_page(world: World, make_user: Callable[..., User]) -> None:
    world.buy()
    staff = world.merchant.staff.first().user  # type: ignore[union-attr]
    html = logged_in(staff).get("/merchant/sharers/").content.decode()
    assert "店主乙" in html and 'data-testid="channel"' in html
    assert logged_in(world.b).get(f"/merchant/sharers/?merchant={world.merchant.pk}"
                                  ).status_code == 404


def test_my_store_links_to_earnings(world: World) -> None:
    html = logged_in(world.b).get("/my/store/").content.decode()
    assert "/me/earnings/" in html
