"""Deployment checks (``trustmart check --deploy``): settings that are fine on a laptop and
wrong in production. Registered by ``CoreConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def demo_mode_off(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEMO_MODE:
        return [Error(
            "TRUSTMART_DEMO is on: the home page shows the demo log-ins and verification codes "
            "are shown on screen, so anyone can sign in as anyone.",
            hint="Unset TRUSTMART_DEMO (it is for `make demo` only).", id="core.E001")]
    return []


@register(Tags.security, deploy=True)
def allowed_hosts_named(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if "*" in settings.ALLOWED_HOSTS:
        return [Warning(
            "ALLOWED_HOSTS contains '*': any Host header is accepted, and absolute links the "
            "site builds from it (share links, posters, payment return addresses) can be "
            "pointed at another site.",
            hint="List the site's host names, e.g. ALLOWED_HOSTS=shop.example.com.",
            id="core.W001")]
    return []


@register(Tags.caches, deploy=True)
def cache_shared_between_processes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache") and settings.WEB_CONCURRENCY != 1:
        return [Warning(
            "The cache is local memory, and more than one web process may run: each process "
            "counts on its own, so rate limits and log-in lockouts multiply by the number of "
            "processes (five wrong passwords per process, not five in all), and cached pages "
            "and API tokens are not shared.",
            hint="Set REDIS_URL, or WEB_CONCURRENCY=1 if exactly one web process serves "
                 "the site.", id="core.W002")]
    return []


@register("tasks", deploy=True)
def scheduler_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not (settings.CELERY_BROKER_URL or settings.TRUSTMART_WORKER):
        return [Error(
            "No scheduler is configured: without CELERY_BROKER_URL or TRUSTMART_WORKER=1 "
            "nothing runs the timed jobs, so unpaid checkouts keep their stock, shipped orders "
            "never confirm and nothing settles; failed events are never retried.",
            hint="Run `trustmart worker` and set TRUSTMART_WORKER=1, or set CELERY_BROKER_URL "
                 "and run Celery workers and beat (README, Scaling out).", id="core.E002")]
    return []
