"""What makes scores stale, and the snapshot taken when a challenge is prioritised.

Scores are redone (one debounced Celery run for a burst of changes, after the
commit) when a source replaced figures (civic.evidence.evidence_replaced), a
challenge changed (status, theme, area: post_save covers workflow moves), an
area's attributes changed, or concerns were linked or unlinked. Weights and
council themes queue it from their own services.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from civic import challenge_parts
from civic.models import Area, Challenge, ChallengeConcern
from civic.workflow import transitioned


def _queue_after_commit() -> None:
    from priority.services import queue_recompute

    transaction.on_commit(queue_recompute)


def evidence_replaced(sender, source: str = "", period=None, **kwargs) -> None:
    """Sent after the commit of a source's figures: queue at once (no transaction to wait for)."""
    from priority.services import queue_recompute

    queue_recompute()


def model_changed(sender, instance=None, raw: bool = False, **kwargs) -> None:
    if not raw:
        _queue_after_commit()


def challenge_concerns_changed(sender, **kwargs) -> None:
    _queue_after_commit()


def challenge_transitioned(sender, obj=None, event=None, **kwargs) -> None:
    """Moving to *prioritised* records the score at that moment, in the move's transaction."""
    if event is not None and event.to_state == Challenge.Status.PRIORITISED:
        from priority.services import snapshot_record

        snapshot_record(challenge=obj, event=event)


def connect() -> None:
    from civic import evidence

    evidence.evidence_replaced.connect(evidence_replaced, dispatch_uid="priority-evidence")
    transitioned.connect(challenge_transitioned, sender=Challenge, dispatch_uid="priority-snap")
    # Not Concern: a linked concern stays public (linked -> closed), so its moves do not
    # change who is concerned; links and unlinks arrive through ChallengeConcern.
    for model in (Challenge, Area, ChallengeConcern):
        post_save.connect(model_changed, sender=model, dispatch_uid=f"priority-{model.__name__}")
    post_delete.connect(model_changed, sender=ChallengeConcern, dispatch_uid="priority-unlink")
    post_delete.connect(model_changed, sender=Challenge, dispatch_uid="priority-challenge-gone")
    # The core's signal for links made or removed in bulk.
    challenge_parts.challenge_concerns_changed.connect(
        challenge_concerns_changed, dispatch_uid="priority-links"
    )
