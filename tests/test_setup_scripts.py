"""The test harness itself: scripts/test's throwaway PostgreSQL and the CI entry point."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_part_runs_on_the_throwaway_cluster():
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["HOST"] == "127.0.0.1"
    assert os.environ["DATABASE_URL"] == os.environ["MERITFLOW_TEST_PG_URL"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
        cursor.execute("SELECT host(inet_server_addr())")
        assert cursor.fetchone() == ("127.0.0.1",)


def test_ci_runs_exactly_the_readme_test_command():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert any(line in ("scripts/test", "exec scripts/test") for line in lines), lines
    assert os.access(ROOT / "scripts" / "test", os.X_OK)


def test_postgres_tests_fail_loudly_without_postgres(tmp_path):
    # Run the postgres-marked test above on SQLite: it must error, not pass or skip.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(MERITFLOW_ENV="test", MERITFLOW_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-m",
            "postgres",
            "-q",
            f"{Path(__file__).relative_to(ROOT)}::test_postgres_part_runs_on_the_throwaway_cluster",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "is marked postgres but the database is 'sqlite'" in result.stdout
    assert "1 error" in result.stdout
