"""Each notification carries its kind; a kind switched off reaches nobody, in the app or by mail."""

import dataclasses

import pytest

from civic import services
from civic.models import Challenge, Concern, Notification, NotificationPreference
from civic.notification_preferences import notification_preferences_set
from civic.workflow import CONCERN_WORKFLOW, transition
from tests.factories import ChallengeFactory, ConcernFactory, ResidentFactory


@pytest.fixture
def jane(db):
    return ResidentFactory(username="jane", email="jane@example.test", language="en")


def _publish_and_link(concern, challenge, officer, capture):
    """A concern published, linked to an open challenge, and the challenge prioritised."""
    with capture(execute=True):
        transition(concern, Concern.Status.PUBLISHED, actor=officer)
        services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)
        transition(challenge, Challenge.Status.PRIORITISED, actor=officer)


def test_each_notification_stores_the_kind_of_its_workflow(
    jane, officer, heat, django_capture_on_commit_callbacks
):
    concern = ConcernFactory(author=jane, theme=heat)
    challenge = ChallengeFactory(title="Koel plein", theme=heat, status=Challenge.Status.OPEN)

    _publish_and_link(concern, challenge, officer, django_capture_on_commit_callbacks)

    kinds = list(
        Notification.objects.filter(recipient=jane)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )
    # published, linked (both about the concern), then the challenge's step.
    assert kinds == ["concern", "concern", "challenge"]


def test_switching_challenges_off_stops_their_messages_and_mails_only(
    jane, officer, heat, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preferences_set(user=jane, choices={"challenge": False})
    concern = ConcernFactory(author=jane, theme=heat)
    challenge = ChallengeFactory(title="Koel plein", theme=heat, status=Challenge.Status.OPEN)

    _publish_and_link(concern, challenge, officer, django_capture_on_commit_callbacks)

    messages = list(Notification.objects.filter(recipient=jane).values_list("message", flat=True))
    assert len(messages) == 2
    assert all(message.startswith("Your concern") for message in messages)
    assert not any("prioritised" in message for message in messages)
    assert sorted(mail.body for mail in mailoutbox) == sorted(messages)


def test_switching_concerns_off_leaves_the_challenge_messages(
    jane, officer, heat, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preferences_set(user=jane, choices={"concern": False})
    concern = ConcernFactory(author=jane, theme=heat)
    challenge = ChallengeFactory(title="Koel plein", theme=heat, status=Challenge.Status.OPEN)

    _publish_and_link(concern, challenge, officer, django_capture_on_commit_callbacks)

    [note] = Notification.objects.filter(recipient=jane)
    assert note.kind == "challenge"
    assert "“Koel plein”" in note.message and "prioritised" in note.message
    assert [mail.body for mail in mailoutbox] == [note.message]


def test_one_residents_choice_does_not_silence_another(
    jane, officer, heat, django_capture_on_commit_callbacks, mailoutbox
):
    other = ResidentFactory(email="other@example.test", language="en")
    notification_preferences_set(user=jane, choices={"concern": False})
    mine, theirs = ConcernFactory(author=jane), ConcernFactory(author=other)

    with django_capture_on_commit_callbacks(execute=True):
        transition(mine, Concern.Status.PUBLISHED, actor=officer)
        transition(theirs, Concern.Status.PUBLISHED, actor=officer)

    assert list(Notification.objects.values_list("recipient", flat=True)) == [other.pk]
    assert [mail.to for mail in mailoutbox] == [["other@example.test"]]


def test_switched_back_on_the_kind_reaches_the_resident_again(
    jane, officer, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preferences_set(user=jane, choices={"concern": False})
    notification_preferences_set(user=jane, choices={"concern": True})

    with django_capture_on_commit_callbacks(execute=True):
        transition(ConcernFactory(author=jane), Concern.Status.PUBLISHED, actor=officer)

    assert Notification.objects.filter(recipient=jane, kind="concern").count() == 1
    assert len(mailoutbox) == 1


def test_a_message_without_a_kind_cannot_be_switched_off(
    jane, officer, django_capture_on_commit_callbacks, mailoutbox
):
    NotificationPreference.objects.create(user=jane, kind="concern", enabled=False)
    original = CONCERN_WORKFLOW.notifier
    # The same workflow, telling the same people, but with a message of no kind.
    CONCERN_WORKFLOW.notifier = dataclasses.replace(original, kind=None)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            transition(ConcernFactory(author=jane), Concern.Status.PUBLISHED, actor=officer)
    finally:
        CONCERN_WORKFLOW.notifier = original

    note = Notification.objects.get(recipient=jane)
    assert note.kind == ""
    assert [mail.to for mail in mailoutbox] == [["jane@example.test"]]
