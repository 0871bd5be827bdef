"""The survey's states and allowed moves, in the core's workflow engine.

draft → open (needs a question) → closed → archived; a closed survey can be
opened again (e.g. to extend it), a draft can be archived unused. Only
officers and administrators move surveys, and their moves notify nobody:
residents learn of an open survey from the surveys page and their letters.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civic.workflow import NOTIFY_NOBODY, STAFF, Transition, Workflow, register
from surveys.models import Survey

S = Survey.Status


def _has_questions(survey: models.Model) -> str | None:
    if not survey.questions.exists():
        return str(_("Add at least one question first."))
    return None


SURVEY_WORKFLOW = register(
    Workflow(
        Survey,
        [
            Transition(S.DRAFT, S.OPEN, STAFF, _("Open"), guard=_has_questions),
            Transition(S.OPEN, S.CLOSED, STAFF, _("Close")),
            Transition(S.CLOSED, S.OPEN, STAFF, _("Open again")),
            Transition(S.CLOSED, S.ARCHIVED, STAFF, _("Archive")),
            Transition(S.DRAFT, S.ARCHIVED, STAFF, _("Archive")),
        ],
        notifier=NOTIFY_NOBODY,
    )
)
