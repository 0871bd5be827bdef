"""Registering sensors, coarsening their location, issuing and revoking device tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import selectors as civic_selectors
from civic.cells import cell_centre
from civic.models import Area
from civic.roles import RESIDENT, is_staff_member, user_has_role
from civic.services import location_clean
from sensors.models import DeviceToken, Sensor
from sensors.quantities import QUANTITIES


def public_location_for(location: Point) -> Point:
    """The centre of the 100 m RD New grid cell holding `location`, in WGS84 (civic.cells)."""
    return cell_centre(location)


def sensor_public_place(location: Point) -> tuple[Point, Area | None]:
    """Where everyone else sees a sensor: its cell's centre, and the area holding that centre.

    Never the area of the exact location: for a garden whose cell straddles a
    neighbourhood boundary, that would tell everyone which side it lies on.
    Computed once per location (on registering or moving), never per request.
    """
    public_location = public_location_for(location)
    return public_location, civic_selectors.area_for_point(point=public_location)


def _clean_quantities(quantities: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(quantities or []))
    unknown = [code for code in codes if code not in QUANTITIES]
    if not codes or unknown:
        raise ValidationError(
            {"quantities": _("Choose from: %(known)s.") % {"known": ", ".join(QUANTITIES)}}
        )
    return codes


def sensor_register(
    *,
    actor,
    external_id: str,
    hardware: str,
    quantities: Iterable[str],
    location: Point,
    owner=None,
    name: str = "",
    height_m: float | None = None,
    exposure: str = "",
    surface: str = "",
) -> tuple[Sensor, str]:
    """Register a sensor and issue its first device token (returned once, never stored).

    Residents register their own sensors; officers register any (a municipal
    station has no owner).
    """
    if is_staff_member(actor):
        pass
    elif user_has_role(actor, RESIDENT):
        owner = actor
    else:
        raise PermissionDenied(_("Only residents and officers register sensors."))
    errors: dict[str, list] = {}
    cleaned_location = None
    try:
        cleaned_location = location_clean(location)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        quantities = _clean_quantities(quantities)
    except ValidationError as error:
        errors.update(error.message_dict)
    external_id = (external_id or "").strip()
    if not external_id:
        errors["external_id"] = [_("Give the device id.")]
    elif Sensor.objects.filter(external_id=external_id).exists():
        errors["external_id"] = [_("A sensor with this device id is already registered.")]
    if hardware not in Sensor.Hardware.values:
        errors["hardware"] = [_("Unknown hardware.")]
    if height_m is not None and not (0 <= height_m <= 30):
        errors["height_m"] = [_("Give a height between 0 and 30 m.")]
    if errors:
        raise ValidationError(errors)
    public_location, area = sensor_public_place(cleaned_location)
    with transaction.atomic():
        sensor = Sensor.objects.create(
            external_id=external_id,
            name=name,
            hardware=hardware,
            owner=owner,
            quantities=quantities,
            location=cleaned_location,
            public_location=public_location,
            area=area,
            height_m=height_m,
            exposure=exposure,
            surface=surface,
        )
        raw = device_token_issue(sensor=sensor)
    return sensor, raw


def _may_manage(actor, sensor: Sensor) -> bool:
    return is_staff_member(actor) or (sensor.owner_id is not None and sensor.owner_id == actor.pk)


def device_token_issue(*, sensor: Sensor, actor=None) -> str:
    """A new secret for the device; shown once. Earlier tokens keep working until revoked."""
    if actor is not None and not _may_manage(actor, sensor):
        raise PermissionDenied(_("Only the sensor's owner or an officer manages its tokens."))
    raw = secrets.token_urlsafe(32)
    DeviceToken.objects.create(sensor=sensor, key_hash=DeviceToken.hash(raw), hint=raw[:6])
    return raw


def device_tokens_revoke(*, sensor: Sensor, actor) -> int:
    """Revoke every active token of a sensor (a lost or leaked secret)."""
    if not _may_manage(actor, sensor):
        raise PermissionDenied(_("Only the sensor's owner or an officer manages its tokens."))
    return sensor.tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def sensor_authenticate(*, raw_token: str, external_id: str | None = None) -> Sensor | None:
    """The sensor a token belongs to, if the token is valid (and matches the device id)."""
    if not raw_token:
        return None
    token = (
        DeviceToken.objects.select_related("sensor")
        .filter(key_hash=DeviceToken.hash(raw_token), revoked_at__isnull=True)
        .exclude(sensor__status=Sensor.Status.RETIRED)
        .first()
    )
    if token is None:
        return None
    if external_id is not None and token.sensor.external_id != external_id:
        return None
    return token.sensor
