"""The core's entries in a challenge's public timeline: concerns filed and grouped, steps, evidence.

Registered as a source of civic.challenge_parts (`timeline_of` merges every
source). What it says, and what it leaves out on purpose:

- **concerns filed**: per day, how many of the challenge's linked *public*
  concerns were filed that day ("3 concerns filed"). Never a concern's text or
  author: a resident's own words may name people, and a day with one concern
  says no more than the public concern itself already does.
- **grouped**: per day, how many public concerns officers linked to (or
  unlinked from) the challenge; an unlink's reason is an officer's note and
  stays out.
- **the challenge's steps** from its workflow events: opened, prioritised,
  reopened, closed. A draft step and every note stay out.
- **evidence**: per period, when its figures for the challenge were last
  computed and how many there are, with the period's name.

Counts are taken in SQL, one query per kind, whatever the challenge's size.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic.challenge_parts import TimelineEntry, timeline_source_register
from civic.models import (
    Challenge,
    ChallengeConcernChange,
    Concern,
    Evidence,
    EvidencePeriod,
    WorkflowEvent,
)
from civic.models.concerns import PUBLIC_CONCERN_STATUSES
from civic.periods import period_label

CS = Challenge.Status
# Ties on one day: the story's natural order (apps use 50 and above).
ORDER_FILED, ORDER_GROUPED, ORDER_STEP, ORDER_EVIDENCE = 10, 20, 30, 40


def _page(challenge: Challenge, anchor: str = "") -> str:
    return reverse("civic:challenge_detail", args=[challenge.pk]) + anchor


def concerns_filed(challenge: Challenge) -> list[TimelineEntry]:
    """How many of its public concerns were filed each day (counts only)."""
    days = (
        Concern.objects.filter(challenges=challenge, status__in=PUBLIC_CONCERN_STATUSES)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id", distinct=True))
        .order_by("day")
    )
    return [
        TimelineEntry(
            day=row["day"],
            kind="concerns",
            title=ngettext("%(n)d concern filed", "%(n)d concerns filed", row["n"])
            % {"n": row["n"]},
            text=_("Residents reported what worries them on the map."),
            url=_page(challenge, "#linked-concerns"),
            order=ORDER_FILED,
        )
        for row in days
    ]


def concerns_grouped(challenge: Challenge) -> list[TimelineEntry]:
    """How many public concerns were linked to, or unlinked from, the challenge each day."""
    link = ChallengeConcernChange.Action.LINK
    days = (
        ChallengeConcernChange.objects.filter(
            challenge=challenge, concern__status__in=PUBLIC_CONCERN_STATUSES
        )
        .annotate(day=TruncDate("at"))
        .values("day", "action")
        .annotate(n=Count("concern", distinct=True))
        .order_by("day", "action")
    )
    entries = []
    for row in days:
        n = row["n"]
        if row["action"] == link:
            title = ngettext(
                "%(n)d concern grouped into the challenge",
                "%(n)d concerns grouped into the challenge",
                n,
            ) % {"n": n}
        else:
            title = ngettext(
                "%(n)d concern taken out of the challenge",
                "%(n)d concerns taken out of the challenge",
                n,
            ) % {"n": n}
        entries.append(
            TimelineEntry(
                day=row["day"],
                kind="grouped",
                title=title,
                url=_page(challenge, "#linked-concerns"),
                order=ORDER_GROUPED,
            )
        )
    return entries


def _step_title(event: WorkflowEvent) -> str | None:
    """The public words for a step of the challenge; None for a step the public does not see."""
    if event.to_state == CS.OPEN:
        if event.from_state in ("", CS.DRAFT):
            return _("Challenge opened to the public")
        return _("Challenge reopened")
    if event.to_state == CS.PRIORITISED:
        return _("Challenge prioritised")
    if event.to_state == CS.CLOSED:
        return _("Challenge closed")
    return None


def challenge_steps(challenge: Challenge) -> list[TimelineEntry]:
    """Opened, prioritised, reopened, closed: the dates of its public steps, never a note."""
    events = WorkflowEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Challenge), object_id=challenge.pk
    ).only("from_state", "to_state", "at")
    entries = []
    for event in events:
        title = _step_title(event)
        if title is not None:
            entries.append(
                TimelineEntry(
                    day=timezone.localdate(event.at),
                    kind="challenge",
                    title=title,
                    url=_page(challenge),
                    order=ORDER_STEP,
                )
            )
    return entries


def evidence_computed(challenge: Challenge) -> list[TimelineEntry]:
    """Per period: the day its figures for the challenge were last computed, and how many."""
    rows = (
        Evidence.objects.filter(challenge=challenge, value__isnull=False)
        .values("period__key", "period__kind", "period__start", "period__end", "period__name")
        .annotate(last=Max("computed_at"), n=Count("id"))
        .order_by("last")
    )
    entries = []
    for row in rows:
        period = EvidencePeriod(
            key=row["period__key"],
            kind=row["period__kind"],
            start=row["period__start"],
            end=row["period__end"],
            name=row["period__name"],
        )
        entries.append(
            TimelineEntry(
                day=timezone.localdate(row["last"]),
                kind="evidence",
                title=_("Evidence computed for the %(period)s") % {"period": period_label(period)},
                text=ngettext("%(n)d figure.", "%(n)d figures.", row["n"]) % {"n": row["n"]},
                url=_page(challenge, f"?period={period.key}#evidence"),
                order=ORDER_EVIDENCE,
            )
        )
    return entries


def core_timeline(challenge: Challenge) -> list[TimelineEntry]:
    """The core's entries (see the module docstring)."""
    return [
        *concerns_filed(challenge),
        *concerns_grouped(challenge),
        *challenge_steps(challenge),
        *evidence_computed(challenge),
    ]


def connect() -> None:
    timeline_source_register("civic", core_timeline)
