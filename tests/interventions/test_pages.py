"""The interventions pages as residents, officers and council members use them."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from civic.models import Challenge
from civic.workflow import transition
from interventions import services
from interventions.models import Comment, Decision, Intervention, Support
from interventions.panel import panel_context
from tests.factories import CENTRE, ResidentFactory
from tests.interventions.conftest import S, awaiting, in_consultation, propose

pytestmark = pytest.mark.django_db
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'"


def page(client, url, user=None, **extra):
    if user is not None:
        client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en", **extra)
    return response, response.content.decode()


def test_index_url_is_named():
    assert reverse("interventions:index") == "/interventions/"
    assert reverse("interventions:detail", args=[3]) == "/interventions/3/"
    assert reverse("interventions:new") == "/interventions/new/"


def test_index_shows_the_section_title(client, db):
    response, html = page(client, "/interventions/")

    assert response.status_code == 200
    assert "<h1>Interventions</h1>" in html
    assert "<title>Interventions · " in html
    assert "No proposals yet." in html


def test_the_public_list_hides_unreviewed_proposals_of_others(
    client, resident, other_resident, officer, challenge
):
    propose(resident, challenge, title="Voorstel van A")
    propose(officer, challenge, title="Nog in behandeling")
    in_consultation(officer, challenge, title="In consultatie")

    _, anonymous = page(client, "/interventions/")
    _, own = page(client, "/interventions/", resident)
    _, other = page(client, "/interventions/", other_resident)
    _, officers = page(client, "/interventions/", officer)

    assert "In consultatie" in anonymous and "Voorstel van A" not in anonymous
    assert "Nog in behandeling" not in anonymous
    assert "Voorstel van A" in own and "Voorstel van A" not in other
    for title in ("Voorstel van A", "Nog in behandeling", "In consultatie"):
        assert title in officers


def test_an_unreviewed_proposal_is_a_404_for_others(client, resident, other_resident, challenge):
    intervention = propose(resident, challenge)
    url = reverse("interventions:detail", args=[intervention.pk])

    assert page(client, url)[0].status_code == 404
    assert page(client, url, other_resident)[0].status_code == 404
    assert page(client, url, resident)[0].status_code == 200


def test_the_page_escapes_what_residents_write_also_for_the_map(client, officer, challenge):
    intervention = in_consultation(
        officer, challenge, title=EVIL, description=EVIL, expected_effect=EVIL
    )
    services.comment_create(intervention=intervention, actor=ResidentFactory(), text=EVIL)

    _, html = page(client, reverse("interventions:detail", args=[intervention.pk]))

    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The map reads the title from a JSON script element, as text (site_map.js: textNode).
    data = html.split('id="intervention-site" type="application/json">')[1].split("</script>")[0]
    assert json.loads(data)["title"] == EVIL


def test_the_page_shows_the_consultation_support_and_decision(client, officer, council, challenge):
    intervention = awaiting(officer, challenge, cost_estimate=185000)
    services_decision = {
        "outcome": "agreed",
        "motivation": "Goed voor de buurt.",
        "meeting_reference": "Raad 14 mei, punt 7",
        "votes_for": 27,
        "votes_against": 8,
        "votes_abstaining": 4,
    }
    client.force_login(council)
    form = client.get(reverse("interventions:decide", args=[intervention.pk]))
    assert form.status_code == 200
    from django.utils import timezone

    response = client.post(
        reverse("interventions:decide", args=[intervention.pk]),
        {**services_decision, "decided_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    _, html = page(client, reverse("interventions:detail", args=[intervention.pk]))

    assert "Goed voor de buurt." in html
    assert "27 for, 8 against, 4 abstaining" in html
    assert "Raad 14 mei, punt 7" in html
    assert "€ 185,000" in html
    assert council.username not in html and officer.username not in html


def test_officers_cannot_open_the_decision_form(client, officer, challenge):
    intervention = awaiting(officer, challenge)

    response, _ = page(client, reverse("interventions:decide", args=[intervention.pk]), officer)

    assert response.status_code == 403


def test_a_decision_on_a_proposal_not_awaiting_one_is_refused_on_the_form(
    client, officer, council, challenge
):
    intervention = in_consultation(officer, challenge)
    client.force_login(council)

    response = client.post(
        reverse("interventions:decide", args=[intervention.pk]),
        {
            "outcome": "agreed",
            "decided_on": "2026-01-05",
            "motivation": "x",
            "meeting_reference": "y",
            "votes_for": 1,
            "votes_against": 0,
            "votes_abstaining": 0,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "This proposal is not awaiting a decision" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_hidden_comment_shows_its_text_to_its_author_and_officers_only(
    client, officer, challenge
):
    intervention = in_consultation(officer, challenge)
    author = ResidentFactory()
    comment = services.comment_create(
        intervention=intervention, actor=author, text="Geheime reclametekst"
    )
    for _ in range(3):
        services.comment_report(comment=comment, actor=ResidentFactory(), reason="spam")
    url = reverse("interventions:detail", args=[intervention.pk])

    seen = {
        who: "Geheime reclametekst" in page(client, url, user)[1]
        for who, user in (
            ("anonymous", None),
            ("other", ResidentFactory()),
            ("author", author),
            ("officer", officer),
        )
        if not client.logout()
    }

    assert seen == {"anonymous": False, "other": False, "author": True, "officer": True}
    _, html = page(client, url, ResidentFactory())
    assert "Hidden after reports, pending moderation." in html


def test_a_resident_supports_and_takes_back_from_the_page(client, resident, officer, challenge):
    intervention = in_consultation(officer, challenge)
    client.force_login(resident)
    url = reverse("interventions:support", args=[intervention.pk])

    client.post(url)
    second = client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "You already support this proposal." in second.content.decode()
    assert Support.objects.count() == 1
    _, html = page(client, reverse("interventions:detail", args=[intervention.pk]))
    assert "1 resident supports this proposal." in html
    assert "Take my support back" in html

    client.post(url, {"action": "remove"})
    assert not Support.objects.exists()


def test_a_resident_proposes_with_a_site_drawn_on_the_map(client, resident, challenge):
    client.force_login(resident)
    new = f"{reverse('interventions:new')}?challenge={challenge.pk}"
    form, html = page(client, new)
    assert form.status_code == 200
    assert "django-leaflet-widget" in html and "leaflet.draw" in html

    site = {
        "type": "Polygon",
        "coordinates": [[[6.06, 52.528], [6.061, 52.528], [6.061, 52.529], [6.06, 52.528]]],
    }
    response = client.post(
        new,
        {
            "kind": "trees",
            "title": "Bomen langs de Dobbe",
            "description": "Tien bomen.",
            "site": json.dumps(site),
            "cost_estimate": "25000",
            "expected_effect": "Schaduw",
        },
    )

    made = Intervention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions:detail", args=[made.pk])
    assert (made.status, made.proposer, made.site.geom_type) == (S.PROPOSED, resident, "Polygon")


def test_a_negative_cost_on_the_form_is_named(client, resident, challenge):
    client.force_login(resident)
    response = client.post(
        f"{reverse('interventions:new')}?challenge={challenge.pk}",
        {"kind": "trees", "title": "Bomen", "description": "x", "cost_estimate": "-1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    assert not Intervention.objects.exists()


def test_council_members_cannot_propose(client, council, challenge):
    response, _ = page(client, f"{reverse('interventions:new')}?challenge={challenge.pk}", council)
    assert response.status_code == 403


def test_no_proposal_page_for_a_draft_challenge(client, resident, officer, heat):
    from civic import services as civic_services

    draft = civic_services.challenge_create(actor=officer, title="Concept", theme=heat)
    response, _ = page(client, f"{reverse('interventions:new')}?challenge={draft.pk}", resident)
    assert response.status_code == 404


def test_officers_open_the_consultation_from_the_page(client, officer, challenge):
    intervention = propose(officer, challenge)
    client.force_login(officer)
    _, html = page(client, reverse("interventions:detail", args=[intervention.pk]))
    assert "Open the consultation" in html

    client.post(
        reverse("interventions:move", args=[intervention.pk]),
        {"to": "in_consultation", "consultation_end": "2000-01-01", "note": ""},
    )
    assert Intervention.objects.get().status == S.UNDER_REVIEW
    client.post(
        reverse("interventions:move", args=[intervention.pk]),
        {"to": "in_consultation", "consultation_end": "2999-01-01", "note": ""},
    )
    assert Intervention.objects.get().status == S.IN_CONSULTATION


def test_the_moderation_queue_is_for_officers_and_restores_with_a_note(
    client, resident, officer, challenge
):
    intervention = in_consultation(officer, challenge)
    comment = services.comment_create(intervention=intervention, actor=resident, text=EVIL)
    for _ in range(3):
        services.comment_report(comment=comment, actor=ResidentFactory(), reason="offensive")

    assert page(client, reverse("interventions:moderation"), resident)[0].status_code == 403
    response, html = page(client, reverse("interventions:moderation"), officer)
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)" in html and "<script>alert(1)" not in html
    assert "3 reports" in html

    client.post(
        reverse("interventions:moderate", args=[comment.pk]),
        {"to": "visible", "note": "Kritisch maar in orde."},
    )
    assert Comment.objects.get().status == Comment.Status.VISIBLE


def test_a_resident_reports_from_the_page(client, officer, challenge):
    intervention = in_consultation(officer, challenge)
    comment = services.comment_create(intervention=intervention, actor=ResidentFactory(), text="x")
    reporter = ResidentFactory()
    client.force_login(reporter)
    _, html = page(client, reverse("interventions:detail", args=[intervention.pk]))
    assert reverse("interventions:report", args=[comment.pk]) in html

    client.post(reverse("interventions:report", args=[comment.pk]), {"reason": "spam"})

    assert comment.reports.get().reporter == reporter


def _panel(challenge, user):
    request = RequestFactory().get("/")
    request.user = user
    context = {"panel": panel_context(challenge, request, None)}
    return render_to_string("interventions/_panel.html", context, request=request)


def test_the_challenge_panel_lists_public_proposals_and_the_propose_link(
    resident, other_resident, officer, challenge
):
    from django.contrib.auth.models import AnonymousUser

    propose(resident, challenge, title="Eigen idee")
    in_consultation(officer, challenge, title=EVIL)

    anonymous = _panel(challenge, AnonymousUser())
    own = _panel(challenge, resident)

    assert "&lt;script&gt;alert(1)" in anonymous and "<script>alert(1)" not in anonymous
    assert "Eigen idee" not in anonymous and "Eigen idee" in own
    assert f"{reverse('interventions:new')}?challenge={challenge.pk}" in anonymous


def test_the_panel_offers_no_proposal_on_a_closed_challenge(resident, officer, challenge):
    transition(challenge, Challenge.Status.CLOSED, actor=officer, note="Klaar")
    challenge.refresh_from_db()

    html = _panel(challenge, resident)

    assert "?challenge=" not in html


def test_the_page_shows_the_site_map_only_with_a_site(client, officer, challenge):
    with_site = in_consultation(officer, challenge, site=Point(*CENTRE, srid=4326))
    without = in_consultation(officer, challenge, site=None, title="Zonder plek")

    assert 'id="intervention-map"' in page(client, f"/interventions/{with_site.pk}/")[1]
    assert 'id="intervention-map"' not in page(client, f"/interventions/{without.pk}/")[1]


def test_an_official_answer_follows_the_comment_it_answers(client, officer, challenge):
    intervention = in_consultation(officer, challenge)
    question = services.comment_create(
        intervention=intervention, actor=ResidentFactory(), text="Eerste vraag"
    )
    services.comment_create(intervention=intervention, actor=ResidentFactory(), text="Tweede")
    services.comment_create(
        intervention=intervention, actor=officer, text="Antwoord op de eerste", reply_to=question
    )

    _, html = page(client, reverse("interventions:detail", args=[intervention.pk]))

    first, answer, second = (
        html.index(text) for text in ("Eerste vraag", "Antwoord op de eerste", "Tweede")
    )
    assert first < answer < second
    assert "Official answer from the municipality</strong> (to the comment above)" in html


def test_the_list_narrows_to_proposals_awaiting_a_decision(client, council, officer, challenge):
    awaiting(officer, challenge, title="Wacht op de raad")
    in_consultation(officer, challenge, title="Nog in consultatie")

    _, html = page(client, "/interventions/?show=awaiting", council)

    assert "Wacht op de raad" in html and "Nog in consultatie" not in html
    assert "Nog in consultatie" in page(client, "/interventions/?show=nonsense")[1]


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_and_a_page_cost_the_same_queries_for_more_proposals_and_comments(
    client, officer, challenge
):
    first = in_consultation(officer, challenge)
    services.comment_create(intervention=first, actor=ResidentFactory(), text="een")
    client.force_login(officer)
    few = (_queries(client, "/interventions/"), _queries(client, f"/interventions/{first.pk}/"))

    for n in range(4):
        in_consultation(officer, challenge, title=f"Voorstel {n}")
        services.comment_create(intervention=first, actor=ResidentFactory(), text=f"{n}")
    services.comment_create(
        intervention=first, actor=officer, text="Antwoord", reply_to=first.comments.first()
    )
    many = (_queries(client, "/interventions/"), _queries(client, f"/interventions/{first.pk}/"))

    assert many == few


@pytest.mark.parametrize("raw", ["²", "١٢", "3 ", "-1", "1e3"])
def test_a_challenge_in_the_link_that_is_not_a_number_is_a_400_naming_it(
    client, resident, challenge, raw
):
    client.force_login(resident)

    shown = client.get("/interventions/new/", {"challenge": raw}, HTTP_ACCEPT_LANGUAGE="en")
    sent = client.post(
        "/interventions/new/",
        {"challenge": raw, "kind": "depaving", "title": "Tegels eruit", "description": "Bomen"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    for response in (shown, sent):
        assert response.status_code == 400
        assert "The challenge must be given by its number" in response.content.decode()
    assert not Intervention.objects.exists()


def test_a_challenge_number_beyond_any_id_is_a_404(client, resident, challenge):
    client.force_login(resident)

    response = client.get("/interventions/new/", {"challenge": "9" * 30})

    assert response.status_code == 404


def test_the_list_pages_instead_of_stopping_at_a_cap(client, officer, challenge, monkeypatch):
    from interventions.views import proposals as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        in_consultation(officer, challenge, title=f"Plan {n}")

    first = client.get(reverse("interventions:index"), {"show": "consultation"}).content.decode()
    second = client.get(
        reverse("interventions:index"), {"show": "consultation", "page": 2}
    ).content.decode()

    assert 'href="?show=consultation&amp;page=2"' in first
    assert sum(f"Plan {n}" in first for n in range(3)) == 2
    assert all(f"Plan {n}" in first + second for n in range(3))
