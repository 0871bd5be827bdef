"""Production settings pass Django's deploy checks and refuse to start without a secret key."""

import json
import os
import re
import secrets
import string
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

MANAGE = settings.BASE_DIR / "manage.py"
CHECK_ID = re.compile(r"\(([a-z_]+\.[CEW]\d{3})\)")


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run the Python interpreter of the tests in the project directory with `env` on top."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides: str) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        "DJANGO_SETTINGS_MODULE": "civic.settings.production",
        "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(60)),
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    env.update(overrides)
    return env


def deploy_check() -> tuple[subprocess.CompletedProcess, list[str]]:
    result = run([str(MANAGE), "check", "--deploy"], **production_env())
    return result, CHECK_ID.findall(result.stdout + result.stderr)


def test_deploy_check_passes_without_security_warnings():
    result, ids = deploy_check()

    assert result.returncode == 0, result.stderr
    assert [i for i in ids if i.startswith("security.")] == []


def test_deploy_check_warns_only_about_the_documented_gdal_version():
    result, ids = deploy_check()

    # gis.W001 (Debian 12's GDAL 3.6) is accepted and documented in the README.
    assert set(ids) <= {"gis.W001"}, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]

    result = run([str(MANAGE), "check"], **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run([str(MANAGE), "check"], **production_env(DJANGO_SECRET_KEY="too-short-" * 3))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "db": [db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]],
    "redis": s.REDIS_URL,
    "cache": s.CACHES["default"]["LOCATION"],
    "broker": s.CELERY_BROKER_URL,
    "debug": s.DEBUG,
}))
"""


def test_local_settings_take_database_and_redis_from_the_environment():
    result = run(
        ["-c", PRINT_SETTINGS],
        DJANGO_SETTINGS_MODULE="civic.settings.local",
        DATABASE_URL="postgis://planner:s3cret@db.example.org:6543/planning",
        REDIS_URL="redis://cache.example.org:6380/3",
    )

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["db"] == [
        "django.contrib.gis.db.backends.postgis",
        "planning",
        "planner",
        "s3cret",
        "db.example.org",
        6543,
    ]
    assert seen["redis"] == "redis://cache.example.org:6380/3"
    assert seen["cache"] == "redis://cache.example.org:6380/3"
    assert seen["broker"] == "redis://cache.example.org:6380/3"
    # Visitors of the demo get no tracebacks unless a developer asks for them.
    assert seen["debug"] is False


def test_local_settings_turn_debug_pages_on_only_when_asked():
    result = run(
        ["-c", PRINT_SETTINGS], DJANGO_SETTINGS_MODULE="civic.settings.local", DJANGO_DEBUG="1"
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["debug"] is True


UNKNOWN_PAGE = """
import django
django.setup()
from django.test import Client
answer = Client(HTTP_ACCEPT_LANGUAGE="en").get("/no-such-page/")
print(answer.status_code)
print(answer.content.decode())
"""


def test_the_run_commands_settings_show_visitors_no_debug_page():
    result = run(["-c", UNKNOWN_PAGE], DJANGO_SETTINGS_MODULE="civic.settings.local")

    assert result.returncode == 0, result.stderr
    status, _, body = result.stdout.partition("\n")
    assert status == "404"
    assert "Page not found" in body
    # Django's debug 404 lists every URL pattern of the site.
    assert "URLconf" not in body
    assert "api/v1/" not in body


@pytest.mark.skipif(
    not os.environ.get("CIVIC_PRIVATE_PG"), reason="only the scripts' private cluster is ours"
)
@pytest.mark.django_db
def test_the_private_cluster_writes_durably():
    # The run command's demo shares this cluster: with fsync off a crash can
    # corrupt what residents entered.
    with connection.cursor() as cursor:
        cursor.execute("show fsync")
        assert cursor.fetchone() == ("on",)


PRODUCTION_LOGIN_PAGE = """
import json, django
django.setup()
from django.conf import settings as s
from django.test import Client
response = Client().get("/accounts/login/", secure=True, HTTP_HOST="example.org")
csrf = response.cookies[s.CSRF_COOKIE_NAME]
print(json.dumps({
    "status": response.status_code,
    "csrf_cookie": {"secure": bool(csrf["secure"]), "samesite": csrf["samesite"]},
    "headers": {name: response.headers.get(name) for name in (
        "Content-Security-Policy", "Referrer-Policy", "Strict-Transport-Security",
        "X-Content-Type-Options", "X-Frame-Options",
    )},
    "session": [s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE],
    "language_cookie_secure": s.LANGUAGE_COOKIE_SECURE,
}))
"""


def test_production_sends_cookies_over_https_only_and_the_security_headers():
    result = run(["-c", PRODUCTION_LOGIN_PAGE], **production_env())

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    # The CSRF cookie the login page sets is marked Secure; so are session and language.
    assert seen["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert seen["session"] == [True, True, "Lax"]
    assert seen["language_cookie_secure"] is True
    headers = seen["headers"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


PRINT_POLICY = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps(s.CONTENT_SECURITY_POLICY["DIRECTIVES"]))
"""


def test_images_may_come_from_the_configured_tile_host_only():
    tiles = run(
        ["-c", PRINT_POLICY],
        DJANGO_SETTINGS_MODULE="civic.settings.local",
        CIVIC_TILES_URL="https://{s}.tile.example.org/{z}/{x}/{y}.png",
    )
    offline = run(
        ["-c", PRINT_POLICY], DJANGO_SETTINGS_MODULE="civic.settings.local", CIVIC_TILES_URL=""
    )

    assert tiles.returncode == 0, tiles.stderr
    assert offline.returncode == 0, offline.stderr
    assert json.loads(tiles.stdout.strip().splitlines()[-1])["img-src"] == [
        "'self'",
        "data:",
        "https://*.tile.example.org",
    ]
    assert json.loads(offline.stdout.strip().splitlines()[-1])["img-src"] == ["'self'", "data:"]
