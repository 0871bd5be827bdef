"""Priority fixtures: three open challenges in two areas, with evidence the way readers find it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from civic.models import Area, Challenge, ChallengeConcern, Concern
from civic.periods import to_date_period
from tests.factories import (
    CENTRE,
    AreaFactory,
    ChallengeFactory,
    ConcernFactory,
    ResidentFactory,
    evidence_row,
    shown_season,
    square,
)


def link(challenge: Challenge, *authors, anonymous: int = 0) -> None:
    """Link a published concern of each author (and `anonymous` ones without) to the challenge."""
    for author in [*authors, *([None] * anonymous)]:
        concern = ConcernFactory(author=author, theme=challenge.theme, status=Concern.Status.LINKED)
        ChallengeConcern.objects.create(challenge=challenge, concern=concern)


@dataclass
class Ranked:
    hot: Challenge  # hottest, in the older area, council theme
    wet: Challenge  # wettest, most residents
    plain: Challenge  # no sensor figures at all
    old_area: Area
    young_area: Area


@pytest.fixture
def ranked(municipality, heat, flooding) -> Ranked:
    old_area = AreaFactory(
        name="Milligen",
        parent=municipality,
        geometry=square(CENTRE[0] - 0.02, CENTRE[1], 0.01),
        attributes={"share_over_65": 0.30, "share_living_alone": 0.30},
    )
    young_area = AreaFactory(
        name="Werkeren-Noord",
        parent=municipality,
        geometry=square(CENTRE[0] + 0.02, CENTRE[1], 0.01),
        attributes={"share_over_65": 0.05, "share_young_children": 0.09},
    )
    hot = ChallengeFactory(
        title="Hot square", theme=heat, area=old_area, status=Challenge.Status.OPEN
    )
    wet = ChallengeFactory(
        title="Wet street", theme=flooding, area=young_area, status=Challenge.Status.OPEN
    )
    plain = ChallengeFactory(title="Plain corner", theme=heat, status=Challenge.Status.OPEN)
    season = shown_season()
    for challenge, night, tropical, wetness in ((hot, 1.5, 12, 0.1), (wet, 0.2, 2, 0.9)):
        evidence_row(challenge=challenge, source="sensors", name="night_anomaly", value=night)
        evidence_row(challenge=challenge, source="sensors", name="tropical_nights", value=tropical)
        evidence_row(challenge=challenge, source="sensors", name="wetness_index", value=wetness)
    evidence_row(
        challenge=hot,
        source="surveys",
        name="theme_named_share",
        value=0.6,
        period=to_date_period(),
    )
    evidence_row(
        challenge=wet,
        source="surveys",
        name="theme_named_share",
        value=0.2,
        period=to_date_period(),
    )
    residents = [ResidentFactory() for _ in range(4)]
    link(hot, residents[0], residents[0])  # one resident, twice: counts once
    link(wet, *residents, anonymous=2)  # four residents and two anonymous answers: six
    assert season.data_days
    return Ranked(hot, wet, plain, old_area, young_area)


@pytest.fixture
def api_as(request, db):
    """api_as("officer") answers an APIClient signed in as that fixture's user."""

    def make(role: str) -> APIClient:
        # English answers, whatever the catalogue holds (role words, labels).
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if role != "anonymous":
            client.force_authenticate(request.getfixturevalue(role))
        return client

    return make
