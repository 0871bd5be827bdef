"""Did it work: the before-after-control-impact estimate of an intervention, from nightly series.

Pure statistics: it takes nightly values per sensor (e.g. the night anomaly in °C) that the
caller selected in SQL, and returns an ``ImpactEstimate``; it reads no database.

The method, in plain words:

- **The gap.** On every valid night, the mean of the impact sensors (near the site) minus
  the mean of the control sensors (comparable places further away). Weather that hits the
  whole town moves both means and cancels out of the gap.
- **A valid night** has a value from at least one impact sensor and from at least
  ``control_share`` of the controls (rounded up, at least one). A sensor that reports only
  before or only after the works cannot show a change and would shift its group's mean when it
  appears or drops out, so only sensors with a value on a valid night on both sides count.
- **The effect** (difference in differences) is the step in the gap at the works: how much
  the gap after differs from the gap before. Negative means cooler.
- **The 95 % interval** must respect that one warm night follows another: the gap is
  autocorrelated and naive standard errors are too small. The step is fitted by statsmodels'
  GLSAR (feasible GLS with AR(1) noise, iterated Cochrane-Orcutt), and its standard errors are
  Newey-West (HAC, Bartlett kernel) on the whitened series, lags ``floor(4·(n/100)^(2/9))``
  over the ``n`` valid nights in date order, with statsmodels' small-sample correction; the
  quantile is Student's t with n - 2 degrees of freedom. Plain OLS with Newey-West errors on
  the raw gap (the textbook choice) keeps too few lags for nights that stay alike for about a
  week, and its intervals cover visibly less than 95 % (figures in docs/impact_estimate.md).
- **Verdict**: *cooler* when the whole interval is below 0, *warmer* when it is above 0,
  *no clear effect* otherwise, and *not enough data yet* (no number) below the minimum
  sensors or nights.
- **Robustness**: a placebo date splitting the before window in two (nothing happened then,
  so its interval should hold 0), and the effect with each control left out in turn.

Assumptions and limits: without the works, the gap would have stayed level (parallel trends);
the before and after windows have comparable weather; controls are untouched by other works;
nights are treated as one ordered series, so the jump across the works period counts as one
step. With few sensors, one odd sensor can move the figure: the leave-one-out range shows it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import repeat

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import GLSAR, OLS
from statsmodels.tools.tools import add_constant

# sensor id -> night -> value; the caller's SQL has already made one value a sensor a night.
Series = Mapping[str, Mapping[date, float]]

METHOD = (
    "BACI difference in differences on the nightly impact-control gap: AR(1) feasible GLS "
    "(statsmodels GLSAR) with Newey-West (HAC) standard errors, 95 % t interval"
)
CONFIDENCE = 0.95


class Verdict(StrEnum):
    """What a resident reads first: cooler/warmer for temperatures, lower/higher for the rest."""

    COOLER = "cooler"
    WARMER = "warmer"
    LOWER = "lower"
    HIGHER = "higher"
    NO_CLEAR_EFFECT = "no_clear_effect"
    NOT_ENOUGH_DATA = "not_enough_data"


@dataclass(frozen=True)
class Window:
    """A stretch of nights, first and last included."""

    first: date
    last: date

    def holds(self, night: date) -> bool:
        return self.first <= night <= self.last


@dataclass(frozen=True)
class EstimateSettings:
    """The minimums below which no number is shown, and when a night counts."""

    min_impact_sensors: int = 2
    min_control_sensors: int = 3
    min_nights_each_side: int = 30
    control_share: float = 0.5


@dataclass(frozen=True)
class Counts:
    """How much data the estimate rests on."""

    impact_sensors: int
    control_sensors: int
    nights_before: int
    nights_after: int


@dataclass(frozen=True)
class Interval:
    """A difference in °C with its 95 % interval and the HAC lags used."""

    effect: float
    low: float
    high: float
    maxlags: int
    # The AR(1) coefficient the FGLS fit settled on (None for OLS).
    rho: float | None = None


@dataclass(frozen=True)
class Placebo:
    """The same estimate at a fake date inside the before window: its interval should hold 0."""

    night: date
    effect: float
    low: float
    high: float

    @property
    def holds_zero(self) -> bool:
        return self.low <= 0.0 <= self.high


@dataclass(frozen=True)
class Shortfall:
    """One minimum that is not met yet."""

    what: str  # "impact_sensors", "control_sensors", "nights_before" or "nights_after"
    have: int
    need: int


@dataclass(frozen=True)
class WeekMeans:
    """One week of valid nights on one side of the works: the impact and control means."""

    side: str  # "before" or "after"
    first: date
    last: date
    nights: int
    impact: float
    control: float


@dataclass(frozen=True)
class ImpactEstimate:
    """The measured effect of an intervention, or why there is none yet."""

    verdict: Verdict
    method: str
    counts: Counts
    effect: float | None = None
    low: float | None = None
    high: float | None = None
    maxlags: int | None = None
    placebo: Placebo | None = None
    loo_min: float | None = None
    loo_max: float | None = None
    missing: tuple[Shortfall, ...] = ()
    # Week by week, impact against control, for the before/after chart.
    weeks: tuple[WeekMeans, ...] = ()
    # How the controls were chosen on their before-window behaviour (controls_choose), when
    # the caller chose them.
    match: ControlChoice | None = None


@dataclass(frozen=True)
class ControlTrack:
    """How one control follows the impact sensors before the works."""

    sensor: str
    nights: int
    correlation: float | None
    mean_difference: float | None  # impact mean - this control, °C
    # Night-to-night spread of that difference: small when it runs parallel (the ranking key).
    sd_difference: float | None = None


@dataclass(frozen=True)
class ControlMatch:
    """How well the controls track the impact sensors in the before window."""

    nights: int
    correlation: float | None  # impact mean against control mean, night by night
    mean_gap: float | None  # impact mean - control mean, °C
    sd_gap: float | None
    controls: tuple[ControlTrack, ...]
    # How the gap moved through the before window, °C per 30 nights (0 when parallel).
    trend_gap: float | None = None


def hac_maxlags(nights: int) -> int:
    """Newey-West lags for ``nights`` ordered nights: floor(4·(n/100)^(2/9)), at least 1."""
    return max(1, math.floor(4 * (nights / 100) ** (2 / 9)))


def _frame(series: Series, windows: tuple[Window, ...]) -> pd.DataFrame:
    """Nights x sensors, only nights inside one of the windows that have a value.

    Filled as one float array (the rows looked up in C, by map): a frame built from one
    Series per sensor keeps a block per column, and every row-wise mean or count then loops
    over the columns (bench/evaluation.py).
    """
    if not series:
        return pd.DataFrame(dtype=float)
    nights = sorted(
        night for night in set().union(*series.values()) if any(w.holds(night) for w in windows)
    )
    row = {night: i for i, night in enumerate(nights)}
    data = np.full((len(nights), len(series)), np.nan)
    for column, values in enumerate(series.values()):
        rows = np.fromiter(map(row.get, values, repeat(-1)), dtype=np.intp, count=len(values))
        inside = rows >= 0
        # None becomes NaN, a missing value like any other.
        data[rows[inside], column] = np.array(list(values.values()), dtype=float)[inside]
    has_value = ~np.isnan(data).all(axis=1)
    return pd.DataFrame(
        data[has_value],
        index=pd.Index([night for night, kept in zip(nights, has_value, strict=True) if kept]),
        columns=list(series),
    )


def _valid_nights(
    impact: pd.DataFrame, controls: pd.DataFrame, settings: EstimateSettings
) -> pd.Index:
    needed = max(1, math.ceil(settings.control_share * controls.shape[1]))
    nights = impact.index.union(controls.index)
    has_impact = impact.reindex(nights).notna().sum(axis=1) >= 1
    has_controls = controls.reindex(nights).notna().sum(axis=1) >= needed
    return nights[(has_impact & has_controls).to_numpy()]


def _both_sides(frame: pd.DataFrame, after: np.ndarray) -> pd.DataFrame:
    """Keep sensors with a value on both sides: a one-sided sensor would shift its group mean."""
    seen = frame.notna().to_numpy()
    return frame.loc[:, seen[~after].any(axis=0) & seen[after].any(axis=0)]


def _gap(impact: pd.DataFrame, controls: pd.DataFrame, nights: pd.Index) -> np.ndarray:
    impact_mean = impact.reindex(nights).mean(axis=1, skipna=True)
    control_mean = controls.reindex(nights).mean(axis=1, skipna=True)
    return (impact_mean - control_mean).to_numpy()


class Errors(StrEnum):
    """How the interval is computed; only FGLS_HAC is shown to residents, the rest compare."""

    FGLS_HAC = "fgls_hac"  # AR(1) feasible GLS, then Newey-West on the whitened series
    OLS_HAC = "ols_hac"  # mean difference with Newey-West errors
    OLS = "ols"  # mean difference with naive errors, which assume independent nights


def gap_step(gap: np.ndarray, after: np.ndarray, *, errors: Errors = Errors.FGLS_HAC) -> Interval:
    """The step in the gap series at the works, with its 95 % interval.

    ``gap`` holds one value a valid night in date order, ``after`` is True for nights after
    the works. OLS gives mean(after) - mean(before); FGLS weighs the same nights for AR(1)
    noise (statsmodels GLSAR, iterated Cochrane-Orcutt) and its errors are Newey-West on the
    whitened series, t quantile with n - 2 degrees of freedom.
    """
    design = add_constant(after.astype(float), has_constant="add")
    maxlags = hac_maxlags(len(gap))
    hac = {"cov_type": "HAC", "cov_kwds": {"maxlags": maxlags, "use_correction": True}}
    rho = None
    if errors == Errors.FGLS_HAC:
        fit = GLSAR(gap, design, rho=1).iterative_fit(maxiter=10, use_t=True, **hac)
        rho = float(fit.model.rho[0])
    elif errors == Errors.OLS_HAC:
        fit = OLS(gap, design).fit(use_t=True, **hac)
    else:
        fit = OLS(gap, design).fit()
        maxlags = 0
    low, high = fit.conf_int(alpha=1 - CONFIDENCE)[1]
    return Interval(
        effect=float(fit.params[1]), low=float(low), high=float(high), maxlags=maxlags, rho=rho
    )


def _leave_one_out(
    impact: pd.DataFrame,
    controls: pd.DataFrame,
    after: Window,
    settings: EstimateSettings,
    rho: float,
) -> list[float]:
    """The effect with each control left out in turn, each an FGLS fit at the main fit's rho.

    The same rules as the main estimate on the remaining controls, so a night may
    (in)validate again. Only the effect is kept, so each refit is one GLSAR fit at the AR(1)
    coefficient the main fit settled on, not a fresh Cochrane-Orcutt iteration with HAC
    errors: leaving one control out moves the gap, and so its autocorrelation, very little,
    and the full refits cost 2 ms each, 100 of them a site with 100 controls
    (docs/impact_estimate.md has the measured difference). Controls whose remaining valid
    nights are the same share one whitened design; statsmodels' own fit (the pseudo-inverse
    of the whitened design times the whitened gap) then runs for all of them at once.
    """
    values = controls.to_numpy()
    seen = ~np.isnan(values)
    needed = max(1, math.ceil(settings.control_share * (values.shape[1] - 1)))
    # Per night and left-out control: how many controls remain, and the sum of their values.
    remaining = seen.sum(axis=1)[:, None] - seen
    total = np.nansum(values, axis=1)[:, None] - np.where(seen, values, 0.0)
    has_impact = (impact.notna().sum(axis=1) >= 1).to_numpy()
    valid = has_impact[:, None] & (remaining >= needed)
    with np.errstate(invalid="ignore", divide="ignore"):
        gaps = impact.mean(axis=1, skipna=True).to_numpy()[:, None] - total / remaining
    is_after = np.array([after.holds(night) for night in controls.index], dtype=bool)
    alike: dict[bytes, list[int]] = {}
    for column in range(values.shape[1]):
        alike.setdefault(valid[:, column].tobytes(), []).append(column)
    effects: list[float] = []
    for columns in alike.values():
        nights = valid[:, columns[0]]
        side = is_after[nights]
        if side.all() or not side.any():
            continue
        series = gaps[nights][:, columns]
        model = GLSAR(series[:, 0], add_constant(side.astype(float), has_constant="add"), rho=rho)
        model.fit()  # statsmodels' pseudo-inverse of the whitened design, kept on the model
        effects.extend((model.pinv_wexog @ model.whiten(series))[1].tolist())
    return effects


def _prepare(
    impact: Series, controls: Series, before: Window, after: Window, settings: EstimateSettings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Index, np.ndarray]:
    """Sensors and valid nights the estimate uses, after the both-sides rule settles."""
    impact_frame = _frame(impact, (before, after))
    control_frame = _frame(controls, (before, after))
    # Dropping one-sided sensors can change which nights are valid and back; two rounds settle
    # all but pathological data, and a third costs little. A round that keeps every night and
    # every sensor has settled: the rounds after it would repeat it.
    for _round in range(3):
        nights = _valid_nights(impact_frame, control_frame, settings)
        if _round and nights.equals(impact_frame.index) and nights.equals(control_frame.index):
            break
        is_after = np.array([after.holds(night) for night in nights], dtype=bool)
        impact_frame = _both_sides(impact_frame.reindex(nights), is_after)
        control_frame = _both_sides(control_frame.reindex(nights), is_after)
    else:
        nights = _valid_nights(impact_frame, control_frame, settings)
    is_after = np.array([after.holds(night) for night in nights], dtype=bool)
    return impact_frame, control_frame, nights, is_after


def _weeks(
    impact: pd.DataFrame, controls: pd.DataFrame, nights: pd.Index, before: Window, after: Window
) -> tuple[WeekMeans, ...]:
    """Weekly means of the nights the estimate uses, counted from each window's first night."""
    if len(nights) == 0:
        return ()
    frame = pd.DataFrame(
        {
            "impact": impact.reindex(nights).mean(axis=1, skipna=True).to_numpy(),
            "control": controls.reindex(nights).mean(axis=1, skipna=True).to_numpy(),
        },
        index=nights,
    )
    frame["side"] = ["after" if after.holds(night) else "before" for night in nights]
    frame["week"] = [
        (night - (after.first if after.holds(night) else before.first)).days // 7
        for night in nights
    ]
    frame["night"] = list(nights)
    weeks = frame.groupby(["side", "week"], sort=False).agg(
        first=("night", "min"),
        last=("night", "max"),
        nights=("night", "size"),
        impact=("impact", "mean"),
        control=("control", "mean"),
    )
    return tuple(
        WeekMeans(
            side=side,
            first=row["first"],
            last=row["last"],
            nights=int(row["nights"]),
            impact=float(row["impact"]),
            control=float(row["control"]),
        )
        for (side, _week), row in weeks.iterrows()
    )


def impact_estimate(
    *,
    impact: Series,
    controls: Series,
    before: Window,
    after: Window,
    settings: EstimateSettings | None = None,
    placebo_night: date | None = None,
    directions: tuple[Verdict, Verdict] = (Verdict.COOLER, Verdict.WARMER),
) -> ImpactEstimate:
    """The BACI effect of the works on the nightly values, or "not enough data yet".

    ``placebo_night`` defaults to the middle valid night of the before window.
    ``directions`` names a clear fall and a clear rise: cooler/warmer for temperatures,
    lower/higher for a figure such as soil moisture.
    """
    settings = settings or EstimateSettings()
    if before.last >= after.first:
        raise ValueError("The before window must end before the after window starts.")
    impact_frame, control_frame, nights, is_after = _prepare(
        impact, controls, before, after, settings
    )
    counts = Counts(
        impact_sensors=impact_frame.shape[1],
        control_sensors=control_frame.shape[1],
        nights_before=int((~is_after).sum()),
        nights_after=int(is_after.sum()),
    )
    missing = tuple(
        Shortfall(what, have, need)
        for what, have, need in (
            ("impact_sensors", counts.impact_sensors, settings.min_impact_sensors),
            ("control_sensors", counts.control_sensors, settings.min_control_sensors),
            ("nights_before", counts.nights_before, settings.min_nights_each_side),
            ("nights_after", counts.nights_after, settings.min_nights_each_side),
        )
        if have < need
    )
    weeks = _weeks(impact_frame, control_frame, nights, before, after)
    if missing:
        return ImpactEstimate(
            verdict=Verdict.NOT_ENOUGH_DATA,
            method=METHOD,
            counts=counts,
            missing=missing,
            weeks=weeks,
        )

    main = gap_step(_gap(impact_frame, control_frame, nights), is_after)
    if main.high < 0:
        verdict = directions[0]
    elif main.low > 0:
        verdict = directions[1]
    else:
        verdict = Verdict.NO_CLEAR_EFFECT

    before_nights = nights[~is_after]
    fake = placebo_night or before_nights[len(before_nights) // 2]
    if not (before_nights[0] < fake <= before_nights[-1]):
        raise ValueError("The placebo night must fall inside the before window's valid nights.")
    placebo_fit = gap_step(
        _gap(impact_frame, control_frame, before_nights),
        np.array([night >= fake for night in before_nights], dtype=bool),
    )
    placebo = Placebo(fake, placebo_fit.effect, placebo_fit.low, placebo_fit.high)

    assert main.rho is not None
    loo = _leave_one_out(impact_frame, control_frame, after, settings, main.rho)

    return ImpactEstimate(
        verdict=verdict,
        method=METHOD,
        counts=counts,
        effect=main.effect,
        low=main.low,
        high=main.high,
        maxlags=main.maxlags,
        placebo=placebo,
        loo_min=min(loo) if loo else None,
        loo_max=max(loo) if loo else None,
        weeks=weeks,
    )


def _correlations(a: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Pearson correlation of `a` with each column over the nights both have; NaN where it is
    undefined (fewer than 3 shared nights, or one side constant).

    One pass in numpy for all candidate controls: per control in pandas (concat, dropna,
    corr) this was three quarters of the sweep's time (bench/evaluation.py).
    """
    both = ~np.isnan(columns) & ~np.isnan(a)[:, None]
    count = both.sum(axis=0)
    x = np.where(both, a[:, None], 0.0)
    y = np.where(both, columns, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = x.sum(axis=0) / count
        y_mean = y.sum(axis=0) / count
        dx = np.where(both, x - x_mean, 0.0)
        dy = np.where(both, y - y_mean, 0.0)
        x_var = (dx * dx).sum(axis=0)
        y_var = (dy * dy).sum(axis=0)
        result = (dx * dy).sum(axis=0) / np.sqrt(x_var * y_var)
    # A constant side (variance ~0 after rounding) has no correlation, as pandas' std() == 0.
    undefined = (count < 3) | (x_var <= 1e-12) | (y_var <= 1e-12)
    return np.where(undefined, np.nan, np.clip(result, -1.0, 1.0))


def _correlation(a: pd.Series, b: pd.Series) -> float | None:
    value = _correlations(a.to_numpy(dtype=float), b.to_numpy(dtype=float)[:, None])[0]
    return None if np.isnan(value) else float(value)


def control_match(
    *,
    impact: Series,
    controls: Series,
    before: Window,
    settings: EstimateSettings | None = None,
) -> ControlMatch:
    """How closely the controls followed the impact sensors before the works.

    A good control rises and falls with the impact sensors (correlation near 1) and its level
    difference is steady (small spread of the gap); the level itself may differ, since the
    estimate compares changes.
    """
    settings = settings or EstimateSettings()
    impact_frame = _frame(impact, (before,))
    control_frame = _frame(controls, (before,))
    nights = _valid_nights(impact_frame, control_frame, settings)
    impact_mean = impact_frame.reindex(nights).mean(axis=1, skipna=True)
    own = control_frame.reindex(nights)
    control_mean = own.mean(axis=1, skipna=True)
    gap = impact_mean - control_mean
    # All controls at once: the bench evaluates hundreds of sites.
    difference = own.rsub(impact_mean, axis=0)
    paired = difference.count()
    means = difference.mean()
    spreads = difference.std()
    correlations = dict(
        zip(
            own.columns,
            _correlations(impact_mean.to_numpy(dtype=float), own.to_numpy(dtype=float)),
            strict=True,
        )
    )
    tracks = tuple(
        ControlTrack(
            sensor=str(sensor),
            nights=int(paired[sensor]),
            correlation=None if np.isnan(correlations[sensor]) else float(correlations[sensor]),
            mean_difference=float(means[sensor]) if paired[sensor] else None,
            sd_difference=float(spreads[sensor]) if paired[sensor] >= MATCH_MIN_NIGHTS else None,
        )
        for sensor in own.columns
    )
    return ControlMatch(
        nights=len(nights),
        correlation=_correlation(impact_mean, control_mean),
        mean_gap=float(gap.mean()) if len(gap) else None,
        sd_gap=float(gap.std()) if len(gap) > 1 else None,
        controls=tracks,
        trend_gap=_trend(gap),
    )


def _trend(gap: pd.Series) -> float | None:
    """The least-squares slope of the gap over the nights' dates, per 30 nights."""
    gap = gap.dropna()
    if len(gap) < MATCH_MIN_NIGHTS:
        return None
    days = np.array([(night - gap.index[0]).days for night in gap.index], dtype=float)
    return float(np.polyfit(days, gap.to_numpy(), 1)[0] * 30)


# A control's before-window track needs this many nights shared with the impact sensors to be
# judged; with fewer it ranks after every judged control.
MATCH_MIN_NIGHTS = 10


@dataclass(frozen=True)
class MatchRule:
    """How many controls to keep, and how far a control may stray from the best tracking."""

    max_controls: int = 10
    # Left out: a control whose before-window difference spreads more than this many times
    # the median candidate's (it did not run parallel to the impact sensors).
    max_sd_ratio: float = 1.5


@dataclass(frozen=True)
class ControlChoice:
    """The controls kept for the estimate, and the match before and after choosing."""

    chosen: tuple[str, ...]
    candidates: ControlMatch  # every candidate control
    matched: ControlMatch  # the chosen ones only


def controls_choose(
    *,
    impact: Series,
    controls: Series,
    before: Window,
    settings: EstimateSettings | None = None,
    rule: MatchRule | None = None,
) -> ControlChoice:
    """Keep the candidate controls that ran parallel to the impact sensors before the works.

    The rule: rank candidates by the spread (standard deviation) of their nightly difference
    from the impact sensors' mean in the before window (parallel pre-trends: a steady
    difference, whatever its level); leave out any whose spread exceeds ``max_sd_ratio``
    times the median candidate's; keep at most ``max_controls`` of the best; and when that
    leaves fewer than the minimum, add the next best back while candidates allow.
    """
    settings = settings or EstimateSettings()
    rule = rule or MatchRule()
    everyone = control_match(impact=impact, controls=controls, before=before, settings=settings)
    ranked = sorted(
        everyone.controls,
        key=lambda t: (t.sd_difference is None, t.sd_difference or 0.0, t.sensor),
    )
    judged = [t.sd_difference for t in ranked if t.sd_difference is not None]
    if judged:
        limit = rule.max_sd_ratio * float(np.median(judged))
        kept = [t for t in ranked if t.sd_difference is not None and t.sd_difference <= limit]
    else:
        kept = list(ranked)  # nothing to judge by yet: keep them in a stable order
    kept = kept[: rule.max_controls]
    floor = min(settings.min_control_sensors, rule.max_controls)
    for track in ranked:
        if len(kept) >= floor:
            break
        if track not in kept:
            kept.append(track)
    chosen = tuple(t.sensor for t in ranked if t in kept)
    matched = control_match(
        impact=impact,
        controls={key: controls[key] for key in chosen},
        before=before,
        settings=settings,
    )
    return ControlChoice(
        chosen=chosen,
        candidates=ControlMatch(
            nights=everyone.nights,
            correlation=everyone.correlation,
            mean_gap=everyone.mean_gap,
            sd_gap=everyone.sd_gap,
            controls=tuple(ranked),
            trend_gap=everyone.trend_gap,
        ),
        matched=matched,
    )


# The verdict a clear fall and a clear rise of each figure get: temperatures read cooler or
# warmer; soil moisture and wet-feet hours lower or higher (the sentence says drier, less).
FIGURE_DIRECTIONS = {
    "night_anomaly": (Verdict.COOLER, Verdict.WARMER),
    "t_max": (Verdict.COOLER, Verdict.WARMER),
    "soil_moisture": (Verdict.LOWER, Verdict.HIGHER),
    "wet_feet_hours": (Verdict.LOWER, Verdict.HIGHER),
}
