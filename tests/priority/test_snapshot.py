"""Moving a challenge to prioritised records its score and breakdown at that moment."""

from civic import workflow
from civic.models import Challenge
from priority import services
from priority.models import Score, Snapshot
from tests.factories import ChallengeFactory, shown_season


def test_prioritising_records_the_stored_score_and_breakdown(ranked, officer):
    services.scores_recompute()
    stored = Score.objects.get(challenge=ranked.wet, period=shown_season())

    event = workflow.transition(ranked.wet, Challenge.Status.PRIORITISED, actor=officer)

    snapshot = Snapshot.objects.get(challenge=ranked.wet)
    assert snapshot.event == event and snapshot.period == shown_season()
    assert snapshot.value == stored.value and snapshot.rank == 2 and snapshot.ranked_count == 3
    lines = {line["criterion"]: line for line in snapshot.breakdown}
    assert lines["wetness"]["normalised"] == 1.0 and lines["heat"]["normalised"] == 0.0
    # Later changes do not rewrite what was recorded.
    services.weights_version_create(
        actor=officer,
        weights={
            "heat": 9,
            "wetness": 0,
            "residents": 0,
            "survey": 0,
            "vulnerability": 0,
            "alignment": 0,
        },
    )
    services.scores_recompute()
    snapshot.refresh_from_db()
    assert snapshot.value == stored.value


def test_without_a_stored_score_the_snapshot_is_computed_fresh(ranked, officer):
    assert not Score.objects.exists()

    workflow.transition(ranked.hot, Challenge.Status.PRIORITISED, actor=officer)

    snapshot = Snapshot.objects.get(challenge=ranked.hot)
    assert snapshot.rank == 1 and snapshot.value is not None and len(snapshot.breakdown) == 6


def test_a_challenge_without_any_score_records_no_score(ranked, officer):
    services.weights_version_create(
        actor=officer,
        weights={
            "heat": 1,
            "wetness": 0,
            "residents": 0,
            "survey": 0,
            "vulnerability": 0,
            "alignment": 0,
        },
    )
    services.scores_recompute()

    workflow.transition(ranked.plain, Challenge.Status.PRIORITISED, actor=officer)

    snapshot = Snapshot.objects.get(challenge=ranked.plain)
    assert snapshot.value is None  # no heat figures, and heat is all that weighs
    assert snapshot.weights.number == 1


def test_a_refused_move_records_nothing(ranked, resident):
    import pytest
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        workflow.transition(ranked.hot, Challenge.Status.PRIORITISED, actor=resident)

    assert not Snapshot.objects.exists()


def test_the_public_panel_shows_the_snapshot(ranked, officer, client):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from priority.panels import panel_context

    services.scores_recompute()
    workflow.transition(ranked.hot, Challenge.Status.PRIORITISED, actor=officer)
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()

    html = render_to_string(
        "priority/_panel.html", {"panel": panel_context(ranked.hot, request, None)}
    )

    assert "Geprioriteerd op" in html or "Prioritised on" in html
    assert 'data-criterion="heat"' in html
    draft = ChallengeFactory(status=Challenge.Status.DRAFT)
    assert panel_context(draft, request, None) == {"draft": True}


def test_the_snapshot_uses_the_weights_set_a_moment_ago_not_the_stored_scores(ranked, officer):
    services.scores_recompute()
    heat_only = {
        "heat": 9,
        "wetness": 0,
        "residents": 0,
        "survey": 0,
        "vulnerability": 0,
        "alignment": 0,
    }
    # The debounced recompute has not run yet (it runs after commit): the stored
    # scores still follow the old weights.
    version = services.weights_version_create(actor=officer, weights=heat_only)

    workflow.transition(ranked.wet, Challenge.Status.PRIORITISED, actor=officer)

    snapshot = Snapshot.objects.get(challenge=ranked.wet)
    assert snapshot.weights == version
    lines = {line["criterion"]: line for line in snapshot.breakdown}
    # Under heat-only weights the wet challenge's wetness contributes nothing.
    assert lines["wetness"]["contribution"] == 0
