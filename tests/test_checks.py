"""The static checks (scripts/checks) and their place in scripts/test.

scripts/checks runs on small trees built here (MERITFLOW_CHECKS_DIR) that carry the real
pyproject.toml, so what is tested is the checkout's own ruff, import-linter and mypy
configuration: one tree with a defect for every check, one without any.
"""

import os
import subprocess
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ["ruff", "format", "imports", "migrations", "mypy"]

MANAGE_PY = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

# Fails loudly unless scripts/checks gives makemigrations the test profile, a throwaway
# MERITFLOW_VAR_DIR and no DATABASE_URL.
SETTINGS_PY = """\
import os
from pathlib import Path

assert os.environ["MERITFLOW_ENV"] == "test"
assert "DATABASE_URL" not in os.environ
SECRET_KEY = "checks"
USE_TZ = True
INSTALLED_APPS = ["workdays"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(os.environ["MERITFLOW_VAR_DIR"]) / "db.sqlite3",
    }
}
"""

# One defect per check, each in its own file.
DEFECTS = {
    # ruff (F401 unused imports) and the layers: permissions is the bottom layer.
    "permissions/probe.py": "import os\n\nfrom awards import models\n",
    # ruff format: single quotes, no spaces.
    "records/unformatted.py": "LIMITS = {'a':1}\n",
    # makemigrations --check: a model without its migration.
    "workdays/models.py": textwrap.dedent("""\
        from django.db import models


        class Holiday(models.Model):
            day = models.DateField()
        """),
    "workdays/migrations/__init__.py": "",
    # mypy.
    "workflows/typed.py": 'count: int = "three"\n',
}


def make_tree(path, defects):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    files = {"pyproject.toml": (ROOT / "pyproject.toml").read_text(), "manage.py": MANAGE_PY, "webapp/settings.py": SETTINGS_PY}
    files.update({f"{package}/__init__.py": "" for package in config["tool"]["importlinter"]["root_packages"]})
    if defects:
        files.update(DEFECTS)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return path


def clean_env(**extra):
    """The environment of a fresh command line: none of the test run's own settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("MERITFLOW_ENV", "MERITFLOW_VAR_DIR", "DATABASE_URL")}
    env.update(extra)
    return env


def run_checks(tree):
    env = clean_env(MERITFLOW_SETUP_DONE="1", MERITFLOW_CHECKS_DIR=str(tree), DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    return subprocess.run([ROOT / "scripts" / "checks"], env=env, capture_output=True, text=True, timeout=120)


def verdicts(stdout):
    found = {}
    for line in stdout.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "check" and words[1] in CHECKS:
            found[words[1]] = words[2]
    return found


def test_checks_pass_on_a_clean_tree(tmp_path):
    result = run_checks(make_tree(tmp_path, defects=False))
    assert result.returncode == 0, result.stdout + result.stderr
    assert verdicts(result.stdout) == dict.fromkeys(CHECKS, "passed"), result.stdout


def test_every_check_fails_on_its_defect_and_names_the_file(tmp_path):
    result = run_checks(make_tree(tmp_path, defects=True))
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert verdicts(result.stdout) == dict.fromkeys(CHECKS, "FAILED"), out
    assert "permissions/probe.py:1:8: F401" in out
    assert "records/unformatted.py" in out
    assert "permissions is not allowed to import awards" in out
    assert "permissions.probe -> awards (l.3)" in out
    assert "Migrations for 'workdays'" in out
    assert 'workflows/typed.py:1: error: Incompatible types in assignment (expression has type "str", variable has type "int")' in out


def test_scripts_test_runs_the_checks_first_and_fails_after_its_tests(tmp_path):
    # The real scripts/test (checks and the SQLite part, one quick test) with the checks
    # pointed at the defective tree: the pytest part still runs, the run fails.
    env = clean_env(MERITFLOW_CHECKS_DIR=str(make_tree(tmp_path, defects=True)), MERITFLOW_TEST_PARTS="checks sqlite")
    result = subprocess.run(
        [
            ROOT / "scripts" / "test",
            "-p",
            "no:cacheprovider",
            "tests/test_setup_scripts.py::test_ci_runs_exactly_the_readme_test_command",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert result.stdout.index("check mypy       FAILED") < result.stdout.index("pytest part 'sqlite'"), out
    assert "FAILED: checks (scripts/checks exit code 1)" in result.stderr
    assert "FAILED: part" not in result.stderr
    assert result.stdout.splitlines()[-1] == "total: 1 passed, 0 failed, 0 skipped", out
