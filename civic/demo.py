"""The Stadshagen demo: a low-lying district of Zwolle with its residents' concerns.

Deterministic (one seeded random generator) and idempotent (natural keys:
area codes, theme slugs, usernames, concern external ids, challenge titles),
so loading it twice changes nothing. Concerns and challenges are moved
through the real workflow, so the demo has a complete audit trail.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import transaction
from django.utils import timezone

from civic import services, workflow
from civic.cells import GRID_SRID
from civic.models import Area, Challenge, Concern, EvidencePeriod, Theme, User
from civic.periods import last_complete_season_year, period_default
from civic.roles import ADMIN, COUNCIL, OFFICER, RESIDENT, user_assign_role

DEMO_PASSWORD = "stadshagen2026"  # noqa: S105 - published in the README on purpose
SEED = 2026
Progress = Callable[[str], None]

THEMES = [
    # slug, Dutch, English, colour, order
    ("heat", "Hitte", "Heat", "#d9480f", 1),
    ("flooding", "Wateroverlast", "Flooding", "#1864ab", 2),
    ("drought", "Droogte", "Drought", "#e67700", 3),
    ("greenery", "Groen", "Greenery", "#2b8a3e", 4),
    ("other", "Overig", "Other", "#495057", 5),
]

# (login, e-mail, role, first name): the accounts named in the README.
DEMO_USERS = [
    ("resident", RESIDENT, "Fatima"),
    ("resident2", RESIDENT, "Joost"),
    ("officer", OFFICER, "Sanne"),
    ("council", COUNCIL, "Henk"),
    ("admin", ADMIN, "Beheer"),
]

# Stadshagen lies north-west of Zwolle's centre, around 52.53 N, 6.06 E.
MUNICIPALITY = ("GM0193", "Zwolle", (5.98, 52.46, 6.20, 52.57), 132_000)
DISTRICT = ("WK019312", "Stadshagen", (6.020, 52.515, 6.090, 52.545), 27_500)
# code, name, (west, south, east, north), population, share over 65, paved share, green share
NEIGHBOURHOODS = [
    ("BU01931201", "Werkeren", (6.020, 52.530, 6.043, 52.545), 4_300, 0.08, 0.46, 0.31),
    ("BU01931202", "Frankhuis", (6.043, 52.530, 6.066, 52.545), 5_100, 0.11, 0.52, 0.24),
    ("BU01931203", "Breecamp", (6.066, 52.530, 6.090, 52.545), 3_900, 0.14, 0.41, 0.35),
    ("BU01931204", "Schellerbroek", (6.020, 52.515, 6.043, 52.530), 4_800, 0.10, 0.44, 0.33),
    ("BU01931205", "Milligen", (6.043, 52.515, 6.066, 52.530), 5_600, 0.19, 0.61, 0.18),
    ("BU01931206", "Oldenelerbroek", (6.066, 52.515, 6.090, 52.530), 3_800, 0.22, 0.38, 0.39),
]
# code: share of young children (0-4), share living alone; plausible figures for a young
# district (families in the new parts, older singles in Milligen and Oldenelerbroek).
HOUSEHOLDS = {
    "BU01931201": (0.09, 0.14),
    "BU01931202": (0.08, 0.17),
    "BU01931203": (0.07, 0.19),
    "BU01931204": (0.08, 0.16),
    "BU01931205": (0.05, 0.27),
    "BU01931206": (0.04, 0.29),
}


@dataclass(frozen=True)
class Spot:
    """A place many residents worry about."""

    name: str
    lon: float
    lat: float
    theme: str
    weight: int
    spread_m: float


SPOTS = [
    Spot("Winkelcentrum Stadshagen", 6.0555, 52.5245, "heat", 60, 180),
    Spot("Schoolplein Frankhuis", 6.0520, 52.5380, "heat", 30, 150),
    Spot("Laagte Werkeren", 6.0300, 52.5370, "flooding", 50, 220),
    Spot("Tunnel Oldenelerbroek", 6.0780, 52.5215, "flooding", 30, 160),
    Spot("Droge wadi Breecamp", 6.0770, 52.5390, "drought", 15, 250),
    Spot("Kale straat Milligen", 6.0500, 52.5200, "greenery", 15, 250),
]

TEXTS = {
    "heat": [
        "Op het plein is het 's middags niet uit te houden, er is geen schaduw.",
        "Onze bovenverdieping koelt 's nachts niet meer af.",
        "Veel steen en geen bomen: in de zomer gloeit de straat.",
        "Oudere buren durven bij hitte de deur niet uit.",
        "De speeltuin ligt in de volle zon, de glijbaan is te heet.",
    ],
    "flooding": [
        "Na elke flinke bui staat de straat blank.",
        "Water loopt bij hevige regen onze tuin en schuur in.",
        "De put kan het water niet aan, de stoep staat onder water.",
        "De fietstunnel loopt vol bij een onweersbui.",
        "Onze kruipruimte is nat sinds de laatste regenperiode.",
    ],
    "drought": [
        "Het gras in de wadi is helemaal verdord.",
        "Jonge bomen in de straat gaan dood van de droogte.",
    ],
    "greenery": [
        "Hier zou een boom of geveltuin veel verschil maken.",
        "Kunnen de tegels bij de school eruit voor meer groen?",
    ],
    "other": ["Er is geen bankje in de schaduw langs het fietspad."],
}

CHALLENGES = [
    # title, theme, spot index, radius m, final status, description
    (
        "Hittestress rond winkelcentrum Stadshagen",
        "heat",
        0,
        # Tight around the paved centre: its sensors, not the gardens around it, are
        # the evidence (a wider circle averages the heat away and ranks it below the
        # school yard).
        250,
        # Open: the priority app's demo prioritises it once its score is computed,
        # so the recorded score is the one on evidence, not an empty one.
        Challenge.Status.OPEN,
        "Bewoners melden een heet, versteend winkelgebied zonder schaduw.",
    ),
    (
        "Wateroverlast in de laagte van Werkeren",
        "flooding",
        2,
        500,
        Challenge.Status.OPEN,
        "Straten en tuinen lopen onder na hevige buien.",
    ),
    (
        "Koele, groene schoolpleinen",
        "heat",
        1,
        350,
        Challenge.Status.OPEN,
        "Schoolpleinen ontstenen en vergroenen, samen met leerlingen en ouders.",
    ),
]


@dataclass(frozen=True)
class DemoWorks:
    """Works the demo carries out in the summer it measured: where, when, and their planted effect.

    One record shared by two apps' demos, which may not import each other:
    the one that follows interventions completes these works on `site()` from
    `start` to `end` (month, day) of the demo's summer; the sensor network's
    demo changes the night readings (21:00-06:00) of every sensor within
    `radius_m` of the site by `night_change` °C from the day after the works
    end. `radius_m` is the evaluation's default impact radius, so the planted
    sensors are exactly the ones it compares. A test loads both demos and
    finds the planted change inside the evaluation's interval.
    """

    key: str
    lon: float
    lat: float
    half_m: float  # the site is a square, 2 * half_m wide
    start: tuple[int, int]
    end: tuple[int, int]
    night_change: float = 0.0
    radius_m: float = 150.0

    def site(self) -> Polygon:
        return square_around(self.lon, self.lat, self.half_m)

    def dates(self, year: int) -> tuple[date, date]:
        return date(year, *self.start), date(year, *self.end)

    def reaches(self, point: Point) -> bool:
        """Whether a place lies within `radius_m` of the site (metres in RD New, as measured)."""
        site = self.site().transform(GRID_SRID, clone=True)
        return site.distance(point.transform(GRID_SRID, clone=True)) <= self.radius_m


# The works of the demo's summer, after the heat wave (18-26 July), so the heat wave still
# shows the problem as it was, with 30 and more warm-season nights on each side of the works.
DEPAVING_WORKS = DemoWorks(
    # The shopping-centre square: its gardens' nights are 0.8 °C cooler after the depaving.
    "depaving",
    6.0555,
    52.5245,
    60,
    start=(7, 27),
    end=(8, 7),
    night_change=-0.8,
)
SCHOOL_TREES_WORKS = DemoWorks(
    # Young trees on the Frankhuis school yard late in the school holidays: no effect planted.
    "school_trees",
    6.0520,
    52.5380,
    40,
    start=(8, 10),
    end=(8, 21),
)
FACADE_GARDENS_WORKS = DemoWorks(
    # Facade gardens along a school on the west edge of Werkeren: one garden sensor within 150 m.
    "facade_gardens",
    6.0241,
    52.5354,
    25,
    start=(7, 13),
    end=(7, 24),
)
DEMO_WORKS = (DEPAVING_WORKS, SCHOOL_TREES_WORKS, FACADE_GARDENS_WORKS)


def demo_summer_year(today: date | None = None) -> int:
    """The warm season the demo's measurements lie in: the latest with data, else the last one.

    A demo loaded before keeps its summer after a newer one has ended, so the
    works go where the measurements are.
    """
    season = period_default(today=today)
    if season is not None and season.kind == EvidencePeriod.Kind.SEASON:
        return season.start.year
    return last_complete_season_year(today)


def square_around(lon: float, lat: float, half_m: float) -> Polygon:
    """A square of 2 * half_m around a place (about 67 900 m per degree of longitude here)."""
    dx, dy = half_m / 67_900, half_m / 111_250
    ring = (
        (lon - dx, lat - dy),
        (lon + dx, lat - dy),
        (lon + dx, lat + dy),
        (lon - dx, lat + dy),
        (lon - dx, lat - dy),
    )
    return Polygon(ring, srid=4326)


def _box(west: float, south: float, east: float, north: float) -> MultiPolygon:
    ring = ((west, south), (east, south), (east, north), (west, north), (west, south))
    return MultiPolygon(Polygon(ring), srid=4326)


def _circle(lon: float, lat: float, radius_m: float) -> MultiPolygon:
    # Buffer in metres in RD New, then back to WGS84.
    centre = Point(lon, lat, srid=4326).transform(28992, clone=True)
    return MultiPolygon(centre.buffer(radius_m, quadsegs=8).transform(4326, clone=True), srid=4326)


def _offset(rng: random.Random, spot: Spot) -> Point:
    # Gaussian scatter in metres around the spot (about 68 000 m per degree of longitude here).
    dx, dy = rng.gauss(0, spot.spread_m), rng.gauss(0, spot.spread_m)
    return Point(spot.lon + dx / 67_900, spot.lat + dy / 111_250, srid=4326)


def load_areas() -> int:
    code, name, bbox, population = MUNICIPALITY
    town, _ = Area.objects.update_or_create(
        code=code,
        defaults={
            "kind": Area.Kind.MUNICIPALITY,
            "name": name,
            "geometry": _box(*bbox),
            "population": population,
        },
    )
    code, name, bbox, population = DISTRICT
    district, _ = Area.objects.update_or_create(
        code=code,
        defaults={
            "kind": Area.Kind.DISTRICT,
            "name": name,
            "geometry": _box(*bbox),
            "parent": town,
            "population": population,
        },
    )
    for code, name, bbox, population, over_65, paved, green in NEIGHBOURHOODS:
        Area.objects.update_or_create(
            code=code,
            defaults={
                "kind": Area.Kind.NEIGHBOURHOOD,
                "name": name,
                "geometry": _box(*bbox),
                "parent": district,
                "population": population,
                "attributes": {
                    "share_over_65": over_65,
                    "share_young_children": HOUSEHOLDS[code][0],
                    "share_living_alone": HOUSEHOLDS[code][1],
                    "share_paved": paved,
                    "share_green": green,
                    "elevation_m_nap": round(0.2 + green, 1),
                },
            },
        )
    return 2 + len(NEIGHBOURHOODS)


def load_themes() -> dict[str, Theme]:
    themes = {}
    for slug, nl, en, colour, order in THEMES:
        # get_or_create: an officer's later edits in the admin survive a reload.
        themes[slug], _ = Theme.objects.get_or_create(
            slug=slug, defaults={"name_nl": nl, "name_en": en, "colour": colour, "order": order}
        )
    return themes


def load_users() -> dict[str, User]:
    users = {}
    for login, role, first_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=login,
            defaults={"email": f"{login}@demo.zwolle.test", "first_name": first_name},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = role == ADMIN
            user.save()
        user_assign_role(user, role)
        users[login] = user
    for number in range(1, 41):
        login = f"bewoner{number:02d}"
        user, created = User.objects.get_or_create(
            username=login, defaults={"email": f"{login}@demo.zwolle.test"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user_assign_role(user, RESIDENT)
        users[login] = user
    return users


def _plan(rng: random.Random) -> list[tuple[str, Spot, Point, str, str]]:
    """(external id, spot, point, text, final status) for each demo concern."""
    plan = []
    spots = [spot for spot in SPOTS for _ in range(spot.weight)]
    rng.shuffle(spots)
    for index, spot in enumerate(spots[:200], start=1):
        text = rng.choice(TEXTS[spot.theme])
        roll = rng.random()
        status = (
            Concern.Status.SUBMITTED
            if roll < 0.08
            else Concern.Status.REJECTED
            if roll < 0.12
            else Concern.Status.CLOSED
            if roll < 0.15
            else Concern.Status.PUBLISHED
        )
        plan.append((f"demo-{index:04d}", spot, _offset(rng, spot), text, status))
    return plan


def story_dates(today: date | None = None) -> dict[str, datetime]:
    """When the demo's story happened, around the summer its sensors measured.

    Residents filed concerns through the year before (the last one some weeks
    before `grouped`); officers grouped them into challenges in March and
    prioritised in April, so that the apps' works of that summer come after
    them on every page and timeline. Concerns still waiting for moderation are
    recent (a queue of year-old reports would read wrong).
    """
    year = demo_summer_year(today)
    return {
        "concerns_from": _moment(date(year - 1, 6, 1)),
        "concerns_until": _moment(date(year, 2, 28)),
        "grouped": _moment(date(year, 3, 10)),
        "prioritised": _moment(date(year, 4, 2)),
    }


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def load_concerns(users: dict[str, User], themes: dict[str, Theme], progress: Progress) -> int:
    rng = random.Random(SEED)
    officer = users["officer"]
    authors = [users[f"bewoner{n:02d}"] for n in range(1, 41)]
    existing = set(
        Concern.objects.filter(external_id__startswith="demo-").values_list(
            "external_id", flat=True
        )
    )
    plan = _plan(rng)
    now = timezone.now()
    story = story_dates()
    span = (story["concerns_until"] - story["concerns_from"]).total_seconds()
    created = 0
    for index, (external_id, spot, point, text, status) in enumerate(plan, start=1):
        author = users["resident"] if index % 25 == 0 else rng.choice(authors)
        share = rng.uniform(0, 1)
        if external_id in existing:
            continue
        waiting = status not in (
            Concern.Status.PUBLISHED,
            Concern.Status.CLOSED,
            Concern.Status.REJECTED,
        )
        filed = (
            now - timedelta(days=1 + 29 * share)
            if waiting
            else story["concerns_from"] + timedelta(seconds=span * share)
        )
        # Moderated a day after filing; the record says so (civic.workflow.recorded_at).
        with transaction.atomic(), workflow.recorded_at(filed + timedelta(days=1)):
            concern = services.concern_create(
                author=author,
                theme=themes[spot.theme],
                description=text,
                location=point,
                external_id=external_id,
            )
            if status in (Concern.Status.PUBLISHED, Concern.Status.CLOSED):
                workflow.transition(concern, Concern.Status.PUBLISHED, actor=officer)
            if status == Concern.Status.CLOSED:
                workflow.transition(
                    concern,
                    status,
                    actor=officer,
                    note="De gemeente kan hier zelf niets aan doen; we hebben het doorgegeven.",
                    changes={"outcome": Concern.Outcome.NOT_ACTIONABLE},
                )
            elif status == Concern.Status.REJECTED:
                workflow.transition(
                    concern,
                    status,
                    actor=officer,
                    note="Dit gaat over privéterrein; neem contact op met de verhuurder.",
                )
            # Spread the demo over the year before its summer so histories read in order.
            Concern.objects.filter(pk=concern.pk).update(created_at=filed)
        created += 1
        if index % 25 == 0 or index == len(plan):
            progress(f"  concerns {index}/{len(plan)}")
    return created


def load_challenges(users: dict[str, User], themes: dict[str, Theme], progress: Progress) -> int:
    officer = users["officer"]
    order = [Challenge.Status.DRAFT, Challenge.Status.OPEN, Challenge.Status.PRIORITISED]
    story = story_dates()
    created = 0
    for title, theme, spot_index, radius, final, description in CHALLENGES:
        spot = SPOTS[spot_index]
        challenge = Challenge.objects.filter(title=title).first()
        if challenge is not None:
            # Loaded before; officers may have moved it on (reopened, closed): keep it.
            progress(f"  challenge “{title}”: {challenge.status} (kept)")
            continue
        with transaction.atomic(), workflow.recorded_at(story["grouped"]):
            challenge = services.challenge_create(
                actor=officer,
                title=title,
                theme=themes[theme],
                description=description,
                geometry=_circle(spot.lon, spot.lat, radius),
            )
            Challenge.objects.filter(pk=challenge.pk).update(created_at=story["grouped"])
            created += 1
            for step in order[1 : order.index(final) + 1]:
                workflow.transition(challenge, step, actor=officer)
            if final != Challenge.Status.DRAFT:
                nearby = Concern.objects.filter(
                    status=Concern.Status.PUBLISHED,
                    theme__slug=theme,
                    location__within=challenge.geometry,
                )
                services.challenge_link_concerns(
                    challenge=challenge, concerns=nearby, actor=officer
                )
        progress(f"  challenge “{title}”: {challenge.status}")
    return created


def load_demo(progress: Progress = print) -> dict[str, int]:
    """Load (or top up) the whole demo; returns how many rows of each kind were new."""
    progress("Areas: Zwolle, Stadshagen and six neighbourhoods")
    areas = load_areas()
    progress("Themes and demo accounts")
    themes = load_themes()
    users = load_users()
    progress("Concerns (200, through the workflow)")
    concerns = load_concerns(users, themes, progress)
    progress("Challenges")
    challenges = load_challenges(users, themes, progress)
    return {"areas": areas, "concerns": concerns, "challenges": challenges}
