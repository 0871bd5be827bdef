"""When a sensor is moved, retired, reactivated or deleted, its network's figures are redone.

Whichever path made the change (a service, the admin, the workflow engine),
the marker is written in the same transaction (civic.evidence), so the beat
sweep catches up if the queued task is lost. A new sensor changes nothing
until its first readings, which mark their own days.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from civic.evidence import evidence_mark_stale
from sensors.evidence import SOURCE
from sensors.models import Sensor

# What decides which figures a sensor counts in.
_WATCHED = ("public_location", "area_id", "status")


def _snapshot(sensor: Sensor) -> tuple:
    retired = sensor.status == Sensor.Status.RETIRED
    location = sensor.public_location.wkb if sensor.public_location else None
    return (bytes(location) if location else None, sensor.area_id, retired)


def _remember(sender, instance: Sensor, **kwargs) -> None:
    old = None
    if instance.pk is not None:
        old = Sensor.objects.filter(pk=instance.pk).only(*_WATCHED).first()
    instance._evidence_before = _snapshot(old) if old else None


def _changed(sender, instance: Sensor, created: bool, update_fields=None, **kwargs) -> None:
    if created:
        return
    fields = {"public_location", "area", "area_id", "status", "location"}
    if update_fields is not None and not fields & set(update_fields):
        return
    if getattr(instance, "_evidence_before", None) != _snapshot(instance):
        evidence_mark_stale(source=SOURCE)


def _deleted(sender, instance: Sensor, **kwargs) -> None:
    evidence_mark_stale(source=SOURCE)


def connect() -> None:
    pre_save.connect(_remember, sender=Sensor, dispatch_uid="sensor_evidence_before")
    post_save.connect(_changed, sender=Sensor, dispatch_uid="sensor_evidence_changed")
    post_delete.connect(_deleted, sender=Sensor, dispatch_uid="sensor_evidence_deleted")
