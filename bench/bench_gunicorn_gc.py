"""gunicorn workers with deploy/gunicorn.conf.py (preload + gc.freeze()) against the former command line.

    python bench/bench_gunicorn_gc.py [--requests N] [--rounds R]

A fresh SQLite database with the demo world; one gunicorn worker at a time serves the workbench
(``GET /``, county reviewer ``ls_sh``, logged in by session) N times in a row, alternating:

* ``config``: ``-c deploy/gunicorn.conf.py`` (the application preloaded in the master with the
  collector off, ``gc.freeze()`` before the fork);
* ``former``: the same file with ``preload_app`` off and no freeze hooks (what bench_http.py ran
  before: the worker imports the application itself, every object stays in the collector's care).

Reported per variant: the worker's full (generation 2) collections — how many, mean and longest
pause, objects the collector tracks at the end — the requests' p50/p99/max, and the worker's
memory (smaps_rollup: private dirty, shared). Writes bench/results/gunicorn-gc.txt.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

VARIANT_CONFIG = """
import gc as _gc, os as _os, time as _time
_variant = _os.environ["BENCH_GC_VARIANT"]
exec(open({config!r}).read())
chdir = {root!r}
if _variant == "former":
    preload_app = False
    _gc.enable()
    del when_ready, pre_fork
_base_post_fork = post_fork


def post_fork(server, worker):
    _base_post_fork(server, worker)
    start = [0.0]
    path = _os.path.join({logs!r}, f"{{_variant}}-{{_os.getpid()}}.log")

    def timing(phase, info):
        if info["generation"] != 2:
            return
        if phase == "start":
            start[0] = _time.perf_counter()
        else:
            with open(path, "a") as fh:
                fh.write(f"{{(_time.perf_counter() - start[0]) * 1000:.3f}} {{len(_gc.get_objects())}}\\n")

    _gc.callbacks.append(timing)
"""


def prepare():
    common.use_database("sqlite", "gunicorn-gc")
    common.django_setup()
    common.load_world()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connections

    reviewer = get_user_model().objects.get(username="ls_sh")
    session = SessionStore()
    session[SESSION_KEY] = str(reviewer.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = reviewer.get_session_auth_hash()
    session.create()
    connections.close_all()
    return session.session_key


def memory(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return fields


def run_variant(variant, work, session_key, requests):
    port = _free_port()
    env = {
        **os.environ,
        "BENCH_GC_VARIANT": variant,
        "MERITFLOW_BIND": f"127.0.0.1:{port}",
        "MERITFLOW_ACCESS_LOG": "off",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
    }
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(work / "variant.conf.py")],
        cwd=common.ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"gunicorn ({variant}) did not answer")
        times = []
        for _ in range(requests):
            request = urllib.request.Request(base + "/", headers={"Cookie": f"sessionid={session_key}"})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200, response.status
                response.read()
            times.append((time.perf_counter() - start) * 1000)
        worker = int(subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()[0])
        mem = memory(worker)
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            master.kill()
    pauses, tracked = [], 0
    for log in (work / "logs").glob(f"{variant}-{worker}.log"):
        for line in log.read_text().splitlines():
            ms, objects = line.split()
            pauses.append(float(ms))
            tracked = int(objects)
    return times, pauses, tracked, mem


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    report = common.Report("gunicorn-gc", "gunicorn workers: preload + gc.freeze() vs the former command line")
    session_key = prepare()
    work = Path(tempfile.mkdtemp(prefix="meritflow-bench-gc-"))
    (work / "logs").mkdir()
    (work / "variant.conf.py").write_text(
        VARIANT_CONFIG.format(config=str(common.ROOT / "deploy" / "gunicorn.conf.py"), root=str(common.ROOT), logs=str(work / "logs"))
    )
    rows = []
    for round_ in range(1, args.rounds + 1):
        for variant in ("config", "former"):
            times, pauses, tracked, mem = run_variant(variant, work, session_key, args.requests)
            times.sort()
            rows.append(
                (
                    f"{variant} #{round_}",
                    len(pauses),
                    statistics.mean(pauses) if pauses else 0.0,
                    max(pauses, default=0.0),
                    tracked,
                    times[len(times) // 2],
                    times[int(len(times) * 0.99)],
                    times[-1],
                    mem.get("Private_Dirty", 0.0),
                    mem.get("Shared_Dirty", 0.0) + mem.get("Shared_Clean", 0.0),
                )
            )
    report.emit(
        f"one sync worker serving GET / (workbench, ls_sh) {args.requests} times in a row per run, SQLite, test profile "
        f"(DEBUG off); variants alternating; load average at the end {os.getloadavg()[0]:.1f}"
    )
    report.table(
        [
            ("run", 10, ""),
            ("full GCs", 8, ""),
            ("mean ms", 7, ".1f"),
            ("max ms", 6, ".1f"),
            ("tracked", 7, ""),
            ("p50 ms", 6, ".1f"),
            ("p99 ms", 6, ".1f"),
            ("max ms", 6, ".1f"),
            ("private MB", 10, ".1f"),
            ("shared MB", 9, ".1f"),
        ],
        rows,
    )
    report.emit(
        "",
        "full GCs: the worker's generation-2 collections during the run (gc.callbacks), their mean and longest "
        "pause; tracked: objects the collector still visits at the end (frozen ones are not); private/shared: the "
        "worker's smaps_rollup after the run (shared = pages it shares with the master).",
    )
    report.save()


if __name__ == "__main__":
    main()
