"""Consultation: supports, comments and reports, open up to and including the last day only."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civic.models import Notification
from civic.workflow import transition
from interventions import services
from interventions.models import Comment, CommentReport, Support
from tests.factories import ResidentFactory
from tests.interventions.conftest import S, in_consultation, on, propose

pytestmark = pytest.mark.django_db


def test_a_resident_supports_once_and_takes_it_back(resident, officer, challenge, today):
    intervention = in_consultation(officer, challenge)

    services.support_add(intervention=intervention, actor=resident)
    with pytest.raises(ValidationError) as second:
        services.support_add(intervention=intervention, actor=resident)
    assert second.value.message_dict == {"support": ["You already support this proposal."]}
    assert Support.objects.count() == 1

    services.support_remove(intervention=intervention, actor=resident)
    assert not Support.objects.exists()


@pytest.mark.parametrize("who", ["officer", "council"])
def test_only_residents_support(request, officer, challenge, who):
    intervention = in_consultation(officer, challenge)

    with pytest.raises(PermissionDenied):
        services.support_add(intervention=intervention, actor=request.getfixturevalue(who))
    assert not Support.objects.exists()


def test_the_last_day_is_included_and_the_day_after_is_closed(
    resident, other_resident, officer, challenge, today
):
    intervention = in_consultation(officer, challenge, days=3)
    services.support_add(intervention=intervention, actor=other_resident)
    last_day = today + timedelta(days=3)

    with on(last_day, hour=23):
        services.support_add(intervention=intervention, actor=resident)
        services.comment_create(intervention=intervention, actor=resident, text="Net op tijd")
    with on(last_day + timedelta(days=1), hour=0):
        with pytest.raises(ValidationError) as late_support:
            services.support_add(intervention=intervention, actor=ResidentFactory())
        with pytest.raises(ValidationError) as late_comment:
            services.comment_create(intervention=intervention, actor=resident, text="Te laat")
        with pytest.raises(ValidationError) as late_take_back:
            services.support_remove(intervention=intervention, actor=other_resident)

    assert "support" in late_support.value.message_dict
    assert late_comment.value.message_dict == {
        "text": ["The consultation on this proposal is not open."]
    }
    assert "support" in late_take_back.value.message_dict
    assert Support.objects.count() == 2
    assert list(Comment.objects.values_list("text", flat=True)) == ["Net op tijd"]


def test_supports_and_comments_close_when_the_proposal_leaves_consultation(
    resident, officer, challenge
):
    intervention = in_consultation(officer, challenge)
    transition(intervention, S.AWAITING_DECISION, actor=officer)

    with pytest.raises(ValidationError):
        services.support_add(intervention=intervention, actor=resident)
    with pytest.raises(ValidationError):
        services.comment_create(intervention=intervention, actor=resident, text="Hallo")
    assert not Support.objects.exists() and not Comment.objects.exists()


def test_no_support_or_comment_before_the_consultation(resident, officer, challenge):
    intervention = propose(officer, challenge)

    with pytest.raises(ValidationError):
        services.support_add(intervention=intervention, actor=resident)
    with pytest.raises(ValidationError):
        services.comment_create(intervention=intervention, actor=resident, text="Hallo")


def test_an_officers_comment_is_an_official_answer(resident, officer, council, challenge):
    intervention = in_consultation(officer, challenge)
    question = services.comment_create(intervention=intervention, actor=resident, text="Wanneer?")

    answer = services.comment_create(
        intervention=intervention, actor=officer, text="In het voorjaar.", reply_to=question
    )
    with pytest.raises(ValidationError):
        services.comment_create(
            intervention=intervention, actor=resident, text="Ik ook", reply_to=question
        )
    with pytest.raises(PermissionDenied):
        services.comment_create(intervention=intervention, actor=council, text="De raad")

    assert (question.is_official, answer.is_official, answer.reply_to) == (False, True, question)


def _reporters(n: int) -> list:
    return [ResidentFactory(username=f"melder{i}") for i in range(n)]


def test_three_reports_hide_a_comment_and_its_author_is_told_in_their_language(
    officer, challenge, django_capture_on_commit_callbacks
):
    author = ResidentFactory(username="schrijver", language="en")
    intervention = in_consultation(officer, challenge)
    comment = services.comment_create(intervention=intervention, actor=author, text="Koop tegels!")
    first, second, third = _reporters(3)

    with django_capture_on_commit_callbacks(execute=True):
        services.comment_report(comment=comment, actor=first, reason="spam")
        services.comment_report(comment=comment, actor=second, reason="off_topic")
        assert Comment.objects.get().status == Comment.Status.VISIBLE
        services.comment_report(comment=comment, actor=third, reason="offensive")

    assert Comment.objects.get().status == Comment.Status.HIDDEN
    note = Notification.objects.get(recipient=author)
    assert note.message.startswith(
        "Your comment on the proposal “Tegels eruit” was reported by several residents and is "
        "hidden until an officer has looked at it."
    )
    assert note.url.endswith(f"#comment-{comment.pk}")
    for reporter in (first, second, third):
        assert reporter.username not in note.message


def test_a_resident_reports_a_comment_once_and_never_their_own(resident, officer, challenge):
    intervention = in_consultation(officer, challenge)
    comment = services.comment_create(intervention=intervention, actor=resident, text="Tekst")
    other = ResidentFactory()

    services.comment_report(comment=comment, actor=other, reason="spam")
    with pytest.raises(ValidationError) as twice:
        services.comment_report(comment=comment, actor=other, reason="offensive")
    with pytest.raises(ValidationError) as own:
        services.comment_report(comment=comment, actor=resident, reason="spam")
    with pytest.raises(ValidationError) as reason:
        services.comment_report(comment=comment, actor=ResidentFactory(), reason="boring")

    assert twice.value.message_dict == {"comment": ["You already reported this comment."]}
    assert "comment" in own.value.message_dict
    assert "reason" in reason.value.message_dict
    assert CommentReport.objects.count() == 1


def test_the_threshold_is_a_setting(settings, officer, challenge):
    settings.INTERVENTIONS_REPORTS_TO_HIDE = 2
    intervention = in_consultation(officer, challenge)
    comment = services.comment_create(intervention=intervention, actor=ResidentFactory(), text="x")

    for reporter in _reporters(2):
        services.comment_report(comment=comment, actor=reporter, reason="spam")

    assert Comment.objects.get().status == Comment.Status.HIDDEN


def _hidden(officer, challenge, author):
    intervention = in_consultation(officer, challenge)
    comment = services.comment_create(intervention=intervention, actor=author, text="Weg ermee")
    for reporter in _reporters(3):
        services.comment_report(comment=comment, actor=reporter, reason="spam")
    return comment


@pytest.mark.parametrize(
    ("to", "told"),
    [
        ("visible", "An officer checked your comment on the proposal “Tegels eruit”: it is shown"),
        ("removed", "An officer removed your comment on the proposal “Tegels eruit”."),
    ],
)
def test_an_officer_restores_or_removes_with_a_note_the_author_reads(
    officer, challenge, django_capture_on_commit_callbacks, to, told
):
    author = ResidentFactory(language="en")
    comment = _hidden(officer, challenge, author)

    with pytest.raises(ValidationError):
        services.comment_moderate(comment=comment, actor=officer, to=to, note="")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_moderate(comment=comment, actor=officer, to=to, note="Past bij het plan.")

    assert Comment.objects.get().status == to
    message = Notification.objects.filter(recipient=author).latest("id").message
    assert message.startswith(told)
    assert message.endswith("Note: Past bij het plan.")


def test_residents_and_council_members_do_not_moderate(resident, council, officer, challenge):
    comment = _hidden(officer, challenge, ResidentFactory())

    for who in (resident, council):
        with pytest.raises(PermissionDenied):
            services.comment_moderate(comment=comment, actor=who, to="visible", note="ok")
    assert Comment.objects.get().status == Comment.Status.HIDDEN


def test_reports_before_a_restore_do_not_hide_it_again(officer, challenge):
    comment = _hidden(officer, challenge, ResidentFactory())
    services.comment_moderate(comment=comment, actor=officer, to="visible", note="Is in orde")

    services.comment_report(comment=comment, actor=ResidentFactory(), reason="spam")
    assert Comment.objects.get().status == Comment.Status.VISIBLE
    for reporter in (ResidentFactory(), ResidentFactory()):
        services.comment_report(comment=comment, actor=reporter, reason="spam")
    assert Comment.objects.get().status == Comment.Status.HIDDEN


def test_the_hourly_job_sends_ended_consultations_to_the_council(officer, challenge, today):
    from interventions.tasks import close_consultations

    ending = in_consultation(officer, challenge, days=2, title="Loopt af")
    running = in_consultation(officer, challenge, days=9, title="Loopt nog")

    with on(today + timedelta(days=2), hour=23):
        assert close_consultations() == 0  # the last day is still open
    with on(today + timedelta(days=3), hour=0):
        assert close_consultations() == 1
        assert close_consultations() == 0

    ending.refresh_from_db()
    running.refresh_from_db()
    assert (ending.status, running.status) == (S.AWAITING_DECISION, S.IN_CONSULTATION)
    from civic.models import WorkflowEvent

    moved = WorkflowEvent.objects.get(object_id=ending.pk, to_state=S.AWAITING_DECISION)
    assert moved.actor is None
