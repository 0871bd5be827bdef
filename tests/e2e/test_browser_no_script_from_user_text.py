"""Script in anything residents and officers write never runs, on any page, for any role.

Every text a resident or officer can write gets a payload: an <img onerror>, a
<script> and an attribute break-out into <svg onload>. Then every page where
such texts appear is opened as each role (anonymous, resident, officer,
council member, administrator), with the map popups and tooltips opened and
the results map's layer control shown (a page with several maps' popups
is opened once per popup). On every page:

- nothing ran (`window.__xss` stays undefined);
- no payload became markup (no element with the payload's `data-x` attribute):
  this holds with or without the Content-Security-Policy, which would only
  stop the handler from running;
- the Content-Security-Policy refused nothing (a page that works fits the policy);
- the texts expected there are shown, as text.
"""

from datetime import timedelta
from time import monotonic

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from civic import services as civic_services
from civic.models import Area, WorkflowEvent
from civic.workflow import transition
from interventions import services as intervention_services
from sensors.reading_imports import reading_import_create
from sensors.services import sensor_register
from surveys import answering
from surveys import services as survey_services
from surveys.models import Question, Survey
from surveys.services import OptionSpec, QuestionSpec
from surveys.workflow import SURVEY_WORKFLOW  # noqa: F401  (the table is registered)
from tests.e2e.conftest import log_in, new_tab
from tests.factories import (
    CENTRE,
    AdminFactory,
    AreaFactory,
    CouncilFactory,
    OfficerFactory,
    ResidentFactory,
    ThemeFactory,
    square,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

K = Question.Kind
ROLES = ("anonymous", "resident", "officer", "council", "admin")


def payload(tag: str) -> str:
    """`tag` followed by three ways to run script; at most 100 characters (a sensor's name)."""
    return f"{tag}<img src=x data-x onerror=__xss=1><script>__xss=1</script>{BREAK_OUT}"


# Out of a quoted attribute, into an element with a handler.
BREAK_OUT = "\"'><svg data-x onload=__xss=1>"


def shown(tag: str) -> str:
    """What a page shows where the text `tag` was escaped (quotes may be escaped in JSON)."""
    return f"{tag}<img src=x data-x onerror=__xss=1>"


# One tag per text a user or officer writes.
AREA = "hood"  # a neighbourhood's name (administrators)
THEME = "theme"  # a theme's name (administrators)
CONCERN_PUBLISHED, CONCERN_WAITING, CONCERN_REJECTED = "c-pub", "c-wait", "c-rej"
NOTE_PUBLISH, NOTE_REJECT, NOTE_CHALLENGE = "n-pub", "n-rej", "n-chal"
CHALLENGE_TITLE, CHALLENGE_DESCRIPTION = "ch-title", "ch-desc"
SURVEY_TITLE, SURVEY_INTRO = "s-title", "s-intro"
QUESTION, HELP, CHOICE_QUESTION, OPTION, MAP_QUESTION = (
    "q-text",
    "q-help",
    "q-choice",
    "opt",
    "q-map",
)
ANSWER, POINT_COMMENT, BATCH = "answer", "comment", "batch"
SENSOR_NAME, DEVICE_ID = "sensor", "device"
FILE_NAME, CSV_CELL = "file", "csv"
PROPOSAL, PROPOSAL_TEXT, EFFECT = "i-title", "i-desc", "i-effect"
I_COMMENT, I_ANSWER, I_HIDDEN = "i-comment", "i-answer", "i-hidden"
MOTIVATION, MEETING, DECIDED = "d-motivation", "d-meeting", "i-decided"


@pytest.fixture
def world(transactional_db) -> dict:
    """Every writable text with a payload, through the services that write them (built once)."""
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY, code="GM0193", name="Zwolle", geometry=square(*CENTRE, 0.05)
    )
    hood = AreaFactory(
        code="BU01930001",
        name=payload(AREA),
        parent=town,
        geometry=square(*CENTRE, 0.01),
        population=2500,
    )
    theme = ThemeFactory(slug="heat", name_nl=payload(THEME), name_en=payload(THEME))
    users = {
        "resident": ResidentFactory(username="xss-resident", language="en"),
        "officer": OfficerFactory(username="xss-officer", language="en"),
        "council": CouncilFactory(username="xss-council", language="en"),
        "admin": AdminFactory(username="xss-admin", language="en"),
    }
    resident, officer = users["resident"], users["officer"]
    here = Point(*CENTRE, srid=4326)

    def concern(tag):
        return civic_services.concern_create(
            author=resident, theme=theme, description=payload(tag), location=here
        )

    published = concern(CONCERN_PUBLISHED)
    transition(published, "published", actor=officer, note=payload(NOTE_PUBLISH))
    waiting = concern(CONCERN_WAITING)
    rejected = concern(CONCERN_REJECTED)
    transition(rejected, "rejected", actor=officer, note=payload(NOTE_REJECT))
    questions = [
        QuestionSpec(
            K.SHORT_TEXT, payload(QUESTION), payload(QUESTION), payload(HELP), payload(HELP)
        ),
        QuestionSpec(
            K.SINGLE_CHOICE,
            payload(CHOICE_QUESTION),
            payload(CHOICE_QUESTION),
            options=(OptionSpec(payload(OPTION), payload(OPTION), theme), OptionSpec("Nee", "No")),
        ),
        QuestionSpec(K.MAP_POINT, payload(MAP_QUESTION), payload(MAP_QUESTION), theme=theme),
    ]

    def survey(respondents: int, status: str) -> Survey:
        made = survey_services.survey_create(
            actor=officer,
            title_nl=payload(SURVEY_TITLE),
            title_en=payload(SURVEY_TITLE),
            intro_nl=payload(SURVEY_INTRO),
            intro_en=payload(SURVEY_INTRO),
            area=town,
        )
        text_q, choice_q, map_q = survey_services.questions_replace(
            actor=officer, survey=made, questions=questions
        )
        survey_services.invitations_generate(
            actor=officer, survey=made, count=2, area=hood, batch=payload(BATCH)
        )
        if status == Survey.Status.DRAFT:
            return made
        transition(made, Survey.Status.OPEN, actor=officer)
        option = choice_q.options.first()
        # Five respondents or more: the map answers and figures are shown, not suppressed.
        for i in range(respondents):
            answering.response_submit(
                survey=made,
                answers={
                    text_q.pk: payload(ANSWER),
                    choice_q.pk: option.pk,
                    map_q.pk: {
                        "point": Point(CENTRE[0] + 0.001 * i, CENTRE[1], srid=4326),
                        "text": payload(POINT_COMMENT),
                    },
                },
                respondent=resident if i == 0 else ResidentFactory(),
                area=hood,
                consent_publish=True,
            )
        if status == Survey.Status.CLOSED:
            transition(made, Survey.Status.CLOSED, actor=officer)
        return made

    closed = survey(6, Survey.Status.CLOSED)
    running = survey(6, Survey.Status.OPEN)
    draft = survey(0, Survey.Status.DRAFT)

    sensor, _ = sensor_register(
        actor=resident,
        external_id=payload(DEVICE_ID),
        name=payload(SENSOR_NAME),
        hardware="meetjestad",
        quantities=["air_temperature"],
        location=Point(CENTRE[0] + 0.002, CENTRE[1] + 0.002, srid=4326),
    )
    # A background CSV import: the officer's file name and a cell that is reported back.
    csv = (
        "device_id,quantity,observed_at,value\n"
        f"{payload(CSV_CELL)},air_temperature,2026-07-01T12:00:00Z,20\n"
    )
    upload = SimpleUploadedFile(
        # A file name has no "/": the <script> part would cut it short.
        f"{shown(FILE_NAME)}{BREAK_OUT}.csv",
        csv.encode(),
        content_type="text/csv",
    )
    job = reading_import_create(uploaded_by=officer, file=upload)
    # Last: its opening note is the newest workflow event, the first in the admin's list.
    challenge = civic_services.challenge_create(
        actor=officer,
        title=payload(CHALLENGE_TITLE),
        description=payload(CHALLENGE_DESCRIPTION),
        theme=theme,
        geometry=square(*CENTRE, 0.002),
    )
    transition(challenge, "open", actor=officer, note=payload(NOTE_CHALLENGE))
    civic_services.challenge_link_concerns(challenge=challenge, concerns=[published], actor=officer)
    # An unlinked twin of the published concern: listed for grouping, and a likely duplicate.
    twin = concern(CONCERN_PUBLISHED)
    transition(twin, "published", actor=officer)

    # Proposals: one in consultation (comments, an official answer, a hidden comment of the
    # resident's), one agreed by the council.
    consulted = intervention_services.intervention_create(
        actor=officer,
        challenge=challenge,
        kind="depaving",
        title=payload(PROPOSAL),
        description=payload(PROPOSAL_TEXT),
        expected_effect=payload(EFFECT),
        site=square(*CENTRE, 0.0005)[0],
    )
    transition(
        consulted,
        "in_consultation",
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=30)},
    )
    asked = intervention_services.comment_create(
        intervention=consulted, actor=ResidentFactory(), text=payload(I_COMMENT)
    )
    intervention_services.comment_create(
        intervention=consulted, actor=officer, text=payload(I_ANSWER), reply_to=asked
    )
    hidden = intervention_services.comment_create(
        intervention=consulted, actor=resident, text=payload(I_HIDDEN)
    )
    for _ in range(3):
        intervention_services.comment_report(comment=hidden, actor=ResidentFactory(), reason="spam")
    decided = intervention_services.intervention_create(
        actor=officer, challenge=challenge, kind="trees", title=payload(DECIDED), description="-"
    )
    transition(
        decided,
        "in_consultation",
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=30)},
    )
    transition(decided, "awaiting_decision", actor=officer)
    intervention_services.decision_record(
        intervention=decided,
        actor=users["council"],
        outcome="agreed",
        decided_on=timezone.localdate(),
        motivation=payload(MOTIVATION),
        meeting_reference=payload(MEETING),
        votes_for=3,
        votes_against=1,
        votes_abstaining=0,
    )

    opening = WorkflowEvent.objects.get(note=payload(NOTE_CHALLENGE))
    return {
        # Records the admin sweep opens besides the first of every list.
        "admin_records": [
            reverse("admin:civic_concern_change", args=[waiting.pk]),
            reverse("admin:civic_concern_change", args=[rejected.pk]),
            reverse("admin:civic_workflowevent_change", args=[opening.pk]),
        ],
        "users": users,
        "closed": closed,
        "running": running,
        "draft": draft,
        "sensor": sensor,
        "job": job,
        "published": published,
        "challenge": challenge,
        "consulted": consulted,
        "decided": decided,
    }


# --- what to do on a page before looking -------------------------------------------------

PROBE = """() => {
  const texts = [document.title, document.body ? document.body.innerText : ""];
  document.querySelectorAll("input, textarea").forEach((el) => texts.push(el.value));
  return {
    ran: window.__xss !== undefined,
    injected: Array.from(document.querySelectorAll("[data-x]")).map((el) => el.outerHTML),
    text: texts.join("\\n"),
  };
}"""


POINT_AT = """([selector, kind]) => {
  // Leaflet ignores pointer events while the map still moves: repeat until the label opens.
  const shape = document.querySelector(selector);
  if (!shape) return false;
  shape.dispatchEvent(new MouseEvent(kind, { bubbles: true }));
  return kind === "click"
    ? document.querySelector(".leaflet-popup-content") !== null
    : shape.hasAttribute("aria-describedby");
}"""


def hover(tab, selector: str) -> None:
    """Open the tooltip of the first Leaflet layer drawn as `selector`."""
    tab.wait_for_function(POINT_AT, arg=[selector, "mouseover"], polling=100)


def click(tab, selector: str) -> None:
    """Open the popup of the first Leaflet layer drawn as `selector`."""
    tab.wait_for_function(POINT_AT, arg=[selector, "click"], polling=100)


# Neighbourhood outlines; a survey's own outline is drawn there too, but not interactive.
OUTLINES = ".leaflet-overlay-pane path.leaflet-interactive"


def public_map(tab) -> None:
    """Open a concern's popup, a sensor's tooltip and a neighbourhood's tooltip."""
    click(tab, ".leaflet-concerns-pane path")
    hover(tab, ".leaflet-sensors-pane path")
    hover(tab, OUTLINES)


def results_map(tab) -> None:
    """The layer control is open; open a map answer's and a neighbourhood's tooltip."""
    hover(tab, ".leaflet-answers-pane path")
    hover(tab, OUTLINES)
    for written in tab.locator("details.results-texts > summary").all():
        written.click()  # officers: the written answers


def site_map(tab) -> None:
    """A proposal's site: open its tooltip and its popup (the title, as text)."""
    hover(tab, ".leaflet-sites-pane path")
    click(tab, ".leaflet-sites-pane path")


def concern_map(tab) -> None:
    """A challenge's page: open a concern's popup and a neighbourhood's tooltip."""
    click(tab, ".leaflet-concerns-pane path")
    hover(tab, OUTLINES)


def works_map(tab) -> None:
    """The public map or a challenge's: open an intervention's popup (its title, as text)."""
    click(tab, ".leaflet-app-layers-pane path")


def grouping_map(tab) -> None:
    """The grouping page: open a concern's tooltip."""
    hover(tab, ".leaflet-concerns-pane path")


def outline_map(tab) -> None:
    """A map with neighbourhood outlines: open a neighbourhood's tooltip."""
    hover(tab, OUTLINES)


def admin_maps(tab) -> None:
    """django-leaflet's maps (set up from our file, not inline script) are drawn."""
    markers = tab.locator(".django-leaflet-map").count()
    if markers:
        tab.wait_for_function(
            "() => document.querySelectorAll('.leaflet-container .leaflet-map-pane').length"
            f" >= {markers}"
        )


# --- the pages, per role --------------------------------------------------------------------


def pages_for(role: str, world: dict) -> list[tuple[str, tuple[str, ...], object]]:
    """(path, tags shown there, what to do first) for every non-admin page of `role`.

    The API's browsable pages and the API docs are the same for everyone but
    their forms: they are opened anonymously and as an officer.
    """
    closed, running, draft = world["closed"].pk, world["running"].pk, world["draft"].pk
    challenge = f"/challenges/{world['challenge'].pk}/"
    survey = (SURVEY_TITLE, SURVEY_INTRO, QUESTION, HELP, CHOICE_QUESTION, OPTION, MAP_QUESTION)
    results = (SURVEY_TITLE, CHOICE_QUESTION, OPTION, MAP_QUESTION, AREA)
    if role == "officer":
        results = (*results, ANSWER)  # written answers: officers only
    pages = [
        ("/", (THEME, CONCERN_PUBLISHED, SENSOR_NAME, AREA), public_map),
        ("/", (PROPOSAL,), works_map),
        ("/surveys/", (SURVEY_TITLE,), None),
        (f"/surveys/{running}/", survey, outline_map),
        (f"/surveys/{closed}/", (SURVEY_TITLE,), None),
        (f"/surveys/{closed}/results/", results, results_map),
        ("/sensors/", (), None),
        ("/interventions/", (PROPOSAL, DECIDED), None),
        (
            f"/interventions/{world['consulted'].pk}/",
            (PROPOSAL, PROPOSAL_TEXT, EFFECT, I_COMMENT, I_ANSWER),
            site_map,
        ),
        (f"/interventions/{world['decided'].pk}/", (DECIDED, MOTIVATION, MEETING), None),
        ("/challenges/", (CHALLENGE_TITLE, THEME, AREA), None),
        (
            challenge,
            (CHALLENGE_TITLE, CHALLENGE_DESCRIPTION, CONCERN_PUBLISHED, THEME),
            concern_map,
        ),
        (challenge, (PROPOSAL,), works_map),
    ]
    api = [
        ("/api/v1/", (), None),
        ("/api/v1/concerns/", (CONCERN_PUBLISHED,), None),
        (f"/api/v1/concerns/{world['published'].pk}/", (CONCERN_PUBLISHED,), None),
        ("/api/v1/challenges/", (CHALLENGE_TITLE, CHALLENGE_DESCRIPTION), None),
        ("/api/v1/surveys/", (SURVEY_TITLE,), None),
        (f"/api/v1/surveys/{closed}/results/", (CHOICE_QUESTION, OPTION), None),
        ("/api/v1/sensors/", (SENSOR_NAME,), None),
        ("/api/v1/themes/", (THEME,), None),
        ("/api/v1/areas/?kind=neighbourhood", (AREA,), None),
        ("/api/v1/interventions/", (PROPOSAL, PROPOSAL_TEXT, EFFECT, DECIDED), None),
        (f"/api/v1/interventions/{world['consulted'].pk}/comments/", (I_COMMENT, I_ANSWER), None),
        (f"/api/v1/interventions/{world['decided'].pk}/decisions/", (MOTIVATION, MEETING), None),
        ("/api/docs/", (), lambda tab: tab.locator(".swagger-ui .opblock").first.wait_for()),
    ]
    if role == "anonymous":
        return [
            *pages,
            *api,
            ("/accounts/login/", (), None),
            ("/accounts/signup/", (), None),
            ("/accounts/password/reset/", (), None),
            ("/admin/login/", (), None),
            ("/no-such-page/", (), None),
        ]
    pages += [("/accounts/email/", (), None), ("/accounts/password/change/", (), None)]
    if role == "resident":
        return [
            *pages,
            (
                "/concerns/mine/",
                (
                    CONCERN_PUBLISHED,
                    CONCERN_WAITING,
                    CONCERN_REJECTED,
                    NOTE_PUBLISH,
                    NOTE_REJECT,
                    CHALLENGE_TITLE,
                ),
                None,
            ),
            ("/concerns/new/", (THEME, AREA), outline_map),
            # Signed in and answered: the form shows the resident's own answers.
            (f"/surveys/{running}/", (*survey, ANSWER, POINT_COMMENT), outline_map),
            ("/sensors/mine/", (SENSOR_NAME, AREA), None),
            (f"/interventions/{world['consulted'].pk}/", (I_HIDDEN, I_COMMENT), site_map),
            ("/api/v1/concerns/?status=submitted", (CONCERN_WAITING,), None),
            (f"/api/v1/sensors/{world['sensor'].pk}/", (SENSOR_NAME, DEVICE_ID), None),
            (f"/api/v1/surveys/{running}/my-response/", (ANSWER, POINT_COMMENT), None),
        ]
    pages.append(("/concerns/mine/", (), None))
    if role == "council":
        return [
            *pages,
            (f"/surveys/{running}/results/", results, results_map),
            ("/api/v1/challenges/", (CHALLENGE_TITLE, CHALLENGE_DESCRIPTION), None),
            (f"/api/v1/surveys/{running}/results/", (CHOICE_QUESTION, OPTION), None),
        ]
    if role == "admin":
        return pages
    return [
        *pages,
        *api,
        ("/moderation/", (CONCERN_WAITING, POINT_COMMENT, THEME), None),
        ("/interventions/moderation/", (I_HIDDEN, PROPOSAL), None),
        (f"/interventions/{world['consulted'].pk}/", (I_HIDDEN, I_COMMENT, I_ANSWER), site_map),
        (f"/api/v1/interventions/{world['consulted'].pk}/comments/", (I_HIDDEN,), None),
        ("/api/v1/intervention-moderation/", (I_HIDDEN,), None),
        (f"/interventions/new/?challenge={world['challenge'].pk}", (CHALLENGE_TITLE,), None),
        (challenge, (CHALLENGE_TITLE, NOTE_CHALLENGE), concern_map),
        (f"{challenge}edit/", (CHALLENGE_TITLE, CHALLENGE_DESCRIPTION, THEME), outline_map),
        ("/challenges/new/", (THEME, AREA), outline_map),
        ("/grouping/", (CONCERN_PUBLISHED, THEME, CHALLENGE_TITLE), grouping_map),
        ("/surveys/manage/", (SURVEY_TITLE,), None),
        (f"/surveys/manage/{draft}/", (SURVEY_TITLE, SURVEY_INTRO), None),
        (
            f"/surveys/manage/{draft}/questions/",
            (QUESTION, HELP, CHOICE_QUESTION, OPTION, MAP_QUESTION),
            None,
        ),
        (f"/surveys/manage/{running}/questions/", (QUESTION, HELP, OPTION, MAP_QUESTION), None),
        (f"/surveys/manage/{running}/invitations/", (SURVEY_TITLE, BATCH), None),
        (f"/surveys/{draft}/", survey, outline_map),
        (f"/surveys/{running}/results/", results, results_map),
        ("/sensors/health/", (DEVICE_ID, AREA), None),
        ("/sensors/upload/", (FILE_NAME,), None),
        (f"/sensors/upload/?import={world['job'].pk}", (FILE_NAME, CSV_CELL), None),
        ("/api/v1/concerns/?status=submitted", (CONCERN_WAITING, POINT_COMMENT), None),
        (f"/api/v1/surveys/{draft}/", (SURVEY_TITLE, QUESTION, OPTION), None),
    ]


# Every text an administrator can read in the admin, somewhere (the sweep opens them all).
ADMIN_TEXTS = (
    AREA, THEME, CONCERN_PUBLISHED, CONCERN_WAITING, CONCERN_REJECTED, NOTE_PUBLISH,
    NOTE_REJECT, NOTE_CHALLENGE, CHALLENGE_TITLE, CHALLENGE_DESCRIPTION, SURVEY_TITLE,
    SURVEY_INTRO, QUESTION, HELP, CHOICE_QUESTION, OPTION, MAP_QUESTION, ANSWER,
    POINT_COMMENT, BATCH, SENSOR_NAME, DEVICE_ID, FILE_NAME, PROPOSAL, I_COMMENT,
)  # fmt: skip


class Sweep:
    """Opens pages in one tab and collects what went wrong, page by page."""

    def __init__(self, tab, role: str):
        self.tab, self.role = tab, role
        self.problems: list[str] = []
        self.seen: set[str] = set()
        self.opened = 0

    def open(self, path: str, tags=(), before=None, allowed=(200,)) -> int:
        tab = self.tab
        tab.csp_violations.clear()
        tab.js_errors.clear()
        response = tab.goto(path, wait_until="load")
        self.opened += 1
        where = f"{self.role} {path}"
        if response.status not in allowed:
            self.problems.append(f"{where}: status {response.status}")
            return response.status
        if before is not None:
            try:
                before(tab)
            except Exception as error:  # reported with the page
                self.problems.append(f"{where}: {type(error).__name__}: {str(error)[:200]}")
        self.look(where, tags)
        return response.status

    def look(self, where: str, tags=()) -> None:
        found = self.tab.evaluate(PROBE)
        if found["ran"]:
            self.problems.append(f"{where}: a payload ran")
        if found["injected"]:
            self.problems.append(f"{where}: payload became markup: {found['injected'][:2]}")
        if self.tab.csp_violations:
            self.problems.append(f"{where}: CSP refused {self.tab.csp_violations[:2]}")
        if self.tab.js_errors:
            self.problems.append(f"{where}: JavaScript errors {self.tab.js_errors[:2]}")
        here = {tag for tag in ADMIN_TEXTS if shown(tag) in found["text"]}
        self.seen |= here
        missing = [tag for tag in tags if shown(tag) not in found["text"]]
        if missing:
            self.problems.append(f"{where}: not shown as text: {missing}")

    def admin(self, records: list[str]) -> None:
        """Every admin list this role may open, the first record of each, and `records`."""
        self.open("/admin/", before=admin_maps)
        lists = self.tab.eval_on_selector_all(
            "#content-main a[href]",
            "links => [...new Set(links.map(a => new URL(a.href).pathname)"
            ".filter(p => /^\\/admin\\/[a-z_]+\\/[a-z_]+\\/$/.test(p)))]",
        )
        for changelist in lists:
            # Lists a role may not open (403: council members and personal data) run nothing either.
            if self.open(changelist, before=admin_maps, allowed=(200, 403)) != 200:
                continue
            first = self.tab.eval_on_selector_all(
                "#result_list tbody a[href]",
                "links => links.map(a => new URL(a.href).pathname)"
                ".filter(p => /\\/(change\\/)?$/.test(p) && /\\/\\d+\\//.test(p)).slice(0, 1)",
            )
            for record in first:
                self.open(record, before=admin_maps, allowed=(200, 403))
        for record in records:
            self.open(record, before=admin_maps, allowed=(200, 403))


def test_no_text_a_user_writes_runs_as_script_on_any_page_for_any_role(browser, live_server, world):
    problems: list[str] = []
    opened = {}
    for role in ROLES:
        started = monotonic()
        tab = new_tab(browser, live_server.url)
        try:
            if role != "anonymous":
                log_in(tab, world["users"][role])
            sweep = Sweep(tab, role)
            for path, tags, before in pages_for(role, world):
                sweep.open(path, tags, before, allowed=(404,) if "no-such" in path else (200,))
            if role == "anonymous":
                # Django's CSRF failure page (a form posted without its token).
                tab.goto("/")
                with tab.expect_navigation():
                    tab.evaluate(
                        "() => { const f = document.createElement('form'); f.method = 'post';"
                        " f.action = '/i18n/setlang/'; document.body.append(f); f.submit(); }"
                    )
                sweep.look("anonymous CSRF failure page")
            if role in ("officer", "council", "admin"):
                sweep.admin(world["admin_records"])
            if role == "admin":
                missing = [tag for tag in ADMIN_TEXTS if tag not in sweep.seen]
                if missing:
                    problems.append(f"admin: the admin never showed as text: {missing}")
            problems += sweep.problems
            opened[role] = f"{sweep.opened} pages in {monotonic() - started:.1f} s"
        finally:
            tab.context.close()
    print(f"\npages opened per role: {opened}")
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
