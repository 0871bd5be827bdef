"""Edge cases from review: odd geometries, broken files, drafts kept internal, outages."""

from io import BytesIO

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image
from rest_framework.test import APIClient

from civic import services, workflow
from civic.models import Challenge, Concern, Notification, WorkflowEvent
from tests.factories import CENTRE, ChallengeFactory, ConcernFactory

URL = "/api/v1/concerns/"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_point_with_height_is_stored_flat(resident, heat, neighbourhood):
    concern = services.concern_create(
        author=resident,
        theme=heat,
        description="Hot",
        location=Point(CENTRE[0], CENTRE[1], 3.5, srid=4326),
    )

    concern.refresh_from_db()
    assert not concern.location.hasz
    assert (concern.location.x, concern.location.y) == pytest.approx(CENTRE)


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ({"type": "Point", "coordinates": [6.06, 52.528], "crs": {"type": "name"}}, "crs"),
        ("SRID=1;POINT(6.06 52.528)", "WKT"),
        ("not json", "garbage"),
        ([6.06, 52.528], "a list"),
    ],
)
def test_only_plain_geojson_is_accepted_as_location(resident, heat, neighbourhood, location, why):
    response = _client(resident).post(
        URL, {"theme": "heat", "description": "Hot", "location": location}, format="json"
    )

    assert response.status_code == 400, why
    assert "location" in response.json()
    assert not Concern.objects.exists()


def test_an_unknown_coordinate_system_is_a_field_error(officer, heat, municipality):
    polygon = Polygon(((0, 0), (1, 0), (1, 1), (0, 0)), srid=1)

    with pytest.raises(ValidationError) as caught:
        services.challenge_create(actor=officer, title="x", theme=heat, geometry=polygon)

    assert "geometry" in caught.value.message_dict
    assert not Challenge.objects.exists()


@pytest.mark.parametrize(
    "bbox", ["nan,nan,nan,nan", "1e308,1e308,-1e308,-1e308", "6.1,52.5,6.0,52.6", "a,b,c,d"]
)
def test_a_nonsense_bbox_is_a_400_naming_in_bbox(client, bbox):
    response = client.get(URL, {"in_bbox": bbox})

    assert response.status_code == 400
    assert "in_bbox" in response.json()


def test_a_truncated_jpeg_is_refused_and_nothing_is_written(resident, heat, neighbourhood):
    out = BytesIO()
    Image.new("RGB", (200, 200), "red").save(out, format="JPEG")
    truncated = out.getvalue()[: len(out.getvalue()) // 2]

    with pytest.raises(ValidationError) as caught:
        services.concern_create(
            author=resident,
            theme=heat,
            description="Hot",
            location=Point(*CENTRE, srid=4326),
            photo=SimpleUploadedFile("cut.jpg", truncated, content_type="image/jpeg"),
        )

    assert "photo" in caught.value.message_dict
    assert not Concern.objects.exists()


def test_too_long_titles_and_external_ids_are_field_errors(officer, resident, heat, municipality):
    with pytest.raises(ValidationError) as title:
        services.challenge_create(actor=officer, title="x" * 201, theme=heat)
    with pytest.raises(ValidationError) as external:
        services.concern_create(
            author=resident,
            theme=heat,
            description="Hot",
            location=Point(*CENTRE, srid=4326),
            external_id="x" * 101,
        )

    assert "title" in title.value.message_dict
    assert "external_id" in external.value.message_dict
    assert not Challenge.objects.exists()
    assert not Concern.objects.exists()


def test_linking_to_a_draft_does_not_reveal_its_title(officer, heat):
    draft = ChallengeFactory(theme=heat, title="Secret plan for the square")
    concern = ConcernFactory(theme=heat, status=Concern.Status.PUBLISHED)

    services.challenge_link_concerns(challenge=draft, concerns=[concern], actor=officer)

    note = WorkflowEvent.objects.get(to_state=Concern.Status.LINKED).note
    assert "Secret plan" not in note


def test_residents_hear_nothing_about_a_draft_closed_before_it_was_public(
    officer, heat, django_capture_on_commit_callbacks
):
    draft = ChallengeFactory(theme=heat, title="Secret plan for the square")
    concern = ConcernFactory(theme=heat, status=Concern.Status.PUBLISHED)
    services.challenge_link_concerns(challenge=draft, concerns=[concern], actor=officer)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(draft, Challenge.Status.CLOSED, actor=officer, note="Dropped")

    assert not Notification.objects.filter(recipient=concern.author).exists()


def test_residents_hear_when_a_challenge_they_are_linked_to_opens(
    officer, heat, django_capture_on_commit_callbacks
):
    draft = ChallengeFactory(theme=heat)
    concern = ConcernFactory(theme=heat, status=Concern.Status.PUBLISHED)
    services.challenge_link_concerns(challenge=draft, concerns=[concern], actor=officer)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(draft, Challenge.Status.OPEN, actor=officer)

    assert Notification.objects.filter(recipient=concern.author).count() == 1


def test_the_api_keeps_answering_when_the_throttle_cache_is_down(client, heat):
    dead_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=dead_cache):
        from civic.api.throttling import AnonRateThrottle

        throttle = AnonRateThrottle()
        request = client.get(URL).wsgi_request

        assert throttle.allow_request(request, None) is True
