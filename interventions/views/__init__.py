"""The intervention pages, one module per stage (urls.py names them as ``views.<name>``)."""

from interventions.views.consultation import comment, moderate, moderation, report, support
from interventions.views.decisions import decide
from interventions.views.followup import followup_answer, followup_token
from interventions.views.implementation import (
    implementation,
    milestone_add,
    milestone_photo,
    progress_file,
)
from interventions.views.proposals import detail, edit, index, move, new

__all__ = [
    "comment",
    "decide",
    "detail",
    "edit",
    "followup_answer",
    "followup_token",
    "implementation",
    "index",
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
