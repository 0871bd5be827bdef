"""Pages of the sensors app."""

from django.utils.translation import gettext_lazy as _

from civic.views import SectionPlannedView

index = SectionPlannedView.as_view(
    title=_("Sensor network"),
    lead=_(
        "Garden sensors and weather stations that show the hottest and wettest spots. "
        "Measurements appear here once the network is connected."
    ),
)
