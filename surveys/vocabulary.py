"""What the survey signal means: the surveys app's part of the evidence vocabulary."""

from django.utils.translation import gettext_lazy as _

from civic.vocabulary import Measure
from surveys.signal import AREA_NAME_PREFIX, NAME, SOURCE

MEASURES = [
    Measure(
        SOURCE,
        NAME,
        "",
        _("residents naming this theme"),
        _(
            "The share of survey respondents in the area who named the challenge's theme "
            "(not shown below 5 respondents)."
        ),
        worse="higher",
        decimals=2,
        criterion="survey",
        headline=True,
    ),
    Measure(
        SOURCE,
        AREA_NAME_PREFIX,
        "",
        _("residents naming a theme"),
        _("The share of survey respondents in the neighbourhood who named this theme."),
        worse="higher",
        prefix=True,
        decimals=2,
    ),
]
