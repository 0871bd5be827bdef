"""The Django admin: administrators manage core models, council members look, residents stay out."""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from civic import workflow
from civic.models import (
    Challenge,
    ChallengeConcern,
    ChallengeConcernChange,
    Concern,
    Evidence,
    EvidenceStale,
    Notification,
    WorkflowEvent,
)
from tests.factories import CENTRE, ChallengeFactory, ConcernFactory, evidence_row

CIVIC_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "civic"),
    key=lambda model: model._meta.model_name,
)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def rows(
    municipality,
    heat,
    resident,
    officer,
    admin_user,
    django_capture_on_commit_callbacks,
):
    """At least one row of every core model, made the way the service makes them."""
    published = ConcernFactory(author=resident, theme=heat, description="Hot playground slide")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(published, Concern.Status.PUBLISHED, actor=officer)
    challenge = ChallengeFactory(owner=officer, theme=heat)
    ChallengeConcern.objects.create(challenge=challenge, concern=published, linked_by=officer)
    ChallengeConcernChange.objects.create(
        challenge=challenge, concern=published, action="link", actor=officer
    )
    evidence_row(challenge=challenge, source="sensors", name="tropical_nights", value=38.5)
    assert Notification.objects.filter(recipient=resident).exists()
    return {"published": published, "challenge": challenge}


def test_every_core_model_is_registered():
    names = {model._meta.model_name for model in CIVIC_MODELS}

    assert {
        "area",
        "theme",
        "concern",
        "challenge",
        "challengeconcern",
        "evidence",
        "workflowevent",
        "notification",
        "user",
    } <= names


@pytest.mark.parametrize("model", CIVIC_MODELS, ids=lambda m: m._meta.model_name)
def test_administrator_opens_changelist_and_change_page(client, admin_user, rows, model):
    assert not admin_user.is_superuser
    client.force_login(admin_user)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {model._meta.model_name} row to show"

    changelist = client.get(admin_url(model, "changelist"))
    change = client.get(admin_url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert admin_url(model, "change", obj.pk) in changelist.content.decode()
    assert change.status_code == 200


@pytest.mark.parametrize(
    "model",
    # Read-only: the audit trail, and figures that only their source writes.
    [
        m
        for m in CIVIC_MODELS
        if m not in (WorkflowEvent, Evidence, EvidenceStale, ChallengeConcernChange)
    ],
    ids=lambda m: m._meta.model_name,
)
def test_administrator_opens_add_page(client, admin_user, model):
    client.force_login(admin_user)

    assert client.get(admin_url(model, "add")).status_code == 200


def test_workflow_events_are_read_only_in_the_admin(client, admin_user, rows):
    client.force_login(admin_user)
    event = WorkflowEvent.objects.first()

    assert client.get(admin_url(WorkflowEvent, "add")).status_code == 403
    change = client.get(admin_url(WorkflowEvent, "change", event.pk))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    posted = client.post(admin_url(WorkflowEvent, "change", event.pk), {"note": "rewritten"})
    assert posted.status_code == 403
    event.refresh_from_db()
    assert event.note == ""


def listed_concerns(response) -> set[int]:
    return {concern.pk for concern in response.context["cl"].result_list}


def test_concern_changelist_search_and_status_filter(client, admin_user, rows, resident, heat):
    submitted = ConcernFactory(author=resident, theme=heat, description="Flooded cellar")
    published = rows["published"]
    client.force_login(admin_user)
    url = admin_url(Concern, "changelist")

    found = client.get(url, {"q": "cellar"})
    by_author = client.get(url, {"q": resident.username})
    only_published = client.get(url, {"status": "published"})
    only_submitted = client.get(url, {"status__exact": "submitted"})

    assert found.status_code == 200
    assert listed_concerns(found) == {submitted.pk}
    assert listed_concerns(by_author) == {submitted.pk, published.pk}
    assert only_published.status_code == 200
    assert listed_concerns(only_published) == {published.pk}
    assert listed_concerns(only_submitted) == {submitted.pk}


def test_council_member_views_but_cannot_change_a_concern(client, council, rows):
    concern = rows["published"]
    client.force_login(council)

    changelist = client.get(admin_url(Concern, "changelist"))
    change = client.get(admin_url(Concern, "change", concern.pk))
    posted = client.post(
        admin_url(Concern, "change", concern.pk),
        {"description": "Changed by the council", "theme": concern.theme_id},
    )

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert posted.status_code == 403
    concern.refresh_from_db()
    assert concern.description == "Hot playground slide"
    assert client.get(admin_url(Concern, "add")).status_code == 403


@pytest.mark.parametrize("path", ["/admin/", "/admin/civic/concern/"])
def test_resident_is_sent_to_the_admin_login(client, resident, path):
    client.force_login(resident)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_publish_action_moves_concerns_through_the_workflow(
    client, admin_user, resident, heat, django_capture_on_commit_callbacks
):
    first, second = (ConcernFactory(author=resident, theme=heat) for _ in range(2))
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            admin_url(Concern, "changelist"),
            {"action": "move_to_published", "_selected_action": [first.pk, second.pk]},
        )

    assert response.status_code == 302
    concern_type = ContentType.objects.get_for_model(Concern)
    for concern in (first, second):
        concern.refresh_from_db()
        assert concern.status == Concern.Status.PUBLISHED
        events = WorkflowEvent.objects.filter(content_type=concern_type, object_id=concern.pk)
        assert [(e.from_state, e.to_state, e.actor) for e in events] == [
            ("submitted", "published", admin_user)
        ]
        # Going through the workflow also tells the author.
        assert Notification.objects.filter(recipient=resident, event__in=events).count() == 1


def test_publish_action_reports_concerns_it_cannot_move(client, admin_user, resident, heat):
    rejected = ConcernFactory(author=resident, theme=heat, status=Concern.Status.REJECTED)
    client.force_login(admin_user)

    response = client.post(
        admin_url(Concern, "changelist"),
        {"action": "move_to_published", "_selected_action": [rejected.pk]},
        follow=True,
    )

    rejected.refresh_from_db()
    assert rejected.status == Concern.Status.REJECTED
    assert not WorkflowEvent.objects.filter(object_id=rejected.pk).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any(f"#{rejected.pk}" in m for m in messages)


def test_challenge_status_is_not_editable_in_the_admin(client, admin_user, rows):
    challenge = rows["challenge"]
    client.force_login(admin_user)

    response = client.get(admin_url(Challenge, "change", challenge.pk))

    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()


def test_linking_in_the_admin_moves_a_published_concern_to_linked(client, officer, heat):
    challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
    concern = ConcernFactory(theme=heat, status=Concern.Status.PUBLISHED)
    client.force_login(officer)

    response = client.post(
        admin_url(ChallengeConcern, "add"), {"challenge": challenge.pk, "concern": concern.pk}
    )

    assert response.status_code == 302
    link = ChallengeConcern.objects.get(challenge=challenge, concern=concern)
    assert link.linked_by == officer
    concern.refresh_from_db()
    assert concern.status == Concern.Status.LINKED
    assert WorkflowEvent.objects.filter(to_state=Concern.Status.LINKED).count() == 1


def test_the_admin_refuses_to_link_an_unpublished_concern(client, officer, heat):
    challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
    concern = ConcernFactory(theme=heat, status=Concern.Status.SUBMITTED)
    client.force_login(officer)

    response = client.post(
        admin_url(ChallengeConcern, "add"), {"challenge": challenge.pk, "concern": concern.pk}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["concern"]
    assert not ChallengeConcern.objects.exists()


def test_moving_a_concern_outside_the_municipality_in_the_admin_is_refused(
    client, admin_user, municipality, heat
):
    concern = ConcernFactory(theme=heat)
    client.force_login(admin_user)
    url = admin_url(Concern, "change", concern.pk)
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        author=concern.author.pk,
        theme=heat.pk,
        location='{"type": "Point", "coordinates": [4.9, 52.37]}',
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert "location" in response.context["adminform"].form.errors
    concern.refresh_from_db()
    assert concern.location.x == pytest.approx(CENTRE[0])
