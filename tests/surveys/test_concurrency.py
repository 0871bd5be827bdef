"""Two submissions at the same moment by the same resident or code leave one response."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from surveys import answering, services
from surveys.models import Response

from .conftest import K

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(submit, n: int = 2) -> list:
    """Run `submit` in n threads released together; returns what each returned or raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(index: int) -> None:
        try:
            barrier.wait()
            with translation.override("en"):  # each thread has its own active language
                results[index] = submit(index)
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _answers(q, likert: int) -> dict:
    first = q[K.SINGLE_CHOICE].options.first()
    return {q[K.SINGLE_CHOICE].pk: first.pk, q[K.LIKERT].pk: likert}


def test_one_resident_submitting_twice_at_once_leaves_one_response(survey, q, resident):
    results = _at_once(
        lambda i: answering.response_submit(
            survey=survey, answers=_answers(q, 1 + i), respondent=resident
        )
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert Response.objects.filter(survey=survey, respondent=resident).count() == 1
    # One of the two answers stands, whole.
    assert Response.objects.get().answers.get(question=q[K.LIKERT]).number in (1.0, 2.0)


def test_one_code_submitted_twice_at_once_is_used_once(survey, q, officer):
    (invitation,) = services.invitations_generate(actor=officer, survey=survey, count=1)

    results = _at_once(
        lambda i: answering.response_submit(
            survey=survey, answers=_answers(q, 1 + i), code=invitation.code
        )
    )

    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(errors) == 1 and "used already" in str(errors[0])
    assert Response.objects.filter(invitation=invitation).count() == 1
