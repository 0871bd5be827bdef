"""API fixtures: a client per role and a small world of concerns and challenges."""

from dataclasses import dataclass
from io import BytesIO

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from civic import services, workflow
from civic.models import Challenge, Concern
from tests.factories import CENTRE, ConcernFactory, square

ROLES = ("anonymous", "resident", "other_resident", "officer", "council", "admin_user")


def geojson_point(dx: float = 0.0, dy: float = 0.0) -> dict:
    """A GeoJSON point near the centre of the test municipality."""
    return {"type": "Point", "coordinates": [CENTRE[0] + dx, CENTRE[1] + dy]}


def geojson_square(half: float = 0.001) -> dict:
    """A GeoJSON polygon: a small square around the centre of the test municipality."""
    lon, lat = CENTRE
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def image_upload(name: str = "photo.png", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    """A small real PNG image as an upload."""
    out = BytesIO()
    Image.new("RGB", size, "orange").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def api_as(request, db):
    """api_as("officer") answers an APIClient signed in as that fixture's user."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(request.getfixturevalue(role))
        return client

    return make


@dataclass
class World:
    submitted: Concern
    rejected: Concern
    published: Concern
    draft: Challenge
    open: Challenge


@pytest.fixture
def world(resident, other_resident, officer, council, admin_user, heat, neighbourhood):
    """Concerns of `resident` in three states and two challenges, made through the services."""

    def file(text: str) -> Concern:
        return services.concern_create(
            author=resident, theme=heat, description=text, location=Point(*CENTRE, srid=4326)
        )

    submitted = file("Submitted: hot square")
    rejected = file("Rejected: hot square")
    workflow.transition(rejected, Concern.Status.REJECTED, actor=officer, note="Off topic")
    published = file("Published: hot square")
    workflow.transition(published, Concern.Status.PUBLISHED, actor=officer)
    draft = services.challenge_create(
        actor=officer, title="Draft heat challenge", theme=heat, geometry=square(*CENTRE, 0.002)
    )
    open_challenge = services.challenge_create(
        actor=officer, title="Open heat challenge", theme=heat, geometry=square(*CENTRE, 0.003)
    )
    workflow.transition(open_challenge, Challenge.Status.OPEN, actor=officer)
    return World(submitted, rejected, published, draft, open_challenge)


def published_concern(theme, dx: float = 0.0, dy: float = 0.0, area=None, **extra) -> Concern:
    """A concern row near the centre, published unless status= says otherwise."""
    return ConcernFactory(
        theme=theme,
        location=Point(CENTRE[0] + dx, CENTRE[1] + dy, srid=4326),
        area=area,
        status=extra.pop("status", Concern.Status.PUBLISHED),
        **extra,
    )
