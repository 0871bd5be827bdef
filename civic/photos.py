"""Checking and cleaning uploaded photos: real images, decoded within a memory bound, no EXIF."""

import math
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, PngImagePlugin, UnidentifiedImageError

# MPO is how Pillow names a phone's JPEG that carries a second, hidden picture;
# only the main picture is read.
JPEG_FORMATS = {"JPEG", "MPO"}
# Image.open's `formats`: the only plugins that may parse an upload, so Pillow's
# other parsers (TIFF, PSD, ICO, …) never see a client's bytes. MPO comes
# through JPEG's.
ALLOWED_OPEN_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")

# Pillow's own guard for every image this process opens: above twice this many
# pixels Image.open raises while only the header has been read (photo_clean
# refuses anything above the limit itself, before decoding).
Image.MAX_IMAGE_PIXELS = settings.CIVIC_PHOTO_MAX_PIXELS
# PNG text chunks are inflated while the header is read, by default up to 64 MB
# of them from a file of a few kilobytes; the text is thrown away anyway.
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024

# Tiles are this many output pixels wide and high: a few megabytes of input each.
_TILE = 256
# JPEG frame markers of a sequential (not progressive, not lossless) picture.
_JPEG_SEQUENTIAL = {0xC0, 0xC1}
_JPEG_FRAMES = _JPEG_SEQUENTIAL | {0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_SEGMENTS_READ = 10_000


def _unreadable() -> ValidationError:
    return ValidationError({"photo": _("The file is not an image we can read.")})


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        {
            "photo": _("The photo has more than %(megapixels)d megapixels.")
            % {"megapixels": settings.CIVIC_PHOTO_MAX_PIXELS // 1_000_000}
        }
    )


def _bytes_per_pixel(mode: str) -> int:
    # How Pillow stores a decoded pixel: one byte for bilevel, grey and palette
    # images, two for 16-bit grey, four for everything else (RGB is padded).
    if mode in {"1", "L", "P"}:
        return 1
    return 2 if mode.startswith("I;16") else 4


def _jpeg_keeps_all_coefficients(upload) -> bool:
    """Whether libjpeg must keep every DCT coefficient of the full-size picture until the end.

    It need not only for a sequential file whose first scan carries every
    colour component (libjpeg's has_multiple_scans); progressive files and
    files that send each component in a scan of its own keep them all. A file
    this walk cannot follow counts as keeping them.
    """
    upload.seek(2)  # after the start-of-image marker
    components = None
    for _segment in range(_JPEG_SEGMENTS_READ):
        head = upload.read(2)
        if len(head) < 2 or head[0] != 0xFF:
            return True
        marker = head[1]
        if marker == 0xFF:  # a fill byte before the marker
            upload.seek(-1, 1)
            continue
        if 0xD0 <= marker <= 0xD8 or marker == 0x01:  # markers without a length
            continue
        length = int.from_bytes(upload.read(2), "big")
        if length < 2:
            return True
        body = upload.read(length - 2) if marker in _JPEG_FRAMES | {0xDA} else b""
        if marker in _JPEG_FRAMES:
            if marker not in _JPEG_SEQUENTIAL or len(body) < 6:
                return True
            components = body[5]
        elif marker == 0xDA:
            return not body or body[0] != components
        else:
            upload.seek(length - 2, 1)
    return True


def _memory_needed(
    image: Image.Image, full: tuple[int, int], target: tuple[int, int], all_coefficients: bool
) -> int:
    """The bytes photo_clean holds at once for this file, known from its header alone.

    `image` is opened (a JPEG set to its draft scale) but not decoded; `full` is
    the picture's size, `target` the size of the shrunk copy, which exists
    while the decoded picture does. Checked by bench/photo_memory.py:
    - PNG and GIF are decoded once, at full size, at Pillow's bytes per pixel;
    - libjpeg decodes at the draft scale; a progressive or multi-scan file
      also keeps every DCT coefficient of the full-size picture (2 bytes each);
    - libwebp decodes into a canvas and a copy of it, hands Python a third copy
      and Pillow makes a fourth: 16 bytes a pixel.
    """
    width, height = full
    shrunk = target[0] * target[1] * 4
    if image.format == "WEBP":
        return width * height * 16 + shrunk
    decoded = image.width * image.height * _bytes_per_pixel(image.mode)
    if image.format in JPEG_FORMATS and all_coefficients and image.layer:
        # A component has (horizontal x vertical sampling) / the largest such
        # product coefficients per pixel: 3 in all for 4:4:4 colour, 1.5 for 4:2:0.
        samplings = [horizontal * vertical for _id, horizontal, vertical, _table in image.layer]
        most = max(samplings)
        decoded += sum(width * height * sampling // most for sampling in samplings) * 2
    return decoded + shrunk


def _reduced_rgb(image: Image.Image, factor: int) -> Image.Image:
    """The decoded image in RGB, shrunk by a whole factor (box filter), one tile at a time.

    Converting or reducing the whole picture at once would make a second copy
    of the full-size pixels (a palette must become RGB first; reduce()
    premultiplies alpha into a copy). Tiles are whole multiples of the factor,
    so they shrink exactly as the whole picture would.
    """
    width, height = image.size
    out = Image.new("RGB", (math.ceil(width / factor), math.ceil(height / factor)))
    step = _TILE * factor
    for top in range(0, height, step):
        for left in range(0, width, step):
            tile = image.crop((left, top, min(left + step, width), min(top + step, height)))
            if tile.mode != "RGB":
                tile = tile.convert("RGB")
            out.paste(tile.reduce(factor) if factor > 1 else tile, (left // factor, top // factor))
    return out


def _check_header(upload) -> tuple[int, int]:
    """The picture's size, after checking what its header says; no pixel is decoded."""
    try:
        upload.seek(0)
        try:
            probe = Image.open(upload, formats=ALLOWED_OPEN_FORMATS)
        except UnidentifiedImageError:
            # Not one of ours: text, a broken file or another image format alike.
            raise ValidationError(
                {"photo": _("The file is not an image we can read: use a JPEG, PNG, WebP or GIF.")}
            ) from None
        width, height = probe.size
        if width * height > settings.CIVIC_PHOTO_MAX_PIXELS:
            raise _too_many_pixels()
        # Checks the file's structure (PNG chunk checksums) without decoding pixels.
        probe.verify()
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _unreadable() from None
    return width, height


def _decoded_small(upload, width: int, height: int) -> tuple[Image.Image, int | None]:
    """The picture shrunk to at most CIVIC_PHOTO_MAX_EDGE on its long side, in RGB, and the
    orientation its metadata asks for; refused before decoding if that would take too much memory.
    """
    factor = math.ceil(max(width, height) / settings.CIVIC_PHOTO_MAX_EDGE)
    target = (math.ceil(width / factor), math.ceil(height / factor))
    try:
        upload.seek(0)
        all_coefficients = upload.read(2) == b"\xff\xd8" and _jpeg_keeps_all_coefficients(upload)
        upload.seek(0)
        image = Image.open(upload, formats=ALLOWED_OPEN_FORMATS)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _unreadable() from None
    try:
        scale = 1
        if image.format in JPEG_FORMATS and factor > 1:
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the target.
            drafted = image.draft(None, target)
            if drafted is not None:
                scale = round(width / drafted[1][2])
        needed = _memory_needed(image, (width, height), target, all_coefficients)
        budget = settings.CIVIC_PHOTO_DECODE_MAX_BYTES
        if needed > budget:
            raise ValidationError(
                {
                    "photo": _("Images of this kind can have at most %(megapixels)d megapixels.")
                    % {"megapixels": width * height * budget // needed // 1_000_000}
                }
            )
        image.load()
        orientation = image.getexif().get(ExifTags.Base.Orientation)
        small = _reduced_rgb(image, max(1, factor // scale))
    except (OSError, SyntaxError, ValueError, EOFError):
        # verify() checks structure only; a truncated file fails when decoded.
        raise _unreadable() from None
    finally:
        # Free the full-size pixels now, before the small copy is resized and encoded.
        image.close()
    if small.size != target:
        small = small.resize(target, Image.Resampling.LANCZOS)
    return small, orientation


def photo_clean(upload) -> ContentFile:
    """Return the photo re-encoded as JPEG, at most CIVIC_PHOTO_MAX_EDGE pixels on its long
    side, with no metadata (EXIF, GPS) at all.

    The pixel count and the memory decoding will take are checked from the
    header before a single pixel is decoded; a JPEG is decoded at a reduced
    scale, other images are shrunk tile by tile. Re-encoding the pixels is the
    dependable way to drop metadata: copying the file and deleting tags misses
    vendor blocks and XMP.
    """
    if upload.size > settings.CIVIC_PHOTO_MAX_BYTES:
        raise ValidationError(
            {
                "photo": _("The photo is larger than %(mb)d MB.")
                % {"mb": settings.CIVIC_PHOTO_MAX_BYTES // (1024 * 1024)}
            }
        )
    width, height = _check_header(upload)
    small, orientation = _decoded_small(upload, width, height)
    if orientation:
        # Keep the picture upright: the orientation tag is dropped with the rest.
        small.getexif()[ExifTags.Base.Orientation] = orientation
        small = ImageOps.exif_transpose(small)
    out = BytesIO()
    small.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
