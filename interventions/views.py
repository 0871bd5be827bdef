"""Pages of the interventions app."""

from django.utils.translation import gettext_lazy as _

from civic.views import SectionPlannedView

index = SectionPlannedView.as_view(
    title=_("Interventions"),
    lead=_(
        "Proposals, consultations and council decisions, and whether they worked. "
        "The first proposals are published here."
    ),
)
