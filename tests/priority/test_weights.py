"""Weights versions: officers set them, each is kept, bad weights are refused whole."""

import pytest

from priority.models import WeightsVersion

EQUAL = {
    "heat": 1,
    "wetness": 1,
    "residents": 1,
    "survey": 1,
    "vulnerability": 1,
    "alignment": 1,
}


def post(client, weights, note="Nieuwe weging"):
    return client.post(
        "/api/v1/priority/weights/", {"weights": weights, "note": note}, format="json"
    )


def test_an_officer_sets_versions_and_every_version_is_kept(api_as, officer):
    client = api_as("officer")

    first = post(client, EQUAL, "Eerste versie")
    second = post(client, {**EQUAL, "heat": 3}, "Hitte telt zwaarder")

    assert first.status_code == 201 and second.status_code == 201
    assert second.json()["number"] == 2 and second.json()["set_by"] == "a policy officer"
    listed = api_as("council").get("/api/v1/priority/weights/").json()
    assert [(v["number"], v["in_force"], v["weights"]["heat"]) for v in listed] == [
        (2, True, 3.0),
        (1, False, 1.0),
    ]
    assert listed[1]["note"] == "Eerste versie"
    # The officer's name is not shown: only the role.
    assert "officer" not in {v["set_by"] for v in listed} - {"a policy officer"}


@pytest.mark.parametrize(
    ("weights", "field"),
    [
        ({**EQUAL, "heat": -1}, "weights.heat"),
        ({**EQUAL, "survey": "1"}, "weights.survey"),
        ({k: v for k, v in EQUAL.items() if k != "wetness"}, "weights.wetness"),
        ({**EQUAL, "votes": 2}, "weights.votes"),
        (dict.fromkeys(EQUAL, 0), "weights"),
    ],
)
def test_bad_weights_are_a_400_naming_the_field_and_nothing_is_written(api_as, weights, field):
    response = post(api_as("officer"), weights)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not WeightsVersion.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [("council", 403), ("resident", 403), ("anonymous", 401)]
)
def test_only_officers_set_weights(api_as, role, status):
    assert post(api_as(role), EQUAL).status_code == status
    assert not WeightsVersion.objects.exists()


def test_the_weights_page_shows_the_version_in_force_and_refuses_a_negative_weight(
    client, officer, council, resident
):
    client.force_login(officer)
    form = {f"weight_{k}": str(v) for k, v in EQUAL.items()}
    assert client.post("/priority/weights/", {**form, "note": "v1"}).status_code == 302

    refused = client.post("/priority/weights/", {**form, "weight_heat": "-2"})

    assert refused.status_code == 400
    assert "weights.heat" in refused.content.decode()
    assert WeightsVersion.objects.count() == 1
    client.force_login(council)
    page = client.get("/priority/weights/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and "version 1, set by a policy officer" in text
    assert 'id="weights-form"' not in text  # the council reads, it does not set
    assert client.post("/priority/weights/", form).status_code == 403
    client.force_login(resident)
    assert client.get("/priority/weights/").status_code == 403
