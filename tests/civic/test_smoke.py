"""A first check that the core services work against the real database."""

from django.contrib.gis.geos import Point

from civic import services
from civic.models import Concern
from tests.factories import CENTRE


def test_filed_concern_lands_in_its_neighbourhood(resident, heat, neighbourhood):
    concern = services.concern_create(
        author=resident, theme=heat, description="Hot square", location=Point(*CENTRE, srid=4326)
    )
    assert concern.status == Concern.Status.SUBMITTED
    assert concern.area == neighbourhood
