"""The core names no app: no imports (import-linter), and no job, figure or permission names.

import-linter (run by the test command) keeps civic from importing an app;
this test keeps the names out too, so an app can be removed or added
without editing civic/. The project wiring (civic.settings: INSTALLED_APPS,
the OpenAPI enum names; civic.urls: each app's URLs) is exempt: it is where
the apps are put together.
"""

import re
from pathlib import Path

import pytest

CIVIC = Path(__file__).resolve().parents[2] / "civic"
WIRING = {"settings", "urls.py", "migrations"}
# A quoted name that starts with an app's label: "sensors.x", 'surveys', "interventions:…".
APP_NAME = re.compile(r"""["'](sensors|surveys|priority|interventions)(["'.:_-])""")
# Figures of the apps, which the core reads only through the vocabulary.
FIGURES = re.compile(
    r"""["'](night_anomaly|wet_feet_hours|soil_moisture|tropical_nights|wetness_index|"""
    r"""theme_named_share|green_share_slope_\w*|sensor_count)["']"""
)


def core_files():
    for path in sorted(CIVIC.rglob("*")):
        relative = path.relative_to(CIVIC)
        if relative.parts[0] in WIRING or path.suffix not in {".py", ".html", ".js"}:
            continue
        yield path


@pytest.mark.parametrize("path", list(core_files()), ids=lambda p: str(p.relative_to(CIVIC)))
def test_a_core_module_names_no_app_job_figure_or_permission(path):
    text = path.read_text()

    assert not APP_NAME.findall(text), f"{path} names an app"
    assert not FIGURES.findall(text), f"{path} names an app's figure"


def test_the_check_itself_finds_a_name():
    assert APP_NAME.search('"sensors.sweep_dirty_days"')
    assert APP_NAME.search("'surveys.view_survey'")
    assert FIGURES.search('name="night_anomaly"')
    assert not APP_NAME.search('"the sensors of a neighbourhood"')
