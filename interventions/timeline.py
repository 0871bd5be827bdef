"""Interventions' entries in a challenge's public timeline: from proposal to measured effect.

Only interventions the public sees (selectors.interventions_visible_to for an
anonymous reader: taken further than review, on a challenge that is not a
draft) appear; a proposal under review, not taken up or withdrawn never does.

Per intervention: made public (its title: officers review a proposal, and may
edit it, before it goes public, and the title is on its public page),
consultation opened and closed (with its number of supports, counted now:
they cannot change after the consultation, so a proposal consulted twice
shows the later count at both closes), each council decision (outcome and
votes), works started, each milestone (its officer-written title), completed
or cancelled, and the measured effect: the verdict sentence of each
evaluation run, the last of each day.

Left out on purpose: descriptions, comments, a decision's motivation and a
cancellation's reason (free text that may name people; the intervention's
page, linked from every entry, shows what is public of them), officers'
working notes, and who did anything. A fixed number of queries per challenge.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic.challenge_parts import TimelineEntry
from civic.models import Challenge
from civic.selectors import histories_of
from interventions.evaluation import NIGHT_FIGURE, evaluation_sentence
from interventions.models import Decision, ImpactEvaluation, Intervention, Milestone
from interventions.selectors import REOPENED_FROM, interventions_visible_to

S = Intervention.Status
# After the core's (10-40) and priority's (50) entries of the same day, in the story's order.
ORDER = {
    "proposal": 60,
    "consultation": 65,
    "decision": 70,
    "works": 75,
    "milestone": 80,
    "completion": 85,
    "evaluation": 90,
}


def _entry(kind: str, day, title: str, text: str, url: str) -> TimelineEntry:
    return TimelineEntry(day=day, kind=kind, title=title, text=text, url=url, order=ORDER[kind])


def _steps(intervention: Intervention, events, url: str) -> list[TimelineEntry]:
    """Entries from the intervention's workflow events (dates and states; never a note)."""
    title = intervention.title
    entries = []
    public_yet = False
    for event in events:
        day = timezone.localdate(event.at)
        if event.to_state == S.IN_CONSULTATION:
            if not public_yet:
                public_yet = True
                entries.append(
                    _entry(
                        "proposal",
                        day,
                        _("Proposal made public: %(title)s") % {"title": title},
                        _("Proposed by %(who)s; kind: %(kind)s.")
                        % {
                            "who": intervention.get_proposer_role_display(),
                            "kind": intervention.get_kind_display(),
                        },
                        url,
                    )
                )
            entries.append(
                _entry(
                    "consultation",
                    day,
                    _("Consultation opened on “%(title)s”") % {"title": title},
                    _("Residents could support the proposal and comment on it."),
                    url,
                )
            )
        elif event.from_state == S.IN_CONSULTATION and event.to_state == S.AWAITING_DECISION:
            n = intervention.support_count
            entries.append(
                _entry(
                    "consultation",
                    day,
                    _("Consultation closed on “%(title)s”") % {"title": title},
                    ngettext(
                        "%(n)d resident supported it; it went to the council.",
                        "%(n)d residents supported it; it went to the council.",
                        n,
                    )
                    % {"n": n},
                    url,
                )
            )
        elif event.from_state == S.IN_CONSULTATION and event.to_state == S.UNDER_REVIEW:
            entries.append(
                _entry(
                    "consultation",
                    day,
                    _("Consultation stopped on “%(title)s”") % {"title": title},
                    _("The proposal went back for review before the consultation ended."),
                    url,
                )
            )
        elif event.from_state in REOPENED_FROM and event.to_state == S.AWAITING_DECISION:
            entries.append(
                _entry(
                    "decision",
                    day,
                    _("Decision on “%(title)s” reopened") % {"title": title},
                    _("The council will decide again."),
                    url,
                )
            )
        elif event.to_state == S.IN_PROGRESS:
            entries.append(
                _entry(
                    "works",
                    intervention.actual_start or day,
                    _("Works started: %(title)s") % {"title": title},
                    "",
                    url,
                )
            )
        elif event.to_state == S.COMPLETED:
            entries.append(
                _entry(
                    "completion",
                    intervention.actual_end or day,
                    _("Works completed: %(title)s") % {"title": title},
                    _("The measurement of its effect starts now."),
                    url,
                )
            )
        elif event.to_state == S.CANCELLED:
            entries.append(
                _entry(
                    "completion",
                    day,
                    _("Works cancelled: %(title)s") % {"title": title},
                    _("The reason is on the intervention's page."),
                    url,
                )
            )
    return entries


def _decision(decision: Decision, intervention: Intervention, url: str) -> TimelineEntry:
    return _entry(
        "decision",
        decision.decided_on,
        _("Council decision on “%(title)s”: %(outcome)s")
        % {"title": intervention.title, "outcome": decision.get_outcome_display()},
        _("%(for)d for, %(against)d against, %(abstaining)d abstaining (%(meeting)s).")
        % {
            "for": decision.votes_for,
            "against": decision.votes_against,
            "abstaining": decision.votes_abstaining,
            "meeting": decision.meeting_reference,
        },
        url,
    )


def _milestone(milestone: Milestone, intervention: Intervention, url: str) -> TimelineEntry:
    return _entry(
        "milestone",
        milestone.date,
        milestone.title,
        _("A milestone of “%(title)s”.") % {"title": intervention.title},
        f"{url}#milestone-{milestone.pk}",
    )


def _evaluation(run: ImpactEvaluation, intervention: Intervention, url: str) -> TimelineEntry:
    return _entry(
        "evaluation",
        timezone.localdate(run.computed_at),
        _("Measured effect of “%(title)s”: %(verdict)s")
        % {"title": intervention.title, "verdict": run.get_verdict_display()},
        evaluation_sentence(run),
        url,
    )


def interventions_timeline(challenge: Challenge) -> list[TimelineEntry]:
    """The challenge's public interventions as timeline entries (five queries)."""
    interventions = {
        i.pk: i
        for i in interventions_visible_to(user=AnonymousUser())
        .filter(challenge=challenge)
        .select_related(None)
        .only("id", "title", "kind", "proposer_role", "actual_start", "actual_end", "status")
    }
    if not interventions:
        return []
    ids = list(interventions)
    urls = {pk: reverse("interventions:detail", args=[pk]) for pk in ids}
    entries: list[TimelineEntry] = []
    for pk, events in histories_of(interventions.values()).items():
        entries += _steps(interventions[pk], events, urls[pk])
    for decision in Decision.objects.filter(intervention_id__in=ids).order_by("recorded_at", "id"):
        pk = decision.intervention_id
        entries.append(_decision(decision, interventions[pk], urls[pk]))
    for milestone in Milestone.objects.filter(intervention_id__in=ids).only(
        "id", "intervention_id", "date", "title"
    ):
        pk = milestone.intervention_id
        entries.append(_milestone(milestone, interventions[pk], urls[pk]))
    # The runs of a day differ only as that day's data came in: the day's last one tells it.
    last_of_day: dict[tuple, ImpactEvaluation] = {}
    # Without each run's chart and match (JSON the sentence does not need).
    for run in (
        ImpactEvaluation.objects.filter(intervention_id__in=ids, figure=NIGHT_FIGURE)
        .defer("chart", "match")
        .order_by("computed_at", "id")
    ):
        last_of_day[(run.intervention_id, timezone.localdate(run.computed_at))] = run
    for (pk, _day), run in last_of_day.items():
        entries.append(_evaluation(run, interventions[pk], urls[pk]))
    return entries
