"""Overrides: an officer pins a challenge's place with a written reason; audited, withdrawable."""

import pytest

from priority import services
from priority.models import Override


def post(client, **body):
    return client.post("/api/v1/priority/overrides/", body, format="json")


def order(client) -> list[str]:
    return [r["title"] for r in client.get("/api/v1/priority/scores/").json()["results"]]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_override_without_a_reason_is_a_400_naming_reason(api_as, ranked, reason):
    body = {"challenge": ranked.plain.pk, "position": 1}
    if reason is not None:
        body["reason"] = reason

    response = post(api_as("officer"), **body)

    assert response.status_code == 400 and "reason" in response.json()
    assert not Override.objects.exists()


def test_an_override_moves_the_challenge_and_its_withdrawal_is_audited(api_as, ranked, officer):
    services.scores_recompute()
    client = api_as("officer")
    assert order(client)[0] == "Hot square" and order(client)[-1] == "Plain corner"

    pinned = post(
        client, challenge=ranked.plain.pk, position=1, reason="Raadsmotie 12: school eerst"
    )

    assert pinned.status_code == 201
    results = client.get("/api/v1/priority/scores/").json()["results"]
    assert results[0]["title"] == "Plain corner"
    assert results[0]["override"]["reason"] == "Raadsmotie 12: school eerst"
    # The computed score is untouched: the override moves the place only.
    assert results[0]["score"] < results[1]["score"]

    withdrawn = post(
        client, challenge=ranked.plain.pk, action="withdraw", reason="Motie ingetrokken"
    )

    assert withdrawn.status_code == 201 and withdrawn.json()["withdrawn"] is True
    assert order(client)[-1] == "Plain corner"
    history = client.get("/api/v1/priority/overrides/").json()
    assert [(h["position"], h["reason"], h["in_force"]) for h in history] == [
        (None, "Motie ingetrokken", False),
        (1, "Raadsmotie 12: school eerst", False),
    ]
    assert {h["set_by"] for h in history} == {"a policy officer"}


def test_withdrawing_without_an_override_is_refused(api_as, ranked):
    response = post(api_as("officer"), challenge=ranked.hot.pk, action="withdraw", reason="x")

    assert response.status_code == 400 and "challenge" in response.json()


@pytest.mark.parametrize("role", ["council", "resident", "anonymous"])
def test_only_officers_read_and_set_overrides(api_as, ranked, role):
    client = api_as(role)
    refused = 401 if role == "anonymous" else 403
    assert client.get("/api/v1/priority/overrides/").status_code == refused
    assert post(client, challenge=ranked.hot.pk, position=1, reason="x").status_code == refused
    assert not Override.objects.exists()


def test_the_ranking_page_refuses_an_override_without_a_reason(client, ranked, officer):
    services.scores_recompute()
    client.force_login(officer)

    response = client.post(f"/priority/overrides/{ranked.plain.pk}/", {"position": "1"})

    assert response.status_code == 400
    assert "<strong>reason</strong>" in response.content.decode()
    assert not Override.objects.exists()
