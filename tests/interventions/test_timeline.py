"""A challenge's public timeline: the story in date order, on the page and in the API, nameless."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from rest_framework.test import APIClient

from civic import services as civic_services
from civic import workflow
from civic.models import Challenge, ChallengeConcernChange, Concern
from interventions import services
from interventions.models import ImpactEvaluation, Intervention
from tests.factories import (
    CENTRE,
    ChallengeFactory,
    ResidentFactory,
    evidence_row,
    square,
)
from tests.interventions.conftest import S, decide, in_consultation, on, propose

pytestmark = pytest.mark.django_db

# Words that must never reach the timeline: names, residents' own text, officers' notes.
NAME_FIRST, NAME_LAST, USERNAME = "Fatima", "Yilmaz", "fatima_y"
CONCERN_TEXT = "Bij Fatima Yilmaz op nummer 12 is het 's nachts heet"
UNPUBLISHED_TEXT = "Ongepubliceerde zorg over de buren"
OFFICER_NOTE = "Interne notitie: bel mevrouw Yilmaz"
MOTIVATION = "Na inspraak van Jan Jansen aangenomen"
MILESTONE_DESCRIPTION = "Jan Jansen hielp met de tegels"
COMMENT_TEXT = "Ik, Fatima, steun dit van harte"
SECRET_PROPOSAL = "Geheim voorstel van Piet"
SECRETS = (
    NAME_FIRST,
    NAME_LAST,
    USERNAME,
    CONCERN_TEXT,
    UNPUBLISHED_TEXT,
    OFFICER_NOTE,
    MOTIVATION,
    MILESTONE_DESCRIPTION,
    COMMENT_TEXT,
    SECRET_PROPOSAL,
)


@dataclass
class Story:
    challenge: Challenge
    depaving: Intervention
    secret: Intervention
    fatima: object


def concern(author, theme, text, officer, *, publish=True) -> Concern:
    made = civic_services.concern_create(
        author=author, theme=theme, description=text, location=Point(*CENTRE, srid=4326)
    )
    if publish:
        workflow.transition(made, Concern.Status.PUBLISHED, actor=officer)
    return made


def story(officer, council, heat, *, concerns_per_day=1, interventions=1) -> Story:
    """From concerns in March 2026 to a measured cooling in June, with private bits around it."""
    fatima = ResidentFactory(username=USERNAME, first_name=NAME_FIRST, last_name=NAME_LAST)
    other = ResidentFactory()
    with on(date(2026, 3, 2)):
        filed = [concern(fatima, heat, CONCERN_TEXT, officer)]
        filed += [concern(other, heat, "Heet", officer) for _ in range(concerns_per_day)]
        hidden = concern(fatima, heat, UNPUBLISHED_TEXT, officer, publish=False)
    with on(date(2026, 3, 5)):
        filed += [concern(other, heat, "Ook heet", officer) for _ in range(concerns_per_day)]
    with on(date(2026, 3, 10)):
        challenge = civic_services.challenge_create(
            actor=officer, title="Hete pleinen", theme=heat, geometry=square(*CENTRE, 0.003)
        )
        workflow.transition(challenge, Challenge.Status.OPEN, actor=officer)
        civic_services.challenge_link_concerns(challenge=challenge, concerns=filed, actor=officer)
        # An unpublished concern tied to the challenge (as an import might): never counted.
        challenge.concerns.add(hidden)
        ChallengeConcernChange.objects.create(
            challenge=challenge, concern=hidden, action="link", actor=officer
        )
    with on(date(2026, 3, 12)):
        evidence_row(source="sensors", name="night_anomaly", value=1.2, challenge=challenge)
    with on(date(2026, 3, 15)):
        workflow.transition(
            challenge, Challenge.Status.PRIORITISED, actor=officer, note=OFFICER_NOTE
        )
    with on(date(2026, 4, 1)):
        works = [
            in_consultation(officer, challenge, title=f"Tegels eruit {n}")
            for n in range(interventions)
        ]
        for intervention in works:
            services.support_add(intervention=intervention, actor=fatima)
            services.support_add(intervention=intervention, actor=other)
            services.comment_create(intervention=intervention, actor=fatima, text=COMMENT_TEXT)
        secret = propose(other, challenge, title=SECRET_PROPOSAL)
    with on(date(2026, 4, 16)):
        for intervention in works:
            workflow.transition(intervention, S.AWAITING_DECISION, actor=officer)
    with on(date(2026, 4, 20)):
        for intervention in works:
            decide(council, intervention, "agreed", motivation=MOTIVATION)
    with on(date(2026, 5, 1)):
        for intervention in works:
            workflow.transition(intervention, S.IN_PROGRESS, actor=officer)
            services.milestone_add(
                intervention=intervention,
                actor=officer,
                date=date(2026, 5, 5),
                title="Tegels verwijderd",
                description=MILESTONE_DESCRIPTION,
            )
    with on(date(2026, 5, 20)):
        for intervention in works:
            workflow.transition(intervention, S.COMPLETED, actor=officer)
    for day in (date(2026, 6, 30), date(2026, 7, 31)):
        with on(day):
            for intervention in works:
                plant_run(intervention, nights=day.day + 10)
    return Story(challenge, works[0], secret, fatima)


def plant_run(intervention, *, nights: int) -> ImpactEvaluation:
    """A stored evaluation run with known numbers (the evaluation's own tests compute them)."""
    return ImpactEvaluation.objects.create(
        intervention=intervention,
        figure="night_anomaly",
        verdict="cooler",
        method="BACI",
        effect=-0.7,
        low=-0.9,
        high=-0.5,
        counts={
            "impact_sensors": 4,
            "control_sensors": 2,
            "nights_before": 41,
            "nights_after": nights,
        },
        placebo={"night": "2025-07-01", "effect": 0.05, "low": -0.2, "high": 0.3},
        loo_min=-0.8,
        loo_max=-0.6,
        before_first=date(2025, 5, 1),
        before_last=date(2025, 9, 30),
        after_first=date(2026, 5, 21),
        after_last=date(2026, 9, 30),
    )


def api_timeline(challenge, user=None, language="en"):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get(
        reverse("challenge-timeline", args=[challenge.pk]), HTTP_ACCEPT_LANGUAGE=language
    )


def test_the_timeline_tells_the_story_from_first_concern_to_measured_effect(
    officer, council, heat, municipality
):
    told = story(officer, council, heat)

    entries = api_timeline(told.challenge).json()

    lines = [(e["day"], e["kind"], e["title"]) for e in entries]
    assert lines == [
        ("2026-03-02", "concerns", "2 concerns filed"),
        ("2026-03-05", "concerns", "1 concern filed"),
        ("2026-03-10", "grouped", "3 concerns grouped into the challenge"),
        ("2026-03-10", "challenge", "Challenge opened to the public"),
        (
            "2026-03-12",
            "evidence",
            "Evidence computed for the warm season 2025 (1 May \N{EN DASH} 30 September 2025)",
        ),
        ("2026-03-15", "challenge", "Challenge prioritised"),
        ("2026-03-15", "priority", "Prioritised with a score of 50.0 of 100"),
        ("2026-04-01", "proposal", "Proposal made public: Tegels eruit 0"),
        ("2026-04-01", "consultation", "Consultation opened on “Tegels eruit 0”"),
        ("2026-04-16", "consultation", "Consultation closed on “Tegels eruit 0”"),
        ("2026-04-20", "decision", "Council decision on “Tegels eruit 0”: agreed"),
        ("2026-05-01", "works", "Works started: Tegels eruit 0"),
        ("2026-05-05", "milestone", "Tegels verwijderd"),
        ("2026-05-20", "completion", "Works completed: Tegels eruit 0"),
        ("2026-06-30", "evaluation", "Measured effect of “Tegels eruit 0”: cooler"),
        ("2026-07-31", "evaluation", "Measured effect of “Tegels eruit 0”: cooler"),
    ]
    texts = {e["kind"]: e["text"] for e in entries}
    assert texts["consultation"].startswith("2 residents supported it")
    assert texts["priority"].startswith("Place 1 of 1 in the ranking. Period: warm season 2025")
    assert texts["decision"] == "20 for, 10 against, 3 abstaining (Raad 12)."
    # The latest run's own sentence, with its interval and counts.
    assert entries[-1]["text"] == (
        "Since the work was completed, nights near the site have been 0.7 °C cooler than "
        "comparable places (between 0.5 and 0.9 °C), measured by 6 sensors over 41 nights."
    )
    detail = reverse("interventions:detail", args=[told.depaving.pk])
    assert entries[-1]["url"] == f"http://testserver{detail}"


def test_the_page_lists_the_same_story_in_dutch_linked_from_the_challenge(
    client, officer, council, heat, municipality
):
    told = story(officer, council, heat)
    page_url = reverse("civic:challenge_timeline", args=[told.challenge.pk])

    challenge_page = client.get(
        reverse("civic:challenge_detail", args=[told.challenge.pk]), HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()
    page = client.get(page_url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert f'href="{page_url}"' in challenge_page
    assert '<ol class="timeline"' in page
    assert page.index("2 meldingen ingediend") < page.index("Tegels verwijderd")
    assert page.index("Tegels verwijderd") < page.index("0,7 °C koeler")
    assert '<time datetime="2026-03-02">' in page


@pytest.mark.parametrize("language", ["en", "nl"])
def test_no_name_resident_text_note_or_unpublished_item_reaches_the_timeline(
    client, officer, council, heat, municipality, language
):
    told = story(officer, council, heat)
    # A proposal taken into review is still the officers' business.
    workflow.transition(told.secret, S.UNDER_REVIEW, actor=officer)

    page = client.get(
        reverse("civic:challenge_timeline", args=[told.challenge.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    data = api_timeline(told.challenge, user=told.fatima, language=language).content.decode()
    as_officer = api_timeline(told.challenge, user=officer, language=language).content.decode()

    for shown in (page, data, as_officer):
        for secret in SECRETS:
            assert secret not in shown
    assert reverse("interventions:detail", args=[told.secret.pk]) not in data


def test_a_draft_challenge_has_no_public_timeline(client, officer, council, heat):
    draft = ChallengeFactory(status=Challenge.Status.DRAFT, theme=heat)
    page_url = reverse("civic:challenge_timeline", args=[draft.pk])

    assert client.get(page_url).status_code == 404
    assert api_timeline(draft).status_code == 404
    assert api_timeline(draft, user=ResidentFactory()).status_code == 404
    # Officers see drafts, and their timeline holds only what would be public.
    assert api_timeline(draft, user=officer).json() == []
    assert api_timeline(draft, user=council).status_code == 200


def test_interventions_of_a_challenge_back_in_draft_leave_the_timeline(
    officer, council, heat, municipality
):
    told = story(officer, council, heat)
    Challenge.objects.filter(pk=told.challenge.pk).update(status=Challenge.Status.DRAFT)

    kinds = {e["kind"] for e in api_timeline(told.challenge, user=officer).json()}

    assert kinds == {"concerns", "grouped", "challenge", "evidence", "priority"}


def test_unpublishing_a_concern_takes_it_out_of_the_counts(officer, council, heat, municipality):
    told = story(officer, council, heat)
    Concern.objects.filter(description=CONCERN_TEXT).update(status=Concern.Status.REJECTED)

    titles = [e["title"] for e in api_timeline(told.challenge).json()]

    assert titles[:3] == [
        "1 concern filed",
        "1 concern filed",
        "2 concerns grouped into the challenge",
    ]


@pytest.mark.parametrize("size", [1, 6])
def test_the_timeline_costs_the_same_queries_whatever_its_size(
    client, officer, council, heat, municipality, django_assert_max_num_queries, size
):
    told = story(officer, council, heat, concerns_per_day=size, interventions=size)
    url = reverse("civic:challenge_timeline", args=[told.challenge.pk])

    # 11 for the core, priority and interventions sources; the follow-up source adds up to 3.
    with django_assert_max_num_queries(14):
        page = client.get(url)
    with django_assert_max_num_queries(14):
        data = api_timeline(told.challenge)

    assert page.status_code == 200 and len(data.json()) >= 16
    assert data.json()[2]["title"] == f"{2 * size + 1} concerns grouped into the challenge"


def test_a_timeline_address_without_a_number_is_a_404(db):
    response = APIClient().get("/api/v1/challenges/null,null/timeline/")

    assert response.status_code == 404
