"""Benchmark 5 — HTTP: Locust (headless, loopback only, bounded users and time) against the app
under gunicorn with PostgreSQL, with the CPU each request costs the app and the database.

    python bench/bench_http.py [--users 8] [--seconds 20] [--workers 3] [--tasks 1500]
    python bench/bench_http.py --before DIR [--before-label L] [--after DIR] [--rounds 2] [--name http-issue17]

Set-up (per side, in its own database of the bench cluster): the demo world; 30 cases waiting at
审核 for the county reviewer ``ls_sh`` (their inbox); for the county's publicity officer
``ls_gs`` (the notice desk) 10 cases waiting at 发布公示 and ``--notices`` published notices of 2
cases each (their PDFs issued); ``--tasks`` cases waiting at 填报推荐材料 for ``ls_qt_jbr``. The
app runs under gunicorn with that side's deploy/gunicorn.conf.py (sync workers, preload +
gc.freeze(); production profile, DEBUG off) on 127.0.0.1 at a free port.

Five scenarios, one after the other, each ``--users`` simulated users with no think time for
``--seconds`` (the completion scenarios also end when their tasks run out):

* ``GET /`` — the workbench's 待办 tab (session cookie of ls_sh);
* ``GET /api/v1/tasks/`` — the inbox through the API (token of ls_sh);
* ``GET /notices/`` — the notice desk (公示管理; session cookie of ls_gs);
* ``POST /api/v1/tasks/{id}/complete/`` — submitting a nomination (token of ls_qt_jbr), each
  task once; afterwards the database is checked: every 200 answered completed exactly that task;
* the same with ``Prefer: return=minimal`` (the answer built from what the completion holds), from
  the same pool of tasks; left out for a side whose code has no such answer (an older commit).

Reported per scenario: requests/s, median, p95, max and failures (Locust), and the CPU time per
request of the app (the gunicorn master and its workers, user + system, from /proc/<pid>/stat —
workers that exited meanwhile count through their parent's cutime/cstime) and of PostgreSQL (the
postmaster and every backend and background process of the cluster, the same way), each the
difference over the load window divided by the requests Locust counted in it; and Locust's own
CPU (it shares the cores). Everything is on the machine's 2 cores.

Before and after in one run: ``--before DIR`` is a ``git worktree`` of the older commit (e.g.
``git worktree add /tmp/http_before 1389afd``), ``--after DIR`` one of the newer (default: this
checkout; a worktree of HEAD keeps other people's uncommitted edits out). This script (and
common.py, whose additions are helpers only) is copied into each worktree's ``bench/`` and its
set-up, check and profile run there, so each side's database is migrated and filled by its own
code and served by its own gunicorn; both servers stay up, and the rounds alternate (before,
after; after, before; …) over the same PostgreSQL cluster, so the machine's drift falls on both.
Then, per side, an in-process measurement with Django's test client (production settings): CPU and
SQL statements per request. With ``--profile``, for the after side: where each request's CPU goes,
by a sampling profiler of process CPU time (SIGPROF; by part of the stack and by function,
inclusive and own) and a cProfile listing, in ``<name>-profile-<scenario>.txt``; and PostgreSQL's
side of one request — EXPLAIN (ANALYZE) of each of its SELECTs, planning and execution time — in
``<name>-plans-<scenario>.txt``.

Writes bench/results/http.txt (``--name`` for another name).
"""

import argparse
import csv
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SECRET = "bench-secret-key-not-for-production-" + "x" * 20
# (Locust user class, request name in its statistics, short label)
SCENARIOS = [
    ("WebInbox", "GET / (workbench inbox)", "workbench GET /"),
    ("ApiInbox", "GET /api/v1/tasks/", "API inbox"),
    ("NoticeDesk", "GET /notices/ (notice desk)", "notice desk"),
    ("ApiComplete", "POST /api/v1/tasks/{id}/complete/", "API completion"),
    ("ApiCompleteMinimal", "POST /api/v1/tasks/{id}/complete/ (Prefer: return=minimal)", "API compl. minimal"),
]
# The scenarios that complete nomination tasks (from one pool per side, each task once).
COMPLETIONS = ("ApiComplete", "ApiCompleteMinimal")
# Issue 17's targets: (CPU ms per request app + PostgreSQL, req/s, p95 ms)
TARGETS = {
    "WebInbox": (7, 120, 80),
    "ApiInbox": (6, None, None),
    "NoticeDesk": (10, None, None),
    "ApiComplete": (12, 80, 150),
    "ApiCompleteMinimal": (12, 80, 150),
}
# The body Locust sends (locustfile.py; importing Locust here would monkey-patch the sockets).
NOMINATION = {
    "award_kind": "commendation",
    "deeds": "在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出。",
    "period_from": "2026-07-01",
    "period_to": "2026-08-31",
    "deed_reference": "",
}
PROFILE_TASKS = 110  # nomination tasks kept back for the in-process measurement
REVIEW_CASES = 30
DESK_WAITING = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- set-up (in the side's checkout)


def prepare(review_cases, nomination_tasks, notices):
    """Cases for the scenarios; returns the sessions, tokens and nomination task ids."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from notices import desk
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
        # The notice desk: cases waiting at 发布公示, and notices of 2 cases each
        published = [to_publish(f.cadre(f"HTTP公示{i:03d}", township)) for i in range(2 * notices)]
        for i in range(DESK_WAITING):
            to_publish(f.cadre(f"HTTP待公示{i:03d}", township))
        tasks = []
        for i in range(nomination_tasks):
            case = services.start_process(
                person("ls_qt_jbr"), "merit_citation", unit=township, subject_cadre=f.cadre(f"HTTP填报{i:04d}", township)
            )
            tasks.append(task_of(case, "Task_nominate").pk)
    with clock.frozen_at(at("2026-09-29 08:30")):
        for i in range(notices):
            pair = published[2 * i : 2 * i + 2]
            desk.publish_notice(person("ls_gs"), [task_of(c, "Task_publish").pk for c in pair], contact="电话 0375-5051234")

    def session_of(user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        # The backend that signs users in: the first one (webapp.security.LockoutBackend) only refuses
        # and has no get_user, so a session naming it answered every GET / with a 500.
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    reviewer, nominator = person("ls_sh"), person("ls_qt_jbr")
    return {
        "session": session_of(reviewer),
        "desk_session": session_of(person("ls_gs")),
        "token": Token.objects.get_or_create(user=reviewer)[0].key,
        "nominator_token": Token.objects.get_or_create(user=nominator)[0].key,
        "tasks": tasks,
    }


def child_setup(args):
    url = common.use_database("postgres", f"http_{args.setup}")
    common.django_setup()
    from django.db import connections

    started = time.perf_counter()
    out = prepare(REVIEW_CASES, args.tasks, args.notices)
    connections.close_all()
    out.update(url=url, seconds=time.perf_counter() - started, scenarios=supported_scenarios())
    print(json.dumps(out))


def supported_scenarios():
    """The scenarios this checkout's code serves: an older commit has no minimal completion answer
    (it would answer the full detail, ignoring the preference), so that scenario is left out for it."""
    from api import views

    return [key for key, _name, _label in SCENARIOS if key != "ApiCompleteMinimal" or hasattr(views, "prefers_minimal")]


def child_check(args):
    """Every completion answered 200 completed exactly its task, once; returns how many tasks were done."""
    common.django_setup(migrate=False)
    from django.db.models import Count

    from workflows.models import HistoryEvent, HumanTask

    tasks = [int(t) for t in Path(args.task_file).read_text().split()]
    completed = HistoryEvent.objects.filter(
        task_bpmn_id="Task_nominate",
        action="complete",
        instance__tasks__bpmn_id="Task_unit_decision",
        instance__subject_cadre__name__startswith="HTTP填报",
    )
    per_case = completed.values("instance").annotate(n=Count("id"))
    doubled = [r for r in per_case if r["n"] != 1]
    assert not doubled, doubled
    left = HumanTask.objects.filter(pk__in=tasks).count()
    print(json.dumps({"done": len(tasks) - left, "cases_completed": len(per_case)}))


def child_profile(args):
    """In-process: each scenario's request through Django's test client (production settings),
    CPU and SQL statements per request; with --profile-out a cProfile of each."""
    import cProfile
    import io
    import pstats

    common.django_setup(migrate=False)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    info = json.loads(Path(args.info).read_text())

    web = Client()
    web.cookies["sessionid"] = info["session"]
    desk = Client()
    desk.cookies["sessionid"] = info["desk_session"]
    api = Client(HTTP_AUTHORIZATION=f"Token {info['token']}")
    nominator = Client(HTTP_AUTHORIZATION=f"Token {info['nominator_token']}")
    tasks = list(info["profile_tasks"])

    def complete(**headers):
        return nominator.post(f"/api/v1/tasks/{tasks.pop()}/complete/", NOMINATION, content_type="application/json", **headers)

    calls = {
        "WebInbox": lambda: web.get("/"),
        "ApiInbox": lambda: api.get("/api/v1/tasks/"),
        "NoticeDesk": lambda: desk.get("/notices/"),
        "ApiComplete": complete,
        "ApiCompleteMinimal": lambda: complete(HTTP_PREFER="return=minimal"),
    }
    results = {}
    runs = args.profile_runs
    for key, call in calls.items():
        if key not in info.get("scenarios", calls):
            continue
        # The completions share the tasks kept back: each its half, less its warm-up.
        n = runs if key not in COMPLETIONS else min(runs, (PROFILE_TASKS // len(COMPLETIONS) - 5) // (3 if args.profile_out else 1))
        for _ in range(5):  # warm-up
            assert call().status_code == 200
        cpu, wall, queries = [], [], []
        for _ in range(n):
            with CaptureQueriesContext(connection) as captured:
                c0, w0 = time.process_time(), time.perf_counter()
                response = call()
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            assert response.status_code == 200, (key, response.status_code)
            queries.append(len(captured.captured_queries))
            last_queries = list(captured.captured_queries)  # the next request's start empties Django's log
        entry = {"cpu_ms": statistics.median(cpu) * 1000, "wall_ms": statistics.median(wall) * 1000, "queries": statistics.median(queries)}
        if args.profile_out:
            sampler = CpuSampler()
            with sampler:
                for _ in range(n):
                    call()
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(n):
                call()
            profiler.disable()
            entry["groups"] = sampler.groups(n)
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(70)
            Path(args.profile_out.replace("SCENARIO", key)).write_text(
                f"{key}: {n} requests in-process (Django test client, production settings); median CPU "
                f"{entry['cpu_ms']:.1f} ms, {entry['queries']:.0f} SQL statements per request\n\n"
                + sampler.report(n)
                + "\n\ncProfile of another "
                + f"{n} requests (wall-clock timer: the time waiting for PostgreSQL is in psycopg's wait; "
                + "the profiler roughly doubles the times):\n"
                + text.getvalue()
            )
        if args.profile_out:
            entry["explain"] = explain(last_queries, args.profile_out.replace("profile-SCENARIO", f"plans-{key}"), key)
        results[key] = entry
    print(json.dumps(results))


def explain(queries, path, key):
    """PostgreSQL's side of one request: EXPLAIN (ANALYZE, SUMMARY) of each of its SELECTs (not
    the locking ones), planning and execution time each, written to ``path``; the sums."""
    from django.db import connection

    lines, planning, execution, skipped = [], 0.0, 0.0, 0
    with connection.cursor() as cursor:
        for number, query in enumerate(queries, 1):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or " FOR UPDATE" in sql.upper() or " FOR NO KEY UPDATE" in sql.upper():
                skipped += 1
                lines.append(f"-- {number}: not explained (writes or locks): {sql[:160]}")
                continue
            cursor.execute("EXPLAIN (ANALYZE, SUMMARY, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            summary = [line for line in plan if line.startswith(("Planning Time", "Execution Time"))]
            times = {line.split(":")[0].strip(): float(line.split(":")[1].split()[0]) for line in summary}
            planning += times.get("Planning Time", 0.0)
            execution += times.get("Execution Time", 0.0)
            lines += [
                f"-- {number}: planning {times.get('Planning Time', 0):.2f} ms, execution {times.get('Execution Time', 0):.2f} ms",
                sql,
                *plan,
                "",
            ]
    head = (
        f"{key}: the SQL of one request in-process and PostgreSQL's plan of each SELECT (EXPLAIN ANALYZE, run again "
        f"after the request): {len(queries)} statements, {skipped} not explained; planning {planning:.1f} ms + execution "
        f"{execution:.1f} ms for the {len(queries) - skipped} SELECTs"
    )
    Path(path).write_text(head + "\n\n" + "\n".join(lines) + "\n")
    return {"planning_ms": planning, "execution_ms": execution, "selects": len(queries) - skipped, "statements": len(queries)}


# Where a function's own time belongs, first match wins (path fragment, label).
GROUPS = [
    ("/psycopg/", "psycopg (driver: send, wait for PostgreSQL, convert)"),
    ("/django/db/models/sql/compiler", "Django ORM: SQL compiler"),
    ("/django/db/models/query", "Django ORM: querysets, model instances"),
    ("/django/db/models/sql/", "Django ORM: query building"),
    ("/django/db/models/", "Django ORM: models, fields, expressions"),
    ("/django/db/backends/", "Django DB backend (cursor, execute)"),
    ("/django/template/", "Django templates"),
    ("/django/urls/", "Django URL reverse/resolve"),
    ("/django/utils/", "Django utils (formats, dates, translation, html)"),
    ("/django/forms/", "Django forms"),
    ("/rest_framework/", "Django REST framework"),
    ("/django/", "Django (other: middleware, auth, sessions)"),
    ("/SpiffWorkflow/", "SpiffWorkflow"),
    ("/jsonschema", "jsonschema"),
    ("/site-packages/", "other libraries"),
    ("/workflows/", "app: workflows"),
    ("/permissions/", "app: permissions"),
    ("/webapp/", "app: webapp"),
    ("/api/", "app: api"),
    ("/notices/", "app: notices"),
    ("/documents/", "app: documents"),
    ("/records/", "app: records"),
    ("~", "built-ins (json, str, dict, …)"),
]


def group_of(path):
    return next((label for fragment, label in GROUPS if fragment in path), "app / stdlib (other)")


class CpuSampler:
    """A sampling profiler of this process's CPU time: SIGPROF every ``interval`` seconds of CPU
    (ITIMER_PROF; the kernel fires it at most once a tick), and the main thread's Python stack at each. A sample's own time goes to the
    innermost Python function (C code — the driver's socket calls, json, regular expressions — to
    the Python function that called it); its inclusive time to every function on the stack. Low
    overhead, unlike cProfile, whose per-call cost inflates code made of many small calls."""

    def __init__(self, interval=0.0005):
        self.interval = interval
        self.samples = 0
        self.own = {}
        self.inclusive = {}

    def _sample(self, _signum, frame):
        if frame is None or frame.f_code is CpuSampler._sample.__code__:
            return
        self.samples += 1
        key = (frame.f_code.co_filename, frame.f_code.co_firstlineno, frame.f_code.co_name)
        self.own[key] = self.own.get(key, 0) + 1
        seen = set()
        while frame is not None:
            key = (frame.f_code.co_filename, frame.f_code.co_firstlineno, frame.f_code.co_name)
            if key not in seen:
                seen.add(key)
                self.inclusive[key] = self.inclusive.get(key, 0) + 1
            frame = frame.f_back

    def __enter__(self):
        self.cpu = time.process_time()
        self.previous = signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self.previous or signal.SIG_DFL)
        self.cpu = time.process_time() - self.cpu

    def ms(self, count, n):
        """ms of CPU per request: the kernel fires the timer at most once a tick (4 ms at 250 Hz),
        so a sample stands for the CPU measured over the run divided by the samples taken."""
        return count / max(1, self.samples) * self.cpu * 1000 / n

    def groups(self, n):
        totals = {}
        for (path, _line, _name), count in self.own.items():
            totals[group_of(path)] = totals.get(group_of(path), 0) + count
        return sorted(((label, self.ms(count, n)) for label, count in totals.items()), key=lambda x: -x[1])

    def report(self, n):
        def where(key):
            path, line, name = key
            short = path.split("site-packages/")[-1] if "site-packages/" in path else "/".join(Path(path).parts[-2:])
            return f"{short}:{line}({name})"

        lines = [
            f"CPU by sampling ({self.samples} samples of the stack on SIGPROF over {n} requests, "
            f"{self.cpu * 1000 / n:.1f} ms of CPU per request while sampled; shares of the samples, in ms of that CPU)",
            "own CPU by part of the stack, ms per request:",
            *(f"  {label:<52} {ms:6.2f}  {ms / self.ms(self.samples, n):4.0%}" for label, ms in self.groups(n)),
            "",
            "inclusive CPU per function (the function and everything it called), ms per request, top 60:",
            *(
                f"  {self.ms(count, n):6.2f}  {count / self.samples:4.0%}  {where(key)}"
                for key, count in sorted(self.inclusive.items(), key=lambda x: -x[1])[:60]
            ),
            "",
            "own CPU per function, ms per request, top 30:",
            *(f"  {self.ms(count, n):6.2f}  {where(key)}" for key, count in sorted(self.own.items(), key=lambda x: -x[1])[:30]),
        ]
        return "\n".join(lines)


# --------------------------------------------------------------------------- the load (in this process)


class Side:
    """One checkout served by its own gunicorn on its own database."""

    def __init__(self, variant, root, label, args, work):
        self.variant, self.root, self.label = variant, Path(root).resolve(), label
        self.work = work / variant
        self.work.mkdir(parents=True)
        self.script = self.root / "bench" / Path(__file__).name
        if self.root != common.ROOT:
            # The set-up, check and profile run in that checkout: Django imports its apps.
            shutil.copyfile(__file__, self.script)
            shutil.copyfile(Path(__file__).with_name("common.py"), self.root / "bench" / "common.py")
        self.results = {key: [] for key, _name, _label in SCENARIOS}
        self.requests_left = None

    def setup(self, args):
        out = common.run_child(
            [str(self.script), "--setup", self.variant, "--tasks", str(args.tasks + PROFILE_TASKS), "--notices", str(args.notices)],
            cwd=self.root,
        )
        self.info = out
        self.url = out["url"]
        self.scenarios = out.get("scenarios") or [key for key, _name, _label in SCENARIOS]
        self.profile_tasks, self.tasks = out["tasks"][:PROFILE_TASKS], out["tasks"][PROFILE_TASKS:]
        self.task_file = self.work / "tasks.txt"
        self.task_file.write_text("\n".join(str(t) for t in self.tasks))
        self.all_tasks_file = self.work / "all-tasks.txt"
        self.all_tasks_file.write_text("\n".join(str(t) for t in self.tasks))
        (self.work / "info.json").write_text(json.dumps({**out, "profile_tasks": self.profile_tasks}))
        return out["seconds"]

    def env(self):
        return {
            **os.environ,
            "MERITFLOW_ENV": "production",
            "DEBUG": "0",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": self.url,
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "SECURE_COOKIES": "0",
            "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": "60",
        }

    def start(self, workers):
        self.port = free_port()
        self.gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                # The production config (preload, gc.freeze() before each fork, timeouts, recycling,
                # access log), with this run's address, worker count and log level.
                "-c",
                str(self.root / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--access-logfile",
                str(self.work / "access.log"),
            ],
            cwd=self.root,
            env=self.env(),
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(self.base + "/accounts/login/", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn of {self.variant} did not answer")

    def stop(self):
        if getattr(self, "gunicorn", None) is None:
            return
        self.gunicorn.send_signal(signal.SIGTERM)
        try:
            self.gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.gunicorn.kill()
        self.gunicorn = None

    def locust(self, user_class, users, seconds, postmaster):
        """One scenario: Locust for ``seconds``; its statistics and the CPU of app and database."""
        prefix = self.work / user_class
        env = {
            **os.environ,
            "BENCH_SESSION": self.info["session"],
            "BENCH_DESK_SESSION": self.info["desk_session"],
            "BENCH_TOKEN": self.info["token"],
            "BENCH_NOMINATOR_TOKEN": self.info["nominator_token"],
            "BENCH_TASKS": str(self.task_file),
        }
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "-H",
            self.base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            user_class,
        ]
        before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        app0, pg0 = common.process_tree_cpu(self.gunicorn.pid), common.process_tree_cpu(postmaster)
        started = time.perf_counter()
        run = subprocess.run(command, cwd=common.ROOT, env=env, check=False, capture_output=True, text=True, timeout=seconds + 120)
        wall = time.perf_counter() - started
        app1, pg1 = common.process_tree_cpu(self.gunicorn.pid), common.process_tree_cpu(postmaster)
        after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = (after_children.ru_utime + after_children.ru_stime) - (before_children.ru_utime + before_children.ru_stime)
        if user_class in COMPLETIONS:
            left_file = Path(str(self.task_file) + ".left")
            left = int(left_file.read_text()) if left_file.exists() else len(self.tasks)
            self.tasks = self.tasks[:left]  # Locust pops from the end
            self.task_file.write_text("\n".join(str(t) for t in self.tasks))
        name = next(n for k, n, _l in SCENARIOS if k == user_class)
        with open(f"{prefix}_stats.csv") as fh:
            row = {r["Name"]: r for r in csv.DictReader(fh)}.get(name)
        if row is None and user_class in COMPLETIONS and not self.tasks:
            print(f"{self.variant}: no nomination task left for the completion scenario (raise --tasks)", flush=True)
            return None
        if row is None:
            raise SystemExit(f"Locust made no request {name!r} against {self.variant}:\n{run.stdout[-2000:]}{run.stderr[-3000:]}")
        count = int(row["Request Count"])
        return {
            "requests": count,
            "failures": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            "median": float(row["50%"]),
            "p95": float(row["95%"]),
            "max": float(row["Max Response Time"]),
            "app_ms": (app1 - app0) / count * 1000 if count else None,
            "pg_ms": (pg1 - pg0) / count * 1000 if count else None,
            "locust_ms": locust_cpu / count * 1000 if count else None,
            "wall": wall,
            "load": os.getloadavg()[0],
        }

    def check(self, completed_ok):
        out = common.run_child(
            [str(self.script), "--check", self.variant, "--task-file", str(self.all_tasks_file)],
            cwd=self.root,
            env={"DATABASE_URL": self.url},
        )
        assert out["done"] >= completed_ok, (self.variant, out, completed_ok)  # a request cut off at the limit may still commit
        return out["done"]

    def profile(self, runs, out_pattern):
        args = [str(self.script), "--profile-child", self.variant, "--info", str(self.work / "info.json"), "--profile-runs", str(runs)]
        if out_pattern:
            args += ["--profile-out", out_pattern]
        return common.run_child(args, cwd=self.root, env=self.env())


def pooled(entries):
    """Rounds of one scenario together: requests and CPU summed, req/s over the load time, the
    latencies as the median of the rounds' (Locust reports percentiles per run)."""
    requests = sum(e["requests"] for e in entries)
    seconds = sum(e["requests"] / e["rps"] for e in entries if e["rps"])

    def cpu(key):
        values = [e[key] * e["requests"] for e in entries if e[key] is not None]
        return sum(values) / requests if requests and values else None

    return {
        "requests": requests,
        "failures": sum(e["failures"] for e in entries),
        "rps": requests / seconds if seconds else 0.0,
        "median": statistics.median(e["median"] for e in entries),
        "p95": statistics.median(e["p95"] for e in entries),
        "p95_range": (min(e["p95"] for e in entries), max(e["p95"] for e in entries)),
        "rps_range": (min(e["rps"] for e in entries), max(e["rps"] for e in entries)),
        "max": max(e["max"] for e in entries),
        "app_ms": cpu("app_ms"),
        "pg_ms": cpu("pg_ms"),
        "locust_ms": cpu("locust_ms"),
    }


def judge(what, value, target, unit, lower):
    """'CPU 9.1 ms vs ≤ 7 ms: missed by 2.1 ms' and the like."""
    met = value <= target if lower else value >= target
    text = f"{what} {value:.1f}{unit} vs {'≤' if lower else '≥'} {target}{unit}: "
    return text + ("met" if met else f"missed by {abs(value - target):.1f}{unit}")


def git_label(root):
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip() or "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=1500, help="nomination tasks per side (all rounds together)")
    parser.add_argument("--notices", type=int, default=20, help="published notices on the notice desk (2 cases each)")
    parser.add_argument("--before", help="work tree of the older commit, measured in the same run (git worktree add DIR COMMIT)")
    parser.add_argument("--before-label", default=None)
    parser.add_argument("--after", help="work tree of the newer commit (default: this checkout)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per side, alternating (default 2 with --before, else 1)")
    parser.add_argument("--warmup", type=int, default=4, help="seconds of load per scenario and side before the rounds")
    parser.add_argument("--profile", action="store_true", help="write a cProfile of each request (after side)")
    parser.add_argument("--profile-runs", type=int, default=30)
    parser.add_argument("--name", default="http", help="results file bench/results/NAME.txt")
    # children
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--check", help=argparse.SUPPRESS)
    parser.add_argument("--task-file", help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", help=argparse.SUPPRESS)
    parser.add_argument("--info", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup:
        os.environ["SECRET_KEY"] = SECRET
        return child_setup(args)
    if args.check:
        return child_check(args)
    if args.profile_child:
        return child_profile(args)

    # A worktree has no prepared fonts (var/fonts is not in git): without them its PDFs render with
    # the stock system fonts, several times slower. Both sides use this checkout's.
    if (common.ROOT / "var" / "fonts").is_dir():
        os.environ.setdefault("MERITFLOW_FONT_DIR", str(common.ROOT / "var" / "fonts"))
    rounds = args.rounds or (2 if args.before else 1)
    work = Path(tempfile.mkdtemp(prefix="meritflow-bench-http-"))
    after_root = Path(args.after).resolve() if args.after else common.ROOT
    sides = [Side("after", after_root, git_label(after_root), args, work)]
    if args.before:
        sides.insert(0, Side("before", args.before, args.before_label or git_label(args.before), args, work))
    title = "HTTP under gunicorn + PostgreSQL, driven by Locust; CPU per request of the app and the database"
    if args.before:
        title += f" — before {sides[0].label} / after {sides[1].label}"
    report = common.Report(args.name, title)
    postmaster = common.pg_postmaster_pid(common.pg_base_url())
    setup_seconds = {}
    try:
        for side in sides:
            setup_seconds[side.variant] = side.setup(args)
            side.start(args.workers)
        report.emit(
            "set-up: " + "; ".join(f"{s.variant} ({s.label}, code in {s.root}) {setup_seconds[s.variant]:.0f} s" for s in sides),
            f"load average after set-up {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        )
        if args.warmup:
            for side in sides:
                for user_class in side.scenarios:
                    side.locust(user_class, args.users, args.warmup, postmaster)
        for number in range(rounds):
            order = sides if number % 2 == 0 else list(reversed(sides))
            for side in order:
                for user_class, _name, label in SCENARIOS:
                    if user_class not in side.scenarios:
                        continue
                    r = side.locust(user_class, args.users, args.seconds, postmaster)
                    if r is None:
                        continue
                    side.results[user_class].append(r)
                    print(
                        f"round {number + 1} {side.variant:6} {label:16} {r['requests']:5} req {r['rps']:6.1f}/s p95 {r['p95']:4.0f} ms "
                        f"app {r['app_ms']:.1f} + pg {r['pg_ms']:.1f} ms/req, load {r['load']:.1f}",
                        flush=True,
                    )
        for side in sides:
            side.stop()
        done = {}
        for side in sides:
            ok = sum(r["requests"] - r["failures"] for key in COMPLETIONS for r in side.results[key])
            done[side.variant] = side.check(ok)
        in_process = {}
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        for side in sides:
            out = str(common.RESULTS / f"{args.name}-profile-SCENARIO.txt") if args.profile and side.variant == "after" else None
            in_process[side.variant] = side.profile(args.profile_runs, out)
    finally:
        for side in sides:
            side.stop()
        shutil.rmtree(work, ignore_errors=True)

    report.emit(
        f"gunicorn {args.workers} sync workers (each side's deploy/gunicorn.conf.py), production profile (DEBUG off), "
        f"127.0.0.1; Locust {args.users} users, no think time, {args.seconds} s per scenario and round; "
        f"{rounds} round(s){', alternating before/after' if args.before else ''}, after a {args.warmup} s warm-up of each; "
        "all on the same 2 cores with PostgreSQL",
        f"data per side: reviewer ls_sh has {REVIEW_CASES} tasks in the inbox; notice desk ls_gs: {DESK_WAITING} cases waiting, "
        f"{args.notices} notices of 2 cases; nominations: "
        + "; ".join(f"{s.variant} {done[s.variant]} of {args.tasks} completed (each exactly once, checked in the database)" for s in sides),
        "CPU per request = (user + system CPU of the gunicorn master and workers | of every process of the PostgreSQL "
        "cluster) over the load window ÷ the requests Locust counted in it; Locust's own CPU apart",
    )
    columns = [
        ("scenario", 18, ""),
        ("side", 14, ""),
        ("requests", 8, ""),
        ("fail", 4, ""),
        ("req/s", 6, ".1f"),
        ("median", 6, ".0f"),
        ("p95 ms", 6, ".0f"),
        ("max ms", 6, ".0f"),
        ("app CPU", 7, ".1f"),
        ("PG CPU", 6, ".1f"),
        ("app+PG", 6, ".1f"),
        ("Locust", 6, ".1f"),
    ]
    rows = []
    pooled_results = {}
    for user_class, _name, label in SCENARIOS:
        for side in sides:
            if not side.results[user_class]:
                continue  # a scenario this side's code does not serve
            p = pooled(side.results[user_class])
            pooled_results[(side.variant, user_class)] = p
            total = p["app_ms"] + p["pg_ms"] if p["app_ms"] is not None and p["pg_ms"] is not None else None
            rows.append(
                (label, f"{side.variant} {side.label}", p["requests"], p["failures"], p["rps"], p["median"], p["p95"], p["max"])
                + (p["app_ms"], p["pg_ms"], total, p["locust_ms"])
            )
    report.table(columns, rows, title=f"results ({rounds} round(s) pooled; latencies: median of the rounds'; CPU: ms per request):")
    if rounds > 1:
        round_rows = []
        for user_class, _name, label in SCENARIOS:
            for side in sides:
                for number, r in enumerate(side.results[user_class], 1):
                    round_rows.append(
                        (
                            label,
                            f"{side.variant} r{number}",
                            r["requests"],
                            r["rps"],
                            r["median"],
                            r["p95"],
                            r["app_ms"],
                            r["pg_ms"],
                            r["app_ms"] + r["pg_ms"],
                            r["load"],
                        )
                    )
        report.table(
            [
                ("scenario", 18, ""),
                ("round", 10, ""),
                ("requests", 8, ""),
                ("req/s", 6, ".1f"),
                ("median", 6, ".0f"),
                ("p95 ms", 6, ".0f"),
                ("app CPU", 7, ".1f"),
                ("PG CPU", 6, ".1f"),
                ("app+PG", 6, ".1f"),
                ("load", 5, ".1f"),
            ],
            round_rows,
            title="each round (load: the machine's 1-minute load average at its end):",
        )

    def explained(entry, key):
        return entry.get("explain", {}).get(key)

    report.table(
        [
            ("scenario", 18, ""),
            ("side", 14, ""),
            ("CPU ms", 7, ".1f"),
            ("wall ms", 7, ".1f"),
            ("SQL", 4, ".0f"),
            ("PG plan ms", 10, ".1f"),
            ("PG exec ms", 10, ".1f"),
        ],
        [
            (
                label,
                f"{side.variant} {side.label}",
                *(in_process[side.variant][k][m] for m in ("cpu_ms", "wall_ms", "queries")),
                explained(in_process[side.variant][k], "planning_ms"),
                explained(in_process[side.variant][k], "execution_ms"),
            )
            for k, _name, label in SCENARIOS
            for side in sides
            if k in in_process[side.variant]
        ],
        title=f"in process (Django test client, production settings, no gunicorn, one at a time): medians of {args.profile_runs} "
        "requests; with --profile, PostgreSQL's planning and execution time of one request's SELECTs (EXPLAIN ANALYZE, "
        f"{args.name}-plans-*.txt)",
    )
    target_rows = []
    for user_class, _name, label in SCENARIOS:
        cpu_target, rps_target, p95_target = TARGETS[user_class]
        for side in sides:
            p = pooled_results.get((side.variant, user_class))
            if p is None:
                continue
            total = p["app_ms"] + p["pg_ms"]
            verdict = [judge("CPU", total, cpu_target, " ms", lower=True)]
            if rps_target:
                verdict.append(judge("req/s", p["rps"], rps_target, "", lower=False))
                verdict.append(judge("p95", p["p95"], p95_target, " ms", lower=True))
            target_rows.append(f"  {label} ({side.variant}): " + "; ".join(verdict))
    report.emit("", "issue 17 targets:", *target_rows)
    report.save()


if __name__ == "__main__":
    main()
