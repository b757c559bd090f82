"""Production settings plus the live app; the Celery queue is the test run's own."""

import os

from trustmart.settings import *  # noqa: F403
from trustmart.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.live.apps.LiveConfig"]
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("LIVE_CELERY_QUEUE", "celery")
