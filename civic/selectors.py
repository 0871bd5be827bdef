"""Read-side queries of the civic core, each aware of who is asking."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from civic.models import Area, Challenge, Concern, Notification, Theme, WorkflowEvent
from civic.models.concerns import PUBLIC_CONCERN_STATUSES
from civic.roles import COUNCIL, is_staff_member, user_has_any_role

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
