"""Issue 10's journey through the API, with real logins: from a resident's concern to an agreed
intervention, the score explained on the way, and the resident told at each public step."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import formats, translation
from rest_framework.test import APIClient

from civic.models import Challenge, Notification
from interventions.models import Decision, Intervention
from tests.civic.conftest import geojson_point, geojson_square
from tests.factories import (
    PASSWORD,
    ChallengeFactory,
    CouncilFactory,
    OfficerFactory,
    ResidentFactory,
    evidence_row,
    shown_season,
)
from tests.interventions.conftest import SUMMER_DAY, WINTER_DAY, on

pytestmark = pytest.mark.django_db


class Person:
    """A user signed in the way an app does it: a token from their own user name and password.

    Every request's transaction commits (on_commit callbacks run: notifications,
    the score recompute), as in production, inside the test's rolled-back transaction.
    """

    def __init__(self, user, committing) -> None:
        self.user = user
        self._committing = committing
        # Its own address, so the token endpoint's speed limit counts this client only.
        self.client = APIClient(REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.{user.pk % 250}")
        answer = self.client.post(
            "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.content
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")

    def _call(self, method: str, url: str, body=None):
        with self._committing(execute=True):
            if body is None:
                return getattr(self.client, method)(url)
            return getattr(self.client, method)(url, body, format="json")

    def get(self, url: str):
        return self._call("get", url)

    def post(self, url: str, body=None):
        return self._call("post", url, body if body is not None else {})

    def delete(self, url: str):
        return self._call("delete", url)


def messages_of(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user)
        .order_by("created_at", "id")
        .values_list("message", flat=True)
    )


def in_language(language: str, day) -> str:
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


@pytest.mark.parametrize("day", [WINTER_DAY, SUMMER_DAY], ids=["winter", "summer"])
def test_from_a_residents_concern_to_the_councils_agreed_intervention(
    day, municipality, neighbourhood, heat, django_capture_on_commit_callbacks
):
    with on(day):
        _journey(day, heat, django_capture_on_commit_callbacks)


def _journey(today, heat, committing) -> None:
    people = {
        "anna": ResidentFactory(
            username="anna-de-vries", first_name="Anna", last_name="de Vries", language="nl"
        ),
        "john": ResidentFactory(
            username="john-smith", first_name="John", last_name="Smith", language="en"
        ),
        **{
            name: ResidentFactory(username=f"{name}-r", first_name=name.title(), language="nl")
            for name in ("karin", "lotte", "mehmet", "noor")
        },
    }
    anna, john, karin, lotte, mehmet, noor = (Person(u, committing) for u in people.values())
    officer = Person(OfficerFactory(username="officer-olga", first_name="Olga"), committing)
    council = Person(CouncilFactory(username="raadslid-ruud", first_name="Ruud"), committing)
    # Another open challenge, cooler and without an area: the criteria compare the two.
    cooler = ChallengeFactory(title="Station", theme=heat, status=Challenge.Status.OPEN)

    # A Dutch and an English resident file a concern each through the API.
    filed = [
        who.post(
            "/api/v1/concerns/",
            {"theme": "heat", "description": text, "location": geojson_point(dx, 0)},
        )
        for who, text, dx in ((anna, "Het plein is heet", 0), (john, "No shade here", 0.0004))
    ]
    assert [answer.status_code for answer in filed] == [201, 201], [a.json() for a in filed]
    anna_concern, john_concern = (answer.json()["id"] for answer in filed)

    # An officer publishes both, groups them into a new challenge and opens it.
    for pk in (anna_concern, john_concern):
        published = officer.post(f"/api/v1/concerns/{pk}/transition/", {"to": "published"})
        assert published.status_code == 200, published.json()
    created = officer.post(
        "/api/v1/challenges/",
        {"title": "Hete pleinen", "theme": "heat", "geometry": geojson_square(0.002)},
    )
    assert created.status_code == 201, created.json()
    challenge = created.json()["id"]
    # The sensors' figures as their writer leaves them (it has its own tests): planted after
    # the new challenge's first evidence run, which replaced the period's rows.
    evidence_row(challenge_id=challenge, source="sensors", name="night_anomaly", value=1.6)
    evidence_row(challenge=cooler, source="sensors", name="night_anomaly", value=0.4)
    linked = officer.post(
        f"/api/v1/challenges/{challenge}/link-concerns/", {"concerns": [anna_concern, john_concern]}
    )
    assert linked.status_code == 200, linked.json()
    assert sorted(linked.json()["properties"]["concerns"]) == sorted([anna_concern, john_concern])
    opened = officer.post(f"/api/v1/challenges/{challenge}/transition/", {"to": "open"})
    assert opened.status_code == 200, opened.json()

    # The score was computed (after the commit, by Celery) and is explained, line by line.
    scores = council.get("/api/v1/priority/scores/").json()
    first = scores["results"][0]
    assert (first["rank"], first["challenge"], first["title"]) == (1, challenge, "Hete pleinen")
    lines = {line["criterion"]: line for line in first["breakdown"]}
    assert set(lines) == {"heat", "wetness", "residents", "survey", "vulnerability", "alignment"}
    heat_line = lines["heat"]
    assert (heat_line["raw"], heat_line["normalised"], heat_line["weight"]) == (1.6, 1.0, 1.0)
    assert heat_line["period"] == shown_season().key and heat_line["missing"] is False
    assert (lines["residents"]["raw"], lines["residents"]["normalised"]) == (2, 1.0)
    # Werkeren's share of residents over 65; the only challenge with an area: tied at 0.5.
    assert (lines["vulnerability"]["raw"], lines["vulnerability"]["normalised"]) == (0.12, 0.5)
    for absent in ("wetness", "survey", "alignment"):
        line = lines[absent]
        assert line["missing"] is True, absent
        assert (line["normalised"], line["contribution"]) == (None, None), absent
    assert (first["criteria_present"], first["criteria_total"]) == (3, 6)
    # A missing criterion leaves the score (never a 0): the three present ones make all of it.
    assert first["score"] == pytest.approx(100 * (1.0 + 1.0 + 0.5) / 3)
    assert sum(line["contribution"] or 0 for line in lines.values()) == pytest.approx(
        first["score"]
    )
    second = scores["results"][1]
    assert (second["title"], second["criteria_present"]) == ("Station", 2)

    prioritised = officer.post(f"/api/v1/challenges/{challenge}/transition/", {"to": "prioritised"})
    assert prioritised.status_code == 200, prioritised.json()

    # An officer's proposal goes to consultation through the transitions API.
    proposed = officer.post(
        "/api/v1/interventions/",
        {
            "challenge": challenge,
            "kind": "depaving",
            "title": "Tegels eruit",
            "description": "Tegels eruit, bomen erin.",
            "site": geojson_point(),
            "cost_estimate": 25000,
        },
    )
    assert proposed.status_code == 201, proposed.json()
    proposal = proposed.json()["id"]
    consultation_end = today + timedelta(days=14)
    consulting = officer.post(
        f"/api/v1/interventions/{proposal}/transition/",
        {"to": "in_consultation", "consultation_end": str(consultation_end)},
    )
    assert consulting.status_code == 200, consulting.json()
    assert consulting.json()["properties"]["consultation_open"] is True

    # Two residents support it; a second support by the same resident is refused, by name.
    support = f"/api/v1/interventions/{proposal}/support/"
    assert anna.post(support).json() == {"supported": True, "support_count": 1}
    assert john.post(support).json() == {"supported": True, "support_count": 2}
    again = anna.post(support)
    assert again.status_code == 400 and "support" in again.json()
    assert Intervention.objects.get(pk=proposal).supports.count() == 2

    # Both comment; three other residents report John's comment, which is then hidden.
    comments = f"/api/v1/interventions/{proposal}/comments/"
    assert anna.post(comments, {"text": "Graag meer bomen"}).status_code == 201
    spam = john.post(comments, {"text": "Buy cheap tiles at example.test"})
    assert spam.status_code == 201
    for reporter in (karin, lotte, mehmet):
        reported = reporter.post(
            f"/api/v1/intervention-comments/{spam.json()['id']}/report/", {"reason": "spam"}
        )
        assert reported.status_code == 201, reported.json()

    def text_seen_by(person) -> str | None:
        listed = {c["id"]: c for c in person.get(comments).json()}
        return listed[spam.json()["id"]]["text"]

    assert text_seen_by(noor) is None
    assert text_seen_by(anna) is None
    assert text_seen_by(john) == "Buy cheap tiles at example.test"
    assert text_seen_by(officer) == "Buy cheap tiles at example.test"

    # The officer sends it to the council; an officer cannot record the decision, the council can.
    awaiting = officer.post(
        f"/api/v1/interventions/{proposal}/transition/", {"to": "awaiting_decision"}
    )
    assert awaiting.status_code == 200, awaiting.json()
    decision = {
        "outcome": "agreed",
        "decided_on": str(today),
        "motivation": "Breed gesteund.",
        "meeting_reference": "Raad 2027-03",
        "votes_for": 25,
        "votes_against": 8,
        "votes_abstaining": 2,
    }
    decisions = f"/api/v1/interventions/{proposal}/decisions/"
    assert officer.post(decisions, decision).status_code == 403
    assert not Decision.objects.exists()
    assert Intervention.objects.get(pk=proposal).status == "awaiting_decision"
    recorded = council.post(decisions, decision)
    assert recorded.status_code == 201, recorded.json()
    assert [d["outcome"] for d in anna.get(decisions).json()] == ["agreed"]
    assert anna.get(f"/api/v1/interventions/{proposal}/").json()["properties"]["status"] == (
        "agreed"
    )

    # Anna was told at each public step, in Dutch; John the same, in English.
    nl_end, en_end = in_language("nl", consultation_end), in_language("en", consultation_end)
    assert messages_of(people["anna"]) == [
        f"Je melding #{anna_concern} is nu: gepubliceerd.",
        f"Je melding #{anna_concern} is nu gekoppeld aan een opgave die wordt voorbereid.",
        "De opgave “Hete pleinen”, waar je melding, enquêteantwoord of steun bij hoort, "
        "is nu: open.",
        "De opgave “Hete pleinen”, waar je melding, enquêteantwoord of steun bij hoort, "
        "is nu: geprioriteerd.",
        f"Het voorstel “Tegels eruit” voor de opgave “Hete pleinen” is tot en met {nl_end} "
        "open voor consultatie: steun het of reageer erop.",
        "De raad heeft besloten over het voorstel “Tegels eruit” voor de opgave “Hete pleinen”: "
        "aangenomen. Toelichting: Breed gesteund.",
    ]
    assert messages_of(people["john"]) == [
        f"Your concern #{john_concern} is now: published.",
        f"Your concern #{john_concern} is now linked to a challenge that is being prepared.",
        "The challenge “Hete pleinen”, which your concern, survey answer or support is part of, "
        "is now: open.",
        "The challenge “Hete pleinen”, which your concern, survey answer or support is part of, "
        "is now: prioritised.",
        "The proposal “Tegels eruit” for the challenge “Hete pleinen” is open for consultation "
        f"until {en_end}: support it or comment on it.",
        "Your comment on the proposal “Tegels eruit” was reported by several residents and is "
        "hidden until an officer has looked at it.",
        "The council has decided on the proposal “Tegels eruit” for the challenge "
        "“Hete pleinen”: agreed. Note: Breed gesteund.",
    ]
    # The same reached them by e-mail, in their language.
    assert [m.body for m in mail.outbox if m.to == [people["anna"].email]] == messages_of(
        people["anna"]
    )
    # Anna follows her concern from "my concerns" to the challenge and its agreed intervention.
    browser = Client()
    signed_in = browser.post(
        "/accounts/login/", {"login": people["anna"].username, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    mine = browser.get("/concerns/mine/").content.decode()
    assert f'href="/challenges/{challenge}/"' in mine
    page = browser.get(f"/challenges/{challenge}/").content.decode()
    assert f'href="/interventions/{proposal}/"' in page and "Tegels eruit" in page
    assert "aangenomen" in browser.get(f"/interventions/{proposal}/").content.decode()
    # Nobody's notification names another resident (nor the officer or council member).
    named = [anna, john, karin, lotte, mehmet, noor, officer, council]
    for note in Notification.objects.select_related("recipient"):
        for person in named:
            if person.user == note.recipient:
                continue
            for name in (person.user.username, person.user.first_name, person.user.last_name):
                assert not name or name not in note.message, (note.recipient, note.message)
