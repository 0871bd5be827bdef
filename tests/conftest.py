"""Fixtures shared by every test: the municipality, themes and one user per role."""

from pathlib import Path

import pytest

from civic.models import Area
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


@pytest.fixture
def municipality(db):
    """A municipality with one neighbourhood at its centre."""
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY, code="GM0193", name="Zwolle", geometry=square(*CENTRE, 0.05)
    )
    AreaFactory(code="BU01930001", name="Werkeren", parent=town, geometry=square(*CENTRE, 0.01))
    return town


@pytest.fixture
def neighbourhood(municipality):
    return Area.objects.get(code="BU01930001")


# Werkeren (the `neighbourhood` fixture) spans CENTRE ± 0.01°; Oost borders it in the east.
WERKEREN_EAST_EDGE = CENTRE[0] + 0.01


@pytest.fixture
def oost(municipality):
    """The neighbourhood across Werkeren's east border (for points near a boundary)."""
    return AreaFactory(
        code="BU01930009",
        name="Oost",
        parent=municipality,
        population=900,
        geometry=square(CENTRE[0] + 0.02, CENTRE[1], 0.01),
    )


@pytest.fixture
def heat(db):
    return ThemeFactory(slug="heat", name_nl="Hitte", name_en="Heat")


@pytest.fixture
def flooding(db):
    return ThemeFactory(slug="flooding", name_nl="Wateroverlast", name_en="Flooding")


@pytest.fixture
def resident(db):
    return ResidentFactory(username="resident-a")


@pytest.fixture
def other_resident(db):
    return ResidentFactory(username="resident-b")


@pytest.fixture
def officer(db):
    return OfficerFactory(username="officer")


@pytest.fixture
def council(db):
    return CouncilFactory(username="council")


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="administrator")


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """A media folder of the test's own, to see which files a request stored."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)
