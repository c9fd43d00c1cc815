"""SQLite as the settings configure it (issue 17, item 1): every connection is in WAL mode with
synchronous=FULL and a 20 s busy timeout, so a second writer waits for the first instead of
failing, and readers are not blocked by a writer. And the PostgreSQL options a PgBouncer in
transaction mode needs (README, "Connection pooling").

The test database is in memory (no WAL there), so the checks open connections of the configured
kind to a database file of their own, through Django's SQLite backend and the settings' OPTIONS.
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite connections only")
ROOT = Path(__file__).resolve().parent.parent

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


@pytest.fixture
def open_connection(tmp_path, django_db_blocker):
    """Connections as webapp/settings.py configures them, to tmp_path/wal.sqlite3."""
    opened = []

    def open_one():
        settings_dict = {**settings.DATABASES["default"], "NAME": str(tmp_path / "wal.sqlite3")}
        settings_dict["OPTIONS"] = dict(settings_dict["OPTIONS"])
        wrapper = DatabaseWrapper(settings_dict, alias=f"sqlite_settings_{len(opened)}")
        wrapper.ensure_connection()
        opened.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():
        yield open_one
        for wrapper in opened:
            wrapper.close()


def pragma(wrapper, name):
    with wrapper.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@sqlite_only
def test_every_connection_is_in_wal_with_full_sync_and_a_busy_timeout(open_connection):
    for wrapper in (open_connection(), open_connection()):
        assert pragma(wrapper, "journal_mode") == "wal"
        assert pragma(wrapper, "synchronous") == FULL
        assert pragma(wrapper, "busy_timeout") == 20_000
        assert wrapper.transaction_mode == "IMMEDIATE"


@sqlite_only
def test_a_second_writer_waits_and_a_reader_is_not_blocked(open_connection):
    first, second, reader = open_connection(), open_connection(), open_connection()
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE steps (n INTEGER)")
        cursor.execute("INSERT INTO steps VALUES (1)")
    first.inc_thread_sharing()
    locked = threading.Event()

    def hold_the_write_lock():
        first._start_transaction_under_autocommit()  # what atomic() runs: BEGIN IMMEDIATE
        with first.cursor() as cursor:
            cursor.execute("INSERT INTO steps VALUES (2)")
            locked.set()
            time.sleep(0.5)
            cursor.execute("COMMIT")

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    assert locked.wait(10)
    # WAL: a reader sees the last committed state while the writer holds its lock.
    with reader.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM steps")
        assert cursor.fetchone()[0] == 1
    start = time.monotonic()
    second._start_transaction_under_autocommit()  # waits (busy timeout) instead of "database is locked"
    waited = time.monotonic() - start
    with second.cursor() as cursor:
        cursor.execute("INSERT INTO steps VALUES (3)")
        cursor.execute("COMMIT")
    holder.join()
    first.dec_thread_sharing()
    assert 0.2 < waited < 10
    with reader.cursor() as cursor:
        cursor.execute("SELECT n FROM steps ORDER BY n")
        assert [n for (n,) in cursor.fetchall()] == [1, 2, 3]


def database_settings(tmp_path, **env):
    """settings.DATABASES["default"] as a fresh process computes it from ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MERITFLOW_", "DB_")) and k != "DATABASE_URL"}
    clean.update(MERITFLOW_ENV="test", MERITFLOW_VAR_DIR=str(tmp_path), **env)
    code = "import json, webapp.settings as s; print(json.dumps(s.DATABASES['default'], default=str))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlite_options(tmp_path):
    options = database_settings(tmp_path)["OPTIONS"]
    assert options == {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
    }


def test_postgresql_options_for_pgbouncer_in_transaction_mode(tmp_path):
    url = "postgres://meritflow@db.example:6432/meritflow"
    default = database_settings(tmp_path, DATABASE_URL=url)
    assert "-c statement_timeout=30000" in default["OPTIONS"]["options"]
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert default["CONN_MAX_AGE"] == 60
    pooled = database_settings(
        tmp_path,
        DATABASE_URL=url,
        DB_STATEMENT_TIMEOUT="0",
        DB_JIT="server",
        DB_DISABLE_SERVER_SIDE_CURSORS="1",
        DB_PREPARED_STATEMENTS="role",
    )
    assert "options" not in pooled["OPTIONS"]  # PgBouncer refuses startup options: the role carries them
    assert pooled["OPTIONS"]["server_side_binding"] is True  # PgBouncer ≥ 1.21 keeps prepared statements
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
