"""Officers create and edit challenges in the pages, drawing the area, and take workflow steps."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from civic import services, workflow
from civic.models import Challenge, EvidenceStale, WorkflowEvent
from tests.factories import CENTRE, square

pytestmark = pytest.mark.django_db

NEW_URL = "/challenges/new/"


def polygon(half: float = 0.001, dx: float = 0.0) -> str:
    lon, lat = CENTRE[0] + dx, CENTRE[1]
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_an_officer_creates_a_draft_with_a_drawn_area_and_its_neighbourhood(
    officer_client, heat, neighbourhood
):
    page = officer_client.post(
        NEW_URL,
        {
            "title": "Hitte op het plein",
            "description": "Geen schaduw",
            "theme": heat.pk,
            "geometry": polygon(),
        },
    )

    challenge = Challenge.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/challenges/{challenge.pk}/"
    assert challenge.status == Challenge.Status.DRAFT
    assert challenge.area == neighbourhood
    assert challenge.geometry.geom_type == "MultiPolygon"
    assert challenge.geometry.contains(challenge.geometry.point_on_surface)
    assert WorkflowEvent.objects.filter(object_id=challenge.pk, from_state="").count() == 1


def test_a_chosen_area_wins_over_the_drawn_one(officer_client, heat, neighbourhood, oost):
    officer_client.post(
        NEW_URL, {"title": "Hitte", "theme": heat.pk, "geometry": polygon(), "area": oost.pk}
    )

    assert Challenge.objects.get().area == oost


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"geometry": "not json"}, "geometry"),
        ({"geometry": json.dumps({"type": "Point", "coordinates": [6.06, 52.528]})}, "geometry"),
        (
            {
                "geometry": json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [[[6, 52], [7, 53], [6, 53], [7, 52], [6, 52]]],
                    }
                )
            },
            "geometry",
        ),
        ({"theme": "999999"}, "theme"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(
    officer_client, heat, neighbourhood, change, field
):
    data = {"title": "Hitte", "theme": heat.pk, "geometry": polygon(), **change}

    page = officer_client.post(NEW_URL, data)

    assert page.status_code == 400
    assert not Challenge.objects.exists()
    form = page.context["form"]
    assert field in form.errors


@pytest.mark.parametrize("role", ["anonymous", "resident", "council"])
def test_only_officers_open_the_forms(client, request, role, heat):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    challenge = Challenge.objects.create(title="X", theme=heat)

    for url in (NEW_URL, f"/challenges/{challenge.pk}/edit/"):
        answer = client.get(url)
        assert answer.status_code in (302, 403)
        if role != "anonymous":
            assert answer.status_code == 403
    client.post(NEW_URL, {"title": "Sneaky", "theme": heat.pk})
    assert Challenge.objects.count() == 1


def test_editing_keeps_the_area_when_not_redrawn_and_marks_evidence_stale_when_moved(
    officer_client, officer, heat, neighbourhood, oost
):
    challenge = services.challenge_create(
        actor=officer, title="Oud", theme=heat, geometry=square(*CENTRE, 0.001)
    )
    EvidenceStale.objects.all().delete()
    url = f"/challenges/{challenge.pk}/edit/"
    form = officer_client.get(url)
    assert form.status_code == 200
    kept = form.context["form"]["geometry"].value()

    officer_client.post(url, {"title": "Nieuw", "theme": heat.pk, "geometry": kept})
    challenge.refresh_from_db()
    assert challenge.title == "Nieuw"
    assert not EvidenceStale.objects.filter(subject_kind="challenge", subject_id=challenge.pk)

    moved = officer_client.post(
        url, {"title": "Nieuw", "theme": heat.pk, "geometry": polygon(0.001, dx=0.02)}
    )
    challenge.refresh_from_db()
    assert moved.status_code == 302
    assert challenge.area == oost
    assert EvidenceStale.objects.filter(subject_kind="challenge", subject_id=challenge.pk)


def test_removing_the_drawn_area_clears_the_geometry(officer_client, officer, heat, neighbourhood):
    challenge = services.challenge_create(
        actor=officer, title="Oud", theme=heat, geometry=square(*CENTRE, 0.001)
    )

    officer_client.post(f"/challenges/{challenge.pk}/edit/", {"title": "Oud", "theme": heat.pk})

    challenge.refresh_from_db()
    assert challenge.geometry is None and challenge.area is None


def test_workflow_steps_from_the_page_and_a_missing_note_is_a_400(officer_client, officer, heat):
    challenge = services.challenge_create(actor=officer, title="Stap", theme=heat)
    url = f"/challenges/{challenge.pk}/step/"

    opened = officer_client.post(url, {"to": "open"})
    refused = officer_client.post(url, {"to": "closed", "note": "  "})
    skipped = officer_client.post(url, {"to": "draft"})

    challenge.refresh_from_db()
    assert opened.status_code == 302
    assert refused.status_code == 400 and "<strong>note</strong>" in refused.content.decode()
    assert skipped.status_code == 400 and "<strong>to</strong>" in skipped.content.decode()
    assert challenge.status == Challenge.Status.OPEN

    officer_client.post(url, {"to": "closed", "note": "Opgelost"})
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.CLOSED


@pytest.mark.parametrize("role", ["resident", "council"])
def test_others_cannot_take_a_step(client, request, role, officer, heat):
    challenge = services.challenge_create(actor=officer, title="Stap", theme=heat)
    workflow.transition(challenge, "open", actor=officer)
    client.force_login(request.getfixturevalue(role))

    assert (
        client.post(f"/challenges/{challenge.pk}/step/", {"to": "prioritised"}).status_code == 403
    )
    challenge.refresh_from_db()
    assert challenge.status == "open"


def test_the_service_update_checks_every_field_and_writes_nothing_on_error(officer, heat):
    challenge = services.challenge_create(actor=officer, title="Oud", theme=heat)

    with pytest.raises(ValidationError) as error:
        services.challenge_update(
            challenge=challenge, actor=officer, title="", geometry=Point(*CENTRE, srid=4326)
        )

    assert set(error.value.message_dict) == {"title", "geometry"}
    challenge.refresh_from_db()
    assert challenge.title == "Oud"
