"""A past recorded later (the demo's summer, a council's paper minutes): events keep that date."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from civic import services, workflow
from civic.models import Challenge, ChallengeConcernChange, WorkflowEvent
from tests.civic.conftest import published_concern

pytestmark = pytest.mark.django_db

SPRING = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_what_is_recorded_inside_recorded_at_carries_that_moment(officer, heat):
    concern = published_concern(heat)

    with workflow.recorded_at(SPRING):
        challenge = services.challenge_create(actor=officer, title="Hete pleinen", theme=heat)
        workflow.transition(challenge, Challenge.Status.OPEN, actor=officer)
        services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)
    afterwards = timezone.now()
    workflow.transition(challenge, Challenge.Status.PRIORITISED, actor=officer)

    events = WorkflowEvent.objects.filter(content_type__model="challenge", object_id=challenge.pk)
    assert [(e.to_state, e.at == SPRING) for e in events] == [
        ("draft", True),
        ("open", True),
        ("prioritised", False),
    ]
    assert events.get(to_state="prioritised").at >= afterwards
    # The concern's move to "linked" and the link change are of that spring too.
    assert (
        WorkflowEvent.objects.get(
            content_type__model="concern", object_id=concern.pk, to_state="linked"
        ).at
        == SPRING
    )
    assert ChallengeConcernChange.objects.get(challenge=challenge).at == SPRING
