"""The operators' health page (/ops/health/): the ledger's invariants, the event outbox's
backlog and the timed jobs' runs and claims. Anyone but an operator gets the 404 page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from trustmart.accounts.selectors import is_operator
from trustmart.core.health import job_states, outbox_backlog

from .selectors import ledger_check


def _runners() -> tuple[str, str]:
    """Who delivers events, and who runs the timed jobs ("" when nothing does)."""
    delivery = {"inline": _("the web process, right after commit"),
                "worker": _("trustmart worker"),
                "celery": _("Celery workers")}[settings.TRUSTMART_EVENT_DELIVERY]
    scheduler = [name for configured, name in (
        (settings.TRUSTMART_WORKER, _("trustmart worker")),
        (bool(settings.CELERY_BROKER_URL), _("Celery beat"))) if configured]
    return delivery, " + ".join(scheduler)


@never_cache
@login_required
def ops_health(request: HttpRequest) -> HttpResponse:
    if not is_operator(request.user):
        return render(request, "web/not_found.html", status=404)
    delivery, scheduler = _runners()
    return render(request, "ledger/ops_health.html", {
        "problems": ledger_check(),
        "backlog": outbox_backlog(),
        "jobs": job_states(),
        "delivery": delivery,
        "scheduler": scheduler,
    })
