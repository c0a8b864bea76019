"""The engine is a library: importing it loads neither the web application nor numpy (until
equal shares needs it), and it runs with numpy as its only package."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSEN = str(ROOT / "tests" / "data" / "Netherlands_Assen_2024.pb")
WATCHED = ("flask", "sqlalchemy", "alembic", "pb_service.factory", "numpy")


def loaded_after(code: str) -> list[str]:
    """Which of :data:`WATCHED` a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {WATCHED!r} if m in sys.modules]))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(run.stdout.splitlines()[-1])


def test_importing_the_engine_loads_no_web_application_and_no_numpy():
    assert loaded_after("import pb_service.rules") == []
    assert loaded_after("from pb_service.rules import compute, read_pabulib, Instance") == []


def test_a_greedy_count_needs_no_numpy_and_equal_shares_loads_it():
    tally = "from pb_service.rules.cli import main; main(['tally', {!r}, '--rule', {!r}, '--json'])"
    assert loaded_after(tally.format(ASSEN, "greedy")) == []
    assert loaded_after(tally.format(ASSEN, "equalshares")) == ["numpy"]


def test_the_app_factory_is_still_found_where_it_was():
    loaded = loaded_after("from pb_service import create_app; create_app")
    assert {"flask", "sqlalchemy", "pb_service.factory"} <= set(loaded)
    with pytest.raises(AttributeError):
        import pb_service

        pb_service.no_such_thing  # noqa: B018


# Stands for a virtual environment holding only the engine's declared dependency: any
# installed package other than numpy fails to import.
ONLY_NUMPY = textwrap.dedent(
    """
    import sys, sysconfig
    from importlib.machinery import PathFinder

    INSTALLED = (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])

    class OnlyNumpy:
        def find_spec(self, name, path=None, target=None):
            if path is not None or name.split(".")[0] == "numpy":
                return None
            spec = PathFinder.find_spec(name)
            if spec is not None and spec.origin and spec.origin.startswith(INSTALLED):
                raise ImportError(f"{name} is not a dependency of the engine")
            return None

    sys.meta_path.insert(0, OnlyNumpy())
    """
)


@pytest.mark.parametrize("rule", ["greedy", "equalshares", "equalshares/add1-comparison", "phragmen"])
def test_the_engine_runs_with_numpy_as_its_only_package(rule):
    script = ONLY_NUMPY + f"from pb_service.rules.cli import main\nsys.exit(main(['tally', {ASSEN!r}, '--rule', {rule!r}, '--json']))\n"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["rule"] == rule


def test_the_stand_in_environment_does_refuse_other_packages():
    script = ONLY_NUMPY + "import flask\n"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1 and "flask is not a dependency of the engine" in run.stderr


def test_the_measures_need_no_numba():
    """numba is optional: where it cannot be imported, the measures' equal-shares runs stay in
    Python (Kraków 2025 Dębniki: 7,815 (project, ballot group) pairs, where they are compiled
    when it can); the same values."""
    debniki = str(ROOT / "tests" / "data" / "Poland_Krakow_2025_Debniki.pb")
    args = ["explain", debniki, "--rule", "equalshares", "--project", "BO.D8.25/25", "--json"]
    script = (f"from pb_service.rules.cli import main\ncode = main({args!r})\n"
              "print('numba' in sys.modules, file=sys.stderr)\nsys.exit(code)\n")
    alone = subprocess.run([sys.executable, "-c", ONLY_NUMPY + script], capture_output=True, text=True, cwd=ROOT)
    full = subprocess.run([sys.executable, "-c", "import sys\n" + script], capture_output=True, text=True, cwd=ROOT)
    assert (alone.returncode, full.returncode) == (0, 0), alone.stderr + full.stderr
    assert (alone.stderr.split()[-1], full.stderr.split()[-1]) == ("False", "True")
    assert json.loads(alone.stdout) == json.loads(full.stdout)
    assert json.loads(full.stdout)["projects"]["BO.D8.25/25"]["singleton_add"] == 155
