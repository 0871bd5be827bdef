"""The extension points apps use to add to a challenge (stages, stakeholders, transition signal)."""

import pytest
from django.core.exceptions import ValidationError

from civic import challenge_parts, workflow
from civic.models import Challenge, WorkflowEvent
from tests.factories import ChallengeFactory, ConcernFactory, OfficerFactory, ResidentFactory


@pytest.fixture
def clean_registry():
    saved = dict(challenge_parts._STAGE_SOURCES), dict(challenge_parts._STAKEHOLDER_SOURCES)
    yield
    challenge_parts._STAGE_SOURCES.clear()
    challenge_parts._STAGE_SOURCES.update(saved[0])
    challenge_parts._STAKEHOLDER_SOURCES.clear()
    challenge_parts._STAKEHOLDER_SOURCES.update(saved[1])


@pytest.mark.django_db
def test_the_furthest_stage_wins_and_a_closed_challenge_stays_closed(clean_registry):
    opened = ChallengeFactory(status=Challenge.Status.OPEN)
    closed = ChallengeFactory(status=Challenge.Status.CLOSED)
    plain = ChallengeFactory(status=Challenge.Status.OPEN)
    later = challenge_parts.Stage("consultation", "in consultation", 40)
    challenge_parts.stage_source_register(
        "test", lambda ids: {pk: later for pk in ids if pk != plain.pk}
    )

    stages = challenge_parts.stages_for([opened, closed, plain])

    assert stages[opened.pk].key == "consultation"
    assert stages[closed.pk].key == Challenge.Status.CLOSED
    assert stages[plain.pk].key == Challenge.Status.OPEN


@pytest.mark.django_db
def test_stakeholders_are_authors_of_public_linked_concerns_and_what_apps_add(clean_registry):
    challenge = ChallengeFactory(status=Challenge.Status.OPEN)
    author = ResidentFactory()
    unpublished_author = ResidentFactory()
    supporter = ResidentFactory()
    gone = ResidentFactory(is_active=False)
    challenge.concerns.add(ConcernFactory(author=author, status="linked"))
    challenge.concerns.add(ConcernFactory(author=unpublished_author, status="submitted"))
    challenge_parts.stakeholder_source_register("test", lambda c: [supporter, gone, author])

    assert {u.pk for u in challenge_parts.stakeholders_of(challenge)} == {author.pk, supporter.pk}


@pytest.mark.django_db
def test_a_receiver_of_transitioned_can_refuse_the_move_and_nothing_is_written():
    challenge = ChallengeFactory(status=Challenge.Status.OPEN)

    def refuse(sender, obj, event, **kwargs):
        raise ValidationError({"to": "not now"})

    workflow.transitioned.connect(refuse, sender=Challenge)
    try:
        with pytest.raises(ValidationError):
            workflow.transition(challenge, Challenge.Status.PRIORITISED, actor=OfficerFactory())
    finally:
        workflow.transitioned.disconnect(refuse, sender=Challenge)

    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.OPEN
    assert not WorkflowEvent.objects.filter(object_id=challenge.pk, to_state="prioritised").exists()
