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


# Each figure says its own change in words that fit it (cooler nights, a drier soil, fewer
# hours of standing water), keyed by figure and by the direction of a clear change or "no
# clear effect". Every sentence takes the same numbers (see _numbers).
_FIGURE_SENTENCES = {
    ("night_anomaly", Verdict.COOLER): gettext_lazy(
        "Since the work was completed, nights near the site have been %(effect)s °C cooler "
        "than comparable places (between %(near)s and %(far)s °C), measured by %(sensors)s "
        "over %(nights)s."
    ),
    ("night_anomaly", Verdict.WARMER): gettext_lazy(
        "Since the work was completed, nights near the site have been %(effect)s °C warmer "
        "than comparable places (between %(near)s and %(far)s °C), measured by %(sensors)s "
        "over %(nights)s."
    ),
    ("night_anomaly", Verdict.NO_CLEAR_EFFECT): gettext_lazy(
        "Since the work was completed, nights near the site show no clear difference from "
        "comparable places (somewhere between %(cooler)s °C cooler and %(warmer)s °C "
        "warmer), measured by %(sensors)s over %(nights)s."
    ),
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


def _numbers(estimate: ImpactEstimate) -> dict[str, str]:
    """The numbers every sentence may use, in the active language; never a negative sign."""
    assert estimate.effect is not None and estimate.low is not None and estimate.high is not None
    sensors = estimate.counts.impact_sensors + estimate.counts.control_sensors
    after = estimate.counts.nights_after
    places = _places(estimate)
    # The interval on one side of 0 is named from its nearer end to its farther one.
    near, far = sorted((abs(estimate.low), abs(estimate.high)))
    low, high = _degrees(estimate.low, places), _degrees(estimate.high, places)
    return {
        "sensors": ngettext("%(count)d sensor", "%(count)d sensors", sensors) % {"count": sensors},
        "nights": ngettext("%(count)d night", "%(count)d nights", after) % {"count": after},
        "days": ngettext("%(count)d day", "%(count)d days", after) % {"count": after},
        "effect": _degrees(estimate.effect, places),
        "near": _degrees(near, places),
        "far": _degrees(far, places),
        "down": low,
        "up": high,
        "cooler": low,
        "warmer": high,
    }


def impact_sentence(estimate: ImpactEstimate, figure: str = "night_anomaly") -> str:
    """The plain-language sentence for the intervention and challenge pages (active language).

    ``figure`` is the daily figure the estimate measured: night_anomaly (the default),
    t_max, soil_moisture or wet_feet_hours.
    """
    if estimate.verdict == Verdict.NOT_ENOUGH_DATA:
        parts = "; ".join(_shortfall_text(shortfall) for shortfall in estimate.missing)
        if figure == "night_anomaly":
            return _(
                "Not enough data yet to measure the effect of the work. Still short: %(parts)s."
            ) % {"parts": parts}
        return _(
            "Not enough data yet to measure the effect of the work on %(figure)s. "
            "Still short: %(parts)s."
        ) % {"figure": _FIGURE_NAMES[figure], "parts": parts}
    return str(_FIGURE_SENTENCES[(figure, estimate.verdict)]) % _numbers(estimate)
