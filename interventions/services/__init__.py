"""Writes of interventions, one module per stage of their life.

Every status change goes through civic.workflow.transition(); every refusal is
a ValidationError naming the field (400) or a PermissionDenied (403), raised
before anything is written or inside the one transaction that rolls back.
Callers use ``from interventions import services`` and ``services.<name>``; the
package re-exports each module's public writes so that stays one place to look.
"""

from interventions.services.consultation import (
    comment_create,
    comment_moderate,
    comment_report,
    consultations_close_ended,
    reports_to_hide,
    support_add,
    support_remove,
)
from interventions.services.decisions import decision_record
from interventions.services.followup import (
    FollowUpAnswered,
    FollowUpClosed,
    FollowUpRefused,
    FollowUpUnknown,
    followup_answer,
    followup_ask,
    followup_by_token,
    followup_check,
    followup_closes_on,
    followup_link,
    followup_of,
    followup_recipients,
    followups_due,
    followups_send,
)
from interventions.services.implementation import (
    CSV_COLUMNS,
    CSV_MAX_BYTES,
    CSV_MAX_ROWS,
    IMPLEMENTATION_FIELDS,
    START_CORRECTABLE,
    UPDATABLE,
    implementation_update,
    milestone_add,
    progress_csv_apply,
)
from interventions.services.proposals import (
    EDITABLE_FIELDS,
    PUBLIC_CHALLENGE,
    intervention_create,
    intervention_update,
)

__all__ = [
    "CSV_COLUMNS",
    "CSV_MAX_BYTES",
    "CSV_MAX_ROWS",
    "EDITABLE_FIELDS",
    "IMPLEMENTATION_FIELDS",
    "PUBLIC_CHALLENGE",
    "START_CORRECTABLE",
    "UPDATABLE",
    "FollowUpAnswered",
    "FollowUpClosed",
    "FollowUpRefused",
    "FollowUpUnknown",
    "comment_create",
    "comment_moderate",
    "comment_report",
    "consultations_close_ended",
    "decision_record",
    "followup_answer",
    "followup_ask",
    "followup_by_token",
    "followup_check",
    "followup_closes_on",
    "followup_link",
    "followup_of",
    "followup_recipients",
    "followups_due",
    "followups_send",
    "implementation_update",
    "intervention_create",
    "intervention_update",
    "milestone_add",
    "progress_csv_apply",
    "reports_to_hide",
    "support_add",
    "support_remove",
]
