"""The civic core's models, one module per concept."""

from civic.models.accounts import User
from civic.models.areas import Area, Theme
from civic.models.challenges import Challenge, ChallengeConcern, ChallengeConcernChange
from civic.models.concerns import Concern
from civic.models.evidence import Evidence, EvidencePeriod, EvidenceRun, EvidenceStale
from civic.models.notifications import Notification, NotificationPreference
from civic.models.workflow_events import WorkflowEvent

__all__ = [
    "Area",
    "Challenge",
    "ChallengeConcern",
    "ChallengeConcernChange",
    "Concern",
    "Evidence",
    "EvidencePeriod",
    "EvidenceRun",
    "EvidenceStale",
    "Notification",
    "NotificationPreference",
    "Theme",
    "User",
    "WorkflowEvent",
]
