"""Who hears about a workflow step, in which language, and that they hear it only once."""

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from civic import services
from civic.models import Challenge, Concern, Notification
from civic.notifications import notifications_sweep
from civic.tasks import notify_workflow_event
from civic.workflow import transition
from tests.factories import CENTRE, ChallengeFactory, ConcernFactory, ResidentFactory


@pytest.fixture
def english_author(db):
    return ResidentFactory(username="jane", email="jane@example.test", language="en")


@pytest.fixture
def dutch_author(db):
    return ResidentFactory(username="joost", email="joost@example.test", language="nl")


def _publish(concern, officer, capture, note=""):
    with capture(execute=True):
        return transition(concern, Concern.Status.PUBLISHED, actor=officer, note=note)


def test_the_author_hears_of_a_moderation_step_in_the_app_and_by_mail(
    english_author, officer, django_capture_on_commit_callbacks, mailoutbox
):
    concern = ConcernFactory(author=english_author)

    event = _publish(concern, officer, django_capture_on_commit_callbacks)

    note = Notification.objects.get()
    assert (note.recipient, note.event) == (english_author, event)
    assert note.message == f"Your concern #{concern.pk} is now: published."
    assert note.url == reverse("civic:concern_mine") + f"#concern-{concern.pk}"
    assert note.emailed_at is not None
    assert note.read_at is None
    [mail] = mailoutbox
    assert mail.to == ["jane@example.test"]
    assert mail.subject == "Update on your concern"
    assert mail.body == note.message


def test_the_note_of_a_step_is_part_of_the_message(
    english_author, officer, django_capture_on_commit_callbacks, mailoutbox
):
    concern = ConcernFactory(author=english_author)

    with django_capture_on_commit_callbacks(execute=True):
        transition(concern, Concern.Status.REJECTED, actor=officer, note="Outside our remit.")

    message = Notification.objects.get().message
    assert message == f"Your concern #{concern.pk} is now: rejected. Note: Outside our remit."
    assert mailoutbox[0].body == message


def test_a_dutch_author_hears_it_in_dutch(
    english_author, dutch_author, officer, django_capture_on_commit_callbacks, mailoutbox
):
    english = ConcernFactory(author=english_author)
    dutch = ConcernFactory(author=dutch_author)

    _publish(english, officer, django_capture_on_commit_callbacks)
    _publish(dutch, officer, django_capture_on_commit_callbacks)

    english_text = Notification.objects.get(recipient=english_author).message
    dutch_text = Notification.objects.get(recipient=dutch_author).message
    assert english_text == f"Your concern #{english.pk} is now: published."
    assert f"#{dutch.pk}" in dutch_text
    assert dutch_text != f"Your concern #{dutch.pk} is now: published."
    mail_to = {mail.to[0]: mail for mail in mailoutbox}
    assert mail_to["joost@example.test"].body == dutch_text
    assert mail_to["joost@example.test"].subject != "Update on your concern"


def test_an_officer_is_not_notified_of_their_own_step(
    officer, django_capture_on_commit_callbacks, mailoutbox
):
    own = ConcernFactory(author=officer)

    _publish(own, officer, django_capture_on_commit_callbacks)

    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_an_inactive_author_is_not_notified(
    english_author, officer, django_capture_on_commit_callbacks, mailoutbox
):
    english_author.is_active = False
    english_author.save()
    concern = ConcernFactory(author=english_author)

    _publish(concern, officer, django_capture_on_commit_callbacks)

    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_an_author_without_email_still_gets_the_in_app_notification(
    officer, django_capture_on_commit_callbacks, mailoutbox
):
    author = ResidentFactory(email=None, language="en")
    concern = ConcernFactory(author=author)

    _publish(concern, officer, django_capture_on_commit_callbacks)

    assert Notification.objects.get().recipient == author
    assert mailoutbox == []


def test_nothing_is_sent_before_the_step_is_committed(
    english_author, officer, django_capture_on_commit_callbacks, mailoutbox
):
    concern = ConcernFactory(author=english_author)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition(concern, Concern.Status.PUBLISHED, actor=officer)

    assert len(callbacks) == 1
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_running_the_task_twice_adds_nothing(
    english_author, officer, django_capture_on_commit_callbacks, mailoutbox
):
    concern = ConcernFactory(author=english_author)
    event = _publish(concern, officer, django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1

    notify_workflow_event.delay(event.pk)

    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_second_run_reports_that_it_created_nothing(
    english_author, officer, django_capture_on_commit_callbacks
):
    concern = ConcernFactory(author=english_author)
    event = _publish(concern, officer, django_capture_on_commit_callbacks)

    assert notify_workflow_event.delay(event.pk).get() == 0
    assert notifications_sweep() == 0


def test_the_task_ignores_an_event_that_does_not_exist(db, mailoutbox):
    assert notify_workflow_event(987654321) == 0
    assert mailoutbox == []


def test_the_sweep_catches_up_on_an_event_whose_task_never_ran(english_author, officer, mailoutbox):
    concern = ConcernFactory(author=english_author)
    # Without captured on-commit callbacks the task is never queued, as when Redis is down.
    event = transition(concern, Concern.Status.PUBLISHED, actor=officer)
    assert not Notification.objects.exists()

    created = notifications_sweep()

    assert created == 1
    note = Notification.objects.get()
    assert (note.recipient, note.event) == (english_author, event)
    [mail] = mailoutbox
    assert mail.to == ["jane@example.test"]

    notifications_sweep()
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


def test_the_sweep_does_not_notify_about_filing_a_concern(resident, heat, municipality, mailoutbox):
    services.concern_create(
        author=resident, theme=heat, description="Hot", location=Point(*CENTRE, srid=4326)
    )

    assert notifications_sweep() == 0
    assert mailoutbox == []


def test_a_challenge_step_notifies_the_authors_of_its_linked_concerns(
    english_author,
    dutch_author,
    other_resident,
    officer,
    heat,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    challenge = ChallengeFactory(title="Koele schoolpleinen", theme=heat)
    linked = [
        ConcernFactory(author=english_author, status=Concern.Status.PUBLISHED),
        ConcernFactory(author=english_author, status=Concern.Status.PUBLISHED),
        ConcernFactory(author=dutch_author, status=Concern.Status.PUBLISHED),
    ]
    ConcernFactory(author=other_resident, status=Concern.Status.PUBLISHED)  # not linked
    # Linked outside a capture block: the linking steps' own callbacks never run.
    services.challenge_link_concerns(challenge=challenge, concerns=linked, actor=officer)
    assert not Notification.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        event = transition(challenge, Challenge.Status.OPEN, actor=officer)

    notes = Notification.objects.filter(event=event)
    assert sorted(n.recipient.username for n in notes) == ["jane", "joost"]
    english = notes.get(recipient=english_author).message
    assert english == (
        "The challenge “Koele schoolpleinen”, which your concern, survey answer or support "
        "is part of, is now: open."
    )
    assert "Koele schoolpleinen" in notes.get(recipient=dutch_author).message
    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "jane@example.test",
        "joost@example.test",
    ]


def test_a_challenge_without_linked_concerns_notifies_nobody(
    officer, heat, django_capture_on_commit_callbacks, mailoutbox
):
    challenge = ChallengeFactory(theme=heat)

    with django_capture_on_commit_callbacks(execute=True):
        transition(challenge, Challenge.Status.OPEN, actor=officer)

    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_a_workflow_must_say_whom_its_events_notify():
    from civic.workflow import NOTIFY_NOBODY, Workflow, register

    table = Workflow(Challenge, [])

    with pytest.raises(ValueError, match="needs a notifier"):
        register(table)

    assert NOTIFY_NOBODY.recipients(None) == []


def test_a_survey_step_notifies_nobody(
    officer, municipality, django_capture_on_commit_callbacks, mailoutbox
):
    from surveys.models import Survey
    from surveys.services import QuestionSpec, questions_replace, survey_create

    survey = survey_create(actor=officer, title_nl="Hitte", area=municipality)
    questions_replace(
        actor=officer, survey=survey, questions=[QuestionSpec(kind="short_text", text_nl="Heet?")]
    )

    with django_capture_on_commit_callbacks(execute=True):
        event = transition(survey, Survey.Status.OPEN, actor=officer)

    assert event.to_state == Survey.Status.OPEN
    assert not Notification.objects.exists()
    assert mailoutbox == []
