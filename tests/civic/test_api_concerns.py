"""The concerns API: GeoJSON listing, filters, filing with or without a photo, editing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from civic.models import Concern, WorkflowEvent
from tests.civic.conftest import geojson_point, image_upload, published_concern
from tests.factories import CENTRE, ConcernFactory

URL = "/api/v1/concerns/"


def _ids(response) -> list[int]:
    return [feature["id"] for feature in response.json()["features"]]


# ------------------------------------------------------------------ listing


def test_list_is_a_paginated_geojson_feature_collection(api_as, heat, neighbourhood):
    concern = published_concern(heat, area=neighbourhood)

    response = api_as("anonymous").get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    [feature] = body["features"]
    assert feature["type"] == "Feature"
    assert feature["id"] == concern.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [CENTRE[0], CENTRE[1]]}
    props = feature["properties"]
    assert (props["theme"], props["area"], props["status"]) == ("heat", "BU01930001", "published")
    assert props["description"] == concern.description
    assert props["photo_url"] is None


def test_page_size_pages_through_the_features(api_as, heat, municipality):
    concerns = [published_concern(heat) for _ in range(3)]
    client = api_as("anonymous")

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 3
    assert len(first["features"]) == 2
    assert second["next"] is None
    assert second["previous"] is not None
    seen = [f["id"] for f in first["features"] + second["features"]]
    # Newest first, each concern exactly once.
    assert seen == [c.pk for c in reversed(concerns)]


def test_in_bbox_keeps_only_concerns_inside_the_box(api_as, heat, municipality):
    inside = published_concern(heat)
    outside = published_concern(heat, dx=0.03, dy=0.03)
    lon, lat = CENTRE

    response = api_as("anonymous").get(
        URL, {"in_bbox": f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"}
    )

    assert _ids(response) == [inside.pk]
    assert outside.pk not in _ids(response)


def test_theme_filter_uses_the_slug(api_as, heat, flooding, municipality):
    hot = published_concern(heat)
    wet = published_concern(flooding)
    client = api_as("anonymous")

    assert _ids(client.get(URL, {"theme": "heat"})) == [hot.pk]
    assert _ids(client.get(URL, {"theme": "flooding"})) == [wet.pk]


def test_status_filter(api_as, heat, municipality):
    published = published_concern(heat)
    closed = published_concern(heat, status=Concern.Status.CLOSED)
    client = api_as("anonymous")

    assert _ids(client.get(URL, {"status": "closed"})) == [closed.pk]
    assert _ids(client.get(URL, {"status": "published"})) == [published.pk]


def test_status_filter_does_not_reveal_unpublished_concerns(api_as, heat, municipality):
    published_concern(heat, status=Concern.Status.SUBMITTED)

    response = api_as("anonymous").get(URL, {"status": "submitted"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_area_filter_uses_the_official_code(api_as, heat, municipality, neighbourhood):
    in_neighbourhood = published_concern(heat, area=neighbourhood)
    elsewhere = published_concern(heat, dx=0.03, area=municipality)
    client = api_as("anonymous")

    assert _ids(client.get(URL, {"area": "BU01930001"})) == [in_neighbourhood.pk]
    assert _ids(client.get(URL, {"area": "GM0193"})) == [elsewhere.pk]


# ------------------------------------------------------------------ filing


def test_file_with_a_geojson_location(api_as, resident, heat, neighbourhood):
    response = api_as("resident").post(
        URL,
        {
            "theme": "heat",
            "description": "  No shade at the bus stop  ",
            "location": geojson_point(),
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["geometry"]["coordinates"] == [CENTRE[0], CENTRE[1]]
    props = body["properties"]
    assert props["status"] == "submitted"
    assert props["description"] == "No shade at the bus stop"
    assert props["area"] == "BU01930001"
    assert props["is_mine"] is True
    assert [(e["from_state"], e["to_state"]) for e in props["history"]] == [("", "submitted")]
    concern = Concern.objects.get(pk=body["id"])
    assert concern.author == resident


def test_file_with_latitude_and_longitude(api_as, heat, neighbourhood):
    response = api_as("resident").post(
        URL,
        {
            "theme": "heat",
            "description": "Hot playground",
            "latitude": CENTRE[1] + 0.002,
            "longitude": CENTRE[0] + 0.001,
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["geometry"]["coordinates"] == pytest.approx(
        [CENTRE[0] + 0.001, CENTRE[1] + 0.002]
    )


def test_file_with_a_photo_that_only_the_public_sees_oncepublished_concern(
    api_as, resident, officer, heat, neighbourhood
):
    response = api_as("resident").post(
        URL,
        {
            "theme": "heat",
            "description": "Melting asphalt",
            "latitude": CENTRE[1],
            "longitude": CENTRE[0],
            "photo": image_upload(),
        },
        format="multipart",
    )

    assert response.status_code == 201
    photo_url = response.json()["properties"]["photo_url"]
    assert photo_url.startswith("http://testserver/")
    author = api_as("anonymous")
    author.force_login(resident)
    photo = author.get(photo_url)
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content).startswith(b"\xff\xd8")
    assert api_as("anonymous").get(photo_url).status_code == 404

    api_as("officer").post(
        f"{URL}{response.json()['id']}/transition/", {"to": "published"}, format="json"
    )
    assert api_as("anonymous").get(photo_url).status_code == 200


def _assert_nothing_written(before: tuple[int, int]) -> None:
    assert (Concern.objects.count(), WorkflowEvent.objects.count()) == before


GOOD = {"theme": "heat", "description": "Hot square", "location": geojson_point()}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"theme": None}, "theme"),
        ({"theme": "volcanoes"}, "theme"),
        ({"location": None}, "location"),
        ({"location": {"type": "Point", "coordinates": []}}, "location"),
        ({"location": {"type": "Point", "coordinates": ["a", "b"]}}, "location"),
        (
            {
                "location": {
                    "type": "LineString",
                    "coordinates": [list(CENTRE), [CENTRE[0] + 0.001, CENTRE[1]]],
                }
            },
            "location",
        ),
        ({"location": {"type": "Point", "coordinates": [6.3, 52.528]}}, "location"),
        ({"location": None, "latitude": 52.528}, "location"),
        ({"description": ""}, "description"),
        ({"description": "x" * 2001}, "description"),
    ],
    ids=[
        "missing-theme",
        "unknown-theme",
        "missing-location",
        "empty-point",
        "non-numeric-point",
        "line-instead-of-point",
        "outside-municipality",
        "latitude-without-longitude",
        "empty-description",
        "description-too-long",
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api_as, heat, neighbourhood, change, field):
    data = {**GOOD, **change}
    data = {key: value for key, value in data.items() if value is not None}
    before = (Concern.objects.count(), WorkflowEvent.objects.count())

    response = api_as("resident").post(URL, data, format="json")

    assert response.status_code == 400
    assert field in response.json()
    _assert_nothing_written(before)


def test_every_bad_field_is_named_at_once(api_as, heat, neighbourhood):
    response = api_as("resident").post(
        URL,
        {
            "theme": "heat",
            "description": "x" * 2001,
            "location": {"type": "Point", "coordinates": [6.3, 52.528]},
        },
        format="json",
    )

    assert response.status_code == 400
    assert {"description", "location"} <= set(response.json())
    assert not Concern.objects.exists()


def _multipart(photo) -> dict:
    return {
        "theme": "heat",
        "description": "Hot square",
        "latitude": CENTRE[1],
        "longitude": CENTRE[0],
        "photo": photo,
    }


def test_a_photo_that_is_not_an_image_is_refused(api_as, heat, neighbourhood):
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    before = (Concern.objects.count(), WorkflowEvent.objects.count())

    response = api_as("resident").post(URL, _multipart(fake), format="multipart")

    assert response.status_code == 400
    assert "photo" in response.json()
    _assert_nothing_written(before)


@override_settings(CIVIC_PHOTO_MAX_BYTES=200)
def test_a_photo_that_is_too_large_is_refused(api_as, heat, neighbourhood):
    big = image_upload(size=(400, 400))
    assert big.size > 200
    before = (Concern.objects.count(), WorkflowEvent.objects.count())

    response = api_as("resident").post(URL, _multipart(big), format="multipart")

    assert response.status_code == 400
    assert "photo" in response.json()
    _assert_nothing_written(before)


# ------------------------------------------------------------------ editing


def test_author_moves_their_submitted_concern_into_another_area(
    api_as, resident, heat, municipality, neighbourhood
):
    concern = ConcernFactory(author=resident, theme=heat, area=neighbourhood)

    response = api_as("resident").patch(
        f"{URL}{concern.pk}/", {"location": geojson_point(0.03, 0.03)}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["properties"]["area"] == "GM0193"
    concern.refresh_from_db()
    assert concern.location.x == pytest.approx(CENTRE[0] + 0.03)
    assert concern.area == municipality


def test_moving_a_concern_outside_the_municipality_is_refused(
    api_as, resident, heat, neighbourhood
):
    concern = ConcernFactory(author=resident, theme=heat)

    response = api_as("resident").patch(
        f"{URL}{concern.pk}/", {"location": geojson_point(0.3, 0)}, format="json"
    )

    assert response.status_code == 400
    assert "location" in response.json()
    concern.refresh_from_db()
    assert concern.location.x == pytest.approx(CENTRE[0])


@pytest.mark.parametrize("bbox", ["6.0,52.5", "west,south,east,north"])
def test_a_malformed_bbox_answers_400(api_as, heat, municipality, bbox):
    published_concern(heat)

    response = api_as("anonymous").get(URL, {"in_bbox": bbox})

    assert response.status_code == 400
