"""Reads of priority: weights and council themes in force, the ranking, a challenge's place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext

from civic.models import Challenge, EvidencePeriod, User
from civic.periods import period_default, period_label, periods_with_data
from civic.roles import ADMIN, COUNCIL, OFFICER, user_roles
from priority.criteria import BY_KEY, CRITERIA, equal_weights, raw_text
from priority.models import CouncilThemesVersion, Override, Score, ScoreCriterion, WeightsVersion

# The role a change is shown under (a person's name stays with the audit trail in the admin).
_ROLE_ORDER = (ADMIN, OFFICER, COUNCIL)


def role_word(user: User | None) -> str:
    """ "a policy officer", "an administrator", …: who made a change, without naming them."""
    if user is None:
        return gettext("the service")
    prefetched = getattr(user, "_prefetched_objects_cache", {}).get("groups")
    if prefetched is not None:  # a list of changes: no query per person
        roles = {g.name for g in prefetched} | ({ADMIN} if user.is_superuser else set())
    else:
        roles = user_roles(user)
    words = {
        ADMIN: gettext("an administrator"),
        OFFICER: gettext("a policy officer"),
        COUNCIL: gettext("a council member"),
    }
    for role in _ROLE_ORDER:
        if role in roles:
            return words[role]
    return gettext("a former staff member")


def weights_in_force() -> WeightsVersion | None:
    return WeightsVersion.objects.select_related("created_by").order_by("-number").first()


def weights_values(version: WeightsVersion | None) -> dict[str, float]:
    """The weights of a version for every criterion (equal weights before any version)."""
    if version is None:
        return equal_weights()
    return {key: float(version.weights.get(key, 0.0)) for key in BY_KEY}


def weights_history() -> list[WeightsVersion]:
    return list(
        WeightsVersion.objects.select_related("created_by")
        .prefetch_related("created_by__groups")
        .order_by("-number")
    )


def council_themes_in_force() -> CouncilThemesVersion | None:
    return (
        CouncilThemesVersion.objects.select_related("created_by")
        .prefetch_related("themes")
        .order_by("-number")
        .first()
    )


def council_theme_ids() -> set[int] | None:
    """The council's priority themes in force; None while none are marked.

    A version with no themes (an administrator cleared them) is "no council
    priorities": alignment is then missing for every challenge, not 0 for all,
    which would lower each score by its weight (most where few criteria have data).
    """
    version = council_themes_in_force()
    if version is None:
        return None
    return {t.pk for t in version.themes.all()} or None


def council_themes_history() -> list[CouncilThemesVersion]:
    return list(
        CouncilThemesVersion.objects.select_related("created_by")
        .prefetch_related("themes", "created_by__groups")
        .order_by("-number")
    )


def ranking_default_period() -> EvidencePeriod | None:
    """The period scores are shown for by default: the pages' default, else the newest with data."""
    return period_default() or periods_with_data().first()


def overrides_in_force(challenge_ids: list[int] | None = None) -> dict[int, Override]:
    """The override in force per challenge (its newest entry, unless that is a withdrawal)."""
    newest = Override.objects.filter(challenge_id=OuterRef("challenge_id")).order_by(
        "-created_at", "-id"
    )
    rows = Override.objects.filter(pk=Subquery(newest.values("pk")[:1]), position__isnull=False)
    if challenge_ids is not None:
        rows = rows.filter(challenge_id__in=challenge_ids)
    return {o.challenge_id: o for o in rows.select_related("created_by")}


def order_with_overrides(ordered_ids: list[int], overrides: dict[int, Override]) -> list[int]:
    """The ranking: pinned challenges at their place (earliest override first), the rest by score.

    A position past the end of the list puts the challenge last.
    """
    size = len(ordered_ids)
    slots: list[int | None] = [None] * size
    pinned = sorted(
        (o for cid, o in overrides.items() if cid in set(ordered_ids)),
        key=lambda o: (o.position, o.created_at, o.pk),
    )
    for override in pinned:
        index = min(override.position, size) - 1
        while index < size and slots[index] is not None:
            index += 1
        if index >= size:
            index = max(i for i in range(size) if slots[i] is None)
        slots[index] = override.challenge_id
    placed = {o.challenge_id for o in pinned}
    rest = iter(cid for cid in ordered_ids if cid not in placed)
    return [slot if slot is not None else next(rest) for slot in slots]


def score_order_key(value: float | None, challenge_id: int) -> tuple:
    # Highest first; no score last; ties by age (the older challenge first).
    return (value is None, -(value or 0.0), challenge_id)


@dataclass
class Entry:
    """One row of the ranking."""

    rank: int
    challenge: Challenge
    score: Score
    override: Override | None
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def why(self) -> list[dict[str, Any]]:
        """The criteria that gave most points, largest first (at most three)."""
        present = [line for line in self.lines if not line["missing"] and line["contribution"]]
        # Equal points (to what a page shows) keep the criteria's own order, heat first,
        # so float noise does not decide which of two equal reasons is named.
        order = {c.key: i for i, c in enumerate(CRITERIA)}
        return sorted(
            present,
            key=lambda line: (-round(line["contribution"], 1), order.get(line["criterion"], 99)),
        )[:3]

    @property
    def missing(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["missing"]]


def line_as_dict(row: ScoreCriterion | dict, *, period_labels: dict | None = None) -> dict:
    """A breakdown line for pages and the API, with its label and raw value in words."""
    get = row.get if isinstance(row, dict) else lambda name, default=None: getattr(row, name)
    key = get("criterion")
    criterion = BY_KEY.get(key)
    details = get("details") or {}
    raw = get("raw")
    return {
        "criterion": key,
        "label": str(criterion.label) if criterion else key,
        "explanation": str(criterion.explanation) if criterion else "",
        "raw": raw,
        "raw_text": raw_text(key, raw, details),
        "normalised": get("normalised"),
        "weight": get("weight"),
        "contribution": get("contribution"),
        "period_id": get("period_id"),
        "period_label": (period_labels or {}).get(get("period_id"), ""),
        "missing": bool(get("missing")),
        "details": details,
    }


def ranking(period: EvidencePeriod | None) -> list[Entry]:
    """The ranked challenges for a period, overrides applied, breakdown loaded (three queries)."""
    scores = list(
        Score.objects.filter(period=period)
        .select_related("challenge__theme", "challenge__area", "weights")
        .prefetch_related(
            Prefetch("criteria", queryset=ScoreCriterion.objects.order_by("position"))
        )
    )
    by_id = {s.challenge_id: s for s in scores}
    ordered = sorted(by_id, key=lambda cid: score_order_key(by_id[cid].value, cid))
    overrides = overrides_in_force(list(by_id))
    labels = period_labels_for(
        {row.period_id for s in scores for row in s.criteria.all() if row.period_id}
    )
    entries = []
    for rank, cid in enumerate(order_with_overrides(ordered, overrides), start=1):
        score = by_id[cid]
        entries.append(
            Entry(
                rank=rank,
                challenge=score.challenge,
                score=score,
                override=overrides.get(cid),
                lines=[line_as_dict(row, period_labels=labels) for row in score.criteria.all()],
            )
        )
    return entries


def period_labels_for(ids: set[int]) -> dict[int, str]:
    """{period id: the period in words} in one query (none when there are no ids)."""
    if not ids:
        return {}
    return {p.pk: period_label(p) for p in EvidencePeriod.objects.filter(pk__in=ids)}


def rank_of(challenge_id: int, period: EvidencePeriod | None) -> tuple[int | None, int]:
    """(the challenge's place in the ranking, how many are ranked) for one period (two queries)."""
    values = dict(Score.objects.filter(period=period).values_list("challenge_id", "value"))
    if challenge_id not in values:
        return None, len(values)
    ordered = sorted(values, key=lambda cid: score_order_key(values[cid], cid))
    order = order_with_overrides(ordered, overrides_in_force(list(values)))
    return order.index(challenge_id) + 1, len(order)


def default_scores(challenge_ids: list[int]) -> dict[int, float | None]:
    """Each challenge's score in the default period, in one query (None: not ranked)."""
    found = dict(
        Score.objects.filter(challenge_id__in=challenge_ids, is_default=True).values_list(
            "challenge_id", "value"
        )
    )
    return {cid: found.get(cid) for cid in challenge_ids}
