"""The production gunicorn config (deploy/gunicorn.conf.py, issue 17 item 5), read by gunicorn's
own config loader: workers, timeouts, preload with gc.freeze() before each fork, worker
recycling, access log; and a real master with it answers requests."""

import gc
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


@pytest.fixture
def load_config(monkeypatch):
    """gunicorn's loader as the command line `gunicorn -c deploy/gunicorn.conf.py [args]` runs
    it (file, then GUNICORN_CMD_ARGS, then the command line). The file turns the collector off
    for the master's import; the test process gets its state back."""
    was_enabled = gc.isenabled()

    def load(*args, **env):
        for name in ("WEB_CONCURRENCY", "MERITFLOW_BIND", "MERITFLOW_ACCESS_LOG", "GUNICORN_CMD_ARGS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", str(CONFIG), *args])
        return WSGIApplication("%(prog)s [OPTIONS]").cfg

    yield load
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def test_the_key_settings(load_config):
    cfg = load_config()
    assert cfg.wsgi_app == "webapp.wsgi:application"
    assert cfg.bind == ["127.0.0.1:8000"]
    assert cfg.workers == 2 * os.cpu_count() + 1
    assert cfg.worker_class_str == "sync"
    assert cfg.timeout == 60 and cfg.graceful_timeout == 30
    assert cfg.preload_app is True
    assert cfg.max_requests == 2000 and cfg.max_requests_jitter == 200
    assert cfg.accesslog == "-" and "%(M)sms" in cfg.access_log_format
    assert cfg.chdir == str(ROOT)


def test_environment_and_command_line_override_it(load_config):
    cfg = load_config(WEB_CONCURRENCY="3", MERITFLOW_BIND="0.0.0.0:9000", MERITFLOW_ACCESS_LOG="off")
    assert (cfg.workers, cfg.bind, cfg.accesslog) == (3, ["0.0.0.0:9000"], None)
    cfg = load_config("--workers", "7", "--timeout", "90")  # the command line wins over the file
    assert (cfg.workers, cfg.timeout, cfg.max_requests) == (7, 90, 2000)


def test_the_master_freezes_the_preloaded_objects_before_each_fork(load_config):
    cfg = load_config()
    assert not gc.isenabled()  # the master imports the application without collections
    from django.urls import get_resolver

    get_resolver().__dict__.pop("url_patterns", None)
    server = mock.Mock()
    server.cfg.preload_app = True
    cfg.when_ready(server)
    assert "url_patterns" in get_resolver().__dict__  # every view imported in the master, before the fork
    gc.unfreeze()
    frozen_before = gc.get_freeze_count()
    with mock.patch("django.db.connections.close_all") as close_all:
        cfg.pre_fork(mock.Mock(), mock.Mock())
    close_all.assert_called_once_with()  # no database connection is inherited by a worker
    assert gc.get_freeze_count() > frozen_before + 10_000  # the application's objects: permanent generation
    assert gc.isenabled()
    gc.disable()
    cfg.post_fork(mock.Mock(), mock.Mock())
    assert gc.isenabled()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_master_with_this_config_serves(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MERITFLOW_", "DB_", "GUNICORN_")) and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        MERITFLOW_ENV="test",
        MERITFLOW_VAR_DIR=str(tmp_path),
        MERITFLOW_BIND=f"127.0.0.1:{port}",
        MERITFLOW_ACCESS_LOG=str(tmp_path / "access.log"),
        WEB_CONCURRENCY="2",
    )
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG)],
        cwd=tmp_path,  # the config's chdir finds the project
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
                    assert response.status == 200
                break
            except OSError:
                assert master.poll() is None, master.stdout.read()
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer")
        time.sleep(0.5)  # the access log line is written after the response
        line = (tmp_path / "access.log").read_text().splitlines()[-1]
        assert '"GET /accounts/login/ HTTP/1.1" 200' in line and line.split('"')[2].strip().split()[-1].endswith("ms")
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            output = master.communicate(timeout=40)[0]
        except subprocess.TimeoutExpired:
            master.kill()
            output = master.communicate()[0]
    assert master.returncode == 0, output
    assert "Booting worker" in output
