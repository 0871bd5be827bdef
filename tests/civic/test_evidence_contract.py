"""The evidence contract: replacing a source's figures per period, stale work, the vocabulary."""

import dataclasses
import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection, connections

from civic import vocabulary
from civic.evidence import (
    UnregisteredMeasure,
    evidence_claim_stale,
    evidence_mark_stale,
    evidence_stale_sweep,
    evidence_writing,
)
from civic.models import Evidence, EvidencePeriod, EvidenceStale
from civic.periods import season_ensure
from civic.vocabulary import measure_for, sources
from tests.factories import AreaFactory, ChallengeFactory


@pytest.fixture
def seasons(db):
    return season_ensure(2025), season_ensure(2026)


def figures(**filters) -> dict:
    return {
        (e.period.key, e.challenge_id, e.area_id, e.name): e.value
        for e in Evidence.objects.filter(**filters).select_related("period")
    }


def test_replacing_a_period_removes_what_was_not_staged_and_keeps_the_rest(seasons, heat):
    last, this = seasons
    one, two = ChallengeFactory(theme=heat), ChallengeFactory(theme=heat)
    area = AreaFactory()
    with evidence_writing("sensors") as writer:
        for period in seasons:
            writer.replace(
                period=period,
                rows=[
                    {"challenge_id": one.pk, "name": "night_anomaly", "value": 1.0},
                    {"challenge_id": two.pk, "name": "night_anomaly", "value": 2.0},
                    {"area_id": area.pk, "name": "night_anomaly", "value": 3.0},
                ],
            )
    with evidence_writing("surveys") as writer:
        writer.replace(period=this, rows=[{"challenge_id": one.pk, "name": "theme_named_share"}])

    # The area's sensors are all gone this season, and challenge two moved away.
    with evidence_writing("sensors") as writer:
        written = writer.replace(
            period=this, rows=[{"challenge_id": one.pk, "name": "night_anomaly", "value": 1.5}]
        )

    assert written == 1
    assert figures(source="sensors", period=this) == {
        ("season-2026", one.pk, None, "night_anomaly"): 1.5
    }
    # Last season and the other source are untouched.
    assert len(figures(source="sensors", period=last)) == 3
    assert Evidence.objects.filter(source="surveys").count() == 1


def test_a_replace_limited_to_subjects_leaves_the_others(seasons, heat):
    _last, this = seasons
    one, two = ChallengeFactory(theme=heat), ChallengeFactory(theme=heat)
    with evidence_writing("sensors") as writer:
        writer.replace(
            period=this,
            rows=[
                {"challenge_id": one.pk, "name": "night_anomaly", "value": 1.0},
                {"challenge_id": two.pk, "name": "night_anomaly", "value": 2.0},
            ],
        )
        writer.replace(period=this, rows=[], subjects={"challenge": [one.pk]})

    assert set(figures(period=this)) == {("season-2026", two.pk, None, "night_anomaly")}


def test_a_figure_the_source_did_not_register_is_refused_and_nothing_written(seasons, heat):
    _last, this = seasons
    challenge = ChallengeFactory(theme=heat)

    with pytest.raises(UnregisteredMeasure, match="made_up"), evidence_writing("sensors") as w:
        w.replace(
            period=this,
            rows=[
                {"challenge_id": challenge.pk, "name": "night_anomaly", "value": 1.0},
                {"challenge_id": challenge.pk, "name": "made_up", "value": 1.0},
            ],
        )

    assert not Evidence.objects.exists()


def test_the_coverage_of_a_period_is_recorded_per_source(seasons, heat):
    _last, this = seasons
    with evidence_writing("sensors") as writer:
        writer.replace(
            period=this, rows=[], coverage={"days": 40, "first": "2026-06-01", "last": "2026-07-10"}
        )

    this.refresh_from_db()
    assert this.coverage == {"sensors": {"days": 40, "first": "2026-06-01", "last": "2026-07-10"}}
    assert this.data_days == 40


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_source_take_turns():
    period = EvidencePeriod.objects.create(
        key="season-2026", kind="season", start=date(2026, 5, 1), end=date(2026, 9, 30)
    )
    events = []

    def second_run():
        try:
            with evidence_writing("sensors") as writer:
                events.append(("second starts", time.monotonic()))
                writer.replace(period=period, rows=[])
        finally:
            connections.close_all()

    with evidence_writing("sensors"):
        events.append(("first starts", time.monotonic()))
        other = threading.Thread(target=second_run)
        other.start()
        time.sleep(0.5)
        events.append(("first ends", time.monotonic()))
    other.join(timeout=10)

    assert [name for name, _at in events] == ["first starts", "first ends", "second starts"]


def test_markers_are_claimed_once_and_describe_the_work(seasons, heat):
    _last, this = seasons
    challenge = ChallengeFactory(theme=heat)
    EvidenceStale.objects.all().delete()
    evidence_mark_stale(source="sensors", period=this)
    evidence_mark_stale(source="sensors", subject_kind="challenge", subject_id=challenge.pk)
    evidence_mark_stale(source="surveys")

    work = evidence_claim_stale(source="sensors")

    assert (work.all_periods, work.periods, work.subjects) == (
        False,
        {this.pk},
        {"challenge": {challenge.pk}},
    )
    assert evidence_claim_stale(source="sensors").empty
    assert evidence_claim_stale(source="surveys").all_periods


def test_the_sweep_hands_a_migration_s_marker_to_every_source_and_queues_them(db, monkeypatch):
    queued = []
    for name, source in sources().items():
        # Stand-ins that record the call instead of reaching the broker.
        fake = dataclasses.replace(source, queue=lambda name=name: queued.append(name))
        monkeypatch.setitem(vocabulary._SOURCES, name, fake)
    EvidenceStale.objects.all().delete()
    EvidenceStale.objects.create(source="")

    evidence_stale_sweep(older_than=timedelta(0))

    assert sorted(EvidenceStale.objects.values_list("source", flat=True)) == [
        "sensors",
        "surveys",
    ]
    assert sorted(queued) == ["sensors", "surveys"]


def test_every_figure_the_apps_write_is_in_the_vocabulary_in_both_languages():
    from django.utils import translation

    for source, name in [
        ("sensors", "night_anomaly"),
        ("sensors", "wetness_index"),
        ("sensors", "green_share_slope_100m"),
        ("surveys", "theme_named_share"),
        ("surveys", "theme_named_share_heat"),
    ]:
        measure = measure_for(source, name)
        assert measure is not None, name
        with translation.override("en"):
            english = (str(measure.label), str(measure.explanation))
        with translation.override("nl"):
            dutch = (str(measure.label), str(measure.explanation))
        assert all(english) and all(dutch)
        assert english != dutch, name
    assert measure_for("sensors", "night_anomaly").worse == "higher"


def test_the_database_refuses_a_reversed_period(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        EvidencePeriod.objects.create(
            key="x", kind="custom", start=date(2026, 9, 1), end=date(2026, 8, 1)
        )
    assert connection.is_usable()
