"""Unlinking a concern needs a reason, is recorded, and gives the concern back to the public map."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from civic import services, workflow
from civic.challenge_parts import challenge_concerns_changed
from civic.models import Challenge, ChallengeConcern, ChallengeConcernChange, Concern, Notification
from tests.factories import ConcernFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(officer, heat, resident):
    """An open challenge with one published concern of `resident`, linked through the service."""
    challenge = services.challenge_create(actor=officer, title="Hitte plein", theme=heat)
    workflow.transition(challenge, Challenge.Status.OPEN, actor=officer)
    concern = ConcernFactory(author=resident, theme=heat, status=Concern.Status.PUBLISHED)
    services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)
    concern.refresh_from_db()
    return challenge, concern


@pytest.fixture
def heard():
    """What challenge_concerns_changed said, in order."""
    calls = []

    def receiver(sender, challenge, concern_ids, action, **kwargs):
        calls.append((challenge.pk, list(concern_ids), action))

    challenge_concerns_changed.connect(receiver, weak=False, dispatch_uid="test-heard")
    yield calls
    challenge_concerns_changed.disconnect(dispatch_uid="test-heard")


def test_linking_is_recorded_and_announced_after_commit(
    officer, heat, heard, django_capture_on_commit_callbacks
):
    challenge = services.challenge_create(actor=officer, title="Nieuw", theme=heat)
    concerns = [ConcernFactory(theme=heat, status="published") for _ in range(2)]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.challenge_link_concerns(challenge=challenge, concerns=concerns, actor=officer)
    assert heard == []  # not before the commit
    for callback in callbacks:
        callback()

    changes = ChallengeConcernChange.objects.filter(challenge=challenge)
    assert sorted(changes.values_list("concern_id", "action", "actor")) == sorted(
        (c.pk, "link", officer.pk) for c in concerns
    )
    assert heard == [(challenge.pk, sorted(c.pk for c in concerns), "link")]


def test_unlinking_the_last_link_publishes_the_concern_again_and_keeps_the_reason(
    linked, officer, resident, heard, django_capture_on_commit_callbacks
):
    challenge, concern = linked

    with django_capture_on_commit_callbacks(execute=True):
        change = services.challenge_unlink_concern(
            challenge=challenge, concern=concern, actor=officer, reason=" Past niet bij het plein "
        )

    concern.refresh_from_db()
    assert concern.status == Concern.Status.PUBLISHED
    assert not ChallengeConcern.objects.filter(concern=concern).exists()
    assert (change.action, change.actor, change.reason) == (
        "unlink",
        officer,
        "Past niet bij het plein",
    )
    assert change.at is not None
    event = concern_history(concern)[-1]
    assert (event.from_state, event.to_state) == ("linked", "published")
    assert heard[-1] == (challenge.pk, [concern.pk], "unlink")
    # The author hears it in their language, but not the officers' reason, which may
    # name another resident's concern: that stays in the record above.
    message = Notification.objects.get(recipient=resident, event=event).message
    assert "no longer part of a challenge" in message or "niet meer" in message
    assert "Past niet" not in message and "Past niet" not in event.note


def test_an_unlink_reason_naming_another_resident_never_reaches_the_author(
    linked, officer, resident, django_capture_on_commit_callbacks, mailoutbox
):
    challenge, concern = linked
    reason = "Dubbel met de melding van mevrouw De Vries (Dorpsstraat 3)"

    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_unlink_concern(
            challenge=challenge, concern=concern, actor=officer, reason=reason
        )

    told = " ".join(
        Notification.objects.filter(recipient=resident).values_list("message", flat=True)
    )
    assert "De Vries" not in told
    assert all("De Vries" not in mail.body for mail in mailoutbox)
    assert all("De Vries" not in e.note for e in concern_history(concern))


def concern_history(concern):
    from civic.selectors import history_of

    return list(history_of(concern))


def test_a_concern_still_linked_elsewhere_stays_linked(linked, officer, heat):
    challenge, concern = linked
    other = services.challenge_create(actor=officer, title="Andere", theme=heat)
    services.challenge_link_concerns(challenge=other, concerns=[concern], actor=officer)

    services.challenge_unlink_concern(
        challenge=challenge, concern=concern, actor=officer, reason="Hoort bij de andere"
    )

    concern.refresh_from_db()
    assert concern.status == Concern.Status.LINKED
    assert list(concern.challenges.all()) == [other]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_missing_reason_is_refused_naming_it_and_nothing_is_written(
    linked, officer, reason, heard
):
    challenge, concern = linked
    before = ChallengeConcernChange.objects.count()

    with pytest.raises(ValidationError) as error:
        services.challenge_unlink_concern(
            challenge=challenge, concern=concern, actor=officer, reason=reason
        )

    assert set(error.value.message_dict) == {"reason"}
    concern.refresh_from_db()
    assert concern.status == Concern.Status.LINKED
    assert ChallengeConcern.objects.filter(concern=concern).exists()
    assert ChallengeConcernChange.objects.count() == before


def test_a_concern_that_is_not_linked_is_named(linked, officer, heat):
    challenge, _concern = linked
    stranger = ConcernFactory(theme=heat, status="published")

    with pytest.raises(ValidationError) as error:
        services.challenge_unlink_concern(
            challenge=challenge, concern=stranger, actor=officer, reason="Weg"
        )

    assert f"#{stranger.pk}" in error.value.message_dict["concern"][0]


@pytest.mark.parametrize("role", ["resident", "council"])
def test_only_officers_unlink(request, linked, role):
    challenge, concern = linked

    with pytest.raises(PermissionDenied):
        services.challenge_unlink_concern(
            challenge=challenge, concern=concern, actor=request.getfixturevalue(role), reason="x"
        )

    assert ChallengeConcern.objects.filter(concern=concern).exists()


def test_the_record_is_append_only(linked, officer):
    challenge, concern = linked
    change = services.challenge_unlink_concern(
        challenge=challenge, concern=concern, actor=officer, reason="Weg"
    )

    with pytest.raises(ValueError):
        change.save()
    with pytest.raises(ValueError):
        change.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ChallengeConcernChange.objects.filter(pk=change.pk).update(reason="Anders")


def test_a_linked_concern_goes_back_only_through_unlinking(linked, officer):
    _challenge, concern = linked

    with pytest.raises(ValidationError):
        workflow.transition(concern, Concern.Status.PUBLISHED, actor=officer, note="Zomaar")

    concern.refresh_from_db()
    assert concern.status == Concern.Status.LINKED


# ---------------------------------------------------------------- the page


def test_the_page_unlinks_with_a_reason_and_refuses_without(client, linked, officer):
    challenge, concern = linked
    client.force_login(officer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/challenges/{challenge.pk}/unlink/{concern.pk}/"

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "<strong>reason</strong>: Say why the concern is unlinked." in refused.content.decode()
    assert ChallengeConcern.objects.filter(concern=concern).exists()

    done = client.post(url, {"reason": "Dubbel ingevoerd"})
    assert done.status_code == 302
    assert ChallengeConcernChange.objects.filter(
        concern=concern, action="unlink", reason="Dubbel ingevoerd", actor=officer
    ).exists()


@pytest.mark.parametrize("role", ["resident", "council"])
def test_others_cannot_unlink_from_the_page(client, request, linked, role):
    challenge, concern = linked
    client.force_login(request.getfixturevalue(role))

    answer = client.post(f"/challenges/{challenge.pk}/unlink/{concern.pk}/", {"reason": "x"})

    assert answer.status_code == 403
    assert ChallengeConcern.objects.filter(concern=concern).exists()
