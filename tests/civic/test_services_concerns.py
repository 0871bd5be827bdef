"""Filing and editing concerns: validation, area, history and photo cleaning."""

from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import LineString, Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from civic import selectors, services, workflow
from civic.models import Concern, WorkflowEvent
from tests.civic.conftest import stored_files
from tests.factories import CENTRE, ThemeFactory

INSIDE_NEIGHBOURHOOD = (CENTRE[0] + 0.001, CENTRE[1] + 0.001)
# Inside the municipality (half-width 0.05) but outside its neighbourhood (0.01).
ONLY_IN_MUNICIPALITY = (CENTRE[0] + 0.03, CENTRE[1] - 0.03)
OUTSIDE = (5.12, 52.09)  # Utrecht


# Every test here stores its photos in a folder of its own.
pytestmark = pytest.mark.usefixtures("media_root")


def _image_bytes(fmt="JPEG", size=(40, 20), exif=None) -> bytes:
    out = BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **extra)
    return out.getvalue()


def _exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Acme Phones"  # Make
    exif[0x0110] = "Acme 7"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 31.0, 40.0), 3: "E", 4: (6.0, 3.0, 36.0)})
    return exif


def _photo(name="holiday-at-home.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data or _image_bytes(), content_type=content_type)


def _point(coords, srid=4326) -> Point:
    return Point(*coords, srid=srid)


@pytest.fixture
def filing(resident, heat, municipality):
    """Valid arguments of concern_create, with a photo so a leaked file would show."""
    return {
        "author": resident,
        "theme": heat,
        "description": "Er is geen schaduw op het schoolplein.",
        "location": _point(INSIDE_NEIGHBOURHOOD),
        "photo": _photo(),
    }


def _assert_nothing_written(media_root):
    assert not Concern.objects.exists()
    assert not WorkflowEvent.objects.exists()
    assert stored_files(media_root) == []


BAD_INPUTS = {
    "no theme": ("theme", lambda: {"theme": None}),
    "inactive theme": (
        "theme",
        lambda: {"theme": ThemeFactory(slug="old", is_active=False)},
    ),
    "empty description": ("description", lambda: {"description": ""}),
    "blank description": ("description", lambda: {"description": " \n\t "}),
    "no description": ("description", lambda: {"description": None}),
    "oversized description": (
        "description",
        lambda: {"description": "x" * (settings.CIVIC_CONCERN_MAX_DESCRIPTION + 1)},
    ),
    "empty point": ("location", lambda: {"location": Point()}),
    "no location": ("location", lambda: {"location": None}),
    "a line": (
        "location",
        lambda: {"location": LineString((CENTRE, INSIDE_NEIGHBOURHOOD), srid=4326)},
    ),
    "a polygon": (
        "location",
        lambda: {"location": Polygon.from_bbox((6.05, 52.52, 6.07, 52.53))},
    ),
    "text instead of a point": ("location", lambda: {"location": "POINT(6.06 52.528)"}),
    "coordinates as a tuple": ("location", lambda: {"location": CENTRE}),
    "not on earth": ("location", lambda: {"location": Point(200.0, 95.0, srid=4326)}),
    "outside the municipality": ("location", lambda: {"location": _point(OUTSIDE)}),
    "lon and lat swapped": ("location", lambda: {"location": _point(CENTRE[::-1])}),
    "not an image": (
        "photo",
        lambda: {"photo": _photo("notes.jpg", b"just some text, not a picture")},
    ),
    "an unsupported image format": (
        "photo",
        lambda: {"photo": _photo("scan.tiff", _image_bytes("TIFF"), "image/tiff")},
    ),
}


@pytest.mark.parametrize(("field", "bad"), BAD_INPUTS.values(), ids=BAD_INPUTS)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    filing, field, bad, media_root
):
    with pytest.raises(ValidationError) as caught:
        services.concern_create(**{**filing, **bad()})

    assert list(caught.value.message_dict) == [field]
    _assert_nothing_written(media_root)


def test_an_oversized_photo_is_refused_and_nothing_is_written(filing, media_root):
    photo = _photo(data=_image_bytes(size=(200, 200)))
    assert photo.size > 1024

    with override_settings(CIVIC_PHOTO_MAX_BYTES=1024), pytest.raises(ValidationError) as caught:
        services.concern_create(**{**filing, "photo": photo})

    assert list(caught.value.message_dict) == ["photo"]
    _assert_nothing_written(media_root)


def test_a_photo_with_too_many_pixels_is_refused(filing, media_root):
    with override_settings(CIVIC_PHOTO_MAX_PIXELS=100), pytest.raises(ValidationError) as caught:
        services.concern_create(**filing)

    assert list(caught.value.message_dict) == ["photo"]
    _assert_nothing_written(media_root)


def test_every_bad_field_is_reported_at_once(filing, media_root):
    with pytest.raises(ValidationError) as caught:
        services.concern_create(
            **{**filing, "theme": None, "description": "", "location": _point(OUTSIDE)}
        )

    assert set(caught.value.message_dict) == {"theme", "description", "location"}
    _assert_nothing_written(media_root)


def test_a_description_of_exactly_the_limit_is_accepted(filing):
    text = "x" * settings.CIVIC_CONCERN_MAX_DESCRIPTION

    concern = services.concern_create(**{**filing, "description": text})

    assert Concern.objects.get(pk=concern.pk).description == text


def test_the_description_is_stored_without_surrounding_whitespace(filing):
    concern = services.concern_create(**{**filing, "description": "  Hot square \n"})

    assert Concern.objects.get(pk=concern.pk).description == "Hot square"


def test_a_filed_concern_is_submitted_with_one_creation_event(filing, resident, neighbourhood):
    concern = services.concern_create(**filing)

    stored = Concern.objects.get(pk=concern.pk)
    assert stored.status == Concern.Status.SUBMITTED
    assert stored.author == resident
    assert stored.area == neighbourhood
    event = selectors.history_of(concern).get()
    assert (event.actor, event.from_state, event.to_state) == (resident, "", "submitted")
    assert WorkflowEvent.objects.count() == 1


def test_a_concern_outside_every_neighbourhood_belongs_to_the_municipality(filing, municipality):
    concern = services.concern_create(**{**filing, "location": _point(ONLY_IN_MUNICIPALITY)})

    assert Concern.objects.get(pk=concern.pk).area == municipality


def test_a_point_in_dutch_grid_coordinates_is_stored_in_wgs84(filing, neighbourhood):
    rd = _point(INSIDE_NEIGHBOURHOOD).transform(28992, clone=True)

    concern = services.concern_create(**{**filing, "location": rd})

    stored = Concern.objects.get(pk=concern.pk)
    assert stored.location.srid == 4326
    assert stored.location.x == pytest.approx(INSIDE_NEIGHBOURHOOD[0], abs=1e-6)
    assert stored.location.y == pytest.approx(INSIDE_NEIGHBOURHOOD[1], abs=1e-6)
    assert stored.area == neighbourhood


def test_a_concern_without_photo_stores_no_file(filing, media_root):
    concern = services.concern_create(**{**filing, "photo": None})

    assert not Concern.objects.get(pk=concern.pk).photo
    assert stored_files(media_root) == []


def test_the_stored_photo_has_no_exif_and_no_gps(filing, media_root):
    upload_bytes = _image_bytes(exif=_exif_with_gps())
    with Image.open(BytesIO(upload_bytes)) as sent:
        assert sent.getexif().get_ifd(0x8825)  # the upload really carries a location

    concern = services.concern_create(**{**filing, "photo": _photo(data=upload_bytes)})

    stored = Concern.objects.get(pk=concern.pk)
    with stored.photo.open("rb") as handle:
        data = handle.read()
    assert b"Exif" not in data
    assert b"Acme" not in data
    with Image.open(BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(0x8825) == {}
        assert "exif" not in image.info
    assert stored_files(media_root) == [Path(stored.photo.path)]


def test_the_stored_photo_name_does_not_reveal_the_upload_name(filing):
    concern = services.concern_create(**{**filing, "photo": _photo("jan-jansen-home.jpg")})

    name = Concern.objects.get(pk=concern.pk).photo.name
    assert "jansen" not in name
    assert name.endswith(".jpg")


def test_a_sideways_phone_photo_is_stored_upright(filing):
    # Orientation 6: the camera held sideways, to be rotated 90° on display.
    upload = _image_bytes(size=(40, 20), exif=_exif_with_gps(orientation=6))

    concern = services.concern_create(**{**filing, "photo": _photo(data=upload)})

    with Image.open(Concern.objects.get(pk=concern.pk).photo.path) as image:
        assert image.size == (20, 40)


def test_a_png_photo_is_accepted_and_stored_as_jpeg(filing):
    upload = _photo("plein.png", _image_bytes("PNG"), "image/png")

    concern = services.concern_create(**{**filing, "photo": upload})

    with Image.open(Concern.objects.get(pk=concern.pk).photo.path) as image:
        assert image.format == "JPEG"
        assert image.size == (40, 20)


# ---------------------------------------------------------------- concern_update
@pytest.fixture
def concern(filing):
    return services.concern_create(**{**filing, "photo": None})


def _publish(concern, officer):
    workflow.transition(concern, Concern.Status.PUBLISHED, actor=officer)


def _snapshot(concern):
    stored = Concern.objects.get(pk=concern.pk)
    return (stored.theme_id, stored.description, stored.location.coords, stored.area_id)


def test_the_author_may_edit_a_submitted_concern(concern, resident, flooding):
    services.concern_update(
        concern=concern, actor=resident, theme=flooding, description="Water in de kelder."
    )

    stored = Concern.objects.get(pk=concern.pk)
    assert (stored.theme, stored.description) == (flooding, "Water in de kelder.")


def test_the_author_may_move_a_submitted_concern_and_its_area_follows(
    concern, resident, municipality
):
    services.concern_update(concern=concern, actor=resident, location=_point(ONLY_IN_MUNICIPALITY))

    stored = Concern.objects.get(pk=concern.pk)
    assert stored.location.coords == pytest.approx(ONLY_IN_MUNICIPALITY)
    assert stored.area == municipality


@pytest.mark.parametrize("actor_name", ["other_resident", "council", "anonymous"])
def test_only_the_author_or_an_officer_may_edit(request, concern, actor_name):
    actor = request.getfixturevalue(actor_name) if actor_name != "anonymous" else None
    before = _snapshot(concern)

    with pytest.raises(PermissionDenied):
        services.concern_update(concern=concern, actor=actor, description="Overwritten")

    assert _snapshot(concern) == before


def test_the_author_cannot_move_a_published_concern(concern, resident, officer):
    _publish(concern, officer)
    before = _snapshot(concern)

    with pytest.raises(PermissionDenied):
        services.concern_update(
            concern=concern, actor=resident, location=_point(ONLY_IN_MUNICIPALITY)
        )

    assert _snapshot(concern) == before


@pytest.mark.parametrize("actor_name", ["officer", "admin_user"])
def test_an_officer_may_move_a_published_concern(
    request, concern, officer, actor_name, municipality
):
    _publish(concern, officer)

    services.concern_update(
        concern=concern,
        actor=request.getfixturevalue(actor_name),
        location=_point(ONLY_IN_MUNICIPALITY),
    )

    stored = Concern.objects.get(pk=concern.pk)
    assert stored.location.coords == pytest.approx(ONLY_IN_MUNICIPALITY)
    assert stored.area == municipality
    assert stored.status == Concern.Status.PUBLISHED


@pytest.mark.parametrize(
    "location",
    [_point(OUTSIDE), Point(), Point(200.0, 95.0, srid=4326), "POINT(6.06 52.528)"],
    ids=["outside", "empty", "not on earth", "text"],
)
def test_a_bad_new_location_is_refused_and_nothing_changes(concern, resident, location):
    before = _snapshot(concern)

    with pytest.raises(ValidationError) as caught:
        services.concern_update(
            concern=concern, actor=resident, description="New text", location=location
        )

    assert list(caught.value.message_dict) == ["location"]
    assert _snapshot(concern) == before
    assert concern.description == before[1]


def test_an_edit_writes_no_workflow_event(concern, resident):
    services.concern_update(concern=concern, actor=resident, description="Nieuwe tekst")

    assert selectors.history_of(concern).count() == 1
