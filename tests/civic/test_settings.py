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
