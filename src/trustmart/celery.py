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
    """Every registered timed job becomes a beat entry at its own interval."""
    from trustmart.core.jobs import registered_jobs

    for job in registered_jobs():
        sender.add_periodic_task(job.every_seconds, sender.signature("trustmart.core.run_job",
                                                                      args=(job.name,)),
                                 name=job.name)
