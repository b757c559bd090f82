"""The REST API: own rows only (404 otherwise), withdrawals, policy, review, merchant figures."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.commissions.models import Commission, CommissionPolicy
from trustmart.sharing.models import Visit

from .conftest import World

pytestmark = pytest.mark.django_db
API = "/api/commissions"


def send(client: Client, method: str, path: str, body: object) -> object:
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def test_my_earnings_and_list(world: World, api_client_for: Callable[[User], Client]) -> None:
    Visit.objects.create(share=world.share_b, channel="link", visitor=None, device_id="d1")
    Visit.objects.create(share=world.share_b, channel="link", visitor=None, device_id="d2")
    world.settle(world.buy())
    world.buy()
    b = api_client_for(world.b)
    body = b.get(f"{API}/mine/earnings").json()
    assert body["pending_fen"] == 1000 and body["available_fen"] == 1000
    assert body["visits"] == 2 and body["orders"] == 2 and body["conversion_bps"] == 10_000
    items = b.get(f"{API}/mine").json()["items"]
    assert [i["status"] for i in items] == ["pending", "available"]


def test_someone_elses_commission_is_404(world: World,
                                         api_client_for: Callable[[User], Client]) -> None:
    world.buy()
    commission = Commission.objects.get()
    assert api_client_for(world.b).get(f"{API}/mine/{commission.pk}").status_code == 200
    for other in (world.a, world.c):
        response = api_client_for(other).get(f"{API}/mine/{commission.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Client().get(f"{API}/mine/{commission.pk}").status_code == 401


def test_withdraw_and_withdrawal_404(world: World,
                                     api_client_for: Callable[[User], Client]) -> None:
    for _ in range(2):
        world.settle(world.buy())
    b = api_client_for(world.b)
    response = send(b, "post", f"{API}/mine/withdrawals", {"amount_fen": 1500,
                                                           "request_id": "abc"})
    assert response.status_code == 201  # type: ignore[attr-defined]
    wid = response.json()["id"]  # type: ignore[attr-defined]
    again = send(b, "post", f"{API}/mine/withdrawals", {"amount_fen": 1500, "request_id": "abc"})
    assert again.json()["id"] == wid  # type: ignore[attr-defined]
    too_small = send(b, "post", f"{API}/mine/withdrawals", {"amount_fen": 1, "request_id": "x"})
    assert too_small.status_code == 422  # type: ignore[attr-defined]
    assert b.get(f"{API}/mine/withdrawals/{wid}").status_code == 200
    assert api_client_for(world.a).get(f"{API}/mine/withdrawals/{wid}").status_code == 404
    assert len(b.get(f"{API}/mine/withdrawals").json()["items"]) == 1


def test_policy_public_and_operator_only(world: World, operator: User,
                                         api_client_for: Callable[[User], Client]) -> None:
    assert Client().get(f"{API}/policy").json()["level2_enabled"] is False
    change = {"level2_enabled": True, "level2_bps": 200, "note": "开放二级"}
    assert send(api_client_for(world.b), "patch", f"{API}/policy",
                change).status_code == 404  # type: ignore[attr-defined]
    ops = api_client_for(operator)
    response = send(ops, "patch", f"{API}/policy", change)
    assert response.status_code == 200 and response.json()["level2_bps"] == 200  # type: ignore[attr-defined]
    refused = send(ops, "patch", f"{API}/policy", {"max_total_bps": 9000})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert refused.json()["code"] == "policy_cap_too_high"  # type: ignore[attr-defined]
    for unknown in ({"entry_fee_fen": 9900}, {"level3_bps": 100}, {"recruit_reward_fen": 1}):
        assert send(ops, "patch", f"{API}/policy",
                    unknown).status_code == 422  # type: ignore[attr-defined]
    assert CommissionPolicy.objects.count() == 1


def test_review_queue_api(world: World, operator: User,
                          api_client_for: Callable[[User], Client]) -> None:
    for user in (world.b, world.c):
        Visit.objects.create(share=world.share_a, channel="link", visitor=user, device_id="dev")
    world.buy()
    world.buy()
    assert api_client_for(world.b).get(f"{API}/review").status_code == 404
    ops = api_client_for(operator)
    items = ops.get(f"{API}/review").json()["items"]
    assert len(items) == 2 and items[0]["review_reasons"] == ["shared_device"]
    assert send(api_client_for(world.b), "post", f"{API}/review/{items[0]['id']}/approve",
                {}).status_code == 404  # type: ignore[attr-defined]
    approved = send(ops, "post", f"{API}/review/{items[0]['id']}/approve", {})
    assert approved.json()["review_status"] == "approved"  # type: ignore[attr-defined]
    rejected = send(ops, "post", f"{API}/review/{items[1]['id']}/reject", {"reason": "刷单"})
    assert rejected.json()["status"] == "cancelled"  # type: ignore[attr-defined]
    mine = api_client_for(world.b).get(f"{API}/mine/{items[1]['id']}").json()
    assert mine["review_status"] == "rejected" and mine["review_note"] == "刷单"


def test_merchant_figures(world: World, make_user: Callable[..., User],
                          api_client_for: Callable[[User], Client]) -> None:
    world.buy(quantity=2)
    world.buy(share=world.share_a)
    staff = world.merchant.staff.first().user  # type: ignore[union-attr]
    client = api_client_for(staff)
    sharers = client.get(f"{API}/merchants/{world.merchant.pk}/top-sharers").json()
    assert [(s["nickname"], s["sales_fen"]) for s in sharers] == [("店主乙", 20_000),
                                                                  ("店主甲", 10_000)]
    channels = client.get(f"{API}/merchants/{world.merchant.pk}/top-channels").json()
    assert [c["channel"] for c in channels] == ["wechat_friend", "wechat_moments"]
    assert api_client_for(world.b).get(
        f"{API}/merchants/{world.merchant.pk}/top-sharers").status_code == 404
