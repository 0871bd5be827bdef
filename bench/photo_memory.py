"""Peak memory of a concern photo upload (issue 8, point 5): `bash bench/photo_memory.sh`.

Every case runs in a fresh Python process that files a concern with the photo
through the real code path: a multipart POST to /api/v1/concerns/ (or the
web form /concerns/new/) through Django's request handling, the serializer or
form, concern_create and civic.photos, the file storage and the database, all
inside a transaction that is rolled back. The request body is encoded before
the measurement starts, as a server receives it from the socket.

The figure is the rise of the process's peak resident set size
(getrusage ru_maxrss) over its resident size just before the request, after a
warm-up upload. Pillow allocates pixels in C, so tracemalloc would not see
them. Each case runs with today's civic/photos.py and, as the baseline in the
same run, with the civic/photos.py from before the memory bound (taken from
git into a temporary module, with the pixel limit and Pillow defaults of that
time).

Results go to bench/photo_results.md (overwritten). Images are generated,
deterministic. Writes nothing that outlives a case: rows are rolled back,
photos go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("photo_results.md")
# The commit that introduced the memory bound; the baseline is its parent.
MARKER = "CIVIC_PHOTO_DECODE_MAX_BYTES"
TARGET_MIB = 100


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    expect: str  # "accepted" or "refused"
    path: str = "api"  # "api" or "form"


CASES = [
    Case("bomb-png", "6300x6300 greyscale PNG, one colour (the probe's file)", "refused"),
    Case("bomb-png", "the same through the web form", "refused", "form"),
    Case("png-text", "10x10 PNG carrying 60 MB of compressed text chunks", "refused"),
    Case("png-24mp", "6000x4000 RGB PNG (above the PNG limit)", "refused"),
    Case("png-21mp", "5700x3800 RGB PNG (largest accepted PNG)", "accepted"),
    Case("png-21mp-rgba", "5700x3800 RGBA PNG", "accepted"),
    Case("jpeg-24mp", "6000x4000 JPEG, baseline (largest accepted JPEG)", "accepted"),
    Case("jpeg-24mp-progressive", "6000x4000 JPEG, progressive", "refused"),
    Case("jpeg-21mp-progressive", "5700x3800 JPEG, progressive", "accepted"),
    Case("phone-jpeg", "4032x3024 JPEG with EXIF and GPS (typical phone photo)", "accepted"),
    Case("phone-jpeg", "the same through the web form", "accepted", "form"),
    Case("webp-5mp", "2800x1900 WebP (largest accepted WebP)", "accepted"),
    Case("webp-12mp", "4032x3024 WebP", "refused"),
]


# ---------------------------------------------------------------- the images
def _picture(width: int, height: int, detail: int):
    """A deterministic picture: smooth colour fields with texture `detail` times finer."""
    import random

    from PIL import Image

    rng = random.Random(20260601)
    small = Image.new("RGB", (max(2, width // detail), max(2, height // detail)))
    small.putdata(
        [
            (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            for _ in range(small.width * small.height)
        ]
    )
    return small.resize((width, height), Image.Resampling.BICUBIC)


def _shapes(width: int, height: int, mode: str):
    """Flat shapes, as a screenshot or a drawing: a PNG this large stays under the byte limit."""
    from PIL import Image, ImageDraw

    image = Image.new(mode, (width, height), (90, 140, 200, 255)[: len(mode)])
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 150):
        draw.rectangle([x, 0, x + 70, height], fill=(x % 256, 120, 60, 200)[: len(mode)])
    for y in range(0, height, 200):
        draw.ellipse([y, y // 2, y + 900, y // 2 + 600], fill=(30, 200, y % 256, 255)[: len(mode)])
    return image


def _gps_exif():
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Acme Phones"
    exif[0x0112] = 6  # held sideways
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 40.0), 3: "E", 4: (6.0, 3.0, 36.0)})
    return exif


def _text_bomb_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    text = zlib.compress(b"a" * 1_000_000, 9)
    rows = b"".join(b"\0" + bytes(10) for _ in range(10))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 0, 0, 0, 0))
        + b"".join(chunk(b"zTXt", b"k%d\0\0" % i + text) for i in range(60))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_image(name: str) -> tuple[bytes, str]:
    """The bytes and content type of a case's file."""
    from PIL import Image

    out = BytesIO()
    if name == "bomb-png":
        Image.new("L", (6300, 6300), 255).save(out, "PNG", optimize=True)
    elif name == "png-text":
        return _text_bomb_png(), "image/png"
    elif name.startswith("png-"):
        size = (6000, 4000) if "24mp" in name else (5700, 3800)
        mode = "RGBA" if name.endswith("rgba") else "RGB"
        _shapes(*size, mode).save(out, "PNG", optimize=True)
    elif name.startswith("jpeg-"):
        size = (6000, 4000) if "24mp" in name else (5700, 3800)
        _picture(*size, 8).save(out, "JPEG", quality=90, progressive="progressive" in name)
    elif name == "phone-jpeg":
        _picture(4032, 3024, 4).save(out, "JPEG", quality=90, exif=_gps_exif())
    elif name == "webp-5mp":
        _picture(2800, 1900, 4).save(out, "WEBP", quality=85)
    elif name == "webp-12mp":
        _picture(4032, 3024, 4).save(out, "WEBP", quality=85)
    else:
        raise ValueError(name)
    return out.getvalue(), CONTENT_TYPES[name.split("-")[0]]


CONTENT_TYPES = {
    "bomb": "image/png",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "phone": "image/jpeg",
    "webp": "image/webp",
}


# ---------------------------------------------------------------- one case, in a child process
def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _use_old_code(ref: str) -> None:
    """Swap in civic/photos.py as it was at `ref`, with its pixel limit and Pillow's defaults."""
    import importlib.util

    from django.conf import settings
    from PIL import Image, PngImagePlugin

    import civic.services

    source = subprocess.run(
        ["git", "show", f"{ref}:civic/photos.py"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    old_settings = subprocess.run(
        ["git", "show", f"{ref}:civic/settings/base.py"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    limit = re.search(r"^CIVIC_PHOTO_MAX_PIXELS = ([\d_]+)", old_settings, re.M)
    settings.CIVIC_PHOTO_MAX_PIXELS = int(limit.group(1))
    Image.MAX_IMAGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3  # Pillow's default
    PngImagePlugin.MAX_TEXT_MEMORY = 64 * PngImagePlugin.MAX_TEXT_CHUNK
    with tempfile.NamedTemporaryFile("wb", suffix=".py", delete=False) as module_file:
        module_file.write(source)
    spec = importlib.util.spec_from_file_location("old_photos", module_file.name)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    os.unlink(module_file.name)
    civic.services.photo_clean = old.photo_clean


def run_child(args) -> None:
    """File one concern with one photo and print what it cost, as one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import transaction
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
    from rest_framework.test import APIClient

    from civic.models import Area, Theme, User
    from civic.roles import RESIDENT, user_assign_role

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="photo-bench-")
    settings.ALLOWED_HOSTS = ["*"]
    if args.code == "old":
        _use_old_code(args.old_ref)
    data = Path(args.file).read_bytes()
    lon, lat = 6.06, 52.528

    with transaction.atomic():
        ring = [(lon - 0.05, lat - 0.05), (lon + 0.05, lat - 0.05), (lon + 0.05, lat + 0.05)]
        Area.objects.create(
            kind=Area.Kind.MUNICIPALITY,
            code="GM-PHOTO-BENCH",
            name="Bench",
            geometry=MultiPolygon(Polygon([*ring, (lon - 0.05, lat + 0.05), ring[0]]), srid=4326),
        )
        theme = Theme.objects.create(
            slug="photo-bench", name_nl="Bench", name_en="Bench", colour="#000000"
        )
        user = User.objects.create_user("photo-bench", "photo-bench@example.test", "x")
        user_assign_role(user, RESIDENT)
        client = APIClient()
        if args.path == "api":
            client.force_authenticate(user)
            url, fields = "/api/v1/concerns/", {"theme": theme.slug}
        else:
            client.force_login(user)
            url, fields = "/concerns/new/", {"theme": theme.pk}
        fields |= {"description": "Heet plein", "latitude": lat, "longitude": lon}

        def body(photo: bytes, name: str, content_type: str) -> bytes:
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile(name, photo, content_type=content_type)
            return encode_multipart(BOUNDARY, {**fields, "photo": upload})

        def post(encoded: bytes):
            return client.generic("POST", url, encoded, content_type=MULTIPART_CONTENT)

        # Warm-up: one accepted and one refused upload load every module, translation and query.
        from PIL import Image

        small = BytesIO()
        Image.new("RGB", (64, 48), "orange").save(small, "JPEG")
        post(body(small.getvalue(), "warm.jpg", "image/jpeg"))
        post(body(b"not an image", "warm.png", "image/png"))
        encoded = body(data, Path(args.file).name, args.content_type)
        del data

        before, peak_before = _rss_mib(), _peak_mib()
        started = time.perf_counter()
        response = post(encoded)
        seconds = time.perf_counter() - started
        peak_after = _peak_mib()

        stored = None
        from civic.models import Concern

        concern = Concern.objects.filter(author=user).exclude(photo="").order_by("-pk").first()
        if concern is not None and response.status_code in (201, 302):
            with Image.open(concern.photo.path) as photo:
                stored = f"{photo.width}x{photo.height}"
        if response.status_code == 400 and args.path == "api":
            errors = sorted(response.json())
        elif response.status_code == 400:
            errors = ["photo"] if b'id="id_photo' in response.content else []
        else:
            errors = []
        transaction.set_rollback(True)

    print(
        json.dumps(
            {
                "status": response.status_code,
                "errors": errors,
                "stored": stored,
                "before_mib": round(before, 1),
                "peak_before_mib": round(peak_before, 1),
                "increase_mib": round(max(peak_after, before) - before, 1),
                "seconds": round(seconds, 3),
            }
        )
    )


# ---------------------------------------------------------------- the parent
def _old_ref() -> str:
    """The parent of the commit that introduced the memory bound, or HEAD before it is committed."""
    changed = subprocess.run(
        ["git", "log", "--format=%H", "-S", MARKER, "--", "civic/photos.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return f"{changed[-1][:7]}^" if changed else "HEAD"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--make", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--content-type", help=argparse.SUPPRESS)
    parser.add_argument("--path", default="api", help=argparse.SUPPRESS)
    parser.add_argument("--code", default="new", choices=["new", "old"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--old-ref",
        default=None,
        help="git revision whose civic/photos.py is the baseline "
        "(default: the parent of the commit that introduced the memory bound)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the old code")
    parser.add_argument("--only", nargs="*", help="case names to run")
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    if args.make:
        data, content_type = make_image(args.make)
        Path(args.file).write_bytes(data)
        print(content_type)
        return

    old_ref = args.old_ref or _old_ref()
    codes = ["new"] if args.no_baseline else ["new", "old"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="photo-bench-") as folder:
        for case in CASES:
            if args.only and case.name not in args.only:
                continue
            # Made in a process of its own: a child's ru_maxrss starts from its
            # parent's peak on Linux, so the parent must stay small.
            path = Path(folder) / case.name
            if not path.exists():
                made = [sys.executable, __file__, f"--make={case.name}", f"--file={path}"]
                subprocess.run(made, check=True, capture_output=True)
            content_type = CONTENT_TYPES[case.name.split("-")[0]]
            results = {}
            for code in codes:
                command = [
                    sys.executable,
                    __file__,
                    "--child",
                    f"--file={path}",
                    f"--content-type={content_type}",
                    f"--path={case.path}",
                    f"--code={code}",
                ]
                command.append(f"--old-ref={old_ref}")
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    sys.stderr.write(done.stderr)
                    raise SystemExit(f"case {case.name} ({code}) failed")
                results[code] = json.loads(done.stdout.strip().splitlines()[-1])
                print(case.name, case.path, code, results[code], flush=True)
            rows.append((case, path.stat().st_size, results))
    write_results(rows, old_ref)


def _verdict(case: Case, new: dict) -> str:
    accepted = new["status"] in (201, 302)
    if case.expect == "refused":
        ok = new["status"] == 400 and new["errors"] == ["photo"]
        return "PASS" if ok else "FAIL"
    return "PASS" if accepted and new["increase_mib"] <= TARGET_MIB else "FAIL"


def _git_version() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.rstrip()

    dirty = git("status", "--porcelain", "civic/photos.py", "civic/settings/base.py")
    head = git("rev-parse", "--short", "HEAD") or "?"
    return head + (" (uncommitted changes)" if dirty else "")


def write_results(rows, old_ref: str) -> None:
    lines = [
        "# Photo upload memory (bench/photo_memory.py)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, commit {_git_version()}, "
        f"baseline: civic/photos.py at {old_ref}.",
        "",
        "Rise of the peak resident set size while one upload is handled (MiB); "
        "answer and stored size.",
        "",
        "| case | path | file | now: answer | now: stored | now: peak rise | now: time "
        "| before: answer | before: stored | before: peak rise | target | result |",
        "|---|---|---:|---|---|---:|---:|---|---|---:|---|---|",
    ]
    for case, size, results in rows:
        new, old = results["new"], results.get("old")

        def answer(result: dict) -> str:
            errors = ",".join(result["errors"])
            return f"{result['status']}" + (f" ({errors})" if errors else "")

        target = "400 `photo`" if case.expect == "refused" else f"≤ {TARGET_MIB} MiB"
        cells = [
            f"{case.name}: {case.what}",
            case.path,
            f"{size / 1024:,.0f} KB",
            answer(new),
            new["stored"] or "-",
            f"{new['increase_mib']:.0f}",
            f"{new['seconds']:.2f} s",
        ]
        if old:
            cells += [answer(old), old["stored"] or "-", f"{old['increase_mib']:.0f}"]
        else:
            cells += ["-", "-", "-"]
        cells += [target, _verdict(case, new)]
        lines.append("| " + " | ".join(cells) + " |")
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
