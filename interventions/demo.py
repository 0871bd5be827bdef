"""The interventions of the Stadshagen demo, carried through the real workflow.

- "Hittestress rond winkelcentrum Stadshagen": the officer's depaving proposal,
  consulted (with supports), sent to the council and agreed, its decision on
  the record (motivation, meeting, votes); the works are in progress (30 %,
  planned to end ten weeks after the load date, two milestones), not completed;
- "Wateroverlast in de laagte van Werkeren": a wadi proposal in consultation
  until four weeks after the load date, with supports and comments of demo
  residents, an official answer, and one comment hidden after three reports
  (its author is the extra demo resident "resident3", who logs in with the
  core demo's password and reads why);
- on the shopping centre too, shade sails over the walking routes, consulted and
  now AWAITING the council's decision: a council member who logs in can record it;
- "Koele, groene schoolpleinen" stays open, without a proposal.

Everything goes through interventions.services and civic.workflow (no status
written by hand). Idempotent: a proposal is found by its challenge and title,
and one that exists is kept as it is (officers may have moved it on since).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.contrib.gis.geos import Point, Polygon
from django.db import transaction
from django.utils import timezone

from civic import workflow
from civic.demo import DEMO_PASSWORD
from civic.models import Challenge, User
from civic.roles import RESIDENT, user_assign_role
from interventions import services
from interventions.models import Comment, Decision, Intervention

Progress = Callable[[str], None]
S = Intervention.Status

HEAT_CHALLENGE = "Hittestress rond winkelcentrum Stadshagen"
WATER_CHALLENGE = "Wateroverlast in de laagte van Werkeren"
DEPAVING_TITLE = "Ontstenen en vergroenen van het Stadshagenplein"
WADI_TITLE = "Wadi in het groen van de laagte Werkeren"
SHADE_TITLE = "Schaduwzeilen boven de looproutes van het winkelcentrum"
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


def _square_around(lon: float, lat: float, half_m: float) -> Polygon:
    dx, dy = half_m / 67_900, half_m / 111_250
    ring = (
        (lon - dx, lat - dy),
        (lon + dx, lat - dy),
        (lon + dx, lat + dy),
        (lon - dx, lat + dy),
        (lon - dx, lat - dy),
    )
    return Polygon(ring, srid=4326)


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
    **fields,
) -> Intervention:
    """An officer's proposal opened for consultation for `weeks`, with its supporters."""
    proposal = services.intervention_create(actor=users["officer"], challenge=challenge, **fields)
    workflow.transition(
        proposal,
        S.IN_CONSULTATION,
        actor=users["officer"],
        changes={"consultation_end": timezone.localdate() + timedelta(weeks=weeks)},
    )
    for login in supporters:
        services.support_add(intervention=proposal, actor=users[login])
    return proposal


def load_depaving(users: dict[str, User], progress: Progress) -> bool:
    """The agreed depaving on the shopping-centre square: decided, works in progress, milestones."""
    challenge = _new_challenge_for(DEPAVING_TITLE, HEAT_CHALLENGE, progress)
    if challenge is None:
        return False
    officer, council = users["officer"], users["council"]
    today = timezone.localdate()
    with transaction.atomic():
        depaving = _consulted(
            users,
            challenge,
            weeks=2,
            supporters=("resident", "bewoner01", "bewoner02", "bewoner03", "bewoner04"),
            kind=Intervention.Kind.DEPAVING,
            title=DEPAVING_TITLE,
            description=(
                "We halen 1.200 m² tegels weg rond het winkelcentrum en planten twaalf bomen "
                "met een ruime, doorlatende boomspiegel. Langs de looproutes komen bankjes in "
                "de schaduw."
            ),
            site=_square_around(6.0555, 52.5245, 60),
            cost_estimate=Decimal("185000"),
            expected_effect=(
                "Koelere nachten op het plein (naar verwachting 1 tot 2 °C) en schaduw op de "
                "heetste uren; regenwater zakt weg in plaats van af te stromen."
            ),
        )
        services.comment_create(
            intervention=depaving,
            actor=users["bewoner02"],
            text="Graag ook een watertappunt bij de bankjes, dan is het plein echt een koele plek.",
        )
        workflow.transition(
            depaving,
            S.AWAITING_DECISION,
            actor=officer,
            note="De consultatie is afgerond; het voorstel gaat naar de raad.",
        )
        services.decision_record(
            intervention=depaving,
            actor=council,
            outcome=Decision.Outcome.AGREED,
            decided_on=today,
            motivation=(
                "De metingen van het sensornetwerk tonen dat het plein de heetste plek van "
                "Stadshagen is. Ontstenen en bomen verlagen de hittestress voor bewoners en "
                "winkelend publiek; de kosten passen in het klimaatadaptatiebudget."
            ),
            meeting_reference="Raadsvergadering Zwolle, agendapunt 7 (demo)",
            votes_for=27,
            votes_against=8,
            votes_abstaining=4,
        )
        # The works have started (not completed: the evaluation of issue 11 completes them).
        services.implementation_update(
            intervention=depaving,
            actor=officer,
            planned_start=today,
            planned_end=today + timedelta(weeks=10),
        )
        workflow.transition(
            depaving, S.IN_PROGRESS, actor=officer, note="Aannemer start met de voorbereiding."
        )
        services.milestone_add(
            intervention=depaving,
            actor=officer,
            date=today,
            title="Bouwhekken geplaatst",
            description="Het plein is afgezet; de looproute naar de winkels blijft open.",
        )
        services.milestone_add(
            intervention=depaving,
            actor=officer,
            date=today,
            title="Eerste 400 m² tegels verwijderd",
            description="De bodem onder de tegels wordt losgemaakt voor de boomspiegels.",
        )
        services.implementation_update(intervention=depaving, actor=officer, progress=30)
    progress(f"  “{DEPAVING_TITLE}”: agreed by the council, works in progress")
    return True


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
            site=_square_around(6.0563, 52.5249, 30),
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
        "Interventions: the agreed depaving, shade sails awaiting a decision, "
        "the wadi in consultation"
    )
    users = _users()
    missing = {"officer", "council", "resident", "resident2"} - set(users)
    if missing:
        progress(f"  the core demo's accounts are missing ({', '.join(sorted(missing))}): skipped")
        return {"interventions": 0}
    made = sum(int(load(users, progress)) for load in (load_depaving, load_shade, load_wadi))
    return {"interventions": made}
