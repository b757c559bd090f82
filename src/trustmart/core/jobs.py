"""Timed jobs: sweeps of rows whose ``due_at`` has passed.

Each app registers its jobs in its own ``jobs.py`` with ``@job(name, every_seconds=...)`` and
imports that module in its ``AppConfig.ready``, so every process that runs jobs sees them all.
Something must run them: ``trustmart worker`` (``core.worker``), or Celery beat's tick
(``core.tasks.jobs_tick``) with Celery workers; ``trustmart demo`` runs a worker in a thread.

Every run is claimed first in the ``JobClaim`` table with a conditional UPDATE (due now, no
live lease), so any number of workers and beats run a job once per period, on SQLite as on
PostgreSQL. The lease is renewed while the job runs; a runner that dies stops renewing it and
its claim expires after ``JOB_LEASE``. The services jobs call are guarded and idempotent anyway:
the claim saves duplicate work, it is not what makes a sweep correct.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import connections
from django.db.models import F, Q
from django.utils import timezone

from .models import JobClaim

logger = logging.getLogger(__name__)

# How long a claim holds without renewal; a running job renews it every third of that.
JOB_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    fn: Callable[[], object]


_jobs: dict[str, Job] = {}
JobFn = TypeVar("JobFn", bound=Callable[[], object])


def job(name: str, *, every_seconds: int) -> Callable[[JobFn], JobFn]:
    """Register the decorated function as the timed job ``name``, run every ``every_seconds``."""

    def register(fn: JobFn) -> JobFn:
        _jobs[name] = Job(name, every_seconds, fn)
        return fn

    return register


def registered_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def run_job(name: str) -> object:
    """Run a job now, unclaimed (tests, an operator's shell). Runners use ``job_run_if_due``."""
    return _jobs[name].fn()


def runner_id(kind: str) -> str:
    """A name for one runner (``worker:host:pid:xxxxxx``), shown as the owner of its claims."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def jobs_schedule_ensure(jobs: Iterable[Job] | None = None) -> None:
    """Give every job a claim row; a new job is due at once."""
    now = timezone.now()
    JobClaim.objects.bulk_create(
        [JobClaim(name=j.name, next_run_at=now) for j in (jobs or registered_jobs())],
        ignore_conflicts=True)


def _is_free(claim: JobClaim, now: datetime) -> bool:
    return claim.lease_until is None or claim.lease_until <= now


def jobs_due(jobs: Iterable[Job] | None = None) -> list[Job]:
    """The jobs a runner may claim now: their next run has come and no live lease holds them."""
    jobs = list(jobs or registered_jobs())
    now = timezone.now()
    claims = {c.name: c for c in JobClaim.objects.filter(name__in=[j.name for j in jobs])}
    if len(claims) < len(jobs):
        jobs_schedule_ensure([j for j in jobs if j.name not in claims])
        return jobs_due(jobs)
    return [j for j in jobs if claims[j.name].next_run_at <= now and _is_free(claims[j.name], now)]


def job_claim(name: str, *, owner: str) -> bool:
    """Take this period's run of ``name`` for ``owner``; False when it is not due or taken.

    Compare-and-set on the ``next_run_at`` just read: of several runners that read the same row,
    exactly one UPDATE matches. The next run is one period after the one claimed (not after now),
    so runs do not drift; a runner that was down for several periods runs the job once, not once
    per missed period."""
    claim = JobClaim.objects.filter(name=name).first()
    if claim is None:
        jobs_schedule_ensure([_jobs[name]])
        claim = JobClaim.objects.get(name=name)
    now = timezone.now()
    if claim.next_run_at > now or not _is_free(claim, now):
        return False
    every = timedelta(seconds=_jobs[name].every_seconds)
    following = claim.next_run_at + every
    if following <= now:
        following = now + every
    return bool(
        JobClaim.objects.filter(name=name, next_run_at=claim.next_run_at)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(owner=owner, lease_until=now + JOB_LEASE, next_run_at=following))


def job_run_claimed(name: str, *, owner: str) -> bool:
    """Run ``name`` under ``owner``'s claim and record how it went. False (nothing run) when
    the claim is no longer ``owner``'s: it expired and another runner took a later period."""
    started = timezone.now()
    if not JobClaim.objects.filter(name=name, owner=owner).update(
            lease_until=started + JOB_LEASE, last_started_at=started):
        return False
    result: object = None
    error = ""
    with _lease_kept(name, owner):
        try:
            result = _jobs[name].fn()
        except Exception:
            logger.exception("timed job %s failed", name)
            error = traceback.format_exc(limit=8)[-8000:]
    JobClaim.objects.filter(name=name, owner=owner).update(
        lease_until=None, last_finished_at=timezone.now(), last_ok=not error,
        last_result="" if error or result is None else str(result)[:200], last_error=error,
        runs=F("runs") + 1, failures=F("failures") + (1 if error else 0))
    return True


def job_run_if_due(name: str, *, owner: str) -> bool:
    """Claim and run one job; True when this call ran it."""
    return job_claim(name, owner=owner) and job_run_claimed(name, owner=owner)


@contextlib.contextmanager
def _lease_kept(name: str, owner: str) -> Iterator[None]:
    """Renew ``owner``'s lease on ``name`` from a thread of its own while the block runs."""
    done = threading.Event()

    def renew() -> None:
        try:
            while not done.wait((JOB_LEASE / 3).total_seconds()):
                JobClaim.objects.filter(name=name, owner=owner).update(
                    lease_until=timezone.now() + JOB_LEASE)
        except Exception:
            logger.exception("could not renew the claim on timed job %s", name)
        finally:
            connections.close_all()  # this thread's connections only

    renewer = threading.Thread(target=renew, name=f"lease:{name}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        done.set()
        renewer.join()


@job("core.events.deliver_due", every_seconds=30)
def _deliver_due_events() -> object:
    from .events import deliver_due

    return deliver_due()


@job("core.idempotency.purge_expired", every_seconds=3600)
def _purge_idempotency_keys() -> object:
    from .idempotency import purge_expired

    return purge_expired()
