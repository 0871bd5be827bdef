"""The interventions of the Stadshagen demo, carried through the real workflow.

- "Hittestress rond winkelcentrum Stadshagen": the officer's depaving proposal,
  consulted (with supports), sent to the council and agreed, its decision on
  the record (motivation, meeting, votes), and carried out mid-summer: the
  works of civic.demo.DEPAVING_WORKS (27 July - 7 August of the summer the
  sensor network measured), three milestones, completed. The sensor demo
  planted a night-time cooling of 0.8 °C around the square from the day after;
  the evaluation, run at load, finds it ("cooler", with its interval);
- on the shopping centre too, shade sails over the walking routes, consulted and
  now AWAITING the council's decision: a council member who logs in can record it;
- "Wateroverlast in de laagte van Werkeren": a wadi proposal in consultation
  until four weeks after the load date, with supports and comments of demo
  residents, an official answer, and one comment hidden after three reports
  (its author is the extra demo resident "resident3", who logs in with the
  core demo's password and reads why);
- "Koele, groene schoolpleinen": young trees on the Frankhuis school yard,
  completed 10-21 August, no effect planted: "no clear effect"; and facade
  gardens along a school at the west edge of Werkeren, completed 13-24 July,
  with one garden sensor within 150 m: "not enough data yet".

Everything goes through interventions.services and civic.workflow (no status
written by hand); only the completed works' actual end is written before the
completing step, as their real last day in the summer (completing records
today's date, and the demo is loaded months later; the workflow's record is
append-only, so its steps carry the load date). Idempotent: a proposal is
found by its challenge and title, and one that exists is kept as it is
(officers may have moved it on since; a demo loaded by an older version keeps
its depaving in progress). The completed works are evaluated at every load; a
run is stored only when its data changed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from civic import workflow
from civic.demo import (
    DEMO_PASSWORD,
    DEPAVING_WORKS,
    FACADE_GARDENS_WORKS,
    SCHOOL_TREES_WORKS,
    DemoWorks,
    demo_summer_year,
    square_around,
)
from civic.models import Challenge, User
from civic.roles import RESIDENT, user_assign_role
from interventions import services
from interventions.evaluation import evaluation_run
from interventions.models import Comment, Decision, FollowUp, Intervention

Progress = Callable[[str], None]
S = Intervention.Status

HEAT_CHALLENGE = "Hittestress rond winkelcentrum Stadshagen"
WATER_CHALLENGE = "Wateroverlast in de laagte van Werkeren"
SCHOOL_CHALLENGE = "Koele, groene schoolpleinen"
DEPAVING_TITLE = "Ontstenen en vergroenen van het Stadshagenplein"
WADI_TITLE = "Wadi in het groen van de laagte Werkeren"
SHADE_TITLE = "Schaduwzeilen boven de looproutes van het winkelcentrum"
SCHOOL_TREES_TITLE = "Bomen op het schoolplein van Frankhuis"
FACADE_GARDENS_TITLE = "Geveltuinen langs basisschool De Werkeren"
CONSULTATION_WEEKS = 4
# The comment the demo residents report until it is hidden (it is off-topic advertising).
HIDDEN_COMMENT = "Koop nu goedkope tuintegels bij onze webwinkel, 50% korting!!!"


# A demo resident who can log in and see their comment hidden after reports (and the message).
EXTRA_RESIDENT = ("resident3", "Noor")


def _users() -> dict[str, User]:
    login, first_name = EXTRA_RESIDENT
    extra, created = User.objects.get_or_create(
        username=login, defaults={"email": f"{login}@demo.zwolle.test", "first_name": first_name}
    )
    if created:
        extra.set_password(DEMO_PASSWORD)
        extra.save(update_fields=["password"])
        user_assign_role(extra, RESIDENT)
    names = [
        "officer",
        "council",
        "resident",
        "resident2",
        login,
        *(f"bewoner{n:02d}" for n in range(1, 41)),
    ]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _challenge(title: str, progress: Progress) -> Challenge | None:
    challenge = Challenge.objects.filter(title=title).first()
    if challenge is None or challenge.status not in services.PUBLIC_CHALLENGE:
        progress(f"  “{title}”: not open, no proposal added")
        return None
    return challenge


def _new_challenge_for(title: str, challenge_title: str, progress: Progress) -> Challenge | None:
    """The challenge for the demo proposal `title`; None if closed or the proposal exists."""
    challenge = _challenge(challenge_title, progress)
    if challenge is None:
        return None
    if Intervention.objects.filter(challenge=challenge, title=title).exists():
        progress(f"  “{title}”: kept")
        return None
    return challenge


def _consulted(
    users: dict[str, User],
    challenge: Challenge,
    *,
    weeks: int,
    supporters: tuple[str, ...],
    opened: date | None = None,
    **fields,
) -> Intervention:
    """An officer's proposal opened for consultation for `weeks`, with its supporters.

    `opened`: the day its consultation opened, for works of the demo's past summer (their
    record is dated then, civic.workflow.recorded_at); else today.
    """
    with workflow.recorded_at(_moment(opened)) if opened else nullcontext():
        proposal = services.intervention_create(
            actor=users["officer"], challenge=challenge, **fields
        )
        workflow.transition(
            proposal,
            S.IN_CONSULTATION,
            actor=users["officer"],
            changes={"consultation_end": timezone.localdate() + timedelta(weeks=weeks)},
        )
        for login in supporters:
            services.support_add(intervention=proposal, actor=users[login])
    return proposal


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def _agreed_and_carried_out(
    users: dict[str, User],
    intervention: Intervention,
    works: DemoWorks,
    year: int,
    *,
    decided_on: date,
    motivation: str,
    votes: tuple[int, int, int],
    milestones: tuple[tuple[int, str, str], ...],
) -> None:
    """Agreed by the council, then carried out on the works' dates of the demo's summer.

    The workflow's steps are dated when the demo is loaded (its record is
    append-only); the decision, the planned and actual dates and the
    milestones carry the summer's dates. `milestones`: (day of the works, title, text).
    """
    officer, council = users["officer"], users["council"]
    start, end = works.dates(year)
    with workflow.recorded_at(_moment(decided_on - timedelta(days=13))):
        workflow.transition(
            intervention,
            S.AWAITING_DECISION,
            actor=officer,
            note="De consultatie is afgerond; het voorstel gaat naar de raad.",
        )
    # Its consultation ended before the council met in the summer (opening it set a last
    # day weeks after the load date; a closed consultation's page names that day).
    Intervention.objects.filter(pk=intervention.pk).update(
        consultation_end=decided_on - timedelta(days=14)
    )
    with workflow.recorded_at(_moment(decided_on, hour=21)):
        services.decision_record(
            intervention=intervention,
            actor=council,
            outcome=Decision.Outcome.AGREED,
            decided_on=decided_on,
            motivation=motivation,
            meeting_reference="Raadsvergadering Zwolle, agendapunt 7 (demo)",
            votes_for=votes[0],
            votes_against=votes[1],
            votes_abstaining=votes[2],
        )
    services.implementation_update(
        intervention=intervention, actor=officer, planned_start=start, planned_end=end
    )
    with workflow.recorded_at(_moment(start, hour=8)):
        workflow.transition(
            intervention, S.IN_PROGRESS, actor=officer, note="Aannemer start met de werkzaamheden."
        )
    services.implementation_update(
        intervention=intervention, actor=officer, actual_start=start, progress=30
    )
    for day, title, description in milestones:
        services.milestone_add(
            intervention=intervention,
            actor=officer,
            date=start + timedelta(days=day),
            title=title,
            description=description,
        )
    # The works' real last day (completing records it; the demo completes them months later).
    Intervention.objects.filter(pk=intervention.pk).update(actual_end=end)
    with workflow.recorded_at(_moment(end, hour=16)):
        workflow.transition(
            intervention, S.COMPLETED, actor=officer, note="Oplevering van het werk."
        )


def load_depaving(users: dict[str, User], progress: Progress) -> bool:
    """The agreed depaving on the shopping-centre square, completed mid-summer (DEPAVING_WORKS)."""
    challenge = _new_challenge_for(DEPAVING_TITLE, HEAT_CHALLENGE, progress)
    if challenge is None:
        return False
    works, year = DEPAVING_WORKS, demo_summer_year()
    with transaction.atomic():
        depaving = _consulted(
            users,
            challenge,
            weeks=2,
            opened=date(year, 4, 29),
            supporters=("resident", "bewoner01", "bewoner02", "bewoner03", "bewoner04"),
            kind=Intervention.Kind.DEPAVING,
            title=DEPAVING_TITLE,
            description=(
                "We halen 1.200 m² tegels weg rond het winkelcentrum en planten twaalf bomen "
                "met een ruime, doorlatende boomspiegel. Langs de looproutes komen bankjes in "
                "de schaduw."
            ),
            site=works.site(),
            cost_estimate=Decimal("185000"),
            expected_effect=(
                "Koelere nachten op het plein (naar verwachting 1 tot 2 °C) en schaduw op de "
                "heetste uren; regenwater zakt weg in plaats van af te stromen."
            ),
        )
        wish = services.comment_create(
            intervention=depaving,
            actor=users["bewoner02"],
            text="Graag ook een watertappunt bij de bankjes, dan is het plein echt een koele plek.",
        )
        # Written during its consultation that spring, like the supports' record.
        Comment.objects.filter(pk=wish.pk).update(created_at=_moment(date(year, 5, 12)))
        _agreed_and_carried_out(
            users,
            depaving,
            works,
            year,
            decided_on=date(year, 6, 24),
            motivation=(
                "De metingen van het sensornetwerk tonen dat het plein de heetste plek van "
                "Stadshagen is. Ontstenen en bomen verlagen de hittestress voor bewoners en "
                "winkelend publiek; de kosten passen in het klimaatadaptatiebudget."
            ),
            votes=(27, 8, 4),
            milestones=(
                (
                    0,
                    "Bouwhekken geplaatst",
                    "Het plein is afgezet; de looproute naar de winkels blijft open.",
                ),
                (
                    4,
                    "Eerste 400 m² tegels verwijderd",
                    "De bodem onder de tegels wordt losgemaakt voor de boomspiegels.",
                ),
                (
                    11,
                    "Twaalf bomen geplant, plein weer open",
                    "Alle 1.200 m² tegels zijn weg; bomen, beplanting en bankjes staan er.",
                ),
            ),
        )
    progress(f"  “{DEPAVING_TITLE}”: agreed by the council, completed {_span(works, year)}")
    return True


def load_school_trees(users: dict[str, User], progress: Progress) -> bool:
    """Trees on the Frankhuis school yard, completed mid-summer, with no effect on the nights."""
    challenge = _new_challenge_for(SCHOOL_TREES_TITLE, SCHOOL_CHALLENGE, progress)
    if challenge is None:
        return False
    works, year = SCHOOL_TREES_WORKS, demo_summer_year()
    with transaction.atomic():
        trees = _consulted(
            users,
            challenge,
            weeks=2,
            opened=date(year, 5, 6),
            supporters=("resident2", "bewoner07", "bewoner08"),
            kind=Intervention.Kind.TREES,
            title=SCHOOL_TREES_TITLE,
            description=(
                "Zes jonge lindes in plantvakken op het schoolplein van Frankhuis, aangelegd "
                "in de zomervakantie samen met leerlingen en ouders."
            ),
            site=works.site(),
            cost_estimate=Decimal("36000"),
            expected_effect="Over een paar jaar schaduw op het plein; de eerste zomer nog weinig.",
        )
        _agreed_and_carried_out(
            users,
            trees,
            works,
            year,
            decided_on=date(year, 7, 1),
            motivation="Een eerste stap naar een groen schoolplein, met de school en de ouders.",
            votes=(33, 2, 4),
            milestones=((0, "Tegels gewipt voor de plantvakken", ""), (9, "Bomen geplant", "")),
        )
    progress(f"  “{SCHOOL_TREES_TITLE}”: completed {_span(works, year)}")
    return True


def load_facade_gardens(users: dict[str, User], progress: Progress) -> bool:
    """Facade gardens along a school at the edge of Werkeren, completed, one sensor nearby."""
    challenge = _new_challenge_for(FACADE_GARDENS_TITLE, SCHOOL_CHALLENGE, progress)
    if challenge is None:
        return False
    works, year = FACADE_GARDENS_WORKS, demo_summer_year()
    with transaction.atomic():
        gardens = _consulted(
            users,
            challenge,
            weeks=2,
            opened=date(year, 4, 15),
            supporters=("bewoner14", "bewoner15"),
            kind=Intervention.Kind.FACADE_GARDEN,
            title=FACADE_GARDENS_TITLE,
            description=(
                "Langs de zonkant van basisschool De Werkeren gaan twee rijen tegels uit de "
                "stoep voor geveltuinen met klimplanten, die de kinderen mee onderhouden."
            ),
            site=works.site(),
            cost_estimate=Decimal("12000"),
            expected_effect="Een koelere gevel en lokalen, en regenwater dat in de grond zakt.",
        )
        _agreed_and_carried_out(
            users,
            gardens,
            works,
            year,
            decided_on=date(year, 6, 10),
            motivation="Klein, goedkoop en samen met de school: een begin aan de rand van de wijk.",
            votes=(35, 0, 4),
            milestones=((0, "Tegels eruit", ""), (10, "Geveltuinen geplant", "")),
        )
    progress(f"  “{FACADE_GARDENS_TITLE}”: completed {_span(works, year)}")
    return True


def _span(works: DemoWorks, year: int) -> str:
    start, end = works.dates(year)
    return f"{start.isoformat()} to {end.isoformat()}"


def evaluate_completed(progress: Progress) -> int:
    """Measure the demo's completed works now, so their pages show the effect at once.

    Completing queues the same job for a worker; it finds nothing new and adds no run.
    """
    runs = 0
    for title in (DEPAVING_TITLE, SCHOOL_TREES_TITLE, FACADE_GARDENS_TITLE):
        intervention = Intervention.objects.filter(title=title, site__isnull=False).first()
        if intervention is None:
            continue
        if intervention.status != S.COMPLETED or intervention.actual_end is None:
            # Loaded by an older demo, or moved on by an officer since: kept as it is.
            progress(f"  “{title}”: {intervention.status}, not measured")
            continue
        run = evaluation_run(intervention=intervention, today=timezone.localdate())
        if run is None:
            continue
        runs += 1
        figure = (
            f" ({run.effect:+.2f} °C, {run.low:+.2f} to {run.high:+.2f})"
            if run.effect is not None
            else ""
        )
        progress(f"  measured “{title}”: {run.verdict}{figure}")
    return runs


# The demo's residents' answers on the depaving, given by the stakeholders in the order of
# their logins (`resident` is left to answer in the browser): enough to pass the
# publication threshold of 5.
DEMO_ANSWERS = (
    ("yes", "In de avond is het op het plein merkbaar koeler."),
    ("yes", ""),
    ("not_sure", ""),
    ("yes", ""),
    ("no", "Overdag is het er nog steeds heet; er is te weinig schaduw."),
    ("yes", ""),
)


def load_followup(users: dict[str, User], progress: Progress) -> int:
    """Ask the depaving's stakeholders whether it helped, and record a few answers.

    In a live service the daily job asks four weeks after completion; the demo's
    works were completed months before it loads, so it asks at load time, once
    (an existing question is kept). Its accounts' addresses are not real, so no
    e-mail goes out. `resident` is asked but left to answer in the browser.
    """
    depaving = Intervention.objects.filter(title=DEPAVING_TITLE, status=S.COMPLETED).first()
    if depaving is None or FollowUp.objects.filter(intervention=depaving).exists():
        return 0
    silent = get_connection("django.core.mail.backends.dummy.EmailBackend")
    asked = {}
    for user in services.followup_recipients(depaving):
        if services.followup_ask(depaving, user, connection=silent):
            asked[user.username] = user
    answering = sorted(login for login in asked if login != "resident")
    for login, (answer, comment) in zip(answering, DEMO_ANSWERS, strict=False):
        followup = FollowUp.objects.get(intervention=depaving, user=asked[login])
        services.followup_answer(followup=followup, user=None, answer=answer, comment=comment)
    answered = min(len(answering), len(DEMO_ANSWERS))
    progress(
        f"  “{DEPAVING_TITLE}”: {len(asked)} stakeholders asked whether it helped, "
        f"{answered} answered"
    )
    return answered


def load_shade(users: dict[str, User], progress: Progress) -> bool:
    """Shade sails at the shopping centre, consulted and waiting for the council's decision."""
    challenge = _new_challenge_for(SHADE_TITLE, HEAT_CHALLENGE, progress)
    if challenge is None:
        return False
    officer = users["officer"]
    with transaction.atomic():
        shade = _consulted(
            users,
            challenge,
            weeks=1,
            supporters=("resident2", "bewoner05", "bewoner06"),
            kind=Intervention.Kind.SHADE,
            title=SHADE_TITLE,
            description=(
                "Tot de nieuwe bomen groot zijn, hangen er van mei tot september schaduwzeilen "
                "boven de drie drukste looproutes tussen de bushalte en de winkels."
            ),
            site=square_around(6.0563, 52.5249, 30),
            cost_estimate=Decimal("42000"),
            expected_effect="Schaduw op de heetste uren van de dag, vooral voor ouderen.",
        )
        workflow.transition(
            shade,
            S.AWAITING_DECISION,
            actor=officer,
            note="De consultatie is afgerond; het voorstel gaat naar de raad.",
        )
    progress(f"  “{SHADE_TITLE}”: awaiting the council's decision")
    return True


def load_wadi(users: dict[str, User], progress: Progress) -> bool:
    """The wadi proposal in consultation, with supports, comments and one hidden comment."""
    challenge = _new_challenge_for(WADI_TITLE, WATER_CHALLENGE, progress)
    if challenge is None:
        return False
    officer = users["officer"]
    with transaction.atomic():
        wadi = _consulted(
            users,
            challenge,
            weeks=CONSULTATION_WEEKS,
            supporters=(
                "resident",
                "resident2",
                "bewoner10",
                "bewoner11",
                "bewoner12",
                "bewoner13",
            ),
            kind=Intervention.Kind.WATER_STORAGE,
            title=WADI_TITLE,
            description=(
                "In het grasveld in de laagte komt een wadi van 40 bij 12 meter die bij een "
                "hevige bui 300 m³ regenwater bergt en het daarna langzaam laat inzakken."
            ),
            site=Point(6.0300, 52.5370, srid=4326),
            cost_estimate=Decimal("95000"),
            expected_effect="Minder water op straat en in tuinen na een hoosbui.",
        )
        question = services.comment_create(
            intervention=wadi,
            actor=users["resident2"],
            text="Blijft het grasveld bruikbaar om te spelen als de wadi droog staat?",
        )
        services.comment_create(
            intervention=wadi,
            actor=officer,
            text=(
                "Ja: de wadi is ondiep (maximaal 40 cm) met flauwe taluds en staat het grootste "
                "deel van het jaar droog. Er kan gewoon op gespeeld worden."
            ),
            reply_to=question,
        )
        services.comment_create(
            intervention=wadi,
            actor=users["resident"],
            text="Goed plan, onze kelder liep vorige zomer twee keer onder.",
        )
        spam = services.comment_create(
            intervention=wadi, actor=users["resident3"], text=HIDDEN_COMMENT
        )
        for login, reason in (
            ("bewoner21", "spam"),
            ("bewoner22", "spam"),
            ("resident2", "off_topic"),
        ):
            services.comment_report(comment=spam, actor=users[login], reason=reason)
    hidden = Comment.objects.get(pk=spam.pk).status == Comment.Status.HIDDEN
    progress(f"  “{WADI_TITLE}”: in consultation, one comment hidden: {hidden}")
    return True


def load_demo(progress: Progress = print, **kwargs) -> dict[str, int]:
    """Load (or keep) the demo proposals; returns how many were new."""
    progress(
        "Interventions: three works completed in the summer (depaving, school-yard trees, "
        "facade gardens), shade sails awaiting a decision, the wadi in consultation"
    )
    users = _users()
    missing = {"officer", "council", "resident", "resident2"} - set(users)
    if missing:
        progress(f"  the core demo's accounts are missing ({', '.join(sorted(missing))}): skipped")
        return {"interventions": 0}
    loads = (load_depaving, load_shade, load_wadi, load_school_trees, load_facade_gardens)
    made = sum(int(load(users, progress)) for load in loads)
    evaluate_completed(progress)
    load_followup(users, progress)
    return {"interventions": made}
