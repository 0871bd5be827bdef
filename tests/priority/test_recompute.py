"""Scores follow their inputs: Celery (eager) recomputes on evidence, weights, links, areas."""

import pytest

from civic.evidence import evidence_replaced, evidence_writing
from civic.models import ChallengeConcern
from priority import services
from priority.models import Score
from tests.factories import ConcernFactory, shown_season


def score_of(challenge):
    return Score.objects.filter(challenge=challenge, period=shown_season()).first()


def test_new_evidence_from_a_writer_recomputes_the_scores(
    ranked, django_capture_on_commit_callbacks
):
    services.scores_recompute()
    assert score_of(ranked.plain).criteria.get(criterion="heat").missing

    with (
        django_capture_on_commit_callbacks(execute=True),
        evidence_writing("sensors") as writer,
    ):
        writer.replace(
            period=shown_season(),
            rows=[
                {"challenge_id": ranked.plain.pk, "name": "night_anomaly", "value": 2.5},
                {"challenge_id": ranked.hot.pk, "name": "night_anomaly", "value": 1.5},
            ],
            subjects={"challenge": [ranked.plain.pk, ranked.hot.pk]},
        )

    heat = score_of(ranked.plain).criteria.get(criterion="heat")
    assert (heat.missing, heat.raw, heat.normalised) == (False, 2.5, 1.0)


def test_evidence_replaced_is_sent_only_after_the_commit(
    ranked, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, source, period, **kwargs):
        heard.append((source, period.key))

    evidence_replaced.connect(listener)
    try:
        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            evidence_writing("sensors") as writer,
        ):
            writer.replace(period=shown_season(), rows=[], subjects={"challenge": []})
        assert heard == []
        for callback in callbacks:
            callback()
    finally:
        evidence_replaced.disconnect(listener)

    assert heard == [("sensors", shown_season().key)]


def test_a_new_weights_version_recomputes_the_scores(
    ranked, officer, django_capture_on_commit_callbacks
):
    services.scores_recompute()

    with django_capture_on_commit_callbacks(execute=True):
        version = services.weights_version_create(
            actor=officer,
            weights={
                "heat": 0,
                "wetness": 4,
                "residents": 1,
                "survey": 0,
                "vulnerability": 0,
                "alignment": 0,
            },
        )

    assert score_of(ranked.hot).weights == version
    # Wetness now counts most: the wet street goes first.
    first = max(Score.objects.filter(period=shown_season()), key=lambda s: s.value)
    assert first.challenge == ranked.wet


def test_linking_a_concern_and_changing_an_area_recompute_the_scores(
    ranked, django_capture_on_commit_callbacks
):
    services.scores_recompute()
    assert score_of(ranked.plain).criteria.get(criterion="residents").raw == 0

    with django_capture_on_commit_callbacks(execute=True):
        concern = ConcernFactory(theme=ranked.plain.theme, status="linked")
        ChallengeConcern.objects.create(challenge=ranked.plain, concern=concern)
    assert score_of(ranked.plain).criteria.get(criterion="residents").raw == 1

    with django_capture_on_commit_callbacks(execute=True):
        ranked.young_area.attributes = {"share_over_65": 0.5}
        ranked.young_area.save()
    assert score_of(ranked.wet).criteria.get(criterion="vulnerability").raw == pytest.approx(0.5)

    with django_capture_on_commit_callbacks(execute=True):
        ChallengeConcern.objects.filter(challenge=ranked.plain).delete()
    assert score_of(ranked.plain).criteria.get(criterion="residents").raw == 0


def test_a_burst_of_changes_queues_one_recompute(ranked, settings, monkeypatch):
    from django.core.cache import cache

    from priority import tasks

    settings.PRIORITY_RECOMPUTE_DEBOUNCE_S = 5
    cache.delete(services.RECOMPUTE_QUEUED_KEY)
    from civic import queueing

    monkeypatch.setattr(queueing, "_queued_at", {})
    queued = []
    monkeypatch.setattr(tasks.recompute_scores, "apply_async", lambda **kw: queued.append(kw))
    try:
        for _ in range(20):
            services.queue_recompute()
    finally:
        cache.delete(services.RECOMPUTE_QUEUED_KEY)

    assert queued == [{"countdown": 5}]
