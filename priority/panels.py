"""What priority adds to a challenge's page (a panel) and to challenge lists (the score fact)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civic.models import Challenge, EvidencePeriod
from civic.periods import period_label
from civic.roles import is_staff_member
from priority import selectors
from priority.models import Score, Snapshot


def score_values(ids: list[int], user: Any) -> dict[int, float | None]:
    """Each challenge's score in the default period (None: not ranked), in one query."""
    return selectors.default_scores(ids)


def panel_context(
    challenge: Challenge, request: HttpRequest, period: EvidencePeriod | None
) -> dict[str, Any]:
    """The score, rank, breakdown, weights and snapshot at prioritising, for the challenge page.

    Public for every challenge that is not a draft: we rank openly.
    """
    if challenge.status == Challenge.Status.DRAFT:
        return {"draft": True}
    period = period or selectors.ranking_default_period()
    score = (
        Score.objects.filter(challenge=challenge, period=period)
        .select_related("weights")
        .prefetch_related("criteria")
        .first()
    )
    rank, count = selectors.rank_of(challenge.pk, period) if score else (None, 0)
    override = selectors.overrides_in_force([challenge.pk]).get(challenge.pk)
    snapshot = (
        Snapshot.objects.filter(challenge=challenge).select_related("period", "weights").first()
    )
    rows = list(score.criteria.all()) if score is not None else []
    breakdown = snapshot.breakdown if snapshot else []
    labels = selectors.period_labels_for(
        {r.period_id for r in rows if r.period_id}
        | {line.get("period_id") for line in breakdown if line.get("period_id")}
    )
    lines = [selectors.line_as_dict(row, period_labels=labels) for row in rows]
    return {
        "draft": False,
        "challenge": challenge,
        "score": score,
        "rank": rank,
        "ranked_count": count,
        "lines": lines,
        "override": override,
        "period": period,
        "period_label": period_label(period) if period else "",
        "snapshot": snapshot,
        "snapshot_lines": [
            selectors.line_as_dict(line, period_labels=labels) for line in breakdown
        ],
        "snapshot_period_label": period_label(snapshot.period)
        if snapshot and snapshot.period
        else "",
        "is_officer": is_staff_member(request.user),
    }
