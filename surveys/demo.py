"""The Stadshagen survey demo: about 300 residents answer "Heat and water in Stadshagen".

The survey the SensHagen story starts with: residents of the low-lying,
paved neighbourhoods (Werkeren with its low, Frankhuis with the school yard,
Milligen with the shopping centre — the hot and wet spots of civic.demo)
name heat and flooding far more often than those of Breecamp,
Schellerbroek and Oldenelerbroek, who worry more about drought and
greenery. About a third answer signed in (bewoner01..99; ``resident`` and
``resident2`` are left to try it themselves), the rest with an invitation
code from a letter per neighbourhood, of which about four in ten stay
unused. Every kind of question is answered; about half of the respondents
agree that their map points become concerns (source survey), most of which
the officer publishes.

Answers go through the real path (surveys.answering.response_submit), so
they are validated, get their neighbourhood and make their concerns like a
resident's; only the dates are spread over the weeks the survey has been
open afterwards. It opened OPEN_DAYS before the day of loading and stays open
three weeks more, so a visitor can answer it whatever the date. At the end
the survey signal is computed once, so the challenges show survey evidence.

Deterministic (one seeded generator, also for the codes) and idempotent: a
second run finds the survey by its title and skips. All in one transaction,
so a failed run leaves nothing half-loaded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import timedelta
from time import monotonic

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point, Polygon
from django.db import connection, transaction
from django.utils import timezone

from civic import demo as civic_demo
from civic import workflow
from civic.models import Area, Concern, Theme, User
from civic.roles import RESIDENT
from civic.runs import run_recorded
from surveys import answering, services
from surveys.models import Invitation, Question, Response, Survey
from surveys.services import CODE_ALPHABET, CODE_LENGTH, OptionSpec, QuestionSpec
from surveys.signal import signal_recompute
from surveys.tasks import SIGNAL_JOB

Progress = Callable[[str], None]
K = Question.Kind
SEED = 2026
RESPONDENTS = 300
TITLE_NL = "Hitte en water in Stadshagen"
TITLE_EN = "Heat and water in Stadshagen"
OPEN_DAYS = 28
PREPARED_DAYS = 7  # the survey and its letters, before it opened
SIGNED_IN_SHARE = 0.3
CODES_USED_SHARE = 0.6  # of each neighbourhood's letters, this share comes back
CONSENT_SHARE = 0.5
PUBLISHED_SHARE = 0.9  # of the survey concerns, the officer has published these
RESIDENT_POOL = [f"bewoner{n:02d}" for n in range(1, 100)]

# The chance that a respondent of a neighbourhood worries about each theme.
WORRIES = {
    # low-lying and paved: the story's heat and water
    "BU01931201": {"heat": 0.62, "flooding": 0.80, "drought": 0.18, "greenery": 0.35},  # Werkeren
    "BU01931202": {"heat": 0.76, "flooding": 0.62, "drought": 0.20, "greenery": 0.40},  # Frankhuis
    "BU01931205": {"heat": 0.82, "flooding": 0.64, "drought": 0.18, "greenery": 0.55},  # Milligen
    # higher and greener
    "BU01931203": {"heat": 0.30, "flooding": 0.18, "drought": 0.46, "greenery": 0.40},  # Breecamp
    "BU01931204": {"heat": 0.26, "flooding": 0.24, "drought": 0.30, "greenery": 0.34},
    "BU01931206": {"heat": 0.30, "flooding": 0.36, "drought": 0.30, "greenery": 0.30},
}
LOW_LYING = ("BU01931201", "BU01931202", "BU01931205")

STREETS = [
    "Werkerlaan",
    "Frankhuisallee",
    "Breecampweg",
    "Schellerbroeklaan",
    "Milligerplas",
    "Oldenelerbroekweg",
    "Dobbestraat",
    "Stadshagenallee",
]
POINT_TEXTS = {
    "heat": [
        "Geen schaduw, alles steen.",
        "Hier is het 's middags niet uit te houden.",
        "De speeltuin staat in de volle zon.",
        "",
    ],
    "flooding": [
        "Na een bui staat hier de straat blank.",
        "De put loopt over.",
        "Het fietspad staat onder water.",
        "",
    ],
}
REMARKS = [
    "Meer bomen in de straat graag.",
    "Wij willen best meedoen met tegels eruit, tuin erin.",
    "Bij hevige regen loopt onze kelder vol.",
    "Ouderen in onze flat hebben het zwaar tijdens hittegolven.",
    "Fijn dat de gemeente dit vraagt.",
    "Laat de kinderen van de school meedenken over het plein.",
]


def _questions(themes: dict[str, Theme]) -> list[QuestionSpec]:
    heat, flooding, drought, greenery = (
        themes[slug] for slug in ("heat", "flooding", "drought", "greenery")
    )
    return [
        QuestionSpec(
            K.SINGLE_CHOICE,
            "Waar maakt u zich in uw buurt het meest zorgen over?",
            "What worries you most in your neighbourhood?",
            required=True,
            options=(
                OptionSpec("Hitte", "Heat", theme=heat),
                OptionSpec("Wateroverlast", "Flooding", theme=flooding),
                OptionSpec("Droogte", "Drought", theme=drought),
                OptionSpec("Te weinig groen", "Too little greenery", theme=greenery),
                OptionSpec("Niets hiervan", "None of these"),
            ),
        ),
        QuestionSpec(
            K.MULTIPLE_CHOICE,
            "Wat merkt u in uw buurt?",
            "What do you notice in your neighbourhood?",
            options=(
                OptionSpec("Warme nachten, slecht slapen", "Warm nights, poor sleep", theme=heat),
                OptionSpec(
                    "Water op straat of in de tuin na een bui",
                    "Water in the street or garden after rain",
                    theme=flooding,
                ),
                OptionSpec("Verdorde planten en gras", "Withered plants and grass", theme=drought),
                OptionSpec("Weinig bomen en schaduw", "Few trees and little shade", theme=greenery),
                OptionSpec("Geluidsoverlast", "Noise"),
            ),
        ),
        QuestionSpec(
            K.RANKING,
            "Wat moet de gemeente in uw buurt als eerste aanpakken?",
            "What should the municipality tackle first in your neighbourhood?",
            help_nl="Zet alles op volgorde; bovenaan is het belangrijkst.",
            help_en="Put everything in order; the top is the most important.",
            options=(
                OptionSpec("Hitte", "Heat", theme=heat),
                OptionSpec("Wateroverlast", "Flooding", theme=flooding),
                OptionSpec("Droogte", "Drought", theme=drought),
                OptionSpec("Meer groen", "More greenery", theme=greenery),
                OptionSpec("Verkeersveiligheid", "Road safety"),
                OptionSpec("Speelplekken", "Places to play"),
                OptionSpec("Parkeren", "Parking"),
            ),
        ),
        QuestionSpec(K.LIKERT, "Mijn buurt is groen genoeg.", "My neighbourhood is green enough."),
        QuestionSpec(
            K.NUMBER,
            "Welk deel van uw tuin is betegeld (procent)?",
            "How much of your garden is paved (per cent)?",
            min_value=0,
            max_value=100,
        ),
        QuestionSpec(
            K.MAP_POINT,
            "Waar is het in de zomer te heet?",
            "Where is it too hot in summer?",
            theme=heat,
        ),
        QuestionSpec(
            K.MAP_POINT,
            "Waar blijft na een bui water staan?",
            "Where does water stay after rain?",
            theme=flooding,
        ),
        QuestionSpec(
            K.MAP_AREA,
            "Welk stuk van uw buurt zou u groener willen maken?",
            "Which part of your neighbourhood would you make greener?",
        ),
        QuestionSpec(
            K.SHORT_TEXT, "In welke straat woont u? (niet verplicht)", "Your street (optional)"
        ),
        QuestionSpec(
            K.LONG_TEXT, "Wat wilt u de gemeente nog meegeven?", "Anything else for the council?"
        ),
    ]


def _allocate(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` split by weight, largest remainders first, so the parts add up."""
    whole = sum(weights.values())
    exact = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: math.floor(value) for key, value in exact.items()}
    for key in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[
        : total - sum(counts.values())
    ]:
        counts[key] += 1
    return counts


def _residents(progress: Progress) -> list[User]:
    """bewoner01..99 (the core demo makes 01..40; the rest are made here, cheaply)."""
    existing = set(
        User.objects.filter(username__in=RESIDENT_POOL).values_list("username", flat=True)
    )
    missing = [login for login in RESIDENT_POOL if login not in existing]
    if missing:
        created = User.objects.bulk_create(
            User(username=login, email=f"{login}@demo.zwolle.test", password=make_password(None))
            for login in missing
        )
        group, _ = Group.objects.get_or_create(name=RESIDENT)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=group.pk) for user in created
        )
        progress(f"  {len(created)} more residents (bewoner41..99)")
    by_name = {u.username: u for u in User.objects.filter(username__in=RESIDENT_POOL)}
    return [by_name[login] for login in RESIDENT_POOL]


class _Place:
    """Where a respondent of one neighbourhood puts points and areas on the map."""

    MARGIN = 0.0008  # degrees, so points stay well inside the neighbourhood

    def __init__(self, bbox: tuple[float, float, float, float], rng: random.Random):
        self.west, self.south, self.east, self.north = bbox
        self.rng = rng
        self.spots = [
            spot
            for spot in civic_demo.SPOTS
            if self.west < spot.lon < self.east and self.south < spot.lat < self.north
        ]

    def _clamp(self, lon: float, lat: float) -> tuple[float, float]:
        m = self.MARGIN
        return (
            min(self.east - m, max(self.west + m, lon)),
            min(self.north - m, max(self.south + m, lat)),
        )

    def anywhere(self) -> tuple[float, float]:
        m = self.MARGIN
        return (
            self.rng.uniform(self.west + m, self.east - m),
            self.rng.uniform(self.south + m, self.north - m),
        )

    def point(self, theme: str) -> Point:
        """Near one of the neighbourhood's spots of this theme (most of the time), else anywhere."""
        spots = [spot for spot in self.spots if spot.theme == theme]
        if spots and self.rng.random() < 0.8:
            spot = self.rng.choice(spots)
            # about 68 000 m per degree of longitude here, 111 250 m per degree of latitude
            lon = spot.lon + self.rng.gauss(0, spot.spread_m) / 67_900
            lat = spot.lat + self.rng.gauss(0, spot.spread_m) / 111_250
            lon, lat = self._clamp(lon, lat)
        else:
            lon, lat = self.anywhere()
        return Point(round(lon, 6), round(lat, 6), srid=4326)

    def patch(self) -> Polygon:
        """A street-sized rectangle (roughly 60-150 m a side) inside the neighbourhood."""
        lon, lat = self.anywhere()
        half_w = self.rng.uniform(30, 75) / 67_900
        half_h = self.rng.uniform(30, 75) / 111_250
        lon, lat = self._clamp(lon, lat)
        return Polygon.from_bbox((lon - half_w, lat - half_h, lon + half_w, lat + half_h))


def _answers(
    rng: random.Random, questions: list[Question], worries: dict[str, float], place: _Place
) -> dict[int, object]:
    """One respondent's answers, following what worries them."""
    single, multiple, ranking, likert, number, hot, wet, patch, street, remark = questions
    worried = [theme for theme, chance in worries.items() if rng.random() < chance]
    by_theme = {
        question.pk: {o.theme.slug if o.theme else None: o for o in question.options.all()}
        for question in (single, multiple, ranking)
    }
    answers: dict[int, object] = {}
    if worried:
        most = rng.choices(worried, weights=[worries[t] for t in worried])[0]
        answers[single.pk] = by_theme[single.pk][most].pk
    else:
        answers[single.pk] = by_theme[single.pk][None].pk
    noticed = [by_theme[multiple.pk][t].pk for t in worried if rng.random() < 0.8]
    if rng.random() < 0.2:
        noticed.append(by_theme[multiple.pk][None].pk)
    if noticed:
        answers[multiple.pk] = noticed
    if rng.random() < 0.85:
        # What worries them first, then the everyday matters, then the other themes.
        options = list(ranking.options.all())
        first = sorted(
            (o for o in options if o.theme and o.theme.slug in worried),
            key=lambda o: -worries[o.theme.slug] * rng.random(),
        )
        everyday = [o for o in options if o.theme is None]
        rng.shuffle(everyday)
        rest = [o for o in options if o.theme and o.theme.slug not in worried]
        rng.shuffle(rest)
        answers[ranking.pk] = [o.pk for o in (*first, *everyday, *rest)]
    green_enough = 2 if "greenery" in worried else 4
    answers[likert.pk] = min(5, max(1, green_enough + rng.choice((-1, 0, 0, 1))))
    if rng.random() < 0.7:
        answers[number.pk] = rng.choice((10, 20, 30, 40, 50, 60, 70, 80, 90, 100))
    for question, theme in ((hot, "heat"), (wet, "flooding")):
        if theme in worried and rng.random() < 0.55:
            answers[question.pk] = {
                "point": place.point(theme),
                "text": rng.choice(POINT_TEXTS[theme]),
            }
    if rng.random() < 0.25:
        answers[patch.pk] = place.patch()
    if rng.random() < 0.4:
        answers[street.pk] = rng.choice(STREETS)
    if rng.random() < 0.3:
        answers[remark.pk] = rng.choice(REMARKS)
    return answers


def _codes(rng: random.Random, count: int) -> list[str]:
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


def _spread_dates(survey: Survey, rng: random.Random, opens_at) -> None:
    """Answers came in over the weeks the survey has been open, most after the letters.

    The survey and its letters were made PREPARED_DAYS before it opened, so no
    code reads as used before it was made.
    """
    prepared = opens_at - timedelta(days=PREPARED_DAYS)
    Survey.objects.filter(pk=survey.pk).update(created_at=prepared)
    Invitation.objects.filter(survey=survey).update(created_at=prepared)
    responses = list(Response.objects.filter(survey=survey).order_by("pk"))
    for response in responses:
        days = min(OPEN_DAYS - 1, rng.expovariate(1 / 6))
        response.submitted_at = response.updated_at = opens_at + timedelta(
            days=days, minutes=rng.randrange(8 * 60, 22 * 60)
        )
    Response.objects.bulk_update(responses, ["submitted_at", "updated_at"], batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE surveys_invitation i SET used_at = r.submitted_at
            FROM surveys_response r WHERE r.invitation_id = i.id AND r.survey_id = %(survey)s
            """,
            {"survey": survey.pk},
        )
        cursor.execute(
            """
            UPDATE civic_concern c SET created_at = r.submitted_at
            FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id
            WHERE a.concern_id = c.id AND r.survey_id = %(survey)s
            """,
            {"survey": survey.pk},
        )


def _survey_create(officer: User, district: Area, themes: dict[str, Theme], now) -> Survey:
    """The survey, its questions, open for the last OPEN_DAYS days and three weeks more."""
    survey = services.survey_create(
        actor=officer,
        title_nl=TITLE_NL,
        title_en=TITLE_EN,
        intro_nl=(
            "Stadshagen ligt laag en is op veel plekken versteend. Waar heeft u last van "
            "hitte of water, en wat moet er volgens u als eerste gebeuren? Het invullen "
            "duurt vijf minuten."
        ),
        intro_en=(
            "Stadshagen lies low and is paved in many places. Where do heat or water "
            "bother you, and what should come first? It takes five minutes."
        ),
        area=district,
        opens_at=now - timedelta(days=OPEN_DAYS),
        closes_at=now + timedelta(days=21),
    )
    services.questions_replace(actor=officer, survey=survey, questions=_questions(themes))
    workflow.transition(survey, Survey.Status.OPEN, actor=officer)
    survey.refresh_from_db()
    return survey


def _modes(rng: random.Random, counts: dict[str, int], accounts: int) -> list[tuple[str, bool]]:
    """(neighbourhood code, signed in?) per respondent: signed in while accounts last."""
    plan = [
        (code, rng.random() < SIGNED_IN_SHARE)
        for code in sorted(counts)
        for _ in range(counts[code])
    ]
    rng.shuffle(plan)
    modes = []
    for code, wants_account in plan:
        use_account = wants_account and accounts > 0
        accounts -= use_account
        modes.append((code, use_account))
    return modes


def _letters(
    rng: random.Random, survey: Survey, neighbourhoods: dict[str, Area], needed: dict[str, int]
) -> dict[str, list[str]]:
    """One letter batch per neighbourhood, about CODES_USED_SHARE of it to be used."""
    letters = {
        code: _codes(rng, max(count + 3, math.ceil(count / CODES_USED_SHARE)))
        for code, count in sorted(needed.items())
    }
    Invitation.objects.bulk_create(
        Invitation(
            survey=survey,
            area=neighbourhoods[code],
            code=value,
            batch=f"Brief {neighbourhoods[code].name}",
        )
        for code, values in letters.items()
        for value in values
    )
    return letters


def load_demo(
    progress: Progress = print, *, respondents: int = RESPONDENTS, days: int | None = None
) -> dict[str, int]:
    """Load the survey with its answers, then compute the survey signal (`days`: not ours)."""
    if Survey.objects.filter(title_nl=TITLE_NL).exists():
        progress(f"Survey “{TITLE_NL}”: loaded before (kept)")
        return {"responses": 0, "invitations": 0, "concerns": 0}
    officer = User.objects.filter(username="officer").first()
    district = Area.objects.filter(code=civic_demo.DISTRICT[0]).first()
    if officer is None or district is None:
        raise RuntimeError("Load the core demo first (it creates the officer and the areas).")
    started = monotonic()
    rng = random.Random(SEED)
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    neighbourhoods = {a.code: a for a in Area.objects.filter(code__in=WORRIES)}
    bboxes = {code: bbox for code, _name, bbox, *_rest in civic_demo.NEIGHBOURHOODS}
    population = {code: people for code, _n, _b, people, *_rest in civic_demo.NEIGHBOURHOODS}
    counts = _allocate(respondents, {code: population[code] for code in WORRIES})

    progress(f"Survey “{TITLE_NL}”: {respondents} respondents")
    with transaction.atomic():
        residents = _residents(progress)
        rng.shuffle(residents)
        survey = _survey_create(officer, district, themes, timezone.now())
        questions = list(survey.questions.prefetch_related("options__theme").order_by("position"))
        modes = _modes(rng, counts, len(residents))
        needed = {
            code: sum(1 for c, account in modes if c == code and not account) for code in counts
        }
        letters = _letters(rng, survey, neighbourhoods, needed)
        invitations = sum(len(values) for values in letters.values())
        progress(f"  {invitations} invitation codes in {len(letters)} letters")

        accounts = iter(residents)
        unused = {code: iter(values) for code, values in letters.items()}
        places = {code: _Place(bboxes[code], rng) for code in counts}
        for index, (code, use_account) in enumerate(modes, start=1):
            answers = _answers(rng, questions, WORRIES[code], places[code])
            consent = rng.random() < CONSENT_SHARE
            if use_account:
                answering.response_submit(
                    survey=survey,
                    answers=answers,
                    respondent=next(accounts),
                    area=neighbourhoods[code],
                    consent_publish=consent,
                )
            else:
                answering.response_submit(
                    survey=survey, answers=answers, code=next(unused[code]), consent_publish=consent
                )
            if index % 50 == 0 or index == len(modes):
                progress(f"  responses {index}/{len(modes)} ({monotonic() - started:.0f} s)")

        concerns = list(
            Concern.objects.filter(survey_answer__response__survey=survey).order_by("pk")
        )
        for concern in concerns:
            if rng.random() < PUBLISHED_SHARE:
                workflow.transition(concern, Concern.Status.PUBLISHED, actor=officer)
        progress(f"  {len(concerns)} map answers became concerns (source survey)")
        _spread_dates(survey, rng, survey.opens_at)
        example = next(unused[LOW_LYING[0]], None)

    written = run_recorded(SIGNAL_JOB, signal_recompute)
    progress(f"  survey signal: {written} evidence rows ({monotonic() - started:.0f} s)")
    if example:
        progress(f"  an unused invitation code to try: {example}")
    return {"responses": len(modes), "invitations": invitations, "concerns": len(concerns)}
