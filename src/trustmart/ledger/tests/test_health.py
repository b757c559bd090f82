"""``trustmart ledger-check`` and the operators' health page (/ops/health/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core import jobs
from trustmart.core.models import JobClaim, OutboxEvent
from trustmart.ledger.models import Account, Journal

Fund = Callable[[Account, int], Journal]


@pytest.fixture
def books(escrow: Account, fund: Fund) -> Account:
    fund(escrow, 1_000)
    return escrow


def drift(account: Account) -> None:
    Account.objects.filter(pk=account.pk).update(credits_posted_fen=F("credits_posted_fen") + 7)


def test_ledger_check_command_says_the_books_are_sound(books: Account) -> None:
    out = StringIO()
    call_command("ledger_check", stdout=out)
    assert out.getvalue().strip() == "ledger: every invariant holds"


def test_ledger_check_command_prints_each_problem_and_fails(books: Account) -> None:
    drift(books)
    out = StringIO()
    with pytest.raises(CommandError, match="2 ledger invariants broken"):
        call_command("ledger_check", stdout=out)
    printed = out.getvalue()
    assert "balance_drift:" in printed and "posted_sum_not_zero:" in printed


def test_the_cli_runs_ledger_check_under_its_hyphenated_name(
        books: Account, capsys: pytest.CaptureFixture[str]) -> None:
    from trustmart.cli import main

    main(["ledger-check"])
    assert "every invariant holds" in capsys.readouterr().out


def _page(client: Client) -> str:
    response = client.get("/ops/health/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_health_page_shows_books_outbox_and_jobs_to_an_operator(
        books: Account, operator: User, settings: Any) -> None:
    settings.CELERY_BROKER_URL, settings.TRUSTMART_WORKER = "", False
    now = timezone.now()
    OutboxEvent.objects.create(name="order.paid", next_attempt_at=now - timedelta(minutes=5))
    OutboxEvent.objects.create(name="order.paid", status=OutboxEvent.Status.FAILED,
                               next_attempt_at=now)
    jobs.jobs_schedule_ensure()
    JobClaim.objects.filter(name="orders.expire_unpaid").update(
        owner="worker:web-1:42:abc123", lease_until=now + timedelta(seconds=40))
    JobClaim.objects.filter(name="orders.settle_due").update(
        last_started_at=now, last_ok=False, last_error="RuntimeError: boom", runs=3, failures=1)
    client = Client()
    client.force_login(operator)
    page = _page(client)
    assert 'data-testid="ledger-ok"' in page
    assert 'data-testid="outbox-pending">1<' in page and 'data-testid="outbox-failed">1<' in page
    assert 'data-testid="outbox-due">1<' in page
    for job in jobs.registered_jobs():
        assert f'data-testid="job-{job.name}"' in page
    assert "worker:web-1:42:abc123" in page  # who holds the running job
    assert "RuntimeError: boom" in page and 'data-testid="job-failed"' in page
    assert 'data-testid="no-scheduler"' in page
    settings.TRUSTMART_WORKER = True

    drift(books)
    page = _page(client)
    assert 'data-testid="ledger-problem"' in page and 'data-testid="no-scheduler"' not in page


def test_the_operator_menu_links_the_health_page(operator: User) -> None:
    client = Client()
    client.force_login(operator)
    assert 'href="/ops/health/"' in client.get("/me/").content.decode()


def test_anyone_but_an_operator_gets_404(make_user: Callable[..., User]) -> None:
    client = Client()
    assert client.get("/ops/health/").status_code == 302  # to the log-in page first
    client.force_login(make_user("买家"))
    response = client.get("/ops/health/")
    assert response.status_code == 404
    assert "health-outbox" not in response.content.decode()
