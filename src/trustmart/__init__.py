"""TrustMart (信享): mobile social e-commerce built on trust."""

from .celery import app as celery_app

__all__ = ["celery_app"]
