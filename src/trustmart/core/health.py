"""What operators see of the background work: the outbox backlog and the timed jobs' claims.

Read by the operators' health page (``/ops/health/``, served by the ledger app, which adds
``ledger_check``) and cheap enough for monitoring: one aggregate query each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from .jobs import registered_jobs
from .models import JobClaim, OutboxEvent


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int
    due: int  # pending, and waiting for nobody: no claim, no backoff
    failed: int
    oldest_pending_at: datetime | None

    @property
    def oldest_pending_age(self) -> timedelta | None:
        return None if self.oldest_pending_at is None else timezone.now() - self.oldest_pending_at


def outbox_backlog() -> OutboxBacklog:
    now = timezone.now()
    pending = Q(status=OutboxEvent.Status.PENDING)
    counts = OutboxEvent.objects.exclude(status=OutboxEvent.Status.DELIVERED).aggregate(
        pending=Count("pk", filter=pending),
        due=Count("pk", filter=pending & Q(next_attempt_at__lte=now)),
        failed=Count("pk", filter=Q(status=OutboxEvent.Status.FAILED)),
        oldest=Min("created_at", filter=pending))
    return OutboxBacklog(pending=counts["pending"], due=counts["due"], failed=counts["failed"],
                         oldest_pending_at=counts["oldest"])


@dataclass(frozen=True)
class JobState:
    name: str
    every_seconds: int
    claim: JobClaim | None  # None: no runner has seen the job yet

    @property
    def running(self) -> bool:
        """A live lease: some runner holds the job now."""
        lease_until = self.claim.lease_until if self.claim else None
        return lease_until is not None and lease_until > timezone.now()

    @property
    def overdue(self) -> bool:
        """Due for more than a period and not running: no runner is taking it."""
        if self.claim is None:
            return True
        late = timezone.now() - self.claim.next_run_at
        return not self.running and late > timedelta(seconds=self.every_seconds)


def job_states() -> list[JobState]:
    claims = JobClaim.objects.in_bulk()
    return [JobState(name=job.name, every_seconds=job.every_seconds, claim=claims.get(job.name))
            for job in registered_jobs()]
