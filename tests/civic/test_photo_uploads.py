"""Photo uploads are checked from their header and decoded within a memory bound."""

import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import Image

from civic import services
from civic.models import Concern, WorkflowEvent
from tests.civic.conftest import stored_files
from tests.factories import CENTRE

URL = "/api/v1/concerns/"


# Every test here stores its photos in a folder of its own.
pytestmark = pytest.mark.usefixtures("media_root")


def _upload(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG with valid checksums whose header claims a size its data does not fill: two
    rows of pixels follow, in a compressed stream that never ends. Decoding it fails."""
    rows = b"".join(b"\0" + bytes(width) for _ in range(2))
    stream = zlib.compressobj(9)
    unfinished = stream.compress(rows) + stream.flush(zlib.Z_SYNC_FLUSH)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", unfinished)
        + _png_chunk(b"IEND", b"")
    )


def _exif_with_gps(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Acme Phones"  # Make
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 40.0), 3: "E", 4: (6.0, 3.0, 36.0)})
    return exif


def _file(resident, heat, photo) -> Concern:
    return services.concern_create(
        author=resident,
        theme=heat,
        description="Geen schaduw op het plein.",
        location=Point(*CENTRE, srid=4326),
        photo=photo,
    )


def _refusal(resident, heat, photo) -> list[str]:
    """The messages a resident reads (in English) when filing with this photo is refused."""
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        _file(resident, heat, photo)
    assert list(caught.value.message_dict) == ["photo"]
    return caught.value.message_dict["photo"]


# ---------------------------------------------------------------- the probe's decompression bomb
def test_the_probes_6300_pixel_png_is_a_400_naming_photo_and_nothing_is_written(
    api_as, heat, neighbourhood, media_root
):
    bomb = _encoded(Image.new("L", (6300, 6300), 255), "PNG", optimize=True)
    assert len(bomb) < 100_000  # a small file that would decode to 40 million pixels

    response = api_as("resident").post(
        URL,
        {
            "theme": "heat",
            "description": "Hot square",
            "latitude": CENTRE[1],
            "longitude": CENTRE[0],
            "photo": _upload(bomb),
        },
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == {"photo": ["The photo has more than 24 megapixels."]}
    assert (Concern.objects.count(), WorkflowEvent.objects.count()) == (0, 0)
    assert stored_files(media_root) == []


# ---------------------------------------------------------------- refused from the header
@pytest.mark.parametrize(
    ("width", "height"),
    [(6001, 4000), (8000, 8000)],
    ids=["just-over-the-limit", "over-pillows-own-bomb-limit"],
)
def test_a_picture_over_the_pixel_limit_is_refused_from_its_header_alone(
    resident, heat, municipality, width, height, media_root, monkeypatch
):
    data = _png_header_only(width, height)
    assert len(data) < 1024
    # Had it been decoded, the missing rows would answer "not an image we can read".
    with monkeypatch.context() as unguarded, pytest.raises(OSError, match="truncated"):
        unguarded.setattr(Image, "MAX_IMAGE_PIXELS", None)
        Image.open(BytesIO(data)).load()

    messages = _refusal(resident, heat, _upload(data))

    assert messages == ["The photo has more than 24 megapixels."]
    assert stored_files(media_root) == []


def test_a_picture_of_exactly_the_pixel_limit_gets_past_the_header_check(
    resident, heat, municipality
):
    # 6000 x 4000 is 24 MP exactly: the header passes, so the missing rows are found.
    messages = _refusal(resident, heat, _upload(_png_header_only(6000, 4000)))

    assert messages == ["The file is not an image we can read."]


def test_a_png_inflating_to_60_mb_of_text_is_refused(resident, heat, municipality):
    text = zlib.compress(b"a" * 1_000_000, 9)
    rows = b"".join(b"\0" + bytes(10) for _ in range(10))
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 0, 0, 0, 0))
        + b"".join(_png_chunk(b"zTXt", b"k%d\0\0" % i + text) for i in range(60))
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )
    assert len(data) < 100_000

    assert _refusal(resident, heat, _upload(data)) == ["The file is not an image we can read."]


# ---------------------------------------------------------------- the memory bound
# 600 x 400 = 0.24 MP. Decoded at 4 bytes a pixel plus the stored copy, that is
# 1.92 MB; a progressive JPEG also keeps 0.72 MB of coefficients, and libwebp
# holds 16 bytes a pixel. A budget of 2 MiB (2.10 MB) takes only the first.
SMALL_BUDGET = {"CIVIC_PHOTO_DECODE_MAX_BYTES": 2 * 1024 * 1024}


def _picture(size=(600, 400)) -> Image.Image:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    return image


@override_settings(**SMALL_BUDGET)
def test_a_baseline_jpeg_within_the_memory_budget_is_accepted(resident, heat, municipality):
    concern = _file(resident, heat, _upload(_encoded(_picture(), "JPEG"), "p.jpg", "image/jpeg"))

    with Image.open(concern.photo.path) as stored:
        assert stored.size == (600, 400)


@pytest.mark.parametrize(
    ("fmt", "options", "megapixels"),
    [("JPEG", {"progressive": True}, 0), ("WEBP", {}, 0)],
    ids=["progressive-jpeg", "webp"],
)
@override_settings(**SMALL_BUDGET)
def test_a_picture_whose_decoding_would_exceed_the_memory_budget_is_refused(
    resident, heat, municipality, media_root, fmt, options, megapixels
):
    data = _encoded(_picture(), fmt, **options)

    messages = _refusal(resident, heat, _upload(data, "p.img", "image/" + fmt.lower()))

    assert messages == [f"Images of this kind can have at most {megapixels} megapixels."]
    assert stored_files(media_root) == []


def test_the_memory_budget_names_how_many_megapixels_a_webp_may_have(resident, heat, municipality):
    phone_sized = _encoded(Image.new("RGB", (4032, 3024), "green"), "WEBP", quality=50)

    messages = _refusal(resident, heat, _upload(phone_sized, "p.webp", "image/webp"))

    assert messages == ["Images of this kind can have at most 5 megapixels."]


# ---------------------------------------------------------------- what is stored
def test_a_big_phone_photo_is_stored_downscaled_upright_and_without_exif_or_gps(
    resident, heat, municipality, media_root
):
    # 24 MP, held sideways (orientation 6): shown 4000 wide and 6000 high.
    sent = _encoded(_picture((6000, 4000)), "JPEG", quality=80, exif=_exif_with_gps(6))

    concern = _file(resident, heat, _upload(sent, "IMG_0001.jpg", "image/jpeg"))

    with concern.photo.open("rb") as handle:
        data = handle.read()
    assert b"Exif" not in data
    assert b"Acme" not in data
    with Image.open(BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (1334, 2000)
        assert dict(stored.getexif()) == {}
        # Upright: the red half (the picture's left) is now on top.
        red, _green, blue = stored.convert("RGB").getpixel((667, 100))
        assert red > 150 and blue < 100
        red, _green, blue = stored.convert("RGB").getpixel((667, 1900))
        assert blue > 150 and red < 100
    assert stored_files(media_root) == [Path(concern.photo.path)]


def test_a_big_palette_png_is_shrunk_in_tiles_without_seams_or_shifts(resident, heat, municipality):
    # 5000 x 3000 with a one-pixel grid every 300 px: tiles that were misplaced
    # or shrunk with another factor would move or lose the lines.
    image = Image.new("P", (5000, 3000), 0)
    image.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    for x in range(0, 5000, 300):
        image.paste(1, (x, 0, x + 3, 3000))
    sent = _encoded(image, "PNG")

    concern = _file(resident, heat, _upload(sent))

    with Image.open(concern.photo.path) as stored:
        assert stored.size == (1667, 1000)
        row = [stored.convert("L").getpixel((x, 500)) for x in range(stored.width)]
    dark = [x for x, value in enumerate(row) if value < 128]
    assert dark == [x // 3 for x in range(0, 5000, 300)]


def test_a_phone_jpeg_with_a_second_picture_inside_mpo_is_accepted(resident, heat, municipality):
    main, preview = _picture((800, 600)), Image.new("RGB", (160, 120), "white")
    sent = _encoded(main, "MPO", save_all=True, append_images=[preview])
    with Image.open(BytesIO(sent)) as probe:
        assert probe.format == "MPO"

    concern = _file(resident, heat, _upload(sent, "IMG_0002.jpg", "image/jpeg"))

    with Image.open(concern.photo.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (800, 600))
