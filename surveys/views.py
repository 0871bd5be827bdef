"""Pages of the surveys app."""

from django.utils.translation import gettext_lazy as _

from civic.views import SectionPlannedView

index = SectionPlannedView.as_view(
    title=_("Surveys"),
    lead=_(
        "Map-based questionnaires whose answers become concerns and evidence. "
        "The first survey opens here soon."
    ),
)
