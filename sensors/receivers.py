"""When a sensor is moved, retired, reactivated or deleted, its network's figures are redone.

And when an area is added or reshaped, each sensor is counted again in the
area its public location lies in (as at registration).

Whichever path made the change (a service, the admin, the workflow engine),
the marker is written in the same transaction (civic.evidence), so the beat
sweep catches up if the queued task is lost. A new sensor changes nothing
until its first readings, which mark their own days.
"""

from django.db import connection
from django.db.models.signals import post_delete, post_save, pre_save

from civic.evidence import evidence_mark_stale
from civic.models import Area
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


# The most detailed area holding each sensor's public location, as
# civic.selectors.area_for_point chooses it (neighbourhood before district).
_AREAS_SQL = """
UPDATE sensors_sensor s SET area_id = chosen.area_id
FROM (
    SELECT s2.id, (
        SELECT a.id FROM civic_area a
        WHERE ST_Intersects(a.geometry, s2.public_location)
        ORDER BY CASE a.kind WHEN 'neighbourhood' THEN 0 WHEN 'district' THEN 1 ELSE 2 END,
                 a.id
        LIMIT 1
    ) AS area_id
    FROM sensors_sensor s2
) chosen
WHERE chosen.id = s.id AND s.area_id IS DISTINCT FROM chosen.area_id
"""


def _area_changed(sender, instance, created: bool, update_fields=None, raw=False, **kwargs):
    """A new or reshaped area: sensors are counted in the area their cell's centre lies in."""
    if raw or (update_fields is not None and "geometry" not in update_fields):
        return
    with connection.cursor() as cursor:
        cursor.execute(_AREAS_SQL)
        moved = cursor.rowcount
    if moved:
        evidence_mark_stale(source=SOURCE)


def connect() -> None:
    post_save.connect(_area_changed, sender=Area, dispatch_uid="sensor_areas_follow_areas")
    pre_save.connect(_remember, sender=Sensor, dispatch_uid="sensor_evidence_before")
    post_save.connect(_changed, sender=Sensor, dispatch_uid="sensor_evidence_changed")
    post_delete.connect(_deleted, sender=Sensor, dispatch_uid="sensor_evidence_deleted")
