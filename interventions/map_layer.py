"""Interventions on the public map and a challenge's map, coloured by stage (civic.map_layers)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civic.map_layers import LegendEntry, MapFeature, MapLayer
from civic.models import Challenge
from interventions.models import Intervention
from interventions.selectors import interventions_visible_to

S = Intervention.Status
# Decided against, put off or stopped: one muted colour, the popup names which.
ENDED = "#868e96"
STAGE_COLOURS = {
    S.IN_CONSULTATION: "#f59f00",
    S.AWAITING_DECISION: "#c2255c",
    S.AGREED: "#1c7ed6",
    S.IN_PROGRESS: "#7048e8",
    S.COMPLETED: "#2b8a3e",
    S.DECLINED: ENDED,
    S.DEFERRED: ENDED,
    S.CANCELLED: ENDED,
}
# Statuses with works to follow: the popup gives their progress.
WITH_PROGRESS = (S.AGREED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED)

LEGEND = (
    LegendEntry(STAGE_COLOURS[S.IN_CONSULTATION], S.IN_CONSULTATION.label),
    LegendEntry(STAGE_COLOURS[S.AWAITING_DECISION], S.AWAITING_DECISION.label),
    LegendEntry(STAGE_COLOURS[S.AGREED], S.AGREED.label),
    LegendEntry(STAGE_COLOURS[S.IN_PROGRESS], S.IN_PROGRESS.label),
    LegendEntry(STAGE_COLOURS[S.COMPLETED], S.COMPLETED.label),
    LegendEntry(ENDED, gettext_lazy("declined, deferred or cancelled")),
)


def intervention_features(challenge: Challenge | None) -> list[MapFeature]:
    """The sites of public interventions (of one challenge, or all), whoever looks.

    The map is public: even an officer sees here only what anyone may see (the one
    visibility rule, asked for an anonymous reader), never a proposal under review.
    """
    rows = interventions_visible_to(user=AnonymousUser()).filter(site__isnull=False)
    if challenge is not None:
        rows = rows.filter(challenge=challenge)
    features = []
    for intervention in rows.order_by("created_at", "id"):
        lines = [
            _("Kind: %(kind)s") % {"kind": intervention.get_kind_display()},
            _("Stage: %(stage)s") % {"stage": intervention.get_status_display()},
        ]
        if intervention.status in WITH_PROGRESS:
            lines.append(_("Progress: %(progress)s %%") % {"progress": intervention.progress})
        features.append(
            MapFeature(
                geometry=intervention.site.geojson,
                title=intervention.title,
                colour=STAGE_COLOURS.get(intervention.status, ENDED),
                lines=tuple(lines),
                url=reverse("interventions:detail", args=[intervention.pk]),
                link_label=_("More about this intervention"),
            )
        )
    return features


LAYER = MapLayer(
    key="interventions",
    label=gettext_lazy("Interventions"),
    features=intervention_features,
    legend=LEGEND,
    explanation=gettext_lazy(
        "Measures proposed for a challenge, at their site, coloured by how far they are: "
        "a point or an area; click one for its stage and progress."
    ),
    order=50,
)
