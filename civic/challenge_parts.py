"""What apps add to a challenge, without the core naming them.

A challenge is the core's; its interventions, its priority score and the
survey answers behind it belong to apps. They plug in here from their
AppConfig.ready():

- **panels**: a section of the challenge page (template + context function);
- **facts**: values shown per challenge in lists (the ranking, the public
  list), fetched for many challenges at once so a list costs a constant
  number of queries;
- **stages**: the challenge's pipeline stage, derived from the app's own
  records (e.g. its interventions), never stored twice; the most advanced
  stage any app reports wins, else the challenge's own status;
- **stakeholders**: who has a stake in a challenge beyond the authors of its
  linked concerns (survey respondents, supporters of a proposal); used by
  notifications;
- **timeline sources**: the public story of a challenge from its first concern
  to the measured effect. Each source gives dated entries for one challenge
  (what happened, in words, never naming a person); the core merges them in
  date order (`timeline_of`).

And one signal: **challenge_concerns_changed** (sender=Challenge,
challenge=the challenge, concern_ids=the concerns linked or unlinked,
action="link" or "unlink"), sent after the commit of every link and unlink
(civic.services), so an app that counts a challenge's concerns (the
residents concerned) recounts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.dispatch import Signal
from django.http import HttpRequest

from civic.models import Challenge, EvidencePeriod, User
from civic.models.concerns import PUBLIC_CONCERN_STATUSES

# Sent on commit after concerns were linked to or unlinked from a challenge.
challenge_concerns_changed = Signal()


@dataclass(frozen=True)
class Panel:
    """A section of the challenge page, in `order` (lower first)."""

    key: str
    template: str
    # (challenge, request, period) -> the template's context (merged under `panel`).
    context: Callable[[Challenge, HttpRequest, EvidencePeriod | None], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class Fact:
    """A value per challenge for lists: `values(ids, user)` -> {challenge id: value}."""

    key: str
    label: Any
    values: Callable[[list[int], Any], dict[int, Any]]


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: `rank` orders stages (a higher rank is further along)."""

    key: str
    label: Any
    rank: int


# (challenge ids) -> {challenge id: Stage}; an app answers only for challenges it knows.
StageSource = Callable[[list[int]], dict[int, Stage]]
# (challenge) -> users with a stake in it.
StakeholderSource = Callable[[Challenge], Iterable[User]]


@dataclass(frozen=True)
class TimelineEntry:
    """One public step in a challenge's story.

    `kind` groups entries (concerns, grouped, evidence, priority, proposal,
    consultation, decision, milestone, completion, evaluation, answers) for
    icons and filters; `text` is plain words in the reader's language and
    must hold no personal data (no names, no resident's own text); `url`
    links to the public page with more, if any. `order` breaks ties on one
    day (lower first).
    """

    day: date
    kind: str
    title: Any
    text: Any = ""
    url: str = ""
    order: int = 100


# (challenge) -> its public entries from this source, in any order.
TimelineSource = Callable[[Challenge], Iterable[TimelineEntry]]

_PANELS: dict[str, Panel] = {}
_FACTS: dict[str, Fact] = {}
_STAGE_SOURCES: dict[str, StageSource] = {}
_STAKEHOLDER_SOURCES: dict[str, StakeholderSource] = {}
_TIMELINE_SOURCES: dict[str, TimelineSource] = {}


def panel_register(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def fact_register(fact: Fact) -> None:
    _FACTS[fact.key] = fact


def stage_source_register(key: str, source: StageSource) -> None:
    _STAGE_SOURCES[key] = source


def stakeholder_source_register(key: str, source: StakeholderSource) -> None:
    _STAKEHOLDER_SOURCES[key] = source


def timeline_source_register(key: str, source: TimelineSource) -> None:
    _TIMELINE_SOURCES[key] = source


def timeline_of(challenge: Challenge) -> list[TimelineEntry]:
    """The challenge's public story from every source, oldest first."""
    entries = [entry for source in _TIMELINE_SOURCES.values() for entry in source(challenge)]
    return sorted(entries, key=lambda e: (e.day, e.order, e.kind))


def panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def facts() -> list[Fact]:
    return list(_FACTS.values())


def facts_for(ids: list[int], user) -> dict[str, dict[int, Any]]:
    """Every registered fact for these challenges: {fact key: {challenge id: value}}."""
    return {fact.key: fact.values(ids, user) for fact in _FACTS.values()}


def stages_for(challenges: Iterable[Challenge]) -> dict[int, Stage]:
    """Each challenge's pipeline stage: the furthest any app reports, else its status."""
    challenges = list(challenges)
    ids = [c.pk for c in challenges]
    result = {
        c.pk: Stage(c.status, c.get_status_display(), STATUS_RANK.get(c.status, 0))
        for c in challenges
    }
    for source in _STAGE_SOURCES.values():
        for pk, stage in source(ids).items():
            if pk in result and stage.rank > result[pk].rank:
                result[pk] = stage
    return result


# The challenge's own statuses as stages; apps rank theirs above PRIORITISED.
STATUS_RANK = {
    Challenge.Status.DRAFT: 0,
    Challenge.Status.OPEN: 10,
    Challenge.Status.PRIORITISED: 20,
    # A closed challenge ends its pipeline whatever its interventions say.
    Challenge.Status.CLOSED: 1000,
}


def stakeholders_of(challenge: Challenge) -> list[User]:
    """Active users with a stake: authors of its linked public concerns, and what apps add."""
    users = {
        u.pk: u
        for u in User.objects.filter(
            is_active=True,
            concerns__challenges=challenge,
            concerns__status__in=PUBLIC_CONCERN_STATUSES,
        ).distinct()
    }
    for source in _STAKEHOLDER_SOURCES.values():
        for user in source(challenge):
            if user.is_active:
                users.setdefault(user.pk, user)
    return list(users.values())
