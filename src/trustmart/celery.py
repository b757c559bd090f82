"""Celery application: used only when CELERY_BROKER_URL is set (production)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustmart.settings")

app = Celery("trustmart")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_jobs(sender: Celery, **_: object) -> None:
    """Beat's one entry: a tick that claims and queues whatever timed job is due.

    The schedule itself lives in the database (``core.JobClaim``), shared with
    ``trustmart worker``: a beat restart runs nothing early, and two beats run nothing twice."""
    from django.conf import settings

    sender.add_periodic_task(float(settings.WORKER_POLL_SECONDS),
                             sender.signature("trustmart.core.jobs_tick"),
                             name="trustmart.core.jobs_tick")
