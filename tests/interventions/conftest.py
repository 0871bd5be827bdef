"""Interventions fixtures: a public challenge with a linked concern; proposals via services."""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image
from rest_framework.test import APIClient

from civic import services as civic_services
from civic import workflow
from civic.models import Challenge, Concern
from interventions import services
from interventions.models import Intervention
from tests.factories import CENTRE, ResidentFactory, square

AMS = ZoneInfo("Europe/Amsterdam")
S = Intervention.Status
# A day outside summer, and one in it: nothing here may depend on today's date.
WINTER_DAY = date(2027, 1, 18)
SUMMER_DAY = date(2026, 7, 14)


def on(day: date, hour: int = 12):
    """The wall clock on `day` in Zwolle (ticking, so events keep their order)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=AMS))


@pytest.fixture(autouse=True)
def english():
    """Services answer in the active language: English here, whatever ran before (pages in nl)."""
    with translation.override("en"):
        yield


@pytest.fixture(params=[WINTER_DAY, SUMMER_DAY], ids=["winter", "summer"])
def today(request):
    """Each test that asks for `today` runs on a winter and a summer day."""
    with on(request.param):
        yield request.param


@pytest.fixture
def concern_author(db):
    """A resident (Dutch) whose published concern is linked to the challenge."""
    return ResidentFactory(username="fatima", first_name="Fatima", language="nl")


@pytest.fixture
def challenge(municipality, officer, heat, concern_author) -> Challenge:
    """An open challenge with one linked public concern."""
    made = civic_services.challenge_create(
        actor=officer, title="Hete pleinen", theme=heat, geometry=square(*CENTRE, 0.003)
    )
    workflow.transition(made, Challenge.Status.OPEN, actor=officer)
    concern = civic_services.concern_create(
        author=concern_author,
        theme=heat,
        description="Heet plein",
        location=Point(*CENTRE, srid=4326),
    )
    workflow.transition(concern, Concern.Status.PUBLISHED, actor=officer)
    civic_services.challenge_link_concerns(challenge=made, concerns=[concern], actor=officer)
    return made


def propose(actor, challenge, **extra) -> Intervention:
    values = {
        "kind": Intervention.Kind.DEPAVING,
        "title": "Tegels eruit",
        "description": "Tegels eruit, bomen erin.",
        "site": Point(*CENTRE, srid=4326),
        "cost_estimate": 1000,
        "expected_effect": "Koeler",
        **extra,
    }
    return services.intervention_create(actor=actor, challenge=challenge, **values)


def in_consultation(officer, challenge, days: int = 14, **extra) -> Intervention:
    """An officer's proposal in consultation for `days` more days (today included)."""
    from django.utils import timezone

    made = propose(officer, challenge, **extra)
    workflow.transition(
        made,
        S.IN_CONSULTATION,
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=days)},
    )
    return made


def awaiting(officer, challenge, **extra) -> Intervention:
    made = in_consultation(officer, challenge, **extra)
    workflow.transition(made, S.AWAITING_DECISION, actor=officer)
    return made


def decide(council, intervention, outcome="agreed", **extra):
    from django.utils import timezone

    values = {
        "outcome": outcome,
        "decided_on": timezone.localdate(),
        "motivation": "Goed onderbouwd.",
        "meeting_reference": "Raad 12",
        "votes_for": 20,
        "votes_against": 10,
        "votes_abstaining": 3,
        **extra,
    }
    return services.decision_record(intervention=intervention, actor=council, **values)


def agreed(officer, council, challenge, **extra) -> Intervention:
    """A proposal the council agreed to (ready to be carried out)."""
    made = awaiting(officer, challenge, **extra)
    decide(council, made, "agreed")
    made.refresh_from_db()
    return made


def as_user(user=None) -> APIClient:
    """An API client in English, signed in as `user` (anonymous without)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def jpeg_with_gps(name: str = "werk.jpg") -> SimpleUploadedFile:
    """A phone photo whose EXIF holds a camera maker and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "Acme Phones"
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 40.0), 3: "E", 4: (6.0, 3.0, 36.0)})
    out = BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
