"""Benchmark 5 — HTTP: Locust (headless, loopback only, bounded users and time) against the app
under gunicorn with PostgreSQL.

    python bench/bench_http.py [--users 8] [--seconds 20] [--workers 3] [--tasks 600]

Set-up: a fresh database with the demo world; 30 cases waiting at 审核 for the county reviewer
``ls_sh`` (their inbox) and ``--tasks`` cases waiting at 填报推荐材料 for ``ls_qt_jbr``. The app
runs under gunicorn with deploy/gunicorn.conf.py (sync workers, preload + gc.freeze(); production
profile, DEBUG off) on 127.0.0.1 at a free port.
Three scenarios, one after the other, each ``--users`` simulated users with no think time for
``--seconds`` (the completion scenario also ends when its tasks run out):

* ``GET /`` — the workbench's 待办 tab (session cookie of ls_sh);
* ``GET /api/v1/tasks/`` — the inbox through the API (token of ls_sh);
* ``POST /api/v1/tasks/{id}/complete/`` — submitting a nomination (token of ls_qt_jbr), each
  task once; afterwards the database is checked: every 200 answered completed exactly that task.

Reported: requests/s, median, p95, max and failures per scenario. Locust, gunicorn and
PostgreSQL share the machine's 2 cores. Writes bench/results/http.txt.
"""

import argparse
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SECRET = "bench-secret-key-not-for-production-" + "x" * 20
SCENARIOS = [
    ("WebInbox", "GET / (workbench inbox)"),
    ("ApiInbox", "GET /api/v1/tasks/"),
    ("ApiComplete", "POST /api/v1/tasks/{id}/complete/"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(review_cases, nomination_tasks):
    """Cases for the scenarios; returns (session key, reviewer token, nominator token, task ids)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from tests import factories as f
    from tests.merit_helpers import at, person, task_of, to_publish, unit
    from workflows import clock, services

    f.ensure_reference_data()
    common.load_world()
    township = unit("HA-PDS-LS-QT")
    with clock.frozen_at(at("2026-09-28 09:00")):
        # The reviewer's inbox: cases at 审核 (to_publish stops one step later, so stop short of it)
        for i in range(review_cases):
            case = services.start_process(
                person("ls_qt_jbr"), "merit_citation", unit=township, subject_cadre=f.cadre(f"HTTP审核{i:03d}", township)
            )
            services.complete_task(
                person("ls_qt_jbr"),
                task_of(case, "Task_nominate").pk,
                data={
                    "award_kind": "commendation",
                    "deeds": "在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人。",
                    "period_from": "2026-07-01",
                    "period_to": "2026-08-31",
                    "deed_reference": "",
                },
            )
            services.complete_task(
                person("ls_qt_ld"), task_of(case, "Task_unit_decision").pk, data={"meeting_date": "2026-09-01", "attendees": "班子成员7人"}
            )
            services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        tasks = []
        for i in range(nomination_tasks):
            case = services.start_process(
                person("ls_qt_jbr"), "merit_citation", unit=township, subject_cadre=f.cadre(f"HTTP填报{i:04d}", township)
            )
            tasks.append(task_of(case, "Task_nominate").pk)
    del to_publish
    reviewer, nominator = person("ls_sh"), person("ls_qt_jbr")
    session = SessionStore()
    session[SESSION_KEY] = str(reviewer.pk)
    # The backend that signs users in: the first one (webapp.security.LockoutBackend) only refuses
    # and has no get_user, so a session naming it answered every GET / with a 500.
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = reviewer.get_session_auth_hash()
    session.create()
    return (
        session.session_key,
        Token.objects.get_or_create(user=reviewer)[0].key,
        Token.objects.get_or_create(user=nominator)[0].key,
        tasks,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=600)
    args = parser.parse_args()

    os.environ["SECRET_KEY"] = SECRET
    url = common.use_database("postgres", "http")
    common.django_setup()
    from django.db import connections

    report = common.Report("http", "HTTP under gunicorn + PostgreSQL, driven by Locust")
    session_key, reviewer_token, nominator_token, tasks = prepare(30, args.tasks)
    connections.close_all()

    port = free_port()
    env = {
        **os.environ,
        "MERITFLOW_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "60",
    }
    work = Path(tempfile.mkdtemp(prefix="meritflow-bench-http-"))
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            # The production config (preload, gc.freeze() before each fork, timeouts, recycling,
            # access log), with this run's address, worker count and log level.
            "-c",
            str(common.ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--access-logfile",
            str(work / "access.log"),
        ],
        cwd=common.ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer")
        task_file = work / "tasks.txt"
        task_file.write_text("\n".join(str(t) for t in tasks))
        locust_env = {
            **os.environ,
            "BENCH_SESSION": session_key,
            "BENCH_TOKEN": reviewer_token,
            "BENCH_NOMINATOR_TOKEN": nominator_token,
            "BENCH_TASKS": str(task_file),
        }
        rows = []
        for user_class, name in SCENARIOS:
            prefix = work / user_class
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(Path(__file__).with_name("locustfile.py")),
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.users),
                    "-t",
                    f"{args.seconds}s",
                    "--stop-timeout",
                    "10",
                    "-H",
                    base,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    user_class,
                ],
                cwd=common.ROOT,
                env=locust_env,
                check=False,
                capture_output=True,
                text=True,
                timeout=args.seconds + 120,
            )
            with open(f"{prefix}_stats.csv") as fh:
                stats = {row["Name"]: row for row in csv.DictReader(fh)}
            row = stats[name]
            rows.append(
                (
                    name,
                    int(row["Request Count"]),
                    int(row["Failure Count"]),
                    float(row["Requests/s"]),
                    float(row["50%"]),
                    float(row["95%"]),
                    float(row["Max Response Time"]),
                )
            )
        # Every completion answered 200 completed exactly its task, once.
        from django.db.models import Count

        from workflows.models import HistoryEvent, HumanTask

        completed = HistoryEvent.objects.filter(
            task_bpmn_id="Task_nominate",
            action="complete",
            instance__tasks__bpmn_id="Task_unit_decision",
            instance__subject_cadre__name__startswith="HTTP填报",
        )
        per_case = completed.values("instance").annotate(n=Count("id"))
        assert all(r["n"] == 1 for r in per_case)
        left = HumanTask.objects.filter(pk__in=tasks).count()
        done = len(tasks) - left
        ok_requests = rows[2][1] - rows[2][2]
        assert done >= ok_requests, (done, ok_requests)  # a request cut off at the time limit may still have committed
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        shutil.rmtree(work, ignore_errors=True)

    report.emit(
        f"gunicorn {args.workers} sync workers (deploy/gunicorn.conf.py), production profile (DEBUG off), 127.0.0.1; "
        f"Locust {args.users} users, "
        f"no think time, {args.seconds} s per scenario; all on the same 2 cores with PostgreSQL",
        f"reviewer ls_sh has 30 tasks in the inbox; {len(tasks)} nomination tasks were available, "
        f"{done} completed (each exactly once, checked in the database)",
    )
    report.table(
        [
            ("scenario", 36, ""),
            ("requests", 8, ""),
            ("fail", 4, ""),
            ("req/s", 7, ".1f"),
            ("median ms", 9, ".0f"),
            ("p95 ms", 7, ".0f"),
            ("max ms", 7, ".0f"),
        ],
        rows,
        title="results:",
    )
    report.save()


if __name__ == "__main__":
    main()
