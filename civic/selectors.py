"""Read-side queries of the civic core, each aware of who is asking."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import MultiPoint, Point
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from civic.models import (
    Area,
    Challenge,
    Concern,
    Evidence,
    Notification,
    Theme,
    WorkflowEvent,
)
from civic.models.concerns import PUBLIC_CONCERN_STATUSES
from civic.roles import COUNCIL, is_staff_member, user_has_any_role
from civic.runs import sensor_evidence_as_of

_KIND_DEPTH = Case(
    When(kind=Area.Kind.NEIGHBOURHOOD, then=Value(0)),
    When(kind=Area.Kind.DISTRICT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def area_for_point(*, point: Point) -> Area | None:
    """The most detailed area containing the point (neighbourhood before district)."""
    return Area.objects.filter(geometry__intersects=point).order_by(_KIND_DEPTH, "pk").first()


def point_in_municipality(*, point: Point) -> bool:
    """Whether the point lies inside the municipality (or any area, if none is a municipality)."""
    municipalities = Area.objects.filter(kind=Area.Kind.MUNICIPALITY)
    scope = municipalities if municipalities.exists() else Area.objects.all()
    return scope.filter(geometry__intersects=point).exists()


def areas_for_points(*, points: Sequence[Point]) -> list[Area | None]:
    """area_for_point for many points, with one query: the areas touching any of them."""
    if not points:
        return []
    candidates = Area.objects.filter(geometry__intersects=MultiPoint(list(points), srid=4326))
    shapes = [(area, area.geometry.prepared) for area in candidates.order_by(_KIND_DEPTH, "pk")]
    return [next((area for area, shape in shapes if shape.intersects(p)), None) for p in points]


def points_in_municipality(*, points: Sequence[Point]) -> list[bool]:
    """point_in_municipality for many points, with two queries."""
    if not points:
        return []
    municipalities = Area.objects.filter(kind=Area.Kind.MUNICIPALITY)
    scope = municipalities if municipalities.exists() else Area.objects.all()
    touching = scope.filter(geometry__intersects=MultiPoint(list(points), srid=4326))
    shapes = [area.geometry.prepared for area in touching]
    return [any(shape.intersects(p) for shape in shapes) for p in points]


def themes_active() -> QuerySet[Theme]:
    return Theme.objects.filter(is_active=True)


def concerns_visible_to(*, user) -> QuerySet[Concern]:
    """Public concerns for everyone, plus one's own; officers see every concern."""
    queryset = Concern.objects.select_related("theme", "area")
    if is_staff_member(user):
        return queryset.select_related("author")
    public = Q(status__in=PUBLIC_CONCERN_STATUSES)
    if user is not None and user.is_authenticated:
        return queryset.filter(public | Q(author=user))
    return queryset.filter(public)


def concerns_of_author(*, user) -> QuerySet[Concern]:
    return Concern.objects.filter(author=user).select_related("theme", "area")


def moderation_queue() -> QuerySet[Concern]:
    """Submitted concerns, oldest first, for officers to publish or reject."""
    return (
        Concern.objects.filter(status=Concern.Status.SUBMITTED)
        .select_related("theme", "area", "author")
        .order_by("created_at", "id")
    )


def history_of(obj) -> QuerySet[WorkflowEvent]:
    """The audit trail of one object, oldest first."""
    return WorkflowEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


def histories_of(objs) -> dict[int, list[WorkflowEvent]]:
    """Audit trails of many objects of one model in one query, keyed by object id."""
    objs = list(objs)
    if not objs:
        return {}
    events = WorkflowEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(objs[0]),
        object_id__in=[o.pk for o in objs],
    )
    result: dict[int, list[WorkflowEvent]] = {o.pk: [] for o in objs}
    for event in events:
        result[event.object_id].append(event)
    return result


def challenges_visible_to(*, user) -> QuerySet[Challenge]:
    """Drafts are internal: officers and council members see them, others do not."""
    queryset = (
        Challenge.objects.select_related("theme", "area", "owner")
        .annotate(
            # Only public concerns count: the number must not reveal unpublished ones.
            concern_count=Count(
                "concerns",
                filter=Q(concerns__status__in=PUBLIC_CONCERN_STATUSES),
                distinct=True,
            )
        )
        # Aggregation drops Meta.ordering; paginated lists need a stable order.
        .order_by("-created_at", "-id")
    )
    if is_staff_member(user) or user_has_any_role(user, [COUNCIL]):
        return queryset
    return queryset.exclude(status=Challenge.Status.DRAFT)


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notifications_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- hot and wet spots (sensor evidence rows, read as rows: the core does not import sensors)

SENSOR_SOURCE = "sensors"
SPOTS_LISTED = 3
# Privacy: a neighbourhood figure about one or two sensors is in effect a figure
# about one or two gardens, so neighbourhoods with fewer sensors than this are
# never listed (they still count in the network-wide figures).
SPOT_MIN_SENSORS = 3


@dataclass(frozen=True)
class NeighbourhoodFigure:
    """One neighbourhood's mean figure over its sensors."""

    name: str
    value: float
    sensors: int


@dataclass(frozen=True)
class GreenEffect:
    """Night anomaly against the green share within 100 m: an OLS slope over sensors."""

    area_name: str
    # °C of night anomaly per 100 % more green (a green share from 0 to 1); < 0: greener is cooler.
    slope: float
    standard_error: float
    sensors: int

    @property
    def cooling(self) -> float:
        """How much cooler nights are per 100 % more green (negative: warmer)."""
        return -self.slope

    @property
    def is_clear(self) -> bool:
        """Whether the slope is more than two standard errors away from zero."""
        return abs(self.slope) > 2 * self.standard_error


@dataclass(frozen=True)
class SensorSpots:
    """The map's "hot and wet spots": aggregate figures only, never a sensor or its owner."""

    hottest: list[NeighbourhoodFigure]
    wettest: list[NeighbourhoodFigure]
    green: GreenEffect | None
    period: tuple[date, date] | None
    as_of: datetime | None

    @property
    def is_empty(self) -> bool:
        return not (self.hottest or self.wettest or self.green)


def _period(details: dict) -> tuple[date, date] | None:
    try:
        first, last = details["period"]
        return date.fromisoformat(first), date.fromisoformat(last)
    except (KeyError, TypeError, ValueError):
        return None


def _green_effect(rows: list[Evidence]) -> GreenEffect | None:
    """The fit for the whole network: the municipality's, else the district with most sensors.

    The sensors app fits one line per district and per municipality (with at
    least 5 sensors); the municipality's covers every sensor, so it is the one
    that explains the network as a whole.
    """
    usable = [
        row
        for row in rows
        if row.value is not None and row.details.get("standard_error") is not None
    ]
    if not usable:
        return None
    best = min(
        usable,
        key=lambda row: (
            row.area.kind != Area.Kind.MUNICIPALITY,
            -int(row.details.get("sensors") or 0),
            row.area.name,
        ),
    )
    return GreenEffect(
        area_name=best.area.name,
        slope=best.value,
        standard_error=float(best.details["standard_error"]),
        sensors=int(best.details.get("sensors") or 0),
    )


def sensor_spots_summary() -> SensorSpots:
    """The warmest and wettest neighbourhoods, why (green), and how fresh it is; two queries."""
    rows = list(
        Evidence.objects.filter(source=SENSOR_SOURCE, area__isnull=False)
        .filter(
            Q(
                area__kind=Area.Kind.NEIGHBOURHOOD,
                name__in=["night_anomaly", "wet_feet_hours"],
                value__isnull=False,
            )
            | Q(
                area__kind__in=[Area.Kind.MUNICIPALITY, Area.Kind.DISTRICT],
                name="green_share_slope_100m",
            )
        )
        .select_related("area")
        .only("name", "value", "details", "area__name", "area__kind")
    )

    neighbourhood_rows = [row for row in rows if row.area.kind == Area.Kind.NEIGHBOURHOOD]

    def top(name: str, *, above: float | None = None) -> list[NeighbourhoodFigure]:
        figures = [
            NeighbourhoodFigure(row.area.name, row.value, int(row.details.get("sensors") or 0))
            for row in neighbourhood_rows
            if row.name == name and (above is None or row.value > above)
        ]
        figures = [f for f in figures if f.sensors >= SPOT_MIN_SENSORS]
        figures.sort(key=lambda f: (-f.value, f.name))
        return figures[:SPOTS_LISTED]

    return SensorSpots(
        hottest=top("night_anomaly"),
        # A neighbourhood without any wet feet is not a wet spot.
        wettest=top("wet_feet_hours", above=0),
        green=_green_effect([row for row in rows if row.name == "green_share_slope_100m"]),
        period=_period(neighbourhood_rows[0].details) if neighbourhood_rows else None,
        as_of=sensor_evidence_as_of(),
    )
