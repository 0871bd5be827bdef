"""The public challenge list and page, as each role sees them."""

import html
import json
import re

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civic import challenge_parts, services, workflow
from civic.models import Area, Challenge, ChallengeConcern, Concern
from civic.periods import to_date_period
from tests.factories import (
    CENTRE,
    AreaFactory,
    ChallengeFactory,
    ConcernFactory,
    OfficerFactory,
    evidence_row,
    shown_season,
    square,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/challenges/"
ROLES = ("anonymous", "resident", "officer", "council")


def detail_url(challenge) -> str:
    return f"/challenges/{challenge.pk}/"


@pytest.fixture
def officer(db):
    """An officer whose name could not be mistaken for the word "officer"."""
    return OfficerFactory(username="ambtenaar-jansen")


@pytest.fixture
def as_role(client, request):
    """as_role("officer") answers the test client signed in as that role, in English."""

    def make(role: str):
        client.logout()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def challenges(officer, heat, flooding, neighbourhood, municipality):
    """An open heat challenge with two public concerns (and a submitted one), and a draft."""
    opened = services.challenge_create(
        actor=officer,
        title="Schaduw bij de Werkerenschool",
        description="Het schoolplein is heel heet.",
        theme=heat,
        geometry=square(*CENTRE, 0.002),
    )
    workflow.transition(opened, Challenge.Status.OPEN, actor=officer)
    draft = services.challenge_create(
        actor=officer, title="Geheime kladopgave", theme=flooding, geometry=square(*CENTRE, 0.003)
    )
    public = [
        ConcernFactory(
            theme=heat,
            status=Concern.Status.PUBLISHED,
            description=f"Hete stoep nummer {n}",
            location=Point(CENTRE[0] + 0.0005 * n, CENTRE[1], srid=4326),
        )
        for n in (1, 2)
    ]
    services.challenge_link_concerns(challenge=opened, concerns=public, actor=officer)
    # A link to a concern nobody may see yet (made outside the service, as old data could be).
    hidden = ConcernFactory(theme=heat, description="Nog niet gemodereerd: mijn adres is X")
    ChallengeConcern.objects.create(challenge=opened, concern=hidden, linked_by=officer)
    return {"open": opened, "draft": draft, "public": public, "hidden": hidden}


# ---------------------------------------------------------------- the list


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_public_challenges_to_everyone_and_drafts_to_officers_and_council(
    as_role, challenges, role
):
    page = as_role(role).get(LIST_URL)

    text = page.content.decode()
    assert page.status_code == 200
    assert "Schaduw bij de Werkerenschool" in text
    assert reverse("civic:challenge_detail", args=[challenges["open"].pk]) in text
    assert ("Geheime kladopgave" in text) is (role in ("officer", "council"))


def test_each_row_shows_theme_area_stage_and_only_public_concerns(as_role, challenges):
    page = as_role("anonymous").get(LIST_URL)

    row = re.search(
        rf'<tr id="challenge-{challenges["open"].pk}">(.*?)</tr>', page.content.decode(), re.S
    )[1]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    # Then one cell per fact an app registers (the priority score), tested below.
    assert cells[:5] == ["Schaduw bij de Werkerenschool", "Heat", "Werkeren", "open", "2"]


@pytest.fixture
def a_fact_and_a_stage():
    """A list fact and a stage source as an app registers them (removed afterwards)."""
    saved = dict(challenge_parts._FACTS), dict(challenge_parts._STAGE_SOURCES)
    challenge_parts.fact_register(
        challenge_parts.Fact("test-score", "Test score", lambda ids, user: {i: i * 10 for i in ids})
    )
    consulting = challenge_parts.Stage("consultation", "in consultation", 40)
    challenge_parts.stage_source_register(
        "test", lambda ids: {pk: consulting for pk in ids if pk % 2 == 0}
    )
    yield
    challenge_parts._FACTS.clear()
    challenge_parts._FACTS.update(saved[0])
    challenge_parts._STAGE_SOURCES.clear()
    challenge_parts._STAGE_SOURCES.update(saved[1])


def test_registered_facts_and_stages_are_shown_per_row(as_role, challenges, a_fact_and_a_stage):
    page = as_role("officer").get(LIST_URL)

    text = page.content.decode()
    assert '<th scope="col">Test score</th>' in text
    for challenge in (challenges["open"], challenges["draft"]):
        row = re.search(rf'<tr id="challenge-{challenge.pk}">(.*?)</tr>', text, re.S)[1]
        assert f"<td>{challenge.pk * 10}</td>" in row
        assert ("in consultation" in row) is (challenge.pk % 2 == 0)


def test_the_list_filters_by_theme_status_and_area_including_a_district(
    as_role, officer, heat, flooding, municipality
):
    district = AreaFactory(
        kind=Area.Kind.DISTRICT,
        code="WK019301",
        name="Stadshagen",
        parent=municipality,
        geometry=square(*CENTRE, 0.02),
    )
    hood = AreaFactory(
        code="BU01930042",
        name="Frankhuis",
        parent=district,
        geometry=square(CENTRE[0] + 0.015, CENTRE[1], 0.004),
    )
    elsewhere = AreaFactory(
        code="BU01930099",
        name="Berkum",
        parent=municipality,
        geometry=square(CENTRE[0] - 0.03, CENTRE[1], 0.004),
    )
    in_hood = ChallengeFactory(title="Hitte Frankhuis", theme=heat, area=hood, status="open")
    flood = ChallengeFactory(
        title="Water Frankhuis", theme=flooding, area=hood, status="prioritised"
    )
    far = ChallengeFactory(title="Hitte Berkum", theme=heat, area=elsewhere, status="open")
    client = as_role("anonymous")

    def titles(**query):
        text = client.get(LIST_URL, query).content.decode()
        return {c.title for c in (in_hood, flood, far) if c.title in text}

    assert titles(theme="heat") == {"Hitte Frankhuis", "Hitte Berkum"}
    assert titles(area="WK019301") == {"Hitte Frankhuis", "Water Frankhuis"}
    assert titles(area="BU01930099") == {"Hitte Berkum"}
    assert titles(status="prioritised") == {"Water Frankhuis"}


def test_a_bad_status_filter_is_a_400_naming_it(as_role, challenges):
    page = as_role("anonymous").get(LIST_URL, {"status": "nonsense"})

    assert page.status_code == 400
    assert "<strong>status</strong>" in page.content.decode()


def test_the_public_cannot_list_drafts_by_asking_for_their_status(as_role, challenges):
    page = as_role("resident").get(LIST_URL, {"status": "draft"})

    assert "Geheime kladopgave" not in page.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["anonymous", "officer"])
def test_list_queries_do_not_grow_with_the_number_of_challenges(
    as_role, officer, heat, neighbourhood, role, a_fact_and_a_stage
):
    client = as_role(role)

    def add(n):
        for _i in range(n):
            challenge = ChallengeFactory(
                theme=heat, area=neighbourhood, status="open", owner=officer
            )
            challenge.concerns.add(ConcernFactory(theme=heat, status="linked"))

    add(2)
    client.get(LIST_URL)  # warm caches (content types, roles)
    two = _queries(client, LIST_URL)
    add(6)
    eight = _queries(client, LIST_URL)

    assert two == eight


# ---------------------------------------------------------------- the page


@pytest.mark.parametrize("role", ROLES)
def test_the_page_shows_the_challenge_and_only_its_public_concerns(as_role, challenges, role):
    page = as_role(role).get(detail_url(challenges["open"]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Schaduw bij de Werkerenschool" in text
    assert "Het schoolplein is heel heet." in text
    assert "Hete stoep nummer 1" in text and "Hete stoep nummer 2" in text
    assert "Nog niet gemodereerd" not in text
    data = json.loads(re.search(r'id="challenge-map-data"[^>]*>(.*?)</script>', text, re.S)[1])
    assert sorted(c["id"] for c in data["concerns"]) == sorted(c.pk for c in challenges["public"])
    assert data["geometry"]


@pytest.mark.parametrize("role", ROLES)
def test_no_name_reaches_the_page(as_role, challenges, role, resident, officer):
    text = as_role(role).get(detail_url(challenges["open"])).content.decode()

    authors = [c.author.username for c in challenges["public"]]
    assert challenges["hidden"].author.username not in text
    for name in authors:
        assert name not in text
    # The history says "an officer", never which one (the officer sees their own name in the menu).
    history = re.search(r'id="challenge-history".*?</section>', text, re.S)[0]
    assert officer.username not in history
    # Concerns linked in one go make one line, naming the public ones by number.
    public = ", ".join(f"#{c.pk}" for c in sorted(challenges["public"], key=lambda c: c.pk))
    assert f"An officer linked {len(challenges['public'])} concerns: {public}." in history


@pytest.mark.parametrize("role", ["anonymous", "resident"])
def test_a_draft_is_not_found_for_the_public(as_role, challenges, role):
    assert as_role(role).get(detail_url(challenges["draft"])).status_code == 404


@pytest.mark.parametrize("role", ["officer", "council"])
def test_officers_and_council_open_a_draft(as_role, challenges, role):
    assert as_role(role).get(detail_url(challenges["draft"])).status_code == 200


def test_an_unknown_challenge_is_not_found(as_role, db):
    assert as_role("anonymous").get("/challenges/999999/").status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "resident", "council"])
def test_only_officers_get_edit_unlink_and_workflow_controls(as_role, challenges, role):
    text = as_role(role).get(detail_url(challenges["open"])).content.decode()

    assert "officer-tools" not in text
    assert "unlink-form" not in text
    assert f"/challenges/{challenges['open'].pk}/edit/" not in text


def test_officers_get_the_steps_they_may_take_with_a_note_where_needed(as_role, challenges):
    text = as_role("officer").get(detail_url(challenges["open"])).content.decode()

    forms = re.findall(r'<form method="post" action="[^"]*/step/".*?</form>', text, re.S)
    targets = {re.search(r'name="to" value="(\w+)"', f)[1]: f for f in forms}
    assert set(targets) == {"prioritised", "closed"}
    assert 'name="note"' in targets["closed"] and 'name="note"' not in targets["prioritised"]
    assert text.count('class="unlink-form"') == 2


def test_the_history_keeps_notes_and_reasons_for_officers_only(as_role, challenges, officer):
    services.challenge_unlink_concern(
        challenge=challenges["open"],
        concern=challenges["public"][0],
        actor=officer,
        reason="Reden met naam van Pietersen",
    )

    public = as_role("anonymous").get(detail_url(challenges["open"])).content.decode()
    internal = as_role("officer").get(detail_url(challenges["open"])).content.decode()

    assert "An officer unlinked concern #" in public
    assert "Pietersen" not in public
    assert "Reden met naam van Pietersen" in internal


def test_detail_queries_do_not_grow_with_linked_concerns(as_role, challenges, heat):
    client = as_role("anonymous")
    url = detail_url(challenges["open"])
    client.get(url)
    before = _queries(client, url)
    for _ in range(5):
        challenges["open"].concerns.add(ConcernFactory(theme=heat, status="linked"))

    assert _queries(client, url) == before


# ---------------------------------------------------------------- evidence and periods


@pytest.fixture
def figures(challenges):
    challenge = challenges["open"]
    evidence_row(
        challenge=challenge, source="sensors", name="night_anomaly", value=0.7, details={"n": 11}
    )
    evidence_row(
        challenge=challenge, source="sensors", name="tropical_nights", value=12, details={"n": 11}
    )
    evidence_row(
        challenge=challenge, source="sensors", name="hours_30", value=14, details={"n": 11}
    )
    evidence_row(
        challenge=challenge,
        source="surveys",
        name="theme_named_share",
        value=0.4,
        period=to_date_period(),
        details={"respondents": 30},
    )
    return challenge


@time_machine.travel("2027-02-10 12:00 +01:00")
def test_evidence_is_said_in_sentences_for_the_period_named_on_the_page(as_role, figures):
    season = shown_season()
    text = as_role("anonymous").get(detail_url(figures)).content.decode()

    assert season.key == "season-2026"
    evidence = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))
    assert "Sensor figures for: warm season 2026" in evidence
    assert (
        "Nights here were on average 0.7 °C warmer than the network's median "
        "in the warm season 2026"
    ) in evidence
    assert "from 11 measuring points of the sensor network" in evidence
    assert "A sensor here counted on average 12.0 nights of 20 °C or warmer" in evidence
    # The criterion's headline figure first, whatever the rows' names.
    assert evidence.index("Nights here") < evidence.index(
        "A sensor here measured on average 14 hours of 30 °C or more"
    )
    assert "Higher is worse." in evidence
    # The survey signal beside it; and how fresh each source's figures are.
    assert "Residents naming this theme: 0.40" in evidence
    assert re.search(r"Sensor network: computed", evidence)


@time_machine.travel("2027-02-10 12:00 +01:00")
def test_a_cool_place_is_said_to_be_cooler_not_minus_warmer(as_role, challenges):
    challenge = challenges["open"]
    evidence_row(
        challenge=challenge, source="sensors", name="night_anomaly", value=-0.4, details={"n": 5}
    )

    text = as_role("anonymous").get(detail_url(challenge)).content.decode()

    evidence = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))
    assert "Nights here were on average 0.4 °C cooler than the network's median" in evidence
    assert "-0.4" not in evidence


def test_another_period_can_be_chosen(as_role, figures):
    other = shown_season().__class__.objects.create(
        key="2026-06-01..2026-06-30", kind="custom", start="2026-06-01", end="2026-06-30"
    )
    evidence_row(
        challenge=figures,
        source="sensors",
        name="night_anomaly",
        value=1.4,
        period=other,
        details={"n": 5},
    )

    text = as_role("anonymous").get(detail_url(figures), {"period": other.key}).content.decode()

    assert "1.4 °C" in text and "0.7 °C" not in text
    assert "from 5 measuring points" in text


@pytest.mark.parametrize("value", ["", "bogus", "2026-07-31..2026-07-01"])
def test_a_bad_period_is_a_400_page_naming_it(as_role, figures, value):
    page = as_role("anonymous").get(detail_url(figures), {"period": value})

    assert page.status_code == 400
    assert "<strong>period</strong>" in page.content.decode()


# ---------------------------------------------------------------- escaping

SCRIPT = '<script>alert(1)</script><img src=x onerror=alert(2)>"'


def test_titles_descriptions_and_concern_texts_are_escaped(as_role, officer, heat, neighbourhood):
    challenge = services.challenge_create(
        actor=officer,
        title=f"T{SCRIPT}",
        description=f"D{SCRIPT}",
        theme=heat,
        geometry=square(*CENTRE, 0.002),
    )
    workflow.transition(challenge, Challenge.Status.OPEN, actor=officer)
    concern = ConcernFactory(theme=heat, status="published", description=f"C{SCRIPT}")
    services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)

    for url in (LIST_URL, detail_url(challenge)):
        text = as_role("anonymous").get(url).content.decode()
        assert "<script>alert(1)" not in text
        assert "<img src=x" not in text
    text = as_role("anonymous").get(detail_url(challenge)).content.decode()
    assert "T&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # In the map's JSON data the text stays text (escaped for the script element).
    assert "C\\u003Cscript\\u003Ealert(1)" in text


# ---------------------------------------------------------------- my concerns


def test_my_concerns_links_each_linked_concern_to_its_public_challenges(
    client, resident, officer, heat, neighbourhood
):
    concern = ConcernFactory(author=resident, theme=heat, status="published")
    opened = ChallengeFactory(title="Open opgave", theme=heat, status="open")
    draft = ChallengeFactory(title="Klad opgave", theme=heat, status="draft")
    services.challenge_link_concerns(challenge=opened, concerns=[concern], actor=officer)
    services.challenge_link_concerns(challenge=draft, concerns=[concern], actor=officer)
    client.force_login(resident)

    text = client.get("/concerns/mine/").content.decode()

    assert f'href="/challenges/{opened.pk}/">Open opgave</a>' in text
    assert "Klad opgave" not in text


# ---------------------------------------------------------------- panels


@pytest.fixture
def a_panel(settings, tmp_path):
    """A panel as an app registers one, with its template in a folder of the test's own."""
    (tmp_path / "test_panel.html").write_text(
        '<section id="test-panel">{{ panel.heading }} for #{{ panel.pk }} in {{ panel.period }}'
        "</section>"
    )
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0] = {**templates[0], "DIRS": [*templates[0].get("DIRS", []), str(tmp_path)]}
    settings.TEMPLATES = templates
    saved = dict(challenge_parts._PANELS)
    challenge_parts.panel_register(
        challenge_parts.Panel(
            "test",
            "test_panel.html",
            lambda challenge, request, period: {
                "heading": "<b>Proposals</b>",
                "pk": challenge.pk,
                "period": period.key if period else "none",
            },
        )
    )
    yield
    challenge_parts._PANELS.clear()
    challenge_parts._PANELS.update(saved)


def test_registered_panels_are_shown_with_their_context(as_role, figures, a_panel):
    text = as_role("anonymous").get(detail_url(figures)).content.decode()

    season = shown_season().key
    assert (
        f'<section id="test-panel">&lt;b&gt;Proposals&lt;/b&gt; for #{figures.pk} in {season}'
        in text
    )
