"""Thin Celery tasks: each calls one core function.

``deliver_event`` is acknowledged only after it ran and is requeued if its worker process dies
(acks_late, reject_on_worker_lost): a worker killed mid-delivery rolled back the handler's
transaction with its ``HandledEvent`` row, so the redelivered message runs the handler once.
Beat sends ``jobs_tick`` every ``WORKER_POLL_SECONDS``; the tick claims each due job
(``core.jobs.job_claim``) and queues one ``run_job`` for the claim, so however many beats tick,
a job runs once per period.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="trustmart.core.deliver_event", acks_late=True, reject_on_worker_lost=True)
def deliver_event(event_id: str) -> bool:
    from .events import deliver

    return deliver(event_id)


@shared_task(name="trustmart.core.jobs_tick", ignore_result=True, acks_late=False)
def jobs_tick() -> int:
    """Claim every due job and queue its run. Returns how many were claimed."""
    from .jobs import job_claim, jobs_due, runner_id

    claimed = 0
    for job in jobs_due():
        owner = runner_id("celery")
        if job_claim(job.name, owner=owner):
            run_job.delay(job.name, owner)
            claimed += 1
    return claimed


@shared_task(name="trustmart.core.run_job", ignore_result=True)
def run_job(name: str, owner: str) -> bool:
    """Run a job claimed by a tick (nothing happens if the claim was lost meanwhile)."""
    from .jobs import job_run_claimed

    return job_run_claimed(name, owner=owner)
