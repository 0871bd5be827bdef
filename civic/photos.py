"""Checking and cleaning uploaded photos: only real images, re-encoded without EXIF."""

from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def photo_clean(upload) -> ContentFile:
    """Return the photo re-encoded as JPEG with no metadata (EXIF, GPS) at all.

    Re-encoding the pixels is the dependable way to drop metadata: copying
    the file and deleting tags misses vendor blocks and XMP.
    """
    if upload.size > settings.CIVIC_PHOTO_MAX_BYTES:
        raise ValidationError(
            {
                "photo": _("The photo is larger than %(mb)d MB.")
                % {"mb": settings.CIVIC_PHOTO_MAX_BYTES // (1024 * 1024)}
            }
        )
    try:
        upload.seek(0)
        probe = Image.open(upload)
        fmt = probe.format
        width, height = probe.size
        probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photo": _("The file is not an image we can read.")}) from None
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError({"photo": _("Use a JPEG, PNG, WebP or GIF image.")})
    if width * height > settings.CIVIC_PHOTO_MAX_PIXELS:
        raise ValidationError({"photo": _("The photo has too many pixels.")})
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            # Keep the picture upright before the orientation tag is dropped.
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        # verify() checks structure only; a truncated file fails when decoded.
        raise ValidationError({"photo": _("The file is not an image we can read.")}) from None
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    out = BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
