"""Creating challenges, linking concerns to them and recording their evidence."""

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civic import selectors, services
from civic.models import Challenge, ChallengeConcern, Concern, WorkflowEvent
from tests.factories import CENTRE, ChallengeFactory, ConcernFactory, ThemeFactory, square

BOWTIE = Polygon(
    ((6.05, 52.52), (6.07, 52.53), (6.07, 52.52), (6.05, 52.53), (6.05, 52.52)), srid=4326
)
# Inside the municipality but outside its neighbourhood.
EAST = square(CENTRE[0] + 0.03, CENTRE[1], 0.005)


@pytest.fixture
def drafting(officer, heat, municipality):
    return {
        "actor": officer,
        "title": "Hittestress Stadshagen",
        "theme": heat,
        "description": "Weinig schaduw rond de scholen.",
        "geometry": square(*CENTRE, 0.002),
    }


def _assert_no_challenge_written():
    assert not Challenge.objects.exists()
    assert not WorkflowEvent.objects.exists()


# ---------------------------------------------------------------- challenge_create
@pytest.mark.parametrize("actor_name", ["officer", "admin_user"])
def test_staff_create_a_draft_challenge_with_one_creation_event(
    request, drafting, actor_name, neighbourhood, heat
):
    actor = request.getfixturevalue(actor_name)

    challenge = services.challenge_create(**{**drafting, "actor": actor})

    stored = Challenge.objects.get(pk=challenge.pk)
    assert stored.status == Challenge.Status.DRAFT
    assert (stored.title, stored.theme, stored.owner) == ("Hittestress Stadshagen", heat, actor)
    assert stored.area == neighbourhood
    event = selectors.history_of(challenge).get()
    assert (event.actor, event.from_state, event.to_state) == (actor, "", "draft")


def test_the_owner_can_be_someone_else_than_the_creator(drafting, officer, admin_user):
    challenge = services.challenge_create(**{**drafting, "owner": admin_user})

    assert Challenge.objects.get(pk=challenge.pk).owner == admin_user
    assert selectors.history_of(challenge).get().actor == officer


@pytest.mark.parametrize("actor_name", ["resident", "council", "nobody"])
def test_only_officers_create_challenges(request, drafting, actor_name):
    actor = None if actor_name == "nobody" else request.getfixturevalue(actor_name)

    with pytest.raises(PermissionDenied):
        services.challenge_create(**{**drafting, "actor": actor})

    _assert_no_challenge_written()


BAD_CHALLENGES = {
    "empty title": ("title", lambda: {"title": ""}),
    "blank title": ("title", lambda: {"title": "   "}),
    "no theme": ("theme", lambda: {"theme": None}),
    "inactive theme": ("theme", lambda: {"theme": ThemeFactory(slug="old", is_active=False)}),
    "self-intersecting polygon": ("geometry", lambda: {"geometry": BOWTIE}),
    "empty polygon": ("geometry", lambda: {"geometry": Polygon()}),
    "a point": ("geometry", lambda: {"geometry": Point(*CENTRE, srid=4326)}),
    "a line": ("geometry", lambda: {"geometry": LineString(((6.05, 52.52), (6.07, 52.53)))}),
}


@pytest.mark.parametrize(("field", "bad"), BAD_CHALLENGES.values(), ids=BAD_CHALLENGES)
def test_bad_challenge_input_is_refused_naming_the_field(drafting, field, bad):
    with pytest.raises(ValidationError) as caught:
        services.challenge_create(**{**drafting, **bad()})

    assert list(caught.value.message_dict) == [field]
    _assert_no_challenge_written()


def test_every_bad_challenge_field_is_reported_at_once(drafting):
    with pytest.raises(ValidationError) as caught:
        services.challenge_create(**{**drafting, "title": "", "theme": None, "geometry": BOWTIE})

    assert set(caught.value.message_dict) == {"title", "theme", "geometry"}
    _assert_no_challenge_written()


def test_a_polygon_is_stored_as_a_multipolygon(drafting):
    polygon = square(*CENTRE, 0.002)[0]
    assert polygon.geom_type == "Polygon"

    challenge = services.challenge_create(**{**drafting, "geometry": polygon})

    stored = Challenge.objects.get(pk=challenge.pk).geometry
    assert stored.geom_type == "MultiPolygon"
    assert stored.srid == 4326
    assert stored.equals(MultiPolygon(polygon, srid=4326))


def test_a_geometry_in_dutch_grid_coordinates_is_stored_in_wgs84(drafting, neighbourhood):
    rd = square(*CENTRE, 0.002).transform(28992, clone=True)

    challenge = services.challenge_create(**{**drafting, "geometry": rd})

    stored = Challenge.objects.get(pk=challenge.pk)
    assert stored.geometry.srid == 4326
    assert stored.geometry.centroid.coords == pytest.approx(CENTRE, abs=1e-6)
    assert stored.area == neighbourhood


def test_the_area_is_the_one_the_geometry_lies_in(drafting, municipality):
    challenge = services.challenge_create(**{**drafting, "geometry": EAST})

    assert Challenge.objects.get(pk=challenge.pk).area == municipality


def test_a_challenge_without_geometry_has_no_area(drafting):
    challenge = services.challenge_create(**{**drafting, "geometry": None})

    stored = Challenge.objects.get(pk=challenge.pk)
    assert (stored.geometry, stored.area) == (None, None)


def test_the_title_is_stored_without_surrounding_whitespace(drafting):
    challenge = services.challenge_create(**{**drafting, "title": "  Wateroverlast  "})

    assert Challenge.objects.get(pk=challenge.pk).title == "Wateroverlast"


# ---------------------------------------------------------------- challenge_link_concerns
@pytest.fixture
def challenge(officer, heat):
    return ChallengeFactory(status=Challenge.Status.OPEN, owner=officer, theme=heat)


def _concern(status, **kwargs):
    return ConcernFactory(status=status, **kwargs)


def _status(concern) -> str:
    return Concern.objects.values_list("status", flat=True).get(pk=concern.pk)


@pytest.mark.parametrize("actor_name", ["officer", "admin_user"])
def test_linking_published_concerns_marks_each_linked_with_one_event(
    request, challenge, actor_name
):
    actor = request.getfixturevalue(actor_name)
    first = _concern(Concern.Status.PUBLISHED, description="Hot square")
    second = _concern(Concern.Status.PUBLISHED, description="Hot school yard")
    before = timezone.now()

    links = services.challenge_link_concerns(
        challenge=challenge, concerns=[first, second], actor=actor
    )

    assert {link.concern for link in links} == {first, second}
    for concern, text in ((first, "Hot square"), (second, "Hot school yard")):
        stored = Concern.objects.get(pk=concern.pk)
        assert (stored.status, stored.description) == (Concern.Status.LINKED, text)
        event = selectors.history_of(concern).get()
        assert (event.actor, event.from_state, event.to_state) == (actor, "published", "linked")
        assert challenge.title in event.note
        link = ChallengeConcern.objects.get(challenge=challenge, concern=concern)
        assert link.linked_by == actor
        assert link.linked_at >= before
    assert set(challenge.concerns.all()) == {first, second}


def test_linking_again_adds_nothing(challenge, officer):
    concern = _concern(Concern.Status.PUBLISHED)
    services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)
    link = ChallengeConcern.objects.get()

    again = services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)

    assert again == []
    assert list(ChallengeConcern.objects.all()) == [link]
    assert ChallengeConcern.objects.get().linked_at == link.linked_at
    assert selectors.history_of(concern).count() == 1
    assert _status(concern) == Concern.Status.LINKED


@pytest.mark.parametrize("status", [Concern.Status.LINKED, Concern.Status.CLOSED])
def test_an_already_moved_public_concern_is_linked_without_a_status_change(
    challenge, officer, status
):
    concern = _concern(status)

    links = services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)

    assert [link.concern for link in links] == [concern]
    assert _status(concern) == status
    assert not WorkflowEvent.objects.exists()


def test_a_concern_can_be_linked_to_two_challenges(challenge, officer, heat):
    concern = _concern(Concern.Status.PUBLISHED)
    other = ChallengeFactory(status=Challenge.Status.DRAFT, theme=heat)

    services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)
    services.challenge_link_concerns(challenge=other, concerns=[concern], actor=officer)

    assert set(concern.challenges.all()) == {challenge, other}
    assert selectors.history_of(concern).count() == 1


@pytest.mark.parametrize("status", [Concern.Status.SUBMITTED, Concern.Status.REJECTED])
def test_an_unpublished_concern_is_refused_naming_it_and_nothing_is_written(
    challenge, officer, status
):
    published = _concern(Concern.Status.PUBLISHED)
    hidden = _concern(status)
    also_hidden = _concern(Concern.Status.SUBMITTED)

    with pytest.raises(ValidationError) as caught:
        services.challenge_link_concerns(
            challenge=challenge, concerns=[published, hidden, also_hidden], actor=officer
        )

    message = caught.value.message_dict["concerns"][0]
    assert f"#{hidden.pk}" in message
    assert f"#{also_hidden.pk}" in message
    assert f"#{published.pk}" not in message
    assert not ChallengeConcern.objects.exists()
    assert not WorkflowEvent.objects.exists()
    assert (_status(published), _status(hidden)) == (Concern.Status.PUBLISHED, status)


@pytest.mark.parametrize("actor_name", ["resident", "council", "nobody"])
def test_only_officers_link_concerns(request, challenge, actor_name):
    actor = None if actor_name == "nobody" else request.getfixturevalue(actor_name)
    concern = _concern(Concern.Status.PUBLISHED)

    with pytest.raises(PermissionDenied):
        services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=actor)

    assert not ChallengeConcern.objects.exists()
    assert not WorkflowEvent.objects.exists()
    assert _status(concern) == Concern.Status.PUBLISHED


def test_a_closed_challenge_takes_no_new_concerns(officer, heat):
    closed = ChallengeFactory(status=Challenge.Status.CLOSED, theme=heat)
    concern = _concern(Concern.Status.PUBLISHED)

    with pytest.raises(ValidationError) as caught:
        services.challenge_link_concerns(challenge=closed, concerns=[concern], actor=officer)

    assert "challenge" in caught.value.message_dict
    assert not ChallengeConcern.objects.exists()
    assert _status(concern) == Concern.Status.PUBLISHED


def test_deleting_a_challenge_keeps_its_concerns(challenge, officer):
    concern = _concern(Concern.Status.PUBLISHED)
    services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)

    challenge.delete()

    assert Concern.objects.filter(pk=concern.pk).exists()
    assert not ChallengeConcern.objects.exists()
