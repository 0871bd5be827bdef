"""The demo's interventions: three works completed mid-summer and measured, shade awaiting a
decision, a wadi consulted; with the sensor network's summer, the measured verdicts."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.urls import reverse
from django.utils import timezone

from civic.challenge_parts import stages_for, timeline_of
from civic.demo import (
    DEPAVING_WORKS,
    FACADE_GARDENS_WORKS,
    SCHOOL_TREES_WORKS,
)
from civic.demo import load_demo as load_core
from civic.models import Challenge, Notification, WorkflowEvent
from interventions import demo
from interventions.followup_results import followup_results_for
from interventions.models import Comment, Decision, FollowUp, ImpactEvaluation, Intervention
from tests.interventions.conftest import SUMMER_DAY, WINTER_DAY, on

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [WINTER_DAY, SUMMER_DAY], ids=["winter", "summer"])
def test_the_demo_carries_three_challenges_through_the_workflow(
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
        wadi = Intervention.objects.get(challenge=water, title=demo.WADI_TITLE)

        # Agreed, and carried out in the middle of the last complete summer (issue 11).
        year = day.year - 1 if day.month < 10 else day.year
        works = DEPAVING_WORKS.dates(year)
        assert (depaving.kind, depaving.status) == ("depaving", "completed")
        assert (depaving.actual_start, depaving.actual_end) == works
        assert (depaving.planned_start, depaving.planned_end) == works
        assert depaving.progress == 100
        milestones = list(depaving.milestones.order_by("date").values_list("date", "title"))
        assert [title for _day, title in milestones] == [
            "Bouwhekken geplaatst",
            "Eerste 400 m² tegels verwijderd",
            "Twaalf bomen geplant, plein weer open",
        ]
        assert all(works[0] <= when <= works[1] for when, _title in milestones)
        decision = Decision.objects.get(intervention=depaving)
        assert (decision.outcome, decision.votes_for, decision.votes_against) == ("agreed", 27, 8)
        assert decision.meeting_reference and decision.motivation
        assert decision.decided_on < works[0]
        assert depaving.consultation_end < decision.decided_on
        assert [
            e.to_state
            for e in WorkflowEvent.objects.filter(
                content_type__model="intervention", object_id=depaving.pk
            )
        ] == [
            "under_review",
            "in_consultation",
            "awaiting_decision",
            "agreed",
            "in_progress",
            "completed",
        ]
        # Two more works completed that summer; without sensor data none can be measured.
        trees = Intervention.objects.get(challenge=school, title=demo.SCHOOL_TREES_TITLE)
        gardens = Intervention.objects.get(challenge=school, title=demo.FACADE_GARDENS_TITLE)
        assert (trees.kind, trees.status) == ("trees", "completed")
        assert (trees.actual_start, trees.actual_end) == SCHOOL_TREES_WORKS.dates(year)
        assert (gardens.kind, gardens.status) == ("facade_garden", "completed")
        assert (gardens.actual_start, gardens.actual_end) == FACADE_GARDENS_WORKS.dates(year)
        assert set(ImpactEvaluation.objects.values_list("intervention__title", "verdict")) == {
            (w.title, "not_enough_data") for w in (depaving, trees, gardens)
        }

        # The depaving's stakeholders were asked whether it helped; six answered (published
        # from 5), and `resident` has the question waiting in the browser.
        followups = FollowUp.objects.filter(intervention=depaving)
        assert followups.filter(status="answered").count() == len(demo.DEMO_ANSWERS) >= 5
        assert followups.get(user__username="resident").status == "asked"
        assert Notification.objects.filter(
            recipient__username="resident", event__content_type__model="followup"
        ).exists()
        results = followup_results_for([depaving.pk])[depaving.pk]
        assert (results.shown, results.yes, results.no, results.not_sure) == (True, 4, 1, 1)

        # The shopping centre's public timeline tells the story in its order: concerns filed
        # the year before, grouped and prioritised in the spring, consulted, decided, carried
        # out, and then measured and asked about (when the demo was loaded).
        entries = timeline_of(heat)
        first: dict = {}
        for entry in entries:
            first.setdefault(entry.kind, entry.day)
        last_concern = max(e.day for e in entries if e.kind == "concerns")
        assert entries[0].kind == "concerns"
        assert last_concern < first["grouped"] == first["challenge"] < first["proposal"]
        assert first["proposal"] <= first["consultation"] < first["decision"] < first["works"]
        assert first["works"] <= first["milestone"] <= first["completion"] == works[1]
        assert works[1] < first["evaluation"] <= first["answers"] == timezone.localdate()

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
        # Its author logs in with the demo password and was told (without the reporters).
        author = comments.get(status="hidden").author
        assert author.username == "resident3" and author.check_password("stadshagen2026")
        assert Notification.objects.filter(recipient=author, event__to_state="hidden").exists()

        stages = stages_for([heat, water, school])
        assert (stages[heat.pk].key, stages[water.pk].key, stages[school.pk].key) == (
            "completed",
            "consultation",
            "completed",
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
        FollowUp.objects.count(),
    )

    made = demo.load_demo(progress=StringIO().write)

    assert made == {"interventions": 0}
    assert counts == (
        Intervention.objects.count(),
        Comment.objects.count(),
        Decision.objects.count(),
        WorkflowEvent.objects.count(),
        FollowUp.objects.count(),
    )


# From 23 June to 30 September: 30 and more nights on each side of the depaving (27 July -
# 7 August) and of the school-yard trees (10-21 August) in two thirds of the summer.
MEASURED_DAYS = 100


def test_the_demo_measures_its_works_planted_cooling_no_effect_and_too_few_sensors(
    client, django_capture_on_commit_callbacks
):
    from sensors import demo as sensors_demo
    from sensors.models import Reading, ReadingFlag, SensorMonthFlag

    today = date(2027, 2, 15)  # winter: the demo's summer is 2026
    with on(today):
        load_core(progress=StringIO().write)
        sensors_demo.load_demo(progress=StringIO().write, days=MEASURED_DAYS)
        with django_capture_on_commit_callbacks(execute=True):
            demo.load_demo(progress=StringIO().write)

        runs = {
            run.intervention.title: run
            for run in ImpactEvaluation.objects.filter(figure="night_anomaly").select_related(
                "intervention"
            )
        }
        pages = {
            title: client.get(
                reverse("interventions:detail", args=[run.intervention.pk]),
                HTTP_ACCEPT_LANGUAGE="en",
            ).content.decode()
            for title, run in runs.items()
        }

    # One run each on the night figure; the trees also on the warmest hours (Tmax).
    assert len(runs) == 3
    assert sorted(ImpactEvaluation.objects.values_list("figure", flat=True)) == [
        "night_anomaly",
        "night_anomaly",
        "night_anomaly",
        "t_max",
    ]
    # The depaving: the sensors demo planted -0.8 °C at night around the square (the pair of
    # civic.demo.DEPAVING_WORKS); the evaluation of the loaded demo finds it.
    depaving = runs[demo.DEPAVING_TITLE]
    assert depaving.verdict == "cooler"
    assert depaving.low <= DEPAVING_WORKS.night_change <= depaving.high
    assert depaving.high < 0
    assert depaving.counts["impact_sensors"] >= 2 and depaving.counts["control_sensors"] >= 3
    assert min(depaving.counts["nights_before"], depaving.counts["nights_after"]) >= 30
    assert depaving.placebo["low"] <= 0 <= depaving.placebo["high"]
    assert "nights near the site have been" in pages[demo.DEPAVING_TITLE]
    assert "cooler than comparable places" in pages[demo.DEPAVING_TITLE]
    # The trees: nothing planted, enough data, and the interval straddles zero.
    trees = runs[demo.SCHOOL_TREES_TITLE]
    assert trees.verdict == "no_clear_effect" and trees.low <= 0 <= trees.high
    assert trees.counts["impact_sensors"] >= 2
    assert "show no clear difference from comparable places" in pages[demo.SCHOOL_TREES_TITLE]
    # The facade gardens: one sensor within the radius, so no number.
    gardens = runs[demo.FACADE_GARDENS_TITLE]
    assert gardens.verdict == "not_enough_data" and gardens.effect is None
    assert {"what": "impact_sensors", "have": 1, "need": 2} in gardens.missing
    assert "Not enough data yet" in pages[demo.FACADE_GARDENS_TITLE]
    assert "sensors near the site: 1 of 2" in pages[demo.FACADE_GARDENS_TITLE]
    # Quality control takes the planted cooling for what it is: only the demo's two faulty
    # sensors are flagged (the sun and the stuck one), none near the square.
    assert set(SensorMonthFlag.objects.values_list("sensor__external_id", flat=True)) == {
        sensors_demo.SUNNY_ID,
        sensors_demo.STUCK_ID,
    }
    assert not ReadingFlag.objects.filter(
        sensor__external_id__in=["tuin-01", "tuin-03", "tuin-25"]
    ).exists()

    counts = (
        Reading.objects.count(),
        Intervention.objects.count(),
        WorkflowEvent.objects.count(),
        ImpactEvaluation.objects.count(),
    )
    with on(today), django_capture_on_commit_callbacks(execute=True):
        sensors_demo.load_demo(progress=StringIO().write, days=MEASURED_DAYS)
        made = demo.load_demo(progress=StringIO().write)

    assert made == {"interventions": 0}
    assert counts == (
        Reading.objects.count(),
        Intervention.objects.count(),
        WorkflowEvent.objects.count(),
        ImpactEvaluation.objects.count(),
    )
