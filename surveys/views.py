"""Pages of the surveys app."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


def index(request):
    return render(
        request,
        "civic/section_planned.html",
        {
            "title": _("Surveys"),
            "lead": _(
                "Map-based questionnaires whose answers become concerns and evidence. "
                "The first survey opens here soon."
            ),
        },
    )
