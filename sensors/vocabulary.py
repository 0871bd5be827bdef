"""What the sensor figures mean: the sensors app's part of the evidence vocabulary."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.vocabulary import Measure

SOURCE = "sensors"


def _m(name, unit, label, explanation, worse=None, decimals=1, **roles) -> Measure:
    return Measure(SOURCE, name, unit, label, explanation, worse, decimals=decimals, **roles)


HEAT, WETNESS = "heat", "wetness"


def _count(value: float) -> int:
    # Plural forms need a whole number; 1.0 is "1 hour", 1.5 is "1.5 hours".
    return int(value) if float(value).is_integer() else 2


def _hours(number: str, value: float) -> str:
    return ngettext("%(n)s hour", "%(n)s hours", _count(value)) % {"n": number}


def _days(number: str, value: float) -> str:
    return ngettext("%(n)s day", "%(n)s days", _count(value)) % {"n": number}


def _nights(number: str, value: float) -> str:
    return ngettext("%(n)s night", "%(n)s nights", _count(value)) % {"n": number}


def _night_warmth(value_text: str, value: float, period: str) -> str:
    # The value comes unsigned: the sentence says which way.
    if value >= 0:
        text = _(
            "Nights here were on average %(value)s warmer than the network's median "
            "in the %(period)s"
        )
    else:
        text = _(
            "Nights here were on average %(value)s cooler than the network's median "
            "in the %(period)s"
        )
    return text % {"value": value_text, "period": period}


def _per_sensor(template):
    def sentence(value_text: str, value: float, period: str) -> str:
        return template % {"value": value_text, "period": period}

    return sentence


MEASURES = [
    _m(
        "sensor_count",
        "",
        _("sensors"),
        _("How many sensors the figures are based on."),
        decimals=0,
    ),
    _m(
        "coverage",
        "",
        _("data coverage"),
        _("The share of days with at least four fifths of the expected readings, per sensor."),
        decimals=2,
    ),
    _m(
        "night_anomaly",
        "°C",
        _("night warmth"),
        _("How much warmer nights (00-06 h) were than the network's median on the same nights."),
        worse="higher",
        criterion=HEAT,
        headline=True,
        sentence=_night_warmth,
    ),
    _m(
        "tropical_nights",
        _("nights"),
        _("tropical nights"),
        _("Nights in which it stayed 20 °C or warmer, per sensor."),
        worse="higher",
        criterion=HEAT,
        say=_nights,
        sentence=_per_sensor(
            _("A sensor here counted on average %(value)s of 20 °C or warmer in the %(period)s")
        ),
    ),
    _m(
        "summer_days",
        _("days"),
        _("summer days"),
        _("Days with a maximum of 25 °C or more, per sensor."),
        worse="higher",
        criterion=HEAT,
        say=_days,
    ),
    _m(
        "hours_30",
        _("hours"),
        _("hours of 30 °C or more"),
        _("Clock hours whose mean temperature was 30 °C or more, per sensor."),
        worse="higher",
        decimals=0,
        criterion=HEAT,
        say=_hours,
        sentence=_per_sensor(
            _("A sensor here measured on average %(value)s of 30 °C or more in the %(period)s")
        ),
    ),
    _m(
        "wet_feet_hours",
        _("hours"),
        _("wet feet"),
        _("Hours in which a wet-feet sensor found standing water, per sensor that measures it."),
        worse="higher",
        decimals=0,
        criterion=WETNESS,
        say=_hours,
        sentence=_per_sensor(
            _("Standing water was found here for %(value)s per sensor in the %(period)s")
        ),
    ),
    _m(
        "soil_moisture",
        "%",
        _("soil moisture"),
        _("Mean volumetric soil moisture, over the sensors that measure it."),
        worse="higher",
        decimals=0,
        criterion=WETNESS,
    ),
    _m(
        "dry_spell_days",
        _("days"),
        _("longest dry spell"),
        _("The longest run of days with soil moisture below 15 %, per soil sensor."),
        worse="higher",
        decimals=0,
        say=_days,
    ),
    _m(
        "wet_spell_days",
        _("days"),
        _("longest wet spell"),
        _("The longest run of days with soil moisture above 40 % (saturated soil)."),
        worse="higher",
        decimals=0,
        criterion=WETNESS,
        say=_days,
    ),
    _m(
        "wetness_index",
        "",
        _("wetness"),
        _("Where this place stands among the others on wet feet, soil moisture and wet spells."),
        worse="higher",
        decimals=2,
        criterion=WETNESS,
        headline=True,
    ),
    _m(
        "heat_rank",
        "",
        _("heat rank"),
        _("Its place when ordered by night warmth, warmest first."),
        worse="lower",
        decimals=0,
    ),
    _m(
        "wet_rank",
        "",
        _("wetness rank"),
        _("Its place when ordered by wetness, wettest first."),
        worse="lower",
        decimals=0,
    ),
    *(
        _m(
            f"green_share_slope_{radius}m",
            _("°C per 100 % green"),
            label,
            _("How much night warmth changes with the share of greenery around a sensor."),
            decimals=2,
            explains=HEAT if radius == 100 else "",
        )
        for radius, label in (
            (50, _("effect of greenery within 50 m on night warmth")),
            (100, _("effect of greenery within 100 m on night warmth")),
        )
    ),
]
