"""The sensor admin answers only its declared filters: no URL ties sensors or readings to hosts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sensors import ingest
from sensors.models import DirtyDay, Reading, ReadingImport, Sensor


def url(model, view: str = "changelist", *args) -> str:
    return reverse(f"admin:sensors_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def hosted(garden_sensor, officer):
    """The resident's garden sensor with a reading, and an import uploaded by the officer."""
    sensor, _token = garden_sensor
    ingest.readings_ingest(
        sensor=sensor,
        records=[
            {"quantity": "air_temperature", "observed_at": "2026-07-01T10:00:00Z", "value": 19.5}
        ],
    )
    ReadingImport.objects.create(
        uploaded_by=officer, original_name="juli.csv", size=120, queued_at=timezone.now()
    )
    return sensor


STAFF = ["officer", "admin_user"]
CASES = [
    *(
        (role, model, lookup)
        for role in STAFF
        for model, lookup in [
            (Sensor, "owner"),
            (Sensor, "owner__id__exact"),
            (Sensor, "owner__isnull"),
            (Sensor, "location__isnull"),
            (Sensor, "name__regex"),
            (Sensor, "external_id__startswith"),
            (Reading, "sensor"),
            (Reading, "sensor__owner"),
            (Reading, "value__gt"),
        ]
    ),
    # Imports are the administrators' (officers follow theirs on the upload page).
    ("admin_user", ReadingImport, "uploaded_by"),
    ("admin_user", ReadingImport, "device_id__startswith"),
]


@pytest.mark.parametrize(("role", "model", "lookup"), CASES)
def test_an_undeclared_sensor_lookup_is_refused(
    request, client, hosted, resident, role, model, lookup
):
    client.force_login(request.getfixturevalue(role))
    value = {"owner__isnull": "False", "location__isnull": "False", "value__gt": "0"}.get(lookup)
    value = value or ("garden" if lookup.endswith(("regex", "startswith")) else resident.pk)
    if lookup in ("sensor", "uploaded_by"):
        value = hosted.pk if lookup == "sensor" else request.getfixturevalue("officer").pk

    everything = client.get(url(model))
    probe = client.get(url(model), {lookup: value})

    assert everything.status_code == 200
    assert probe.status_code == 400


def test_the_declared_sensor_filters_still_answer(client, officer, hosted):
    client.force_login(officer)

    active = client.get(url(Sensor), {"status__exact": hosted.status})
    by_quantity = client.get(url(Reading), {"quantity__exact": "air_temperature"})
    by_day = client.get(
        url(Reading), {"observed_at__year": 2026, "observed_at__month": 7, "observed_at__day": 1}
    )

    assert [s.pk for s in active.context["cl"].result_list] == [hosted.pk]
    assert len(by_quantity.context["cl"].result_list) == 1
    assert len(by_day.context["cl"].result_list) == 1


@pytest.mark.parametrize("model", [Sensor, Reading, DirtyDay, ReadingImport])
def test_council_members_reach_no_sensor_admin_page(client, council, hosted, model):
    client.force_login(council)
    row = model._default_manager.order_by("pk").first()

    listing = client.get(url(model))
    change = client.get(url(model, "change", row.pk))

    assert (listing.status_code, change.status_code) == (403, 403)
    for page in (listing, change):
        assert hosted.external_id not in page.content.decode()
