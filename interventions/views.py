"""Pages of the interventions app."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


def index(request):
    return render(
        request,
        "civic/section_planned.html",
        {
            "title": _("Interventions"),
            "lead": _(
                "Proposals, consultations and council decisions, and whether they worked. "
                "The first proposals are published here."
            ),
        },
    )
