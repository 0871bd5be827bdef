"""The intervention pages, one module per stage (urls.py names them as ``views.<name>``)."""

from interventions.views.consultation import comment, moderate, moderation, report, support
from interventions.views.decisions import decide
from interventions.views.followup import followup_answer, followup_thanks, followup_token
from interventions.views.implementation import (
    implementation,
    milestone_add,
    milestone_photo,
    progress_file,
)
from interventions.views.open_data import evaluations_csv, interventions_csv, interventions_geojson
from interventions.views.proposals import detail, edit, index, move, new

__all__ = [
    "comment",
    "decide",
    "detail",
    "edit",
    "evaluations_csv",
    "followup_answer",
    "followup_thanks",
    "followup_token",
    "implementation",
    "index",
    "interventions_csv",
    "interventions_geojson",
    "milestone_add",
    "milestone_photo",
    "moderate",
    "moderation",
    "move",
    "new",
    "progress_file",
    "report",
    "support",
]
