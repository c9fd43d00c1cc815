"""Helpers of the multi-server fault test (tests/test_fault_multiserver.py, issue 17 item 5).

- ``Fleet``: real gunicorn masters (deploy/gunicorn.conf.py) and ``manage.py run_worker``
  processes on the test database, each in its own process group, so one can be killed whole
  with SIGKILL (master and workers, as a crashed machine would lose them) and every one is
  always stopped at the end.
- ``Api``: a token client that spreads its requests over the servers and moves to the next
  server when one does not answer (connection refused or reset: the client cannot know whether
  a request in flight was done, and finds out from the state, as an integrator would).
- ``Desk``: one demo user working through an inbox step of the merit citation over HTTP;
  ``Nominator``: starts nominations; ``NoticeDesk``: publishes the 公示 of what is ready.
- ``invariant_problems``: the checks of the test as a list of findings (empty: all hold), so a
  checker test can show each one fires.
"""

import collections
import contextlib
import io
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from documents.models import DocumentNumberSequence, IssuedDocument
from tests import fault_helpers
from workflows.models import HistoryAction, HistoryEvent, HumanTask, ProcessInstance

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
PROCESS = "merit_citation"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fleet:
    """The subprocesses of one test: started in their own sessions, logged to files under
    ``log_dir``, killed (process group, SIGKILL) by ``kill`` or at the latest by ``close``."""

    def __init__(self, database_url, log_dir):
        self.log_dir = Path(log_dir)
        self.processes = {}  # name → Popen
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GUNICORN", "WEB_CONCURRENCY"))}
        self.env.update(
            DATABASE_URL=database_url,
            MERITFLOW_ENV="test",
            MERITFLOW_ALLOW_CLOCK_OVERRIDE="1",
            MERITFLOW_ACCESS_LOG="off",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )

    def _spawn(self, name, argv, **env):
        env.setdefault("PGAPPNAME", name)  # its database sessions are found by name (kill_mid_transaction)
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 - the child writes it until it ends
        try:
            process = subprocess.Popen(
                argv, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()
        self.processes[name] = process
        return process

    def start_server(self, name, port, workers=2):
        return self._spawn(
            name,
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG)],
            MERITFLOW_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(workers),
        )

    def start_worker(self, name, now, interval=0.2):
        return self._spawn(name, [sys.executable, "manage.py", "run_worker", "--now", now, "--interval", str(interval)])

    def log(self, name):
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_serving(self, name, port, timeout=60):
        """Until the server answers any HTTP response (its workers are forked and import nothing more)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise AssertionError(f"{name} exited with {self.processes[name].returncode}:\n{self.log(name)[-3000:]}")
            try:
                requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError(f"{name} did not answer in {timeout} s:\n{self.log(name)[-3000:]}")

    def kill(self, name):
        """SIGKILL the whole process group (a gunicorn master and its workers): nothing is flushed,
        closed or finished; the database sees its connections drop."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def kill_mid_transaction(self, name, conninfo, timeout):
        """SIGKILL ``name`` the moment one of its database sessions is inside a transaction that
        has written (``backend_xid`` set: a completion, a start, a timer firing under way), so the
        kill cuts a change off half-way; True if one was caught, False if none came in ``timeout``
        (then it is killed anyway)."""
        deadline = time.monotonic() + timeout
        caught = False
        with psycopg.connect(**conninfo, autocommit=True) as probe:
            while time.monotonic() < deadline and not caught:
                caught = probe.execute(
                    "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = %s AND backend_xid IS NOT NULL", [name]
                ).fetchone()[0]
                if not caught:
                    time.sleep(0.001)
        self.kill(name)
        return caught

    def stop(self, name, timeout=30):
        """SIGTERM (graceful: gunicorn finishes its requests, run_worker its round); SIGKILL after ``timeout``."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        # Whatever is left of the group (a worker outliving its master) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        return process.returncode

    def close(self):
        for name in list(self.processes):
            self.kill(name)


class ServerDown(Exception):
    """No server answered the request (every one refused or dropped it)."""


class Api:
    """A token client over several servers: requests go round-robin; a server that refuses or
    drops a connection is skipped from then on (a dropped request may or may not have been done:
    ``requests.ConnectionError`` tells the caller to look at the state)."""

    def __init__(self, token, ports, run):
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.bases = [f"http://127.0.0.1:{port}" for port in ports]
        self.down = set()
        self.turn = itertools.count()
        self.run = run

    def _base(self):
        alive = [b for b in self.bases if b not in self.down]
        if not alive:
            raise ServerDown("no server left")
        return alive[next(self.turn) % len(alive)]

    def call(self, method, path, **kwargs):
        """One request on one server; a connection failure marks that server down and is raised."""
        base = self._base()
        try:
            response = self.session.request(method, base + path, timeout=30, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.down.add(base)
            self.run.count(f"{method} {'refused' if 'refused' in str(exc).lower() else 'cut off'}")
            raise
        self.run.count(f"{method} {response.status_code}")
        return response

    def read(self, path, **params):
        """A GET, retried on the next server when one fails (reads are safe to repeat)."""
        for _ in range(len(self.bases)):
            try:
                response = self.call("GET", path, params=params)
            except (requests.ConnectionError, requests.Timeout):
                continue
            if response.status_code != 200:
                raise AssertionError(f"GET {path} {params}: {response.status_code} {response.text[:500]}")
            return response.json()
        raise ServerDown(path)


class Run:
    """What the clients of one run share: the stop signal, counters, acknowledged actions and
    unexpected answers (each one fails the test)."""

    def __init__(self, tokens, ports):
        self.tokens = tokens
        self.ports = ports
        self.stop = threading.Event()
        self.stop_starting = threading.Event()
        self.lock = threading.Lock()
        self.stats = collections.Counter()
        self.cases = set()  # ids of the cases our nominator started (acknowledged or found)
        self.acknowledged = []  # (case id, step) of each completion answered 200/201
        self.unexpected = []  # answers no fault explains

    def api(self, username):
        return Api(self.tokens[username], self.ports, self)

    def count(self, what):
        with self.lock:
            self.stats[what] += 1

    def note_unexpected(self, what, response):
        with self.lock:
            self.unexpected.append(f"{what}: {response.status_code} {response.text[:400]}")

    def acknowledge(self, case_id, step):
        with self.lock:
            self.acknowledged.append((case_id, step))


class Client(threading.Thread):
    """A client thread of one demo user; an exception in it is an unexpected outcome of the
    run, not a silent death."""

    def __init__(self, shared, username, name):
        super().__init__(name=name, daemon=True)
        self.shared = shared
        self.api = shared.api(username)

    def run(self):
        try:
            self.work()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            with self.shared.lock:
                self.shared.unexpected.append(f"{self.name}: {exc!r}")

    def work(self):
        raise NotImplementedError


class Nominator(Client):
    """Starts and submits one nomination after another (one fresh cadre each), until told to stop.

    A start whose answer was lost is looked up by its cadre before it is repeated, so a lost
    answer never makes a second case (the API has no idempotency key for starts)."""

    def __init__(self, shared, username, cadre_ids, nomination):
        super().__init__(shared, username, f"nominator {username}")
        self.cadre_ids = list(cadre_ids)
        self.nomination = nomination

    def _existing(self, cadre_id):
        page = self.api.read("/api/v1/processes/", cadre=cadre_id, process_type=PROCESS)
        return [c["id"] for c in page["results"]]

    def work(self):
        run = self.shared
        for cadre_id in self.cadre_ids:
            if run.stop_starting.is_set():
                return
            while not run.stop.is_set():
                try:
                    response = self.api.call(
                        "POST", "/api/v1/processes/", json={"process_type": PROCESS, "cadre": cadre_id, **self.nomination}
                    )
                except (requests.ConnectionError, requests.Timeout):
                    found = self._existing(cadre_id)
                    if found:
                        run.count("starts done though the answer was lost")
                        with run.lock:
                            run.cases.update(found)
                        break
                    continue  # not done: start it again, on the next server
                if response.status_code == 201:
                    case = response.json()
                    with run.lock:
                        run.cases.add(case["id"])
                    run.acknowledge(case["id"], "Task_nominate")
                else:
                    run.note_unexpected(f"start for cadre {cadre_id}", response)
                break


class Desk(Client):
    """One user working an inbox step: list the step's tasks of our cases, complete each.

    A completion whose answer was lost needs no bookkeeping: if it was done, the task has left
    the inbox; if not, it is listed again. Nobody else acts on the step, and a killed server's
    transaction is either committed or gone before the next listing, so any answer but 200
    (a 409 conflict included) is unexpected."""

    def __init__(self, shared, username, step, body):
        super().__init__(shared, username, f"desk {username} {step}")
        self.step = step
        self.body = body

    def my_tasks(self):
        with self.shared.lock:
            ours = set(self.shared.cases)
        page = self.api.read("/api/v1/tasks/", step=self.step, process_type=PROCESS, limit=100)
        return [t for t in page["results"] if t["case"]["id"] in ours]

    def act(self, tasks):
        for task in tasks:
            response = self.api.call("POST", f"/api/v1/tasks/{task['id']}/complete/", json=self.body)
            if response.status_code == 200:
                self.shared.acknowledge(task["case"]["id"], self.step)
            else:
                self.shared.note_unexpected(f"{self.step} task {task['id']}", response)

    def work(self):
        run = self.shared
        while not run.stop.is_set():
            try:
                tasks = self.my_tasks()
                if tasks:
                    self.act(tasks)
                    continue
            except (requests.ConnectionError, requests.Timeout):
                continue  # the state decides: the next listing shows what is left to do
            run.stop.wait(0.1)


class NoticeDesk(Desk):
    """发布公示: one notice for everything waiting at the step (its PDF is issued in the same
    transaction as the completions)."""

    def __init__(self, shared, username, contact):
        super().__init__(shared, username, "Task_publish", {"contact": contact})

    def act(self, tasks):
        response = self.api.call("POST", "/api/v1/notices/", json={"tasks": [t["id"] for t in tasks], **self.body})
        if response.status_code == 201:
            for task in tasks:
                self.shared.acknowledge(task["case"]["id"], self.step)
            self.shared.count("notices")
        else:
            self.shared.note_unexpected(f"notice of {len(tasks)} tasks", response)


# --------------------------------------------------------------------------- invariants


def invariant_problems(case_ids, acknowledged=()):
    """What breaks the invariants of the fault test, as readable findings (empty: all hold).
    ``case_ids``: the cases the load drove (straight through: never returned, so each step is
    visited once); ``acknowledged``: (case id, step) of each action a client was told succeeded.

    - no lost step: every acknowledged action is in the history;
    - no doubled step: no step of those cases recorded twice, none both open and completed; no
      timer fired twice (a merit case has one timer, the end of its notice);
    - history ⇔ state, for every case in the database (those the workers' daily jobs started
      too): the engine state's ready tasks are the open tasks, the status and the timer due
      time follow from it, one history event per version (tests/fault_helpers.py); every hash
      chain intact (``manage.py verify_history``);
    - documents: the numbers of each issuer and year are 1…n without a gap or a repeat, and n
      is what the register has handed out.
    """
    problems = []
    completions = collections.Counter(
        HistoryEvent.objects.filter(instance_id__in=case_ids, action__in=[HistoryAction.COMPLETE, HistoryAction.START]).values_list(
            "instance_id", "task_bpmn_id"
        )
    )
    for (case_id, step), count in completions.items():
        if count > 1:
            problems.append(f"case {case_id}: step {step or 'start'} recorded {count} times")
    completed = set(completions)
    for case_id, step in acknowledged:
        if (case_id, step) not in completed:
            problems.append(f"case {case_id}: {step} was acknowledged to the client but is not in the history")
    for case_id, step in HumanTask.objects.filter(instance_id__in=case_ids).values_list("instance_id", "bpmn_id"):
        if (case_id, step) in completed:
            problems.append(f"case {case_id}: {step} is open and completed")
    timers = (
        HistoryEvent.objects.filter(instance_id__in=case_ids, action=HistoryAction.TIMER)
        .values("instance_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in timers:
        problems.append(f"case {row['instance_id']}: timer fired {row['n']} times")
    for case_id in ProcessInstance.objects.order_by("pk").values_list("pk", flat=True):
        problems.extend(f"case {case_id}: {p}" for p in fault_helpers.inconsistencies(case_id))
    problems.extend(number_gaps())
    try:
        call_command("verify_history", stdout=io.StringIO())
    except CommandError as exc:
        problems.append(f"verify_history: {exc}")
    return problems


def number_gaps():
    """Per issuer and year: the serials of the issued documents (versions share one) must be
    exactly 1…last_number of the register."""
    problems = []
    serials = collections.defaultdict(list)
    for issuer_id, year, serial in (
        IssuedDocument.objects.filter(serial__isnull=False, version=1).values_list("issuer_id", "year", "serial").order_by("serial")
    ):
        serials[(issuer_id, year)].append(serial)
    registers = {(s.issuer_id, s.year): s.last_number for s in DocumentNumberSequence.objects.all()}
    for key in sorted(set(serials) | set(registers)):
        got, last = serials.get(key, []), registers.get(key, 0)
        if got != list(range(1, last + 1)):
            problems.append(f"document numbers of issuer {key[0]} in {key[1]}: serials {got}, register at {last}")
    return problems
