"""Registering sensors, coarsening their location, issuing and revoking device tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import selectors as civic_selectors
from civic.cells import cell_centre, cell_centres
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
    return sensor_public_places([location])[0]


def sensor_public_places(locations: Sequence[Point]) -> list[tuple[Point, Area | None]]:
    """sensor_public_place for many locations, with one query for all their areas."""
    centres = cell_centres(locations)
    areas = civic_selectors.areas_for_points(points=centres)
    return list(zip(centres, areas, strict=True))


def _clean_quantities(quantities: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(quantities or []))
    unknown = [code for code in codes if code not in QUANTITIES]
    if not codes or unknown:
        raise ValidationError(
            {"quantities": _("Choose from: %(known)s.") % {"known": ", ".join(QUANTITIES)}}
        )
    return codes


def _one_of(choices: type[models.TextChoices]) -> str:
    return _("Use one of: %(codes)s.") % {"codes": ", ".join(choices.values)}


EXTERNAL_ID_MAX = Sensor._meta.get_field("external_id").max_length
NAME_MAX = Sensor._meta.get_field("name").max_length
HEIGHT_RANGE_M = (0, 30)


def sensor_fields_check(
    *,
    external_id: str,
    kind: str,
    hardware: str,
    quantities: Iterable[str],
    owner=None,
    name: str = "",
    height_m: float | None = None,
    exposure: str = "",
    surface: str = "",
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a sensor's fields, all but its location and whether its device id is taken.

    Returns (cleaned fields, errors by field). Shared by sensor_register and the
    registration from a file (sensors.bulk_registration), so both refuse the
    same things in the same words. An empty `kind` means a garden when the
    sensor has an owner, else "other". A garden needs its host as owner; a lamp
    post is the municipality's and has none.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {
        "name": (name or "").strip(),
        "hardware": hardware,
        "owner": owner,
        "height_m": height_m,
        "exposure": exposure or "",
        "surface": surface or "",
    }
    external_id = (external_id or "").strip()
    if not external_id:
        errors["external_id"] = [_("Give the device id.")]
    elif len(external_id) > EXTERNAL_ID_MAX:
        errors["external_id"] = [_("Use at most %(n)d characters.") % {"n": EXTERNAL_ID_MAX}]
    cleaned["external_id"] = external_id
    kind = kind or (Sensor.Kind.GARDEN if owner is not None else Sensor.Kind.OTHER)
    if kind not in Sensor.Kind.values:
        errors["kind"] = [_one_of(Sensor.Kind)]
    elif kind == Sensor.Kind.GARDEN and owner is None:
        errors["owner"] = [_("A garden sensor needs its host as its owner.")]
    elif kind == Sensor.Kind.LAMP_POST and owner is not None:
        errors["owner"] = [_("A lamp post is the municipality's: leave the owner empty.")]
    cleaned["kind"] = kind
    if hardware not in Sensor.Hardware.values:
        errors["hardware"] = [_("Unknown hardware.") + " " + _one_of(Sensor.Hardware)]
    try:
        cleaned["quantities"] = _clean_quantities(quantities)
    except ValidationError as error:
        errors.update(error.message_dict)
    if len(cleaned["name"]) > NAME_MAX:
        errors["name"] = [_("Use at most %(n)d characters.") % {"n": NAME_MAX}]
    low, high = HEIGHT_RANGE_M
    if height_m is not None and not (low <= height_m <= high):
        errors["height_m"] = [_("Give a height between 0 and 30 m.")]
    if cleaned["exposure"] not in ("", *Sensor.Exposure.values):
        errors["exposure"] = [_one_of(Sensor.Exposure)]
    if cleaned["surface"] not in ("", *Sensor.Surface.values):
        errors["surface"] = [_one_of(Sensor.Surface)]
    return cleaned, errors


def sensor_register(
    *,
    actor,
    external_id: str,
    hardware: str,
    quantities: Iterable[str],
    location: Point,
    owner=None,
    kind: str = "",
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
    fields, errors = sensor_fields_check(
        external_id=external_id,
        kind=kind,
        hardware=hardware,
        quantities=quantities,
        owner=owner,
        name=name,
        height_m=height_m,
        exposure=exposure,
        surface=surface,
    )
    cleaned_location = None
    try:
        cleaned_location = location_clean(location)
    except ValidationError as error:
        errors.update(error.message_dict)
    if (
        "external_id" not in errors
        and Sensor.objects.filter(external_id=fields["external_id"]).exists()
    ):
        errors["external_id"] = [_("A sensor with this device id is already registered.")]
    if errors:
        raise ValidationError(errors)
    public_location, area = sensor_public_place(cleaned_location)
    with transaction.atomic():
        sensor = Sensor.objects.create(
            **fields, location=cleaned_location, public_location=public_location, area=area
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
