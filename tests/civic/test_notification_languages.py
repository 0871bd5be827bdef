"""Each recipient reads their notifications, mails and settings in their own language."""

from civic import services
from civic.models import Challenge, Concern, Notification
from civic.workflow import transition
from tests.civic.test_pages import page_text
from tests.factories import ChallengeFactory, ConcernFactory, ResidentFactory


def test_dutch_and_english_stakeholders_each_hear_in_their_language(
    officer, heat, django_capture_on_commit_callbacks, mailoutbox
):
    jane = ResidentFactory(email="jane@example.test", language="en")
    joost = ResidentFactory(email="joost@example.test", language="nl")
    concerns = [ConcernFactory(author=jane, theme=heat), ConcernFactory(author=joost, theme=heat)]
    challenge = ChallengeFactory(
        title="Koele schoolpleinen", theme=heat, status=Challenge.Status.OPEN
    )

    with django_capture_on_commit_callbacks(execute=True):
        for concern in concerns:
            transition(concern, Concern.Status.PUBLISHED, actor=officer)
        services.challenge_link_concerns(challenge=challenge, concerns=concerns, actor=officer)
        transition(challenge, Challenge.Status.PRIORITISED, actor=officer)

    def said(user):
        return list(
            Notification.objects.filter(recipient=user)
            .order_by("created_at", "id")
            .values_list("message", flat=True)
        )

    jane_concern, joost_concern = (c.pk for c in concerns)
    assert said(jane)[1:] == [
        f"Your concern #{jane_concern} is now linked to the challenge “Koele schoolpleinen”.",
        "The challenge “Koele schoolpleinen”, which your concern, survey answer or support "
        "is part of, is now: prioritised.",
    ]
    assert said(joost)[1:] == [
        f"Je melding #{joost_concern} is nu gekoppeld aan de opgave “Koele schoolpleinen”.",
        "De opgave “Koele schoolpleinen”, waar je melding, enquêteantwoord of steun bij hoort, "
        "is nu: geprioriteerd.",
    ]
    subjects = {(mail.to[0], mail.body): mail.subject for mail in mailoutbox}
    assert subjects[("jane@example.test", said(jane)[-1])] == "Update on a challenge you follow"
    assert subjects[("joost@example.test", said(joost)[-1])] == (
        "Nieuws over een opgave die je volgt"
    )


def test_the_settings_page_and_api_speak_the_readers_language(client, resident):
    client.force_login(resident)

    dutch = page_text(client.get("/notifications/preferences/", HTTP_ACCEPT_LANGUAGE="nl"))
    english = client.get("/api/v1/me/notification-preferences/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert "Opgaven waar ik bij betrokken ben" in dutch
    assert "Als een melding van jou wordt gepubliceerd" in dutch
    assert {k["key"]: k["label"] for k in english["kinds"]}["challenge"] == (
        "Challenges I have a stake in"
    )
