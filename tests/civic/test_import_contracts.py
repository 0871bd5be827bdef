"""The layering contracts (import-linter) hold on the real tree and fail on a forbidden import."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
CORE = "The core (civic) imports no app"
APPS = "The apps (sensors, surveys, priority, interventions) do not import each other"
LAYERS = "Dashboards over the apps, the apps over the core"


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path) -> Path:
    """A throw-away copy of the project's Python packages and its contracts."""
    for package in CONFIG["root_packages"]:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "locale"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + "\n" + line + "\n")


def test_the_real_tree_keeps_every_contract():
    result = lint(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "chain"),
    [
        (
            "civic/services.py",
            "from sensors.models import Sensor",
            CORE,
            "civic.services -> sensors.models",
        ),
        # A lazy import inside a function is an import all the same.
        (
            "civic/selectors.py",
            "def _sneaky():\n    from surveys import results\n    return results",
            CORE,
            "civic.selectors -> surveys.results",
        ),
        (
            "sensors/services.py",
            "import surveys.models",
            APPS,
            "sensors.services -> surveys.models",
        ),
        (
            "interventions/views/proposals.py",
            "from sensors import selectors",
            APPS,
            "interventions.views.proposals -> sensors.selectors",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tree, module, line, contract, chain):
    add_line(tree / module, line)

    result = lint(tree)

    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout, result.stdout
    assert chain in result.stdout


def test_a_dashboards_layer_may_read_every_app_but_nothing_reads_it(tree):
    # given: the dashboards package the contracts are ready for, added to root_packages
    config = tree / "pyproject.toml"
    config.write_text(
        config.read_text().replace(
            'root_packages = ["civic", ', 'root_packages = ["dashboards", "civic", '
        )
    )
    (tree / "dashboards").mkdir()
    (tree / "dashboards" / "__init__.py").write_text('"""Dashboards."""\n')
    (tree / "dashboards" / "views.py").write_text(
        "import civic.models\nimport interventions.views\nimport sensors.models\n"
        "import surveys.models\n"
    )

    assert lint(tree).returncode == 0, lint(tree).stdout

    add_line(tree / "sensors" / "views.py", "import dashboards.views")
    result = lint(tree)

    assert result.returncode != 0
    assert f"{LAYERS} BROKEN" in result.stdout
    assert "sensors.views -> dashboards.views" in result.stdout


def test_every_app_of_the_project_is_under_the_contracts():
    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        # A virtualenv inside the checkout holds the libraries' apps, not ours.
        and "site-packages" not in Path(config.path).parts
    }

    assert ours <= set(CONFIG["root_packages"]), "add the new app to [tool.importlinter]"
