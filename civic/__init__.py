"""Project package and the workflow core (concerns, challenges, evidence, workflow)."""

from civic.celery import app as celery_app

__all__ = ("celery_app",)
