"""The Celery application, configured from Django settings (CELERY_* names).

The settings hold the core's own jobs; each app adds its periodic jobs and
its tasks' queues from its AppConfig.ready() with jobs_register(), so the
core names no app's job. ready() runs in every process that sends tasks or
schedules them: the web server, the worker and `celery beat` (Celery's
Django fixup calls django.setup() before beat reads its schedule).
"""

import os

from celery import Celery
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings.local")

app = Celery("civic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def jobs_register(*, beat: dict | None = None, routes: dict | None = None) -> None:
    """Add an app's beat entries (name -> {"task", "schedule"}) and task routes (name -> queue).

    Routes map a task name or a glob ("<app>.*") to {"queue": ...}; an exact
    name wins over a glob, whatever the order. Registering the same entry
    again is harmless; a different entry under a taken name is a mistake.
    """
    for setting, added in (("beat_schedule", beat), ("task_routes", routes)):
        if not added:
            continue
        current = dict(app.conf[setting] or {})
        for name, entry in added.items():
            if name in current and current[name] != entry:
                raise ImproperlyConfigured(f"Celery {setting} already has an entry {name!r}.")
        # A new dict, never the settings' own: other processes' settings stay as written.
        app.conf[setting] = {**current, **added}
