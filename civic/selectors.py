"""Read-side queries of the civic core, each aware of who is asking."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import MultiPoint, Point
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic.models import (
    Area,
    Challenge,
    Concern,
    Evidence,
    EvidencePeriod,
    Notification,
    Theme,
    WorkflowEvent,
)
from civic.models.concerns import PUBLIC_CONCERN_STATUSES
from civic.roles import COUNCIL, is_staff_member, user_has_any_role
from civic.vocabulary import Measure, explaining, headline, of_criterion

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


# --- hot and wet spots (evidence rows read through the vocabulary: the core names no source)

SPOTS_LISTED = 3
# Privacy: a neighbourhood figure about one or two sensors is in effect a figure
# about one or two gardens, so neighbourhoods with fewer contributors than this are
# never listed (they still count in the network-wide figures).
SPOT_MIN_SENSORS = 3
HEAT, WETNESS = "heat", "wetness"


@dataclass(frozen=True)
class Figure:
    """One figure with what it means, ready for a sentence on a page."""

    measure: Measure
    value: float

    @property
    def label(self) -> str:
        return str(self.measure.label)

    @property
    def unit(self) -> str:
        return str(self.measure.unit)

    @property
    def text(self) -> str:
        """The value with its unit in words ("12 hours"), in the active language."""
        return self.measure.format(self.value)


@dataclass(frozen=True)
class NeighbourhoodFigure:
    """One neighbourhood's place in a spot list: its ordering figure and what was measured."""

    name: str
    value: float
    sensors: int
    figures: tuple[Figure, ...] = ()


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
    """The map's "hot and wet spots" for one period: aggregate figures only, never a sensor."""

    hottest: list[NeighbourhoodFigure]
    wettest: list[NeighbourhoodFigure]
    green: GreenEffect | None
    period: EvidencePeriod | None
    as_of: datetime | None

    @property
    def is_empty(self) -> bool:
        return not (self.hottest or self.wettest or self.green)


def _contributors(details: dict) -> int:
    return int(details.get("n") or 0)


def _green_effect(rows: list[Evidence]) -> GreenEffect | None:
    """The fit for the whole network: the municipality's, else the district with most sensors.

    The source fits one line per district and per municipality (with at
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
            -_contributors(row.details),
            row.area.name,
        ),
    )
    return GreenEffect(
        area_name=best.area.name,
        slope=best.value,
        standard_error=float(best.details["standard_error"]),
        sensors=_contributors(best.details),
    )


def sensor_spots_summary(*, period: EvidencePeriod | None) -> SensorSpots:
    """The warmest and wettest neighbourhoods in a period, why, and how fresh it is.

    Which figures order the lists comes from the vocabulary (the headline of
    the heat and wetness criteria), so the core names no source or figure.
    """
    heat, wet, why = headline(HEAT), headline(WETNESS), explaining(HEAT)
    if period is None or not (heat or wet or why):
        return SensorSpots([], [], None, period, None)
    wet_figures = [m for m in of_criterion(WETNESS) if m.unit]
    wanted = Q(pk__in=[])
    for measure in (heat, wet, *wet_figures):
        if measure:
            wanted |= Q(
                source=measure.source,
                name=measure.name,
                area__kind=Area.Kind.NEIGHBOURHOOD,
                value__isnull=False,
            )
    if why:
        wanted |= Q(
            source=why.source,
            name=why.name,
            area__kind__in=[Area.Kind.MUNICIPALITY, Area.Kind.DISTRICT],
        )
    rows = list(
        Evidence.objects.filter(wanted, period=period)
        .select_related("area")
        .only("source", "name", "value", "details", "computed_at", "area__name", "area__kind")
    )
    by_area: dict[int, dict[tuple[str, str], Evidence]] = {}
    for row in rows:
        by_area.setdefault(row.area_id, {})[(row.source, row.name)] = row

    def top(measure: Measure | None, shown: list[Measure]) -> list[NeighbourhoodFigure]:
        if measure is None:
            return []
        figures = []
        for area_rows in by_area.values():
            row = area_rows.get((measure.source, measure.name))
            if row is None or row.area.kind != Area.Kind.NEIGHBOURHOOD:
                continue
            if _contributors(row.details) < SPOT_MIN_SENSORS:
                continue
            # Each figure shown only when enough gardens measured it (privacy).
            extra = tuple(
                Figure(m, area_rows[(m.source, m.name)].value)
                for m in shown
                if (m.source, m.name) in area_rows
                and _contributors(area_rows[(m.source, m.name)].details) >= SPOT_MIN_SENSORS
            )
            figures.append(
                NeighbourhoodFigure(row.area.name, row.value, _contributors(row.details), extra)
            )
        figures.sort(key=lambda f: (-f.value, f.name))
        return figures[:SPOTS_LISTED]

    return SensorSpots(
        hottest=top(heat, []),
        wettest=top(wet, wet_figures),
        green=_green_effect(
            [r for r in rows if why and (r.source, r.name) == (why.source, why.name)]
        ),
        period=period,
        as_of=max((row.computed_at for row in rows), default=None),
    )


# --- evidence shown with a subject


def evidence_in_period(period: EvidencePeriod | None) -> Q:
    """Figures for the period shown, plus those not tied to days (the survey signal)."""
    not_dated = Q(period__kind=EvidencePeriod.Kind.TO_DATE)
    return (Q(period=period) | not_dated) if period is not None else not_dated


def evidence_shown(*, challenge: Challenge, period: EvidencePeriod | None) -> QuerySet[Evidence]:
    return (
        Evidence.objects.filter(evidence_in_period(period), challenge=challenge)
        .select_related("period")
        .order_by("source", "name")
    )


# --- challenge pages


def challenge_concerns_public(*, challenge: Challenge) -> QuerySet[Concern]:
    """The challenge's linked concerns everyone may see (never an unpublished one)."""
    return (
        Concern.objects.filter(challenges=challenge, status__in=PUBLIC_CONCERN_STATUSES)
        .select_related("theme", "area")
        .order_by("pk")
    )


@dataclass(frozen=True)
class EvidenceSentence:
    """One figure as a sentence, with what it means; `criterion` groups figures on a page."""

    text: str
    explanation: str
    worse: str | None
    criterion: str
    # Its place among its criterion's figures (civic.vocabulary.of_criterion).
    rank: int = 0


def _contributors_text(details: dict, source_label: str) -> str:
    count = _contributors(details or {})
    if not count:
        return ""
    return ngettext(
        "from %(n)s measuring point of the %(source)s",
        "from %(n)s measuring points of the %(source)s",
        count,
    ) % {"n": count, "source": source_label}


def evidence_sentences(
    rows: Sequence[Evidence], *, period_label: str
) -> tuple[list[EvidenceSentence], list[EvidenceSentence]]:
    """The figures of a subject as plain sentences: (the period's figures, the survey signal).

    Only figures that are evidence of a criterion are said (context figures such
    as counts and ranks are not); each with its explanation and which way is worse.
    """
    from civic.vocabulary import measure_for, sources

    labels = {name: str(source.label) for name, source in sources().items()}
    dated, survey = [], []
    for row in rows:
        measure = measure_for(row.source, row.name)
        if measure is None or not measure.criterion or measure.worse is None:
            continue
        label = str(measure.label)
        label = label[:1].upper() + label[1:]
        if row.period.kind == EvidencePeriod.Kind.TO_DATE:
            if row.value is None:
                text = _(
                    "%(label)s: not shown, too few answers so far (small groups stay private)."
                ) % {"label": label}
            else:
                text = _("%(label)s: %(value)s, over everything so far (%(source)s).") % {
                    "label": label,
                    "value": measure.format(row.value),
                    "source": labels.get(row.source, row.source),
                }
        else:
            if row.value is None:
                continue
            if measure.sentence is not None:
                text = str(
                    measure.sentence(measure.format(abs(row.value)), row.value, period_label)
                )
            else:
                text = _("%(label)s here: %(value)s in the %(period)s") % {
                    "label": label,
                    "value": measure.format(row.value),
                    "period": period_label,
                }
            contributors = _contributors_text(row.details, labels.get(row.source, row.source))
            text = f"{text}, {contributors}." if contributors else f"{text}."
        siblings = of_criterion(measure.criterion)
        sentence = EvidenceSentence(
            text=text,
            explanation=str(measure.explanation),
            worse=measure.worse,
            criterion=measure.criterion,
            rank=siblings.index(measure) if measure in siblings else len(siblings),
        )
        (survey if measure.criterion == SURVEY else dated).append(sentence)
    # Grouped by criterion, each criterion's figures in the vocabulary's order (headline first).
    criteria = {c: i for i, c in enumerate(_criteria_order(dated))}
    dated.sort(key=lambda s: (criteria[s.criterion], s.rank))
    return dated, survey


SURVEY = "survey"


def _criteria_order(sentences: list[EvidenceSentence]) -> list[str]:
    return list(dict.fromkeys(s.criterion for s in sentences))


@dataclass(frozen=True)
class HistoryLine:
    """One line of a challenge's public history: when, who (a role, never a name), what."""

    at: datetime
    text: str
    # Officers only: the note or reason written with it.
    note: str = ""


def challenge_history(*, challenge: Challenge, user) -> list[HistoryLine]:
    """The challenge's steps and its links and unlinks, oldest first, without personal data.

    Everyone reads dates, steps and "an officer"; officers also read the notes
    and unlink reasons (which may name people). A concern is named by number
    only while it is public.
    """
    from civic.models import ChallengeConcernChange

    staff = is_staff_member(user)
    labels = dict(Challenge.Status.choices)
    lines = []
    for event in history_of(challenge):
        who = _("an officer") if event.actor_id else _("the service")
        if event.from_state:
            text = _("%(who)s moved the challenge to “%(state)s”.") % {
                "who": who,
                "state": labels.get(event.to_state, event.to_state),
            }
        else:
            text = _("%(who)s created the challenge.") % {"who": who}
        lines.append(
            HistoryLine(event.at, text[:1].upper() + text[1:], event.note if staff else "")
        )
    changes = (
        ChallengeConcernChange.objects.filter(challenge=challenge)
        .select_related("concern")
        .order_by("at", "id")
    )
    # Concerns linked together (one selection, within a minute) make one line, so
    # grouping 40 concerns does not bury the challenge's steps.
    batches: list[list] = []
    for change in changes:
        last = batches[-1][-1] if batches else None
        together = (
            last is not None
            and change.action == last.action == ChallengeConcernChange.Action.LINK
            and (change.at - last.at).total_seconds() < 60
        )
        if together:
            batches[-1].append(change)
        else:
            batches.append([change])
    for batch in batches:
        change = batch[0]
        public = [c.concern_id for c in batch if c.concern.status in PUBLIC_CONCERN_STATUSES]
        if change.action == ChallengeConcernChange.Action.LINK and len(batch) > 1:
            text = ngettext(
                "An officer linked %(n)s concerns: %(ids)s.",
                "An officer linked %(n)s concerns: %(ids)s.",
                len(batch),
            ) % {"n": len(batch), "ids": ", ".join(f"#{pk}" for pk in public) or _("none public")}
        else:
            what = _("concern #%(id)s") % {"id": change.concern_id} if public else _("a concern")
            if change.action == ChallengeConcernChange.Action.LINK:
                text = _("An officer linked %(what)s.") % {"what": what}
            else:
                text = _("An officer unlinked %(what)s.") % {"what": what}
        lines.append(HistoryLine(change.at, text, change.reason if staff else ""))
    lines.sort(key=lambda line: line.at)
    return lines


def concerns_of_author_with_challenges(*, user) -> list[Concern]:
    """A resident's concerns, each with its public challenges in `shown_challenges`."""
    public = Challenge.objects.exclude(status=Challenge.Status.DRAFT).order_by("pk")
    return list(
        concerns_of_author(user=user).prefetch_related(
            Prefetch("challenges", queryset=public, to_attr="shown_challenges")
        )
    )
