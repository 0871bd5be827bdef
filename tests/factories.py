"""factory_boy factories: they build model rows only; behaviour comes from services."""

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from civic.models import Area, Challenge, Concern, Theme, User
from civic.roles import ADMIN, COUNCIL, OFFICER, RESIDENT, user_assign_role

# A 2 km square around Stadshagen, Zwolle; tests place points inside it.
CENTRE = (6.06, 52.528)


def square(lon: float, lat: float, half: float) -> MultiPolygon:
    ring = (
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


PASSWORD = "secret-pass-123"


def _with_role(default: str | None):
    def hook(user, create, extracted, **kwargs):
        user.save()
        if extracted or default:
            user_assign_role(user, extracted or default)

    return factory.PostGeneration(hook)


class UserFactory(factory.django.DjangoModelFactory):
    """A user; pass role=... (or use a role factory below). Password: PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    role = _with_role(None)


class ResidentFactory(UserFactory):
    role = _with_role(RESIDENT)


class OfficerFactory(UserFactory):
    role = _with_role(OFFICER)


class CouncilFactory(UserFactory):
    role = _with_role(COUNCIL)


class AdminFactory(UserFactory):
    role = _with_role(ADMIN)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    kind = Area.Kind.NEIGHBOURHOOD
    code = factory.Sequence(lambda n: f"BU{n:08d}")
    name = factory.Sequence(lambda n: f"Buurt {n}")
    geometry = factory.LazyFunction(lambda: square(*CENTRE, 0.005))
    population = 2500
    attributes = factory.LazyFunction(lambda: {"share_over_65": 0.12})


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name_nl = factory.LazyAttribute(lambda t: f"Thema {t.slug}")
    name_en = factory.LazyAttribute(lambda t: f"Theme {t.slug}")
    colour = "#d9480f"


class ConcernFactory(factory.django.DjangoModelFactory):
    """A concern row in a given status; use services to test how it got there."""

    class Meta:
        model = Concern

    author = factory.SubFactory(ResidentFactory)
    theme = factory.SubFactory(ThemeFactory, slug="heat")
    description = factory.Sequence(lambda n: f"Het is erg heet op het plein ({n}).")
    location = factory.LazyFunction(lambda: Point(*CENTRE, srid=4326))
    status = Concern.Status.SUBMITTED


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge

    title = factory.Sequence(lambda n: f"Hittestress {n}")
    theme = factory.SubFactory(ThemeFactory, slug="heat")
    geometry = factory.LazyFunction(lambda: square(*CENTRE, 0.002))
    owner = factory.SubFactory(OfficerFactory)
    status = Challenge.Status.DRAFT


def shown_season():
    """The warm season pages show by default (the last complete one), marked as holding data."""
    from civic.periods import last_complete_season_year, season_ensure

    season = season_ensure(last_complete_season_year())
    if not season.data_days:
        first, last = season.start, season.end
        season.coverage = {
            "sensors": {"days": (last - first).days + 1, "first": str(first), "last": str(last)}
        }
        season.save(update_fields=["coverage"])
    return season


def evidence_row(*, source: str, name: str, value, period=None, details=None, **subject):
    """One figure as readers find it (in the shown season unless a period is given).

    Readers' tests only: sources write through civic.evidence, which its own tests cover.
    """
    from django.utils import timezone

    from civic.models import Evidence

    row, _created = Evidence.objects.update_or_create(
        source=source,
        name=name,
        period=period or shown_season(),
        **subject,
        defaults={"value": value, "details": details or {}, "computed_at": timezone.now()},
    )
    return row
