"""The open platform: third-party apps, their credentials and calls, webhook endpoints and the
deliveries of events to them.

An app belongs to a merchant (it acts for that merchant only) or to the platform (it receives
every merchant's events). Secrets and tokens are stored as SHA-256 hashes; webhook signing
secrets are stored as they are, because we sign with them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeveloperApp(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("app or endpoint", "Active")
        REVOKED = "revoked", pgettext_lazy("app", "Revoked")

    merchant = models.ForeignKey("merchants.Merchant", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="developer_apps")
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=200, blank=True)
    client_id = models.CharField(max_length=40, unique=True)
    scopes = models.JSONField(default=list)
    # The app's own user: merchant staff with the "app" role, so every existing authorisation
    # (merchant_for_staff) scopes it to its merchant and records it as the actor.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="developer_app")
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("app")
        verbose_name_plural = _("apps")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def is_platform(self) -> bool:
        return self.merchant_id is None


class AppSecret(models.Model):
    """A client secret. Rotating gives the old one an ``expires_at``: both work until then."""

    app = models.ForeignKey(DeveloperApp, on_delete=models.CASCADE, related_name="secrets")
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("client secret")
        verbose_name_plural = _("client secrets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class AccessToken(models.Model):
    """A short-lived bearer token from the client-credentials grant."""

    app = models.ForeignKey(DeveloperApp, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.app_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class ApiCall(models.Model):
    """One call an app made: the audit trail its merchant sees. Purged after the retention."""

    app = models.ForeignKey(DeveloperApp, on_delete=models.CASCADE, related_name="calls")
    merchant_id = models.BigIntegerField(null=True, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    scope = models.CharField(max_length=40, blank=True)
    status_code = models.PositiveSmallIntegerField()
    latency_ms = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["app", "-created_at"], name="apicall_app_time_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"


class WebhookEndpoint(models.Model):
    """A URL that receives the chosen event types, signed per the Standard Webhooks spec."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("app or endpoint", "Active")
        PAUSED = "paused", _("Paused")
        DISABLED = "disabled", _("Disabled after failing")

    # Exactly one owner: a merchant (its staff manage it) or an app (webhooks:manage). The
    # events it may receive are its merchant's, or every merchant's for a platform app.
    merchant = models.ForeignKey("merchants.Merchant", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="webhook_endpoints")
    app = models.ForeignKey(DeveloperApp, null=True, blank=True, on_delete=models.CASCADE,
                            related_name="endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The circuit breaker: after WEBHOOK_CIRCUIT_FAILURES failures in a row nothing is sent
    # until ``circuit_open_until``; then one delivery probes, and its outcome closes or reopens.
    consecutive_failures = models.PositiveIntegerField(default=0)
    circuit_open_until = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(merchant__isnull=False) | Q(app__isnull=False),
                name="webhook_endpoint_has_owner"),
        ]

    def __str__(self) -> str:
        return self.url


class EndpointSecret(models.Model):
    """A signing secret ``whsec_…``. After a rotation the old one signs too until it expires."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="secrets")
    secret = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signing secret")
        verbose_name_plural = _("signing secrets")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.secret[:10]}…"


class WebhookMessage(models.Model):
    """One event as receivers get it: the same id and the same body bytes on every attempt."""

    msg_id = models.CharField(max_length=40, unique=True)
    # The domain event it comes from (None for a test message).
    event_id = models.UUIDField(null=True, blank=True, unique=True)
    event_type = models.CharField(max_length=60, db_index=True)
    merchant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    resource = models.CharField(max_length=80, blank=True)
    sequence = models.PositiveBigIntegerField(default=0)
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"


class ResourceSequence(models.Model):
    """The last sequence number given to a resource's events (``order:T2026…``)."""

    resource = models.CharField(max_length=80, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("resource sequence")
        verbose_name_plural = _("resource sequences")

    def __str__(self) -> str:
        return f"{self.resource}: {self.last}"


class Delivery(models.Model):
    """A message on its way to one endpoint, retried with backoff until it succeeds."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", pgettext_lazy("webhook delivery", "Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE,
                                related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender owns the delivery until then (so two workers never send it at once).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "message"], name="uniq_delivery"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.endpoint_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery and what came back: the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    url = models.URLField(max_length=500)
    request_headers = models.JSONField(default=dict)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"


class EndpointNotice(models.Model):
    """What the merchant is told about an endpoint (disabled after failing)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="notices")
    merchant = models.ForeignKey("merchants.Merchant", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("endpoint notice")
        verbose_name_plural = _("endpoint notices")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text
