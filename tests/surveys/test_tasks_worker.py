"""With a real Celery worker and Redis, submitted answers reach the challenge's evidence."""

import uuid

import pytest

from civic import queueing
from civic.models import Challenge, Evidence, EvidenceRun
from surveys import answering, receivers
from surveys.signal import NAME, SOURCE
from surveys.tasks import SIGNAL_JOB
from tests.factories import ChallengeFactory, ResidentFactory
from tests.worker_fixtures import celery_worker, isolated_celery, wait_for  # noqa: F401

from .conftest import K

pytestmark = pytest.mark.worker


def test_submitted_answers_become_challenge_evidence_through_the_worker(
    celery_worker,  # noqa: F811
    survey,
    q,
    neighbourhood,
    heat,
    settings,
    monkeypatch,
):
    # A short debounce, and a cache key no other test run shares.
    settings.SURVEYS_SIGNAL_DEBOUNCE_S = 1
    monkeypatch.setattr(receivers, "QUEUED_KEY", f"test-signal-{uuid.uuid4().hex}")
    monkeypatch.setattr(queueing, "_queued_at", {})
    challenge = ChallengeFactory(
        theme=heat, area=neighbourhood, geometry=None, status=Challenge.Status.OPEN
    )
    heat_option, _flooding, nothing = q[K.SINGLE_CHOICE].options.all()

    for index in range(5):
        answering.response_submit(
            survey=survey,
            answers={q[K.SINGLE_CHOICE].pk: (heat_option if index < 4 else nothing).pk},
            respondent=ResidentFactory(),
            area=neighbourhood,
        )

    # Each answer committed and queued (debounced); the worker does the rest.
    def arrived() -> bool:
        row = Evidence.objects.filter(challenge=challenge, source=SOURCE, name=NAME).first()
        return row is not None and row.details.get("respondents") == 5

    assert wait_for(arrived), "the survey signal did not arrive"
    assert Evidence.objects.get(challenge=challenge, source=SOURCE, name=NAME).value == 0.8
    assert EvidenceRun.objects.filter(job=SIGNAL_JOB, status="done").exists()
