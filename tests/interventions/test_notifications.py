"""Who hears of a proposal's public steps, in their language, never with another resident's name."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from civic.models import Notification
from civic.workflow import transition
from interventions import services
from interventions.models import Comment
from tests.factories import ResidentFactory
from tests.interventions.conftest import S, awaiting, decide, in_consultation, propose

pytestmark = pytest.mark.django_db


def messages_for(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("message", flat=True)
    )


def test_stakeholders_hear_the_consultation_open_in_their_language(
    officer, challenge, concern_author, django_capture_on_commit_callbacks, today
):
    english = ResidentFactory(username="jane", first_name="Jane", language="en")
    # An English resident with a stake: a supporter of another proposal for the same challenge.
    earlier = in_consultation(officer, challenge, title="Eerder plan")
    services.support_add(intervention=earlier, actor=english)

    with django_capture_on_commit_callbacks(execute=True):
        intervention = in_consultation(officer, challenge, days=10)

    [dutch] = messages_for(concern_author)[-1:]
    [in_english] = messages_for(english)[-1:]
    end = today + timedelta(days=10)
    with translation.override("nl"):
        dutch_end = formats.date_format(end, "DATE_FORMAT")
    with translation.override("en"):
        english_end = formats.date_format(end, "DATE_FORMAT")
    assert dutch == (
        f"Het voorstel “Tegels eruit” voor de opgave “Hete pleinen” is tot en met {dutch_end} "
        "open voor consultatie: steun het of reageer erop."
    )
    assert in_english == (
        "The proposal “Tegels eruit” for the challenge “Hete pleinen” is open for consultation "
        f"until {english_end}: support it or comment on it."
    )
    url = Notification.objects.filter(recipient=english).latest("id").url
    assert url == reverse("interventions:detail", args=[intervention.pk])


def test_supporters_and_stakeholders_hear_the_decision_without_anyone_named(
    officer, council, challenge, concern_author, django_capture_on_commit_callbacks
):
    supporter = ResidentFactory(username="piet-supporter", first_name="Piet", language="en")
    proposer = ResidentFactory(username="klaas-proposer", first_name="Klaas", language="en")
    intervention = propose(proposer, challenge)
    transition(intervention, S.UNDER_REVIEW, actor=officer)
    from django.utils import timezone

    transition(
        intervention,
        S.IN_CONSULTATION,
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=5)},
    )
    services.support_add(intervention=intervention, actor=supporter)
    services.comment_create(intervention=intervention, actor=supporter, text="Ik ben Piet!")
    transition(intervention, S.AWAITING_DECISION, actor=officer)

    with django_capture_on_commit_callbacks(execute=True):
        decide(council, intervention, "agreed", motivation="Unaniem gesteund.")

    told = Notification.objects.filter(event__to_state=S.AGREED)
    assert set(told.values_list("recipient__username", flat=True)) == {
        "piet-supporter",
        "klaas-proposer",
        concern_author.username,
    }
    for note in told:
        for name in ("Piet", "Klaas", "Fatima", "piet-supporter", "klaas-proposer", "fatima"):
            assert name not in note.message
    assert messages_for(concern_author)[-1] == (
        "De raad heeft besloten over het voorstel “Tegels eruit” voor de opgave “Hete pleinen”: "
        "aangenomen. Toelichting: Unaniem gesteund."
    )
    assert messages_for(supporter)[-1] == (
        "The council has decided on the proposal “Tegels eruit” for the challenge "
        "“Hete pleinen”: agreed. Note: Unaniem gesteund."
    )


def test_steps_before_consultation_reach_only_the_resident_proposer(
    resident, officer, challenge, concern_author, django_capture_on_commit_callbacks
):
    intervention = propose(resident, challenge)

    with django_capture_on_commit_callbacks(execute=True):
        transition(intervention, S.UNDER_REVIEW, actor=officer)

    assert messages_for(concern_author) == []
    assert messages_for(resident) == ["Je voorstel “Tegels eruit” is nu: in beoordeling."]


def test_the_challenge_names_supporters_as_stakeholders(officer, challenge):
    from civic.challenge_parts import stakeholders_of

    intervention = in_consultation(officer, challenge)
    supporter = ResidentFactory()
    services.support_add(intervention=intervention, actor=supporter)

    assert supporter in stakeholders_of(challenge)


def test_a_hidden_comment_tells_only_its_author(
    officer, challenge, django_capture_on_commit_callbacks
):
    intervention = in_consultation(officer, challenge)
    author = ResidentFactory()
    comment = services.comment_create(intervention=intervention, actor=author, text="Reclame")

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            services.comment_report(comment=comment, actor=ResidentFactory(), reason="spam")

    assert Comment.objects.get().status == Comment.Status.HIDDEN
    assert list(
        Notification.objects.filter(event__to_state="hidden").values_list("recipient", flat=True)
    ) == [author.pk]


def test_reopening_is_told_to_stakeholders(
    officer, council, challenge, concern_author, django_capture_on_commit_callbacks
):
    intervention = awaiting(officer, challenge)
    decide(council, intervention, "agreed")

    with django_capture_on_commit_callbacks(execute=True):
        transition(intervention, S.AWAITING_DECISION, actor=council, note="Nieuwe raming")

    assert messages_for(concern_author)[-1].endswith("Nieuwe raming")


def test_a_deferred_proposal_back_on_the_agenda_is_not_called_a_reopened_decision(
    officer, council, challenge, concern_author, django_capture_on_commit_callbacks
):
    supporter = ResidentFactory(username="jane-supporter", language="en")
    intervention = in_consultation(officer, challenge)
    services.support_add(intervention=intervention, actor=supporter)
    transition(intervention, S.AWAITING_DECISION, actor=officer)
    decide(council, intervention, "deferred")

    with django_capture_on_commit_callbacks(execute=True):
        transition(intervention, S.AWAITING_DECISION, actor=officer, note="Wethouder twijfelt")

    # The council reopened nothing; and the officer's working note is not passed on.
    assert messages_for(supporter)[-1] == (
        "The deferred proposal “Tegels eruit” for the challenge “Hete pleinen” is back on "
        "the council's agenda; a decision will follow."
    )
    told_in_dutch = messages_for(concern_author)[-1]
    assert "heropend" not in told_in_dutch and "Wethouder twijfelt" not in told_in_dutch


def test_a_deferred_proposal_back_to_review_tells_its_proposer_plainly(
    officer, council, challenge, django_capture_on_commit_callbacks
):
    proposer = ResidentFactory(username="klaas-proposer", language="en")
    intervention = propose(proposer, challenge)
    transition(intervention, S.UNDER_REVIEW, actor=officer)
    transition(
        intervention,
        S.IN_CONSULTATION,
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=5)},
    )
    transition(intervention, S.AWAITING_DECISION, actor=officer)
    decide(council, intervention, "deferred")

    with django_capture_on_commit_callbacks(execute=True):
        transition(intervention, S.UNDER_REVIEW, actor=officer, note="Eerst herzien")

    assert messages_for(proposer)[-1] == (
        "Your proposal “Tegels eruit” is now: under review. Note: Eerst herzien"
    )


def test_supporters_hear_when_a_consultation_is_stopped_without_the_officers_note(
    officer, challenge, concern_author, django_capture_on_commit_callbacks
):
    supporter = ResidentFactory(username="sam-supporter", language="en")
    intervention = in_consultation(officer, challenge)
    services.support_add(intervention=intervention, actor=supporter)

    with django_capture_on_commit_callbacks(execute=True):
        transition(
            intervention, S.UNDER_REVIEW, actor=officer, note="Intern: de wethouder twijfelt"
        )

    [told] = messages_for(supporter)
    assert told == (
        "The consultation on the proposal “Tegels eruit” for the challenge “Hete pleinen” was "
        "stopped: the municipality is reviewing the proposal again. Your support is kept."
    )
    assert "wethouder" not in told
