"""Thin Celery tasks: each calls one core function."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="trustmart.core.deliver_event", acks_late=True)
def deliver_event(event_id: str) -> bool:
    from .events import deliver

    return deliver(event_id)


@shared_task(name="trustmart.core.run_job")
def run_job(name: str) -> None:
    from .jobs import run_job as run

    run(name)
