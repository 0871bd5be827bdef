"""A first end-to-end check of the native ingest path."""

from sensors.models import DirtyDay, Reading


def test_a_batch_is_stored_once_and_marks_its_day(device_client, garden_sensor):
    batch = {
        "readings": [
            {"quantity": "air_temperature", "observed_at": "2026-07-01T12:00:00Z", "value": 27.5},
            {"quantity": "air_temperature", "observed_at": "2026-07-01T12:10:00Z", "value": 27.9},
        ]
    }
    first = device_client.post("/api/v1/readings/", batch, format="json")
    replay = device_client.post("/api/v1/readings/", batch, format="json")

    assert (first.status_code, first.json()["stored"]) == (201, 2)
    assert (replay.status_code, replay.json()["duplicates"]) == (200, 2)
    assert Reading.objects.count() == 2
    assert list(DirtyDay.objects.values_list("day", flat=True)).__len__() == 1
