"""Evidence periods: which stretch of days a figure describes, and which one a page shows.

Kinds (civic.models.EvidencePeriod.Kind):
- the **warm season** of a year (settings.CIVIC_WARM_SEASON, 1 May - 30 September
  by default), created once a source has data in it;
- **heat waves**, found by a source in its own data (the sensors app applies
  KNMI's definition to the network's median Tmax) and replaced when it looks again;
- the **last 30 days**, one live period whose dates move with the calendar
  (civic.tasks.periods_roll, daily);
- **an officer's period**, any first and last day, e.g. before and after an
  intervention;
- **everything so far**, for sources whose figures are not tied to days
  (the survey signal counts every answer).

Which period a page shows by default: the most recent warm season with data,
the current one once it holds CIVIC_SEASON_MIN_DAYS days, else the last
complete one. A reading dated today never changes last summer's figures:
a source recomputes only the periods holding the days that changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civic.models import Evidence, EvidencePeriod
from civic.roles import is_staff_member

Kind = EvidencePeriod.Kind
RECENT_KEY = "last-30-days"
TO_DATE_KEY = "to-date"
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
# An officer's period longer than this is almost certainly a typo (and slow to compute).
CUSTOM_MAX_DAYS = 366 * 3


def season_bounds(year: int) -> tuple[date, date]:
    """First and last day of the warm season of `year`."""
    (m0, d0), (m1, d1) = settings.CIVIC_WARM_SEASON
    return date(year, m0, d0), date(year, m1, d1)


# An en dash between dates, as Dutch and English typography both want.
DASH = "\N{EN DASH}"


def last_complete_season_year(today: date | None = None) -> int:
    """The year of the last warm season that has ended by `today` (the demo's summer)."""
    today = today or timezone.localdate()
    return today.year if season_bounds(today.year)[1] < today else today.year - 1


def _span(first: date, last: date) -> str:
    if first.year != last.year:
        return f"{date_format(first, 'j F Y')} {DASH} {date_format(last, 'j F Y')}"
    if first.month != last.month:
        return f"{date_format(first, 'j F')} {DASH} {date_format(last, 'j F Y')}"
    return f"{first.day} {DASH} {date_format(last, 'j F Y')}"


def period_label(period: EvidencePeriod) -> str:
    """The period in words, in the active language, always with its dates."""
    span = _span(period.start, period.end)
    if period.kind == Kind.SEASON:
        return _("warm season %(year)s (%(span)s)") % {"year": period.start.year, "span": span}
    if period.kind == Kind.HEAT_WAVE:
        return _("heat wave of %(span)s") % {"span": span}
    if period.kind == Kind.RECENT:
        return _("last %(days)s days (%(span)s)") % {
            "days": (period.end - period.start).days + 1,
            "span": span,
        }
    if period.kind == Kind.TO_DATE:
        return _("everything so far")
    if period.name:
        return f"{period.name} ({span})"
    return span


def period_as_dict(period: EvidencePeriod) -> dict:
    """The period as the API names it."""
    return {
        "key": period.key,
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "label": period_label(period),
    }


# ------------------------------------------------------------------ creating periods


def season_ensure(year: int) -> EvidencePeriod:
    """The warm season of `year` (created on first use)."""
    start, end = season_bounds(year)
    period, _created = EvidencePeriod.objects.get_or_create(
        key=f"season-{year}", defaults={"kind": Kind.SEASON, "start": start, "end": end}
    )
    return period


def seasons_for_days(first: date, last: date) -> list[EvidencePeriod]:
    """The warm seasons that overlap the days first..last (created as needed)."""
    seasons = []
    for year in range(first.year, last.year + 1):
        start, end = season_bounds(year)
        if start <= last and end >= first:
            seasons.append(season_ensure(year))
    return seasons


def recent_window(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=settings.CIVIC_RECENT_DAYS - 1), today


def recent_period() -> EvidencePeriod:
    """The live "last 30 days" period, with today's dates (moved and marked stale if needed)."""
    start, end = recent_window()
    with transaction.atomic():
        period, created = EvidencePeriod.objects.select_for_update().get_or_create(
            key=RECENT_KEY, defaults={"kind": Kind.RECENT, "start": start, "end": end}
        )
        if not created and (period.start, period.end) != (start, end):
            period.start, period.end = start, end
            period.save(update_fields=["start", "end"])
            # Yesterday's figures describe other days now: every source redoes them.
            from civic.evidence import evidence_mark_stale

            evidence_mark_stale(period=period)
    return period


def to_date_period() -> EvidencePeriod:
    """The period of figures not tied to days; its dates are the data's first and last day."""
    today = timezone.localdate()
    period, _created = EvidencePeriod.objects.get_or_create(
        key=TO_DATE_KEY, defaults={"kind": Kind.TO_DATE, "start": today, "end": today}
    )
    return period


def detected_periods_replace(
    *, kind: str, spans: Iterable[tuple[date, date]], within: tuple[date, date] | None = None
) -> list[EvidencePeriod]:
    """Replace the periods of one detected kind (heat waves) by the spans a source found.

    Keyed by first day: a heat wave that grows as days arrive keeps its key
    (and is recomputed by the caller); one that is no longer found is deleted
    with its figures. `within` limits the replacement to spans starting in
    those days (the source looked only there). Returns the periods now standing.
    """
    prefix = {Kind.HEAT_WAVE: "heat-wave"}[kind]
    wanted = {f"{prefix}-{start.isoformat()}": (start, end) for start, end in spans}
    existing = EvidencePeriod.objects.filter(kind=kind)
    if within:
        existing = existing.filter(start__range=within)
    standing = []
    with transaction.atomic():
        existing.exclude(key__in=wanted).delete()
        for key, (start, end) in wanted.items():
            period, created = EvidencePeriod.objects.get_or_create(
                key=key, defaults={"kind": kind, "start": start, "end": end}
            )
            if not created and period.end != end:
                period.end = end
                period.save(update_fields=["end"])
            standing.append(period)
    return standing


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {"period": _("%(day)s is not a date (YYYY-MM-DD).") % {"day": text}}
        ) from None


def period_range_clean(first: date, last: date) -> None:
    """A period's days: not reversed, not longer than CUSTOM_MAX_DAYS (naming `period`)."""
    if last < first:
        raise ValidationError({"period": _("The period ends before it starts.")})
    if (last - first).days + 1 > CUSTOM_MAX_DAYS:
        raise ValidationError(
            {"period": _("Choose a period of at most %(days)s days.") % {"days": CUSTOM_MAX_DAYS}}
        )


def period_custom_create(*, actor, start: date, end: date, name: str = "") -> EvidencePeriod:
    """An officer defines a period (e.g. before or after works); every source computes it."""
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only policy officers define periods."))
    period_range_clean(start, end)
    from civic.evidence import evidence_mark_stale

    with transaction.atomic():
        period, created = EvidencePeriod.objects.get_or_create(
            key=f"{start.isoformat()}..{end.isoformat()}",
            defaults={
                "kind": Kind.CUSTOM,
                "start": start,
                "end": end,
                "name": name.strip()[:100],
                "created_by": actor,
            },
        )
        if created:
            evidence_mark_stale(period=period)
    return period


# ------------------------------------------------------------------ choosing a period


def periods_with_data() -> QuerySet[EvidencePeriod]:
    """The periods a page can offer: those some source has figures for, newest first."""
    has_figures = Evidence.objects.filter(period=OuterRef("pk"))
    return (
        EvidencePeriod.objects.exclude(kind=Kind.TO_DATE)
        .filter(Exists(has_figures))
        .order_by("-end", "kind", "key")
    )


def period_default(*, today: date | None = None) -> EvidencePeriod | None:
    """The most recent warm season with data: the current one once it has enough days."""
    today = today or timezone.localdate()
    seasons = EvidencePeriod.objects.filter(kind=Kind.SEASON, start__lte=today).order_by("-start")
    for season in seasons:
        days = season.data_days
        if season.end < today and days:
            return season
        if season.end >= today and days >= settings.CIVIC_SEASON_MIN_DAYS:
            return season
    # No season has data (a network that started in winter): the live window.
    return EvidencePeriod.objects.filter(key=RECENT_KEY).first()


def period_from_param(value: str | None) -> EvidencePeriod | None:
    """The period a `?period=` names; None when not given (the caller takes the default).

    Raises ValidationError naming "period" for an empty, malformed, reversed
    or unknown period.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise ValidationError({"period": _("Name a period, or leave the parameter out.")})
    match = _RANGE.match(value)
    if match:
        first, last = _parse_day(match[1]), _parse_day(match[2])
        period_range_clean(first, last)
    period = EvidencePeriod.objects.filter(key=value).first()
    if period is None:
        known = ", ".join(p.key for p in periods_with_data()[:6]) or RECENT_KEY
        raise ValidationError(
            {
                "period": _(
                    "Unknown period “%(value)s”. Known periods include: %(known)s. "
                    "Officers can define a new one."
                )
                % {"value": value[:60], "known": known}
            }
        )
    return period


def periods_touching(first: date, last: date) -> QuerySet[EvidencePeriod]:
    """Every dated period that holds at least one of the days first..last."""
    return EvidencePeriod.objects.exclude(kind=Kind.TO_DATE).filter(
        Q(start__lte=last) & Q(end__gte=first)
    )
