"""Every user-facing text has a Dutch translation, and Dutch pages show it."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def _msgids(*flags: str) -> list[str]:
    result = subprocess.run(
        ["msgattrib", *flags, "--no-obsolete", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=True,
    )
    ids = [line for line in result.stdout.splitlines() if line.startswith("msgid ")]
    return [line for line in ids if line != 'msgid ""']  # the header


@pytest.mark.parametrize("flag", ["--untranslated", "--only-fuzzy"])
def test_the_dutch_catalogue_is_complete(flag):
    assert _msgids(flag) == []


def test_pages_speak_dutch_by_default_and_english_on_request(client, heat):
    dutch = client.get("/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Meldingen op de kaart" in dutch
    assert "Concerns on the map" in english
