"""Mark the survey signal stale when a response changes, and queue its recompute.

Connected in SurveysConfig.ready(). The marker is written in the response's
transaction (civic.evidence); the task is queued after the commit (the
worker must see the rows), once per burst of answers (a cache key and a
countdown), and a broker failure never reaches the resident: the core's
evidence sweep queues it again. Challenges need nothing here: the core
marks every source's figures about a new or moved challenge (civic.subjects).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from civic.evidence import evidence_mark_stale
from civic.queueing import queue_debounced
from surveys.models import Response
from surveys.signal import SOURCE

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
        evidence_mark_stale(source=SOURCE)


def challenge_changed(
    sender, instance, raw: bool = False, using: str = "default", update_fields=None, **kwargs
):
    """A challenge's theme or area changed: the areas whose answers count changed.

    (Creating one, moving its geometry or closing it is marked by the core.)
    """
    if raw or kwargs.get("created"):
        return
    if update_fields is None or CHALLENGE_FIELDS & set(update_fields):
        evidence_mark_stale(source=SOURCE, subject_kind="challenge", subject_id=instance.pk)


def connect() -> None:
    post_save.connect(response_changed, sender=Response, dispatch_uid="surveys_signal_response")
    post_delete.connect(
        response_changed, sender=Response, dispatch_uid="surveys_signal_response_deleted"
    )
    post_save.connect(
        challenge_changed, sender="civic.Challenge", dispatch_uid="surveys_signal_challenge"
    )
