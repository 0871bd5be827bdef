"""Queue the survey signal's recompute after a response or a challenge changes.

Connected in SurveysConfig.ready(). The task is queued after the commit (the
worker must see the rows), once per burst of answers (a cache key and a
countdown), and never lets a broker failure reach the resident: the beat
sweep ("surveys-signal-sweep", registered in surveys.apps) recomputes anyway.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from civic.queueing import queue_debounced
from surveys.models import Response

QUEUED_KEY = "surveys:signal-queued"
# Seconds a burst of answers waits for one recompute; 0 queues one per change.
# Settable as SURVEYS_SIGNAL_DEBOUNCE_S.
DEFAULT_DEBOUNCE_S = 10
# The challenge fields the signal reads; saving only other fields queues nothing.
CHALLENGE_FIELDS = frozenset({"theme", "theme_id", "area", "area_id", "geometry", "status"})


def signal_queue_recompute() -> None:
    """Queue one recompute for a burst of changes; called after the commit."""
    from surveys.tasks import recompute_signal

    queue_debounced(
        recompute_signal,
        key=QUEUED_KEY,
        debounce=getattr(settings, "SURVEYS_SIGNAL_DEBOUNCE_S", DEFAULT_DEBOUNCE_S),
    )


def response_changed(sender, instance, raw: bool = False, using: str = "default", **kwargs):
    """A response was stored, changed or deleted: its answers may move a share."""
    if not raw:
        transaction.on_commit(signal_queue_recompute, using=using)


def challenge_changed(
    sender, instance, raw: bool = False, using: str = "default", update_fields=None, **kwargs
):
    """A challenge was created or its theme, area, geometry or status changed."""
    if not raw and (update_fields is None or CHALLENGE_FIELDS & set(update_fields)):
        transaction.on_commit(signal_queue_recompute, using=using)


def connect() -> None:
    post_save.connect(response_changed, sender=Response, dispatch_uid="surveys_signal_response")
    post_delete.connect(
        response_changed, sender=Response, dispatch_uid="surveys_signal_response_deleted"
    )
    post_save.connect(
        challenge_changed, sender="civic.Challenge", dispatch_uid="surveys_signal_challenge"
    )
