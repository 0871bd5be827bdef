"""Pages of the sensors app."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


def index(request):
    return render(
        request,
        "civic/section_planned.html",
        {
            "title": _("Sensor network"),
            "lead": _(
                "Garden sensors and weather stations that show the hottest and wettest spots. "
                "Measurements appear here once the network is connected."
            ),
        },
    )
