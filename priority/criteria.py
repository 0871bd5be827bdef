"""The six criteria of the priority score: what each measures and how its raw value reads.

Evidence criteria (heat, wetness, the survey signal) take their figures from
the evidence vocabulary (civic.vocabulary.of_criterion): which figures, their
labels, units and which direction is worse all come from the apps that
registered them, so a new heat figure joins the heat criterion by itself.
The other three are the priority app's own: distinct residents concerned,
vulnerability (from the challenge's area's attributes) and alignment with
the council's priority themes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civic.vocabulary import Measure, measure_for

EVIDENCE, RESIDENTS, VULNERABILITY, ALIGNMENT = (
    "evidence",
    "residents",
    "vulnerability",
    "alignment",
)

# Area.attributes keys whose mean is the vulnerability of a challenge's area (shares, 0-1).
VULNERABILITY_ATTRIBUTES = ("share_over_65", "share_young_children", "share_living_alone")


@dataclass(frozen=True)
class Criterion:
    """One criterion of the score; `kind` says where its values come from."""

    key: str
    label: Any  # lazy translation
    explanation: Any  # lazy translation
    kind: str
    # For EVIDENCE: the vocabulary criterion whose figures it combines.
    vocabulary: str = ""


CRITERIA: list[Criterion] = [
    Criterion(
        "heat",
        _("heat"),
        _("How hot it gets here: the heat figures of the sensor network, combined."),
        EVIDENCE,
        vocabulary="heat",
    ),
    Criterion(
        "wetness",
        _("wetness"),
        _("How wet it gets here: wet feet, soil moisture and wet spells, combined."),
        EVIDENCE,
        vocabulary="wetness",
    ),
    Criterion(
        "residents",
        _("residents concerned"),
        _(
            "How many different residents filed a published concern linked to the challenge "
            "(each anonymous survey concern counts as one)."
        ),
        RESIDENTS,
    ),
    Criterion(
        "survey",
        _("survey signal"),
        _("The share of survey respondents in the area who named the challenge's theme."),
        EVIDENCE,
        vocabulary="survey",
    ),
    Criterion(
        "vulnerability",
        _("vulnerable residents"),
        _(
            "The mean share of residents over 65, young children and people living alone in "
            "the challenge's area (the shares the area has)."
        ),
        VULNERABILITY,
    ),
    Criterion(
        "alignment",
        _("council priority"),
        _("Whether the challenge's theme is one the council marked as its priority."),
        ALIGNMENT,
    ),
]
BY_KEY = {c.key: c for c in CRITERIA}
KEYS = [c.key for c in CRITERIA]


def equal_weights() -> dict[str, float]:
    return dict.fromkeys(KEYS, 1.0)


def raw_text(criterion: str, raw: float | None, details: dict) -> str:
    """The raw value in words with its unit, in the active language ("1,2 °C", "14 residents")."""
    if raw is None:
        return gettext("missing")
    kind = BY_KEY[criterion].kind if criterion in BY_KEY else ""
    if kind == EVIDENCE:
        measure = headline_measure(details)
        return measure.format(raw) if measure else number_format(round(raw, 2), decimal_pos=2)
    if kind == RESIDENTS:
        count = int(raw)
        return ngettext("%(n)s resident", "%(n)s residents", count) % {"n": count}
    if kind == VULNERABILITY:
        return f"{number_format(round(raw * 100, 1), decimal_pos=1)} %"
    if kind == ALIGNMENT:
        return gettext("yes") if raw else gettext("no")
    return number_format(round(raw, 2), decimal_pos=2)


def headline_measure(details: dict) -> Measure | None:
    """The measure whose value a criterion line shows as its raw value."""
    shown = details.get("shown") or {}
    if not shown:
        return None
    return measure_for(shown.get("source", ""), shown.get("name", ""))
