"""Infrastructure tables: idempotency keys, the domain-event outbox, timed-job claims."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """The first response to a request carrying an ``Idempotency-Key`` header.

    Keyed by who asked (``actor``), what they called (``scope``) and their key, so two clients
    cannot collide. ``request_hash`` is what makes "same key, other parameters" detectable.
    A request in progress holds the key until ``locked_until`` (its lease); ``lease_token`` says
    which attempt holds it, so a retry that took over an expired lease and the attempt it
    replaced can never both store their answer. A response that carried a secret is never
    stored: the row says ``secret_withheld`` and keeps no body.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        SECRET_WITHHELD = "secret_withheld", _("Done (the secret it returned is not kept)")

    actor = models.CharField(max_length=80)
    scope = models.CharField(max_length=200)
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["actor", "scope", "key"], name="uniq_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change it announces."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (gave up retrying)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When the sweeper may (re)try: a lease after publishing, a backoff after a failure.
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.id}"


class HandledEvent(models.Model):
    """Proof that a handler consumed an event: the unique pair makes handlers idempotent."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("handled event")
        verbose_name_plural = _("handled events")
        constraints = [
            models.UniqueConstraint(fields=["event_id", "handler"], name="uniq_handled_event")
        ]

    def __str__(self) -> str:
        return f"{self.handler} ← {self.event_id}"


class JobClaim(models.Model):
    """One row per timed job: when it may run next, who runs it now, and how its last run went.

    A runner (a ``trustmart worker``, a Celery beat tick) takes a run with a conditional UPDATE
    that only succeeds while the run is due and no live lease is held, so however many runners
    there are, a job runs once per period. The lease is renewed while the job runs; a runner that
    dies stops renewing it and the claim expires after ``core.jobs.JOB_LEASE``.
    """

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    owner = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(null=True)
    last_result = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("timed job")
        verbose_name_plural = _("timed jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
