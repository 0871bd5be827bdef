"""The measured effect in plain words (nl/en): one sentence per figure and verdict.

Kept apart from interventions.impact_estimate, which computes the numbers: the
intervention and challenge pages, the timeline and the API put a stored run
into words here (interventions.evaluation.evaluation_as_estimate rebuilds it).
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from interventions.impact_estimate import ImpactEstimate, Shortfall, Verdict


def _degrees(value: float, places: int = 1) -> str:
    return number_format(round(abs(value), places), decimal_pos=places)


def _places(estimate: ImpactEstimate) -> int:
    """One decimal, or two when the interval is so narrow that its ends would read the same
    ("between 0.0 °C cooler and 0.0 °C warmer")."""
    assert estimate.low is not None and estimate.high is not None
    return 1 if round(estimate.low, 1) != round(estimate.high, 1) else 2


def _shortfall_text(shortfall: Shortfall) -> str:
    numbers = {"have": shortfall.have, "need": shortfall.need}
    if shortfall.what == "impact_sensors":
        return _("sensors near the site: %(have)d of %(need)d") % numbers
    if shortfall.what == "control_sensors":
        return _("comparison sensors further away: %(have)d of %(need)d") % numbers
    if shortfall.what == "nights_before":
        return _("valid nights before the work: %(have)d of %(need)d") % numbers
    return _("valid nights since the work: %(have)d of %(need)d") % numbers


# The night figure keeps the sentences above; the other figures say their own change, in
# words that fit them (a drier soil, fewer hours of standing water), keyed by figure and by
# the direction of a clear change or "no clear effect".
_FIGURE_SENTENCES = {
    ("t_max", Verdict.COOLER): gettext_lazy(
        "Since the work was completed, the warmest hours of the day near the site have been "
        "%(effect)s °C cooler than at comparable places (between %(near)s and %(far)s °C), "
        "measured by %(sensors)s over %(days)s."
    ),
    ("t_max", Verdict.WARMER): gettext_lazy(
        "Since the work was completed, the warmest hours of the day near the site have been "
        "%(effect)s °C warmer than at comparable places (between %(near)s and %(far)s °C), "
        "measured by %(sensors)s over %(days)s."
    ),
    ("t_max", Verdict.NO_CLEAR_EFFECT): gettext_lazy(
        "Since the work was completed, the warmest hours of the day near the site show no clear "
        "difference from comparable places (somewhere between %(down)s °C cooler and %(up)s °C "
        "warmer), measured by %(sensors)s over %(days)s."
    ),
    ("soil_moisture", Verdict.LOWER): gettext_lazy(
        "Since the work was completed, the soil near the site has been %(effect)s percentage "
        "points drier than at comparable places (between %(near)s and %(far)s), measured by "
        "%(sensors)s over %(days)s."
    ),
    ("soil_moisture", Verdict.HIGHER): gettext_lazy(
        "Since the work was completed, the soil near the site has been %(effect)s percentage "
        "points wetter than at comparable places (between %(near)s and %(far)s), measured by "
        "%(sensors)s over %(days)s."
    ),
    ("soil_moisture", Verdict.NO_CLEAR_EFFECT): gettext_lazy(
        "Since the work was completed, the soil near the site shows no clear difference in "
        "moisture from comparable places (somewhere between %(down)s percentage points drier "
        "and %(up)s wetter), measured by %(sensors)s over %(days)s."
    ),
    ("wet_feet_hours", Verdict.LOWER): gettext_lazy(
        "Since the work was completed, water has stood near the site %(effect)s hours a day "
        "less than at comparable places (between %(near)s and %(far)s hours), measured by "
        "%(sensors)s over %(days)s."
    ),
    ("wet_feet_hours", Verdict.HIGHER): gettext_lazy(
        "Since the work was completed, water has stood near the site %(effect)s hours a day "
        "longer than at comparable places (between %(near)s and %(far)s hours), measured by "
        "%(sensors)s over %(days)s."
    ),
    ("wet_feet_hours", Verdict.NO_CLEAR_EFFECT): gettext_lazy(
        "Since the work was completed, standing water near the site shows no clear difference "
        "from comparable places (somewhere between %(down)s hours a day less and %(up)s "
        "longer), measured by %(sensors)s over %(days)s."
    ),
}
_FIGURE_NAMES = {
    "t_max": gettext_lazy("the warmest hours of the day"),
    "soil_moisture": gettext_lazy("soil moisture"),
    "wet_feet_hours": gettext_lazy("standing water (wet feet)"),
}


def _figure_sentence(estimate: ImpactEstimate, figure: str) -> str:
    if estimate.verdict == Verdict.NOT_ENOUGH_DATA:
        parts = "; ".join(_shortfall_text(shortfall) for shortfall in estimate.missing)
        return _(
            "Not enough data yet to measure the effect of the work on %(figure)s. "
            "Still short: %(parts)s."
        ) % {"figure": _FIGURE_NAMES[figure], "parts": parts}
    assert estimate.effect is not None and estimate.low is not None and estimate.high is not None
    sensors = estimate.counts.impact_sensors + estimate.counts.control_sensors
    near, far = sorted((abs(estimate.low), abs(estimate.high)))
    figures = {
        "sensors": ngettext("%(count)d sensor", "%(count)d sensors", sensors) % {"count": sensors},
        "days": ngettext("%(count)d day", "%(count)d days", estimate.counts.nights_after)
        % {"count": estimate.counts.nights_after},
        "effect": _degrees(estimate.effect, places := _places(estimate)),
        "near": _degrees(near, places),
        "far": _degrees(far, places),
        "down": _degrees(estimate.low, places),
        "up": _degrees(estimate.high, places),
    }
    return str(_FIGURE_SENTENCES[(figure, estimate.verdict)]) % figures


def impact_sentence(estimate: ImpactEstimate, figure: str = "night_anomaly") -> str:
    """The plain-language sentence for the intervention and challenge pages (active language).

    ``figure`` is the daily figure the estimate measured: night_anomaly (the default),
    t_max, soil_moisture or wet_feet_hours.
    """
    if figure != "night_anomaly":
        return _figure_sentence(estimate, figure)
    if estimate.verdict == Verdict.NOT_ENOUGH_DATA:
        parts = "; ".join(_shortfall_text(shortfall) for shortfall in estimate.missing)
        return _(
            "Not enough data yet to measure the effect of the work. Still short: %(parts)s."
        ) % {"parts": parts}
    assert estimate.effect is not None and estimate.low is not None and estimate.high is not None
    sensors = estimate.counts.impact_sensors + estimate.counts.control_sensors
    numbers = {
        "sensors": ngettext("%(count)d sensor", "%(count)d sensors", sensors) % {"count": sensors},
        "nights": ngettext("%(count)d night", "%(count)d nights", estimate.counts.nights_after)
        % {"count": estimate.counts.nights_after},
    }
    if estimate.verdict == Verdict.NO_CLEAR_EFFECT:
        return _(
            "Since the work was completed, nights near the site show no clear difference from "
            "comparable places (somewhere between %(cooler)s °C cooler and %(warmer)s °C "
            "warmer), measured by %(sensors)s over %(nights)s."
        ) % {
            **numbers,
            "cooler": _degrees(estimate.low, _places(estimate)),
            "warmer": _degrees(estimate.high, _places(estimate)),
        }
    # The interval lies on one side of 0: name its ends from the nearer to the farther.
    near, far = sorted((abs(estimate.low), abs(estimate.high)))
    figures = {
        **numbers,
        "effect": _degrees(estimate.effect, _places(estimate)),
        "near": _degrees(near, _places(estimate)),
        "far": _degrees(far, _places(estimate)),
    }
    if estimate.verdict == Verdict.COOLER:
        return (
            _(
                "Since the work was completed, nights near the site have been %(effect)s °C cooler "
                "than comparable places (between %(near)s and %(far)s °C), measured by %(sensors)s "
                "over %(nights)s."
            )
            % figures
        )
    return (
        _(
            "Since the work was completed, nights near the site have been %(effect)s °C warmer "
            "than comparable places (between %(near)s and %(far)s °C), measured by %(sensors)s "
            "over %(nights)s."
        )
        % figures
    )
