"""Fixtures and guards shared by the whole suite (scripts/test runs it in two parts).

- Tests marked ``postgres`` run only in the PostgreSQL part (``DATABASE_URL`` pointing at the
  throwaway cluster). Run against any other database they fail at setup instead of passing
  or skipping, so a misconfigured CI cannot go green without testing PostgreSQL.
- ``artifacts_dir``: ``test-artifacts/`` (gitignored) for screenshots, rendered PNGs/PDFs.
- Under pytest-xdist (scripts/test runs the SQLite part with ``-n auto --dist load``) every
  worker has its own test database (SQLite's is in memory; pytest-django adds ``_gw0``,
  ``_gw1``… to a PostgreSQL one) and its own ``MERITFLOW_VAR_DIR`` (``<var dir>/gw0``…: media,
  static files, and what subprocesses the tests start inherit). The prepared fonts are not
  under it: all workers read the same ones (``documents.fonts.font_dir``, made by scripts/setup).
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = ROOT / "test-artifacts"


def pytest_configure(config):
    """An xdist worker's own MERITFLOW_VAR_DIR, below the run's (settings are already loaded)."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if not worker:
        return
    from django.conf import settings

    var_dir = Path(settings.VAR_DIR) / worker
    (var_dir / "media").mkdir(parents=True, exist_ok=True)
    os.environ["MERITFLOW_VAR_DIR"] = str(var_dir)
    settings.VAR_DIR = var_dir
    settings.MEDIA_ROOT = var_dir / "media"
    settings.STATIC_ROOT = var_dir / "static"


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            f"{item.nodeid} is marked postgres but the database is {connection.vendor!r}: "
            "run it through scripts/test, or with DATABASE_URL=postgres://... -m postgres",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def artifacts_dir():
    """The directory for test artifacts (created if missing)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(autouse=True)
def _fresh_rule_parameters():
    """Each test reads rule parameters from its own database state (the process-wide cache of
    ``rulebook`` would otherwise carry a value across the rollback between tests)."""
    from rulebook.registry import clear_cache

    clear_cache()
    yield
    clear_cache()
