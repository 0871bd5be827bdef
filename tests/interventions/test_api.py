"""The interventions API with the real roles: proposals, moves, supports, comments, decisions."""

import pytest
from django.utils import timezone

from interventions import services
from interventions.models import Comment, Decision, Intervention, Support
from tests.factories import ResidentFactory
from tests.interventions.conftest import S, as_user, awaiting, in_consultation, propose

pytestmark = pytest.mark.django_db


def test_a_resident_proposes_and_an_officer_reviews_and_opens_the_consultation(
    resident, officer, challenge, today
):
    created = as_user(resident).post(
        "/api/v1/interventions/",
        {
            "challenge": challenge.pk,
            "kind": "water_storage",
            "title": "Wadi",
            "description": "Een wadi",
            "site": {"type": "Point", "coordinates": [6.06, 52.528]},
            "cost_estimate": 1200.5,
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    props = created.data["properties"]
    assert (props["status"], props["proposer_role"], props["cost_estimate"]) == (
        "proposed",
        "resident",
        1200.5,
    )
    assert "proposer" not in props

    officer_api = as_user(officer)
    officer_api.post(f"/api/v1/interventions/{pk}/transition/", {"to": "under_review"})
    moved = officer_api.post(
        f"/api/v1/interventions/{pk}/transition/",
        {"to": "in_consultation", "consultation_end": str(today.replace(year=today.year + 1))},
        format="json",
    )

    assert moved.status_code == 200, moved.data
    assert moved.data["properties"]["status"] == "in_consultation"
    assert moved.data["properties"]["consultation_open"] is True
    assert [h["to_state"] for h in moved.data["properties"]["history"]] == [
        "proposed",
        "under_review",
        "in_consultation",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cost_estimate": -1}, "cost_estimate"),
        ({"cost_estimate": "12"}, "cost_estimate"),
        ({"kind": "castle"}, "kind"),
        ({"title": 5}, "title"),
        ({"site": {"type": "LineString", "coordinates": [[6, 52], [6.1, 52.1]]}}, "site"),
        ({"status": "agreed"}, "status"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(resident, challenge, body, field):
    base = {"challenge": challenge.pk, "kind": "trees", "title": "Bomen", "description": "x"}

    answer = as_user(resident).post("/api/v1/interventions/", {**base, **body}, format="json")

    assert answer.status_code == 400
    assert field in answer.data
    assert not Intervention.objects.exists()


def test_council_members_cannot_propose_or_edit(council, officer, challenge):
    intervention = in_consultation(officer, challenge)
    api = as_user(council)

    created = api.post(
        "/api/v1/interventions/",
        {"challenge": challenge.pk, "kind": "trees", "title": "x", "description": "y"},
        format="json",
    )
    edited = api.patch(
        f"/api/v1/interventions/{intervention.pk}/", {"title": "Raad"}, format="json"
    )

    assert (created.status_code, edited.status_code) == (403, 403)
    assert Intervention.objects.get().title == "Tegels eruit"


def test_a_wrong_move_names_what_is_wrong(resident, officer, challenge):
    intervention = propose(resident, challenge)

    by_resident = as_user(resident).post(
        f"/api/v1/interventions/{intervention.pk}/transition/", {"to": "under_review"}
    )
    out_of_order = as_user(officer).post(
        f"/api/v1/interventions/{intervention.pk}/transition/", {"to": "agreed"}
    )

    assert by_resident.status_code == 403
    assert out_of_order.status_code == 400
    assert set(out_of_order.data["allowed"]) == {"under_review", "not_taken_up", "withdrawn"}
    assert Intervention.objects.get().status == S.PROPOSED


def test_supports_through_the_api(resident, officer, challenge):
    intervention = in_consultation(officer, challenge)
    api = as_user(resident)
    url = f"/api/v1/interventions/{intervention.pk}/support/"

    first = api.post(url)
    second = api.post(url)
    taken_back = api.delete(url)

    assert (first.status_code, first.data) == (201, {"supported": True, "support_count": 1})
    assert second.status_code == 400
    assert second.data == {"support": ["You already support this proposal."]}
    assert (taken_back.status_code, taken_back.data["support_count"]) == (200, 0)
    assert as_user().post(url).status_code in (401, 403)


def test_a_hidden_comments_text_is_null_for_others_in_the_api(officer, challenge):
    intervention = in_consultation(officer, challenge)
    author = ResidentFactory()
    comment = services.comment_create(intervention=intervention, actor=author, text="Reclame!")
    for _ in range(3):
        services.comment_report(comment=comment, actor=ResidentFactory(), reason="spam")
    url = f"/api/v1/interventions/{intervention.pk}/comments/"

    texts = {
        who: as_user(user).get(url).data[0]["text"]
        for who, user in (
            ("anonymous", None),
            ("other", ResidentFactory()),
            ("author", author),
            ("officer", officer),
        )
    }

    assert texts == {"anonymous": None, "other": None, "author": "Reclame!", "officer": "Reclame!"}
    queue = as_user(officer).get("/api/v1/intervention-moderation/")
    assert [c["id"] for c in queue.data] == [comment.pk]
    assert as_user(author).get("/api/v1/intervention-moderation/").status_code == 403


def test_comments_reports_and_moderation_through_the_api(resident, officer, challenge):
    intervention = in_consultation(officer, challenge)
    made = as_user(resident).post(
        f"/api/v1/interventions/{intervention.pk}/comments/", {"text": "Mooi plan"}, format="json"
    )
    assert made.status_code == 201 and made.data["is_official"] is False
    answer = as_user(officer).post(
        f"/api/v1/interventions/{intervention.pk}/comments/",
        {"text": "Dank je", "reply_to": made.data["id"]},
        format="json",
    )
    assert (answer.data["is_official"], answer.data["reply_to"]) == (True, made.data["id"])

    pk = made.data["id"]
    for reporter in (ResidentFactory(), ResidentFactory(), ResidentFactory()):
        reported = as_user(reporter).post(
            f"/api/v1/intervention-comments/{pk}/report/", {"reason": "off_topic"}, format="json"
        )
        assert reported.status_code == 201
    assert Comment.objects.get(pk=pk).status == Comment.Status.HIDDEN

    no_note = as_user(officer).post(
        f"/api/v1/intervention-comments/{pk}/transition/", {"to": "removed"}, format="json"
    )
    removed = as_user(officer).post(
        f"/api/v1/intervention-comments/{pk}/transition/",
        {"to": "removed", "note": "Niet over dit plan"},
        format="json",
    )
    assert no_note.status_code == 400 and "note" in no_note.data
    assert (removed.status_code, removed.data["status"]) == (200, "removed")


def test_comments_close_with_the_consultation_in_the_api(resident, officer, challenge, today):
    from datetime import timedelta

    from tests.interventions.conftest import on

    intervention = in_consultation(officer, challenge, days=1)
    with on(today + timedelta(days=2)):
        answer = as_user(resident).post(
            f"/api/v1/interventions/{intervention.pk}/comments/", {"text": "Laat"}, format="json"
        )
    assert answer.status_code == 400
    assert answer.data == {"text": ["The consultation on this proposal is not open."]}
    assert not Comment.objects.exists()


def test_decisions_through_the_api_council_only(officer, council, admin_user, challenge):
    intervention = awaiting(officer, challenge)
    url = f"/api/v1/interventions/{intervention.pk}/decisions/"
    body = {
        "outcome": "agreed",
        "decided_on": str(timezone.localdate()),
        "motivation": "Goed plan",
        "meeting_reference": "Raad 3",
        "votes_for": 20,
        "votes_against": 5,
        "votes_abstaining": 0,
    }

    assert as_user(officer).post(url, body, format="json").status_code == 403
    assert as_user(admin_user).post(url, body, format="json").status_code == 403
    negative = as_user(council).post(url, {**body, "votes_against": -1}, format="json")
    assert negative.status_code == 400 and "votes_against" in negative.data
    assert not Decision.objects.exists()

    recorded = as_user(council).post(url, body, format="json")
    again = as_user(council).post(url, body, format="json")

    assert recorded.status_code == 201
    assert again.status_code == 400 and "intervention" in again.data
    assert [d["outcome"] for d in as_user().get(url).data] == ["agreed"]
    assert Intervention.objects.get().status == S.AGREED


def test_an_unreviewed_proposal_is_not_in_the_public_api(resident, officer, challenge):
    hidden = propose(resident, challenge)
    public = in_consultation(officer, challenge)

    listed = as_user().get("/api/v1/interventions/").data["features"]

    assert [f["id"] for f in listed] == [public.pk]
    assert as_user().get(f"/api/v1/interventions/{hidden.pk}/").status_code == 404
    assert as_user(resident).get(f"/api/v1/interventions/{hidden.pk}/").status_code == 200
    assert not Support.objects.exists()
