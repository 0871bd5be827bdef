"""Write-side operations of the civic core; views, API and tasks call these."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import selectors, workflow
from civic.challenge_parts import challenge_concerns_changed
from civic.models import (
    Area,
    Challenge,
    ChallengeConcern,
    ChallengeConcernChange,
    Concern,
    Evidence,
    Notification,
    Theme,
)
from civic.photos import photo_clean
from civic.roles import is_staff_member

TITLE_MAX = Challenge._meta.get_field("title").max_length
EXTERNAL_ID_MAX = Concern._meta.get_field("external_id").max_length


def _to_wgs84_2d(geometry: GEOSGeometry, field: str) -> GEOSGeometry:
    """Drop any height (Z) and reproject to WGS84, naming `field` when that fails."""
    try:
        if geometry.hasz:
            flat = geometry.ogr
            flat.set_3d(False)
            geometry = GEOSGeometry(flat.wkb, srid=geometry.srid)
        if geometry.srid in (None, 4326):
            geometry.srid = 4326
        else:
            geometry = geometry.transform(4326, clone=True)
    except (GDALException, GEOSException):
        raise ValidationError(
            {field: _("Use WGS84 longitude/latitude (or another known coordinate system).")}
        ) from None
    if not all(math.isfinite(v) for v in geometry.extent):
        raise ValidationError({field: _("The coordinates are not numbers.")})
    return geometry


def location_clean(location: Any) -> Point:
    """A valid WGS84 point inside the municipality, or a ValidationError on location."""
    if not isinstance(location, Point) or location.empty or not location.valid:
        raise ValidationError({"location": _("Give a valid point on the map.")})
    location = _to_wgs84_2d(location, "location")
    lon, lat = location.x, location.y
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError({"location": _("The coordinates are not on Earth.")})
    if not selectors.point_in_municipality(point=location):
        raise ValidationError({"location": _("This point lies outside the municipality.")})
    return location


def _clean_description(description: str) -> str:
    text = (description or "").strip()
    if not text:
        raise ValidationError({"description": _("Describe the concern.")})
    limit = settings.CIVIC_CONCERN_MAX_DESCRIPTION
    if len(text) > limit:
        raise ValidationError(
            {"description": _("Use at most %(limit)d characters.") % {"limit": limit}}
        )
    return text


def _clean_theme(theme: Theme | None) -> Theme:
    if theme is None:
        raise ValidationError({"theme": _("Choose a theme.")})
    if not theme.is_active:
        raise ValidationError({"theme": _("This theme is no longer in use.")})
    return theme


def concern_create(
    *,
    author,
    theme: Theme | None,
    description: str,
    location: Point,
    photo=None,
    source: str = Concern.Source.WEB,
    external_id: str | None = None,
) -> Concern:
    """File a concern: validate every field first, so nothing is written on bad input."""
    errors: dict[str, list] = {}
    cleaned: dict[str, Any] = {}
    if external_id is not None and len(external_id) > EXTERNAL_ID_MAX:
        errors["external_id"] = [
            _("Use at most %(limit)d characters.") % {"limit": EXTERNAL_ID_MAX}
        ]
    for name, check, value in (
        ("theme", _clean_theme, theme),
        ("description", _clean_description, description),
        ("location", location_clean, location),
        ("photo", photo_clean, photo),
    ):
        if name == "photo" and not value:
            continue
        try:
            cleaned[name] = check(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        concern = Concern(
            author=author,
            theme=cleaned["theme"],
            description=cleaned["description"],
            location=cleaned["location"],
            area=selectors.area_for_point(point=cleaned["location"]),
            source=source,
            external_id=external_id,
        )
        if "photo" in cleaned:
            concern.photo.save("photo.jpg", cleaned["photo"], save=False)
        concern.save()
        workflow.record_creation(concern, actor=author)
    return concern


def concern_update(
    *,
    concern: Concern,
    actor,
    theme: Theme | None = None,
    description: str | None = None,
    location: Point | None = None,
) -> Concern:
    """Edit a concern: its author while it is still submitted, or an officer.

    The row is locked and the rules re-checked on it, so an edit cannot slip in
    after an officer published the concern in the meantime.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, list] = {}
    for name, check, value in (
        ("theme", _clean_theme, theme),
        ("description", _clean_description, description),
        ("location", location_clean, location),
    ):
        if value is None:
            continue
        try:
            cleaned[name] = check(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    with transaction.atomic():
        locked = Concern.objects.select_for_update(no_key=True).get(pk=concern.pk)
        if not is_staff_member(actor):
            if locked.author_id != getattr(actor, "pk", None):
                raise PermissionDenied(_("Only the author or an officer can change this concern."))
            if locked.status != Concern.Status.SUBMITTED:
                raise PermissionDenied(
                    _("A concern can no longer be changed once it is moderated.")
                )
        if errors:
            raise ValidationError(errors)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        fields = list(cleaned)
        if "location" in cleaned:
            locked.area = selectors.area_for_point(point=locked.location)
            fields.append("area")
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
    return locked


def geometry_clean(geometry: GEOSGeometry | None) -> MultiPolygon | None:
    """A valid WGS84 multipolygon (a polygon is promoted), or a ValidationError on geometry."""
    if geometry is None:
        return None
    if geometry.empty or not geometry.valid:
        raise ValidationError({"geometry": _("Draw a valid, non-empty polygon.")})
    geometry = _to_wgs84_2d(geometry, "geometry")
    if geometry.geom_type == "Polygon":
        geometry = MultiPolygon(geometry, srid=4326)
    if geometry.geom_type != "MultiPolygon":
        raise ValidationError({"geometry": _("A challenge covers a polygon or multipolygon.")})
    return geometry


def _clean_title(title: str | None) -> str:
    text = (title or "").strip()
    if not text:
        raise ValidationError({"title": _("Give the challenge a title.")})
    if len(text) > TITLE_MAX:
        raise ValidationError(
            {"title": _("Use at most %(limit)d characters.") % {"limit": TITLE_MAX}}
        )
    return text


def _clean_area(area: Area | None) -> Area | None:
    if area is not None and area.kind == Area.Kind.MUNICIPALITY:
        raise ValidationError({"area": _("Choose a district or a neighbourhood.")})
    return area


def _area_for(geometry: MultiPolygon | None) -> Area | None:
    return selectors.area_for_point(point=geometry.point_on_surface) if geometry else None


def challenge_create(
    *,
    actor,
    title: str,
    theme: Theme | None,
    description: str = "",
    geometry: GEOSGeometry | None = None,
    area: Area | None = None,
    owner=None,
) -> Challenge:
    """Create a draft challenge (officers only); without an area, the geometry's is taken."""
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only policy officers create challenges."))
    errors: dict[str, list] = {}
    cleaned: dict[str, Any] = {}
    for name, check, value in (
        ("title", _clean_title, title),
        ("theme", _clean_theme, theme),
        ("geometry", geometry_clean, geometry),
        ("area", _clean_area, area),
    ):
        try:
            cleaned[name] = check(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        challenge = Challenge.objects.create(
            title=cleaned["title"],
            description=(description or "").strip(),
            theme=cleaned["theme"],
            geometry=cleaned["geometry"],
            area=cleaned["area"] or _area_for(cleaned["geometry"]),
            owner=owner or actor,
        )
        workflow.record_creation(challenge, actor=actor)
    return challenge


# A field left out of challenge_update is left as it is.
UNCHANGED: Any = object()


def challenge_update(
    *,
    challenge: Challenge,
    actor,
    title: Any = UNCHANGED,
    description: Any = UNCHANGED,
    theme: Any = UNCHANGED,
    geometry: Any = UNCHANGED,
    area: Any = UNCHANGED,
) -> Challenge:
    """Edit a challenge (officers only); every field is checked before anything is written.

    A new geometry without an area given takes the geometry's area (as when
    creating); `area=None` derives it again. A moved geometry marks the
    challenge's evidence stale (civic.subjects, in the same transaction).
    """
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only policy officers change challenges."))
    errors: dict[str, list] = {}
    cleaned: dict[str, Any] = {}
    for name, check, value in (
        ("title", _clean_title, title),
        ("theme", _clean_theme, theme),
        ("geometry", geometry_clean, geometry),
        ("area", _clean_area, area),
    ):
        if value is UNCHANGED:
            continue
        try:
            cleaned[name] = check(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if description is not UNCHANGED:
        cleaned["description"] = (description or "").strip()
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Challenge.objects.select_for_update(no_key=True).get(pk=challenge.pk)
        if "area" in cleaned and cleaned["area"] is None:
            cleaned["area"] = _area_for(cleaned.get("geometry", locked.geometry))
        elif "geometry" in cleaned and "area" not in cleaned:
            cleaned["area"] = _area_for(cleaned["geometry"])
        # Only what changed is saved: apps recompute what a saved field feeds (an
        # unchanged area or geometry sent back by a form must not redo evidence).
        changed = [name for name, value in cleaned.items() if not _same(locked, name, value)]
        for name in changed:
            setattr(locked, name, cleaned[name])
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
    return locked


# A drawn area sent back unchanged through GeoJSON may differ in the last digits.
SAME_GEOMETRY_DEGREES = 1e-9


def _same(challenge: Challenge, name: str, value: Any) -> bool:
    old = getattr(challenge, name)
    if name == "geometry" and old is not None and value is not None:
        return old.equals_exact(value, SAME_GEOMETRY_DEGREES)
    return old == value


def _changed_after_commit(challenge: Challenge, ids: list[int], action: str) -> None:
    if ids:
        transaction.on_commit(
            lambda: challenge_concerns_changed.send(
                sender=Challenge, challenge=challenge, concern_ids=ids, action=action
            )
        )


def challenge_link_concerns(
    *, challenge: Challenge, concerns: Iterable[Concern], actor
) -> list[ChallengeConcern]:
    """Link public concerns to a challenge; each newly linked published concern becomes linked.

    The concerns themselves are kept as they are: the link records who made it
    and when. The challenge and the concerns are locked (concerns in id order,
    so two officers linking overlapping sets cannot deadlock) and re-checked on
    the locked rows.
    """
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only policy officers link concerns to challenges."))
    ids = sorted({c.pk for c in concerns})
    created = []
    with transaction.atomic():
        locked_challenge = Challenge.objects.select_for_update(no_key=True).get(pk=challenge.pk)
        if locked_challenge.status == Challenge.Status.CLOSED:
            raise ValidationError({"challenge": _("This challenge is closed.")})
        locked = list(
            Concern.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
        )
        not_public = [c.pk for c in locked if not c.is_public]
        if not_public:
            raise ValidationError(
                {
                    "concerns": _("Concerns %(ids)s are not published.")
                    % {"ids": ", ".join(f"#{pk}" for pk in not_public)}
                }
            )
        # A draft challenge is internal: its title must not reach the resident yet.
        if locked_challenge.status == Challenge.Status.DRAFT:
            note = _("Linked to a challenge that is being prepared.")
        else:
            note = _("Linked to challenge “%(title)s”.") % {"title": locked_challenge.title}
        for concern in locked:
            link, is_new = ChallengeConcern.objects.get_or_create(
                challenge=locked_challenge, concern=concern, defaults={"linked_by": actor}
            )
            if not is_new:
                continue
            created.append(link)
            ChallengeConcernChange.objects.create(
                challenge=locked_challenge,
                concern=concern,
                action=ChallengeConcernChange.Action.LINK,
                actor=actor,
                at=workflow.record_time(),
            )
            if concern.status == Concern.Status.PUBLISHED:
                workflow.transition(concern, Concern.Status.LINKED, actor=actor, note=note)
        _changed_after_commit(locked_challenge, [link.concern_id for link in created], "link")
    return created


REASON_MAX = 2000


def challenge_unlink_concern(
    *, challenge: Challenge, concern: Concern, actor, reason: str
) -> ChallengeConcernChange:
    """Undo a link, with a reason; a concern left without a challenge is published again.

    Recorded as an "unlink" change (who, when, why) in the same transaction;
    the concern's move back to "published" carries the reason as its note,
    which its author reads. Nothing is written when it raises.
    """
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only policy officers unlink concerns."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the concern is unlinked.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Use at most %(limit)d characters.") % {"limit": REASON_MAX}}
        )
    with transaction.atomic():
        locked_challenge = Challenge.objects.select_for_update(no_key=True).get(pk=challenge.pk)
        locked = Concern.objects.select_for_update(no_key=True).get(pk=concern.pk)
        deleted, _rows = ChallengeConcern.objects.filter(
            challenge=locked_challenge, concern=locked
        ).delete()
        if not deleted:
            raise ValidationError(
                {
                    "concern": _("Concern #%(id)s is not linked to this challenge.")
                    % {"id": locked.pk}
                }
            )
        change = ChallengeConcernChange.objects.create(
            challenge=locked_challenge,
            concern=locked,
            action=ChallengeConcernChange.Action.UNLINK,
            actor=actor,
            reason=reason,
        )
        if locked.status == Concern.Status.LINKED and not locked.challenges.exists():
            # The reason stays in the officers' record (it may name another resident's
            # concern); the author's history and message get a neutral note.
            workflow.transition(
                locked,
                Concern.Status.PUBLISHED,
                actor=actor,
                note=_("Taken out of the challenge by an officer; it stays published."),
            )
        _changed_after_commit(locked_challenge, [locked.pk], "unlink")
    return change


def evidence_upsert(
    *,
    challenge: Challenge,
    source: str,
    name: str,
    value: float | None,
    details: dict | None = None,
) -> Evidence:
    """Write the current value of one evidence figure (replacing an older one)."""
    evidence, _created = Evidence.objects.update_or_create(
        challenge=challenge,
        source=source,
        name=name,
        defaults={"value": value, "details": details or {}, "computed_at": timezone.now()},
    )
    return evidence


def notifications_mark_read(*, user) -> int:
    """Mark a user's unread notifications as read (they have seen their updates)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
