"""The demo's interventions: depaving in progress, shade awaiting a decision, a wadi consulted."""

from datetime import timedelta
from io import StringIO

import pytest
from django.utils import timezone

from civic.challenge_parts import stages_for
from civic.demo import load_demo as load_core
from civic.models import Challenge, Notification, WorkflowEvent
from interventions import demo
from interventions.models import Comment, Decision, Intervention
from tests.interventions.conftest import SUMMER_DAY, WINTER_DAY, on

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [WINTER_DAY, SUMMER_DAY], ids=["winter", "summer"])
def test_the_demo_carries_two_challenges_through_the_workflow(
    day, django_capture_on_commit_callbacks
):
    with on(day):
        load_core(progress=StringIO().write)
        with django_capture_on_commit_callbacks(execute=True):
            demo.load_demo(progress=StringIO().write)

        heat = Challenge.objects.get(title=demo.HEAT_CHALLENGE)
        water = Challenge.objects.get(title=demo.WATER_CHALLENGE)
        school = Challenge.objects.get(title="Koele, groene schoolpleinen")
        depaving = Intervention.objects.get(challenge=heat, title=demo.DEPAVING_TITLE)
        shade = Intervention.objects.get(challenge=heat, title=demo.SHADE_TITLE)
        wadi = Intervention.objects.get(challenge=water)

        # Agreed, and the works have started (issue 11): not completed yet.
        assert (depaving.kind, depaving.status) == ("depaving", "in_progress")
        assert depaving.actual_start == timezone.localdate()
        assert depaving.planned_end == timezone.localdate() + timedelta(weeks=10)
        assert (depaving.progress, depaving.actual_end) == (30, None)
        assert list(depaving.milestones.values_list("title", flat=True)) == [
            "Bouwhekken geplaatst",
            "Eerste 400 m² tegels verwijderd",
        ]
        decision = Decision.objects.get(intervention=depaving)
        assert (decision.outcome, decision.votes_for, decision.votes_against) == ("agreed", 27, 8)
        assert decision.meeting_reference and decision.motivation
        assert [
            e.to_state
            for e in WorkflowEvent.objects.filter(
                content_type__model="intervention", object_id=depaving.pk
            )
        ] == ["under_review", "in_consultation", "awaiting_decision", "agreed", "in_progress"]

        # A council member who logs in has a decision to record.
        assert (shade.kind, shade.status) == ("shade", "awaiting_decision")
        assert not Decision.objects.filter(intervention=shade).exists()

        assert (wadi.kind, wadi.status) == ("water_storage", "in_consultation")
        assert wadi.consultation_end == timezone.localdate() + timedelta(weeks=4)
        assert wadi.supports.count() == 6
        comments = Comment.objects.filter(intervention=wadi)
        assert comments.filter(is_official=True).count() == 1
        assert list(comments.filter(status="hidden").values_list("text", flat=True)) == [
            demo.HIDDEN_COMMENT
        ]
        assert not Intervention.objects.filter(challenge=school).exists()
        # Its author logs in with the demo password and was told (without the reporters).
        author = comments.get(status="hidden").author
        assert author.username == "resident3" and author.check_password("stadshagen2026")
        assert Notification.objects.filter(recipient=author, event__to_state="hidden").exists()

        stages = stages_for([heat, water, school])
        assert (stages[heat.pk].key, stages[water.pk].key, stages[school.pk].key) == (
            "in_progress",
            "consultation",
            "open",
        )
        # Residents with a stake were told of the consultation and the decision.
        assert Notification.objects.filter(event__to_state="agreed").exists()
        assert Notification.objects.filter(event__to_state="in_consultation").count() > 5


def test_the_demo_loads_once():
    load_core(progress=StringIO().write)
    demo.load_demo(progress=StringIO().write)
    counts = (
        Intervention.objects.count(),
        Comment.objects.count(),
        Decision.objects.count(),
        WorkflowEvent.objects.count(),
    )

    made = demo.load_demo(progress=StringIO().write)

    assert made == {"interventions": 0}
    assert counts == (
        Intervention.objects.count(),
        Comment.objects.count(),
        Decision.objects.count(),
        WorkflowEvent.objects.count(),
    )
