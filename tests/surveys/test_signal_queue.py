"""The survey signal is queued after the commit, once per burst, and never breaks an answer."""

import uuid

import pytest

from civic import queueing
from civic.models import Challenge, Evidence, EvidenceRun
from surveys import answering, receivers
from surveys.signal import NAME, SOURCE
from surveys.tasks import SIGNAL_JOB, recompute_signal
from tests.factories import ChallengeFactory, ResidentFactory

from .conftest import K


class Recorder:
    """Stands in for the task's delay/apply_async and counts the calls."""

    def __init__(self, fail: bool = False):
        self.calls: list[dict] = []
        self.fail = fail

    def __call__(self, *args, **kwargs):
        if self.fail:
            raise ConnectionError("Redis is down")
        self.calls.append(kwargs)


@pytest.fixture
def queued(monkeypatch, settings):
    """Record queueing instead of running; a cache key of this test's own (Redis is shared)."""
    recorder = Recorder()
    monkeypatch.setattr(recompute_signal, "apply_async", recorder)
    monkeypatch.setattr(recompute_signal, "delay", recorder)
    monkeypatch.setattr(receivers, "QUEUED_KEY", f"test-signal-{uuid.uuid4().hex}")
    monkeypatch.setattr(queueing, "_queued_at", {})
    settings.SURVEYS_SIGNAL_DEBOUNCE_S = 30
    return recorder


def answer(survey, q, heat_first: bool = True, area=None):
    options = list(q[K.SINGLE_CHOICE].options.all())
    return answering.response_submit(
        survey=survey,
        answers={q[K.SINGLE_CHOICE].pk: options[0 if heat_first else 2].pk},
        respondent=ResidentFactory(),
        area=area,
    )


def test_a_burst_of_answers_queues_one_run_after_the_commit(
    survey, q, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer(survey, q)
    assert callbacks  # waiting for the commit
    assert queued.calls == []  # nothing before it

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            answer(survey, q)

    assert queued.calls == [{"countdown": 30}]


def test_without_debounce_every_commit_queues(
    survey, q, queued, settings, django_capture_on_commit_callbacks
):
    settings.SURVEYS_SIGNAL_DEBOUNCE_S = 0
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            answer(survey, q)

    assert len(queued.calls) >= 2  # one per saved row, at least one per answer


def test_a_key_left_by_another_process_debounces_too(
    survey, q, queued, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.add(receivers.QUEUED_KEY, 1, timeout=30)  # another web process queued a run
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey, q)

    assert queued.calls == []
    cache.delete(receivers.QUEUED_KEY)


def test_challenge_changes_queue_only_when_they_touch_the_signal(
    heat, flooding, queued, settings, django_capture_on_commit_callbacks
):
    settings.SURVEYS_SIGNAL_DEBOUNCE_S = 0
    with django_capture_on_commit_callbacks(execute=True):
        challenge = ChallengeFactory(theme=heat)
    assert len(queued.calls) == 1

    challenge.title = "Nieuwe titel"
    with django_capture_on_commit_callbacks(execute=True):
        challenge.save(update_fields=["title"])
    assert len(queued.calls) == 1

    for fields in (["theme"], ["status", "updated_at"], ["geometry"], ["area"]):
        with django_capture_on_commit_callbacks(execute=True):
            challenge.save(update_fields=fields)
    assert len(queued.calls) == 5


def test_redis_down_does_not_break_the_answer(
    survey, q, queued, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(recompute_signal, "apply_async", Recorder(fail=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = answer(survey, q)

    assert response.pk
    assert "Could not queue surveys.recompute_signal" in caplog.text


def test_the_task_records_its_run_and_writes_the_signal(survey, q, neighbourhood, heat):
    # given: five residents of the neighbourhood, three naming heat
    challenge = ChallengeFactory(
        theme=heat, area=neighbourhood, geometry=None, status=Challenge.Status.OPEN
    )
    for index in range(5):
        answer(survey, q, heat_first=index < 3, area=neighbourhood)

    # when: eager, as in every test but the worker's
    assert recompute_signal.delay().get() >= 1

    # then
    assert Evidence.objects.get(challenge=challenge, source=SOURCE, name=NAME).value == 0.6
    run = EvidenceRun.objects.get(job=SIGNAL_JOB)
    assert run.status == EvidenceRun.Status.DONE
    assert run.rows >= 1


def test_the_beat_sweep_runs_the_registered_task():
    from civic.celery import app

    entry = app.conf.beat_schedule["surveys-signal-sweep"]
    assert entry["task"] == recompute_signal.name == "surveys.recompute_signal"
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 600
