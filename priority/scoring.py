"""The priority score: a transparent weighted mean of normalised criteria, per challenge and period.

Which challenges are ranked: the public ones that are not closed (open and
prioritised). Drafts are not ranked; closed challenges leave the ranking.

Raw values (priority.criteria):
- heat, wetness, survey: the challenge's evidence rows for the vocabulary's
  figures of that criterion (civic.vocabulary.of_criterion), from the period
  for dated sources (sensors) and from "everything so far" for the others
  (the survey signal). A NULL figure (a survey group too small to show) is
  missing, not 0.
- residents: distinct authors of the public concerns linked to the
  challenge; each concern without an author (an anonymous survey answer)
  counts as one. Never missing: no linked concern is 0 residents.
- vulnerability: the mean of the VULNERABILITY_ATTRIBUTES the challenge's
  area has; missing without an area or without any of them.
- alignment: 1 when the challenge's theme is a council priority theme, else
  0; missing for everyone while the council has marked no themes at all.

Normalisation, across the ranked challenges that have the figure: min-max
to 0..1 in the direction the vocabulary calls worse (1 = worst), so
n = (v - min) / (max - min) for "higher is worse" and (max - v) / (max - min)
for "lower is worse". When every challenge has the same value the figure
tells them apart in nothing and each gets 0.5. A criterion of several
figures (heat: night warmth, tropical nights, summer days, hours ≥ 30 °C)
takes the mean of the normalised figures the challenge has; its raw value
shown is the headline figure (or the first one it has). Alignment is 0 or 1
already and is not rescaled.

The score (0-100), over the criteria the challenge has data for:
score = 100 · Σ w·n / Σ w. A missing criterion leaves both sums: it is never
counted as 0, and the page says "based on k of 6 criteria". A criterion's
contribution is 100 · w·n / Σ w, so the contributions add up to the score.
When no criterion with a weight above 0 has data the score is NULL.
The score under equal weights is the same with every weight 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from civic.models import Area, Challenge, ChallengeConcern, Evidence, EvidencePeriod
from civic.models.concerns import PUBLIC_CONCERN_STATUSES
from civic.vocabulary import of_criterion, sources
from priority.criteria import (
    ALIGNMENT,
    CRITERIA,
    EVIDENCE,
    RESIDENTS,
    VULNERABILITY,
    VULNERABILITY_ATTRIBUTES,
    equal_weights,
)

RANKED_STATUSES = (Challenge.Status.OPEN, Challenge.Status.PRIORITISED)
# What a figure gets when every ranked challenge has the same value.
TIED = 0.5


@dataclass
class Line:
    """One criterion of one challenge's score."""

    criterion: str
    position: int
    raw: float | None
    normalised: float | None
    weight: float
    contribution: float | None
    period_id: int | None
    details: dict = field(default_factory=dict)

    @property
    def missing(self) -> bool:
        return self.normalised is None


@dataclass
class Computed:
    """A challenge's score for one period, with its lines."""

    challenge_id: int
    value: float | None
    equal_value: float | None
    lines: list[Line]

    @property
    def present(self) -> int:
        return sum(1 for line in self.lines if not line.missing)


def _normalise(values: dict[int, float], worse: str | None) -> dict[int, float]:
    """Min-max to 0..1 with 1 the worst; TIED for all when they are all equal."""
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    if high == low:
        return dict.fromkeys(values, TIED)
    span = high - low
    if worse == "lower":
        return {k: (high - v) / span for k, v in values.items()}
    return {k: (v - low) / span for k, v in values.items()}


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _evidence_values(
    ids: list[int], period: EvidencePeriod | None, to_date: EvidencePeriod | None
) -> tuple[dict[tuple[str, str], dict[int, float]], dict[str, int | None]]:
    """{(source, name): {challenge id: value}} for every criterion figure, in one query."""
    registered = sources()
    wanted = Q(pk__in=[])
    period_of_source: dict[str, int | None] = {}
    for criterion in CRITERIA:
        if criterion.kind != EVIDENCE:
            continue
        for measure in of_criterion(criterion.vocabulary):
            if measure.prefix or measure.source not in registered:
                continue
            chosen = period if registered[measure.source].dated else to_date
            if chosen is None:
                continue
            period_of_source[measure.source] = chosen.pk
            wanted |= Q(source=measure.source, name=measure.name, period=chosen)
    found: dict[tuple[str, str], dict[int, float]] = {}
    rows = Evidence.objects.filter(wanted, challenge_id__in=ids, value__isnull=False)
    for challenge_id, source, name, value in rows.values_list(
        "challenge_id", "source", "name", "value"
    ):
        found.setdefault((source, name), {})[challenge_id] = value
    return found, period_of_source


def residents_concerned(ids: list[int]) -> dict[int, int]:
    """Distinct residents with a public concern linked to each challenge (one query)."""
    rows = (
        ChallengeConcern.objects.filter(
            challenge_id__in=ids, concern__status__in=PUBLIC_CONCERN_STATUSES
        )
        .values("challenge_id")
        .annotate(
            people=Count("concern__author", distinct=True),
            anonymous=Count("concern", filter=Q(concern__author__isnull=True)),
        )
    )
    counts = dict.fromkeys(ids, 0)
    for row in rows:
        counts[row["challenge_id"]] = row["people"] + row["anonymous"]
    return counts


def _vulnerability(area_ids: set[int]) -> dict[int, tuple[float, list[str]]]:
    """{area id: (mean share, the attributes it had)} for areas with at least one (one query)."""
    result = {}
    for area_id, attributes in Area.objects.filter(pk__in=area_ids).values_list("pk", "attributes"):
        shares = {
            key: _number((attributes or {}).get(key))
            for key in VULNERABILITY_ATTRIBUTES
            if _number((attributes or {}).get(key)) is not None
        }
        if shares:
            result[area_id] = (sum(shares.values()) / len(shares), sorted(shares))
    return result


@dataclass(frozen=True)
class RankedChallenge:
    """What scoring needs of a challenge."""

    id: int
    theme_id: int
    area_id: int | None


def ranked_challenges() -> list[RankedChallenge]:
    return [
        RankedChallenge(*row)
        for row in Challenge.objects.filter(status__in=RANKED_STATUSES)
        .order_by("pk")
        .values_list("pk", "theme_id", "area_id")
    ]


def scores_compute(
    *,
    challenges: list[RankedChallenge],
    period: EvidencePeriod | None,
    to_date: EvidencePeriod | None,
    weights: dict[str, float] | None,
    council_theme_ids: set[int] | None,
) -> dict[int, Computed]:
    """Every ranked challenge's score for `period` (weights None: equal), in three queries.

    `council_theme_ids` None: the council has marked no themes (alignment missing).
    """
    weights = weights or equal_weights()
    ids = [c.id for c in challenges]
    if not ids:
        return {}
    figures, period_of_source = _evidence_values(ids, period, to_date)
    residents = residents_concerned(ids)
    vulnerable = _vulnerability({c.area_id for c in challenges if c.area_id})

    # (criterion key) -> {challenge id: (raw, normalised, period id, details)}
    columns: dict[str, dict[int, tuple]] = {}
    # The period an evidence criterion's figures are looked for in (also when missing).
    looked_in: dict[str, int | None] = {}
    for criterion in CRITERIA:
        column: dict[int, tuple] = {}
        if criterion.kind == EVIDENCE:
            looked_in[criterion.key] = next(
                (
                    period_of_source[m.source]
                    for m in of_criterion(criterion.vocabulary)
                    if m.source in period_of_source
                ),
                None,
            )
            measures = [
                m
                for m in of_criterion(criterion.vocabulary)
                if not m.prefix and (m.source, m.name) in figures
            ]
            normalised = {
                (m.source, m.name): _normalise(figures[(m.source, m.name)], m.worse)
                for m in measures
            }
            for cid in ids:
                have = [m for m in measures if cid in figures[(m.source, m.name)]]
                if not have:
                    continue
                shown = have[0]  # of_criterion puts the headline first
                parts = [
                    {
                        "source": m.source,
                        "name": m.name,
                        "value": figures[(m.source, m.name)][cid],
                        "normalised": normalised[(m.source, m.name)][cid],
                    }
                    for m in have
                ]
                column[cid] = (
                    figures[(shown.source, shown.name)][cid],
                    sum(p["normalised"] for p in parts) / len(parts),
                    period_of_source.get(shown.source),
                    {"shown": {"source": shown.source, "name": shown.name}, "measures": parts},
                )
        elif criterion.kind == RESIDENTS:
            normalised = _normalise(residents, "higher")
            for cid in ids:
                column[cid] = (float(residents[cid]), normalised[cid], None, {})
        elif criterion.kind == VULNERABILITY:
            raw = {c.id: vulnerable[c.area_id][0] for c in challenges if c.area_id in vulnerable}
            normalised = _normalise(raw, "higher")
            for c in challenges:
                if c.id in raw:
                    details = {"attributes": vulnerable[c.area_id][1]}
                    column[c.id] = (raw[c.id], normalised[c.id], None, details)
        elif criterion.kind == ALIGNMENT and council_theme_ids is not None:
            for c in challenges:
                value = 1.0 if c.theme_id in council_theme_ids else 0.0
                column[c.id] = (value, value, None, {})
        columns[criterion.key] = column

    result = {}
    for cid in ids:
        present = [(c, columns[c.key][cid]) for c in CRITERIA if cid in columns[c.key]]
        total = sum(weights.get(c.key, 0.0) for c, _v in present)
        value = (
            100 * sum(weights.get(c.key, 0.0) * v[1] for c, v in present) / total
            if total > 0
            else None
        )
        equal_value = 100 * sum(v[1] for _c, v in present) / len(present) if present else None
        lines = []
        for position, criterion in enumerate(CRITERIA):
            weight = float(weights.get(criterion.key, 0.0))
            entry = columns[criterion.key].get(cid)
            if entry is None:
                period_id = looked_in.get(criterion.key)
                lines.append(Line(criterion.key, position, None, None, weight, None, period_id))
                continue
            raw, norm, period_id, details = entry
            contribution = 100 * weight * norm / total if total > 0 else 0.0
            lines.append(
                Line(criterion.key, position, raw, norm, weight, contribution, period_id, details)
            )
        result[cid] = Computed(cid, value, equal_value, lines)
    return result
