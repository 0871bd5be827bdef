"""The sensor registry API: public cell locations for all, exact ones for owner and officers."""

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from sensors.models import DeviceToken, Sensor
from tests.factories import CENTRE
from tests.sensors.conftest import point_in_cell_of, register, to_rd

URL = "/api/v1/sensors/"
READINGS_URL = "/api/v1/readings/"
BATCH = {
    "readings": [
        {"quantity": "air_temperature", "observed_at": "2026-07-01T12:00:00Z", "value": 24.0}
    ]
}


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ingest_with(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return client.post(READINGS_URL, BATCH, format="json")


def features_by_id(response) -> dict:
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return {feature["id"]: feature for feature in body["features"]}


def coordinate_strings(value: float) -> set[str]:
    """How a coordinate could show up in a body: in full, rounded or cut off at 4-6 decimals."""
    strings = {repr(value), str(value)}
    whole = len(str(int(value)))
    for decimals in (4, 5, 6):
        strings.add(f"{value:.{decimals}f}")
        strings.add(f"{value:.12f}"[: whole + 1 + decimals])
    return strings


@pytest.fixture
def corner_garden(resident, municipality):
    """A garden 40 m from its cell's centre, so the public spot is clearly elsewhere."""
    location = point_in_cell_of(Point(*CENTRE, srid=4326), 90, 10)
    sensor, token = register(resident, "garden-secret-id", location=location, name="Rozenhof")
    sensor.refresh_from_db()
    return sensor, token


def test_the_registry_is_public_geojson_at_the_cell_centre(api, corner_garden):
    sensor, _token = corner_garden

    feature = features_by_id(api.get(URL))[sensor.pk]

    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx(sensor.public_location.coords, abs=1e-9)
    public = to_rd(Point(lon, lat, srid=4326))
    assert public.x % 100 == pytest.approx(50, abs=1e-3)
    assert public.y % 100 == pytest.approx(50, abs=1e-3)
    assert feature["properties"]["name"] == "Rozenhof"
    assert feature["properties"]["quantities"] == ["air_temperature", "relative_humidity"]


@pytest.mark.parametrize("viewer", ["anonymous", "other_resident", "council"])
def test_others_never_see_the_exact_location_or_device_id(request, corner_garden, viewer):
    sensor, _token = corner_garden
    user = None if viewer == "anonymous" else request.getfixturevalue(viewer)
    exact_lon, exact_lat = sensor.location.coords
    # Precondition: the public spot is far enough away that no rounding of it matches.
    assert not coordinate_strings(exact_lon) & coordinate_strings(sensor.public_location.x)
    assert not coordinate_strings(exact_lat) & coordinate_strings(sensor.public_location.y)

    for url in (URL, f"{URL}{sensor.pk}/"):
        response = client_for(user).get(url)
        assert response.status_code == 200
        body = response.content.decode()
        for text in coordinate_strings(exact_lon) | coordinate_strings(exact_lat):
            assert text not in body, (url, text)
        assert "external_id" not in body
        assert "garden-secret-id" not in body
        assert "exact_location" not in body
        assert "resident-a" not in body


def test_the_public_location_is_the_same_on_every_request(api, corner_garden):
    sensor, _token = corner_garden

    answers = {
        tuple(features_by_id(api.get(URL))[sensor.pk]["geometry"]["coordinates"]) for _ in range(5)
    }

    assert len(answers) == 1


@pytest.mark.parametrize("viewer", ["resident", "officer"])
def test_owner_and_officer_see_exact_location_and_device_id(request, corner_garden, viewer):
    sensor, _token = corner_garden
    user = request.getfixturevalue(viewer)

    properties = features_by_id(client_for(user).get(URL))[sensor.pk]["properties"]

    assert properties["external_id"] == "garden-secret-id"
    assert properties["exact_location"]["type"] == "Point"
    assert properties["exact_location"]["coordinates"] == pytest.approx(
        list(sensor.location.coords), abs=1e-9
    )
    assert properties["is_mine"] is (viewer == "resident")


def test_retired_sensors_are_hidden_from_the_public_but_not_from_their_owner(
    corner_garden, resident, other_resident, officer
):
    sensor, _token = corner_garden
    Sensor.objects.filter(pk=sensor.pk).update(status=Sensor.Status.RETIRED)

    assert sensor.pk not in features_by_id(client_for(None).get(URL))
    assert sensor.pk not in features_by_id(client_for(other_resident).get(URL))
    assert client_for(None).get(f"{URL}{sensor.pk}/").status_code == 404
    assert sensor.pk in features_by_id(client_for(resident).get(URL))
    assert sensor.pk in features_by_id(client_for(officer).get(URL))


# --- registering --------------------------------------------------------------------------


def registration(external_id="garden-new", dx=0.001, dy=-0.001, **extra) -> dict:
    return {
        "external_id": external_id,
        "hardware": "native",
        "quantities": ["air_temperature", "soil_moisture"],
        "location": {"type": "Point", "coordinates": [CENTRE[0] + dx, CENTRE[1] + dy]},
        "exposure": "shade",
        "surface": "grass",
        "height_m": 1.2,
        **extra,
    }


@pytest.fixture
def town(municipality):
    return municipality


def test_a_resident_registers_a_sensor_and_its_token_ingests(town, resident):
    response = client_for(resident).post(URL, registration(), format="json")

    assert response.status_code == 201
    properties = response.json()["properties"]
    token = properties["token"]
    sensor = Sensor.objects.get(external_id="garden-new")
    assert sensor.owner == resident
    assert properties["external_id"] == "garden-new"
    assert response.json()["geometry"]["coordinates"] == pytest.approx(
        list(sensor.public_location.coords), abs=1e-9
    )
    assert ingest_with(token).status_code == 201
    assert sensor.readings.count() == 1


def test_the_registration_token_is_not_shown_again(town, resident):
    token = (
        client_for(resident).post(URL, registration(), format="json").json()["properties"]["token"]
    )

    listing = client_for(resident).get(URL).content.decode()

    assert token not in listing


def test_anonymous_cannot_register(api, town):
    response = api.post(URL, registration(), format="json")

    assert response.status_code in (401, 403)
    assert not Sensor.objects.exists()


def test_a_council_member_cannot_register(town, council):
    response = client_for(council).post(URL, registration(), format="json")

    assert response.status_code == 403
    assert not Sensor.objects.exists()
    assert not DeviceToken.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"external_id": ""}, "external_id"),
        ({"hardware": "toaster"}, "hardware"),
        ({"quantities": []}, "quantities"),
        ({"quantities": ["uv_index"]}, "quantities"),
        ({"dx": 0.3}, "location"),
        ({"height_m": 45}, "height_m"),
    ],
)
def test_bad_registrations_name_the_field(town, resident, changes, field):
    response = client_for(resident).post(URL, registration(**changes), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Sensor.objects.exists()
    assert not DeviceToken.objects.exists()


def test_a_duplicate_device_id_is_a_400(town, resident, other_resident):
    client_for(resident).post(URL, registration(), format="json")

    response = client_for(other_resident).post(URL, registration(dx=0.002), format="json")

    assert response.status_code == 400
    assert "external_id" in response.json()
    assert Sensor.objects.count() == 1


# --- tokens -------------------------------------------------------------------------------


def test_the_owner_gets_a_new_working_token(garden_sensor, resident):
    sensor, old = garden_sensor

    response = client_for(resident).post(f"{URL}{sensor.pk}/tokens/")

    assert response.status_code == 201
    new = response.json()["token"]
    assert new != old
    assert ingest_with(new).status_code == 201
    # The old token keeps working until revoked.
    assert ingest_with(old).status_code == 200


def test_an_officer_gets_a_new_token_for_any_sensor(garden_sensor, officer):
    sensor, _old = garden_sensor

    response = client_for(officer).post(f"{URL}{sensor.pk}/tokens/")

    assert response.status_code == 201
    assert ingest_with(response.json()["token"]).status_code == 201


@pytest.mark.parametrize("action", ["tokens", "revoke-tokens"])
def test_another_resident_cannot_manage_the_tokens(garden_sensor, other_resident, action):
    sensor, token = garden_sensor

    response = client_for(other_resident).post(f"{URL}{sensor.pk}/{action}/")

    assert response.status_code in (403, 404)
    assert "token" not in response.json()
    assert DeviceToken.objects.filter(sensor=sensor).count() == 1
    assert ingest_with(token).status_code == 201


@pytest.mark.parametrize("action", ["tokens", "revoke-tokens"])
def test_anonymous_cannot_manage_the_tokens(api, garden_sensor, action):
    sensor, _token = garden_sensor

    response = api.post(f"{URL}{sensor.pk}/{action}/")

    assert response.status_code in (401, 403)
    assert DeviceToken.objects.filter(sensor=sensor, revoked_at__isnull=True).count() == 1


def test_revoking_makes_the_old_token_fail_at_ingest(garden_sensor, resident):
    sensor, old = garden_sensor
    assert ingest_with(old).status_code == 201

    response = client_for(resident).post(f"{URL}{sensor.pk}/revoke-tokens/")

    assert response.status_code == 200
    assert response.json() == {"revoked": 1}
    assert ingest_with(old).status_code == 401


def test_after_revoking_a_new_token_works(garden_sensor, resident):
    sensor, old = garden_sensor
    owner = client_for(resident)
    owner.post(f"{URL}{sensor.pk}/revoke-tokens/")

    new = owner.post(f"{URL}{sensor.pk}/tokens/").json()["token"]

    assert ingest_with(new).status_code == 201
    assert ingest_with(old).status_code == 401
