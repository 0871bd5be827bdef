"""Evidence subjects: the things figures are about (challenges, areas), and when to redo them.

A subject has a geometry. Creating one, changing its geometry, or closing or
reopening a challenge (closed challenges get no figures) marks every
source's figures about it stale (civic.evidence), in the same transaction
as the change, whichever path made it: a service, the API or the admin.
Apps with subjects of their own (an intervention's site) connect the same way.
"""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save

from civic.evidence import evidence_mark_stale
from civic.models import Area, Challenge

_WATCHED = {Challenge: ("geometry", "status"), Area: ("geometry",)}


def _remember(sender, instance, **kwargs) -> None:
    if instance.pk is None:
        instance._evidence_before = None
        return
    fields = _WATCHED[sender]
    instance._evidence_before = sender.objects.filter(pk=instance.pk).values_list(*fields).first()


def _closedness(challenge_status: str | None) -> bool:
    return challenge_status == Challenge.Status.CLOSED


def _changed(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    fields = _WATCHED[sender]
    if update_fields is not None and not set(update_fields) & set(fields):
        return
    before = getattr(instance, "_evidence_before", None)
    if not created and before is not None:
        old = dict(zip(fields, before, strict=True))
        moved = (old["geometry"] is None) != (instance.geometry is None) or (
            instance.geometry is not None and not instance.geometry.equals_exact(old["geometry"])
        )
        reopened = "status" in old and _closedness(old["status"]) != _closedness(instance.status)
        if not (moved or reopened):
            return
    if sender is Challenge:
        evidence_mark_stale(subject_kind="challenge", subject_id=instance.pk)
    else:
        # Which neighbourhood holds which sensor, and which areas a challenge overlaps,
        # may both have changed: every figure is redone.
        evidence_mark_stale()


def connect() -> None:
    for model in _WATCHED:
        pre_save.connect(_remember, sender=model, dispatch_uid=f"evidence_before_{model.__name__}")
        post_save.connect(_changed, sender=model, dispatch_uid=f"evidence_subject_{model.__name__}")
