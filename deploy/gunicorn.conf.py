"""gunicorn settings for a MeritFlow application server (README, "Several servers").

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py

Serves webapp.wsgi:application on 127.0.0.1:8000 for the front web server (nginx or the like),
which also serves the static files (``manage.py collectstatic`` → var/static/). Any setting
can be overridden on the command line (``--bind 0.0.0.0:8000 --workers 9``) or in
GUNICORN_CMD_ARGS; the command line wins over this file. Environment variables read here:

* ``WEB_CONCURRENCY``: the number of workers (gunicorn's own convention); default 2 × cores + 1;
* ``MERITFLOW_BIND``: the address, default ``127.0.0.1:8000``;
* ``MERITFLOW_ACCESS_LOG``: the access log, ``-`` (standard output, the default), a file, or
  ``off`` (when the front web server keeps the access log).

Memory and garbage collection. The application is imported once, in the master
(``preload_app``; ``when_ready`` adds the URLconf, i.e. every view), before the workers are
forked, so its code and module state are pages the workers share instead of each importing its
own copy (a new worker is a fork, ready at once). The master imports it with the cyclic garbage
collector off (this file turns it off: no collections leave freed holes in those pages), and
``pre_fork`` moves every object that exists then into the permanent generation
(``gc.freeze()``) right before each fork. A worker's collections then never visit the
preloaded objects: a full collection walks only what the worker made itself, and the
collector's bookkeeping does not dirty the shared pages. Measured (bench/bench_gunicorn_gc.py,
a worker serving the workbench 400 times): a full collection 4–5 ms instead of 64–83 ms (issue
17 saw ~85 ms every 20–60 requests), the worker's private memory 31 MB instead of 80 MB.
Consequence: new code needs a restart of the master (``systemctl restart``, or USR2 then QUIT
of the old master); HUP forks new workers from the code already imported.
"""

import gc
import multiprocessing
import os
from pathlib import Path

# --- what and where ---
wsgi_app = "webapp.wsgi:application"
chdir = str(Path(__file__).resolve().parent.parent)  # the project folder, wherever gunicorn starts
bind = [os.environ.get("MERITFLOW_BIND", "127.0.0.1:8000")]
proc_name = "meritflow"

# --- workers ---
# Synchronous workers: a request has a process to itself; the time not spent in Python is spent
# waiting for the database, so a core carries about two workers (+1 for a request writing a PDF).
# Each worker keeps its own database connection (DB_CONN_MAX_AGE): with several servers, the
# sum of their workers (+ the run_worker processes) must stay below PostgreSQL's max_connections,
# or PgBouncer stands in front of it (README, "Connection pooling").
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
# The heartbeat file of each worker in memory, not on a disk that may stall under load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# --- timeouts ---
# A worker silent for 60 s (one request running that long) is killed and replaced. Above the
# database's statement timeout (DB_STATEMENT_TIMEOUT, 30 s), so a runaway query is cancelled
# first and the request answers with an error instead of the worker being killed mid-way; as
# long as nginx's default proxy_read_timeout (60 s).
timeout = 60
# On a restart (TERM, HUP, max_requests) a worker finishes the request it is in within this time.
graceful_timeout = 30
# Keep-alive to the front web server (sync workers close after each response anyway).
keepalive = 2

# --- recycling ---
# A worker is replaced after about this many requests (jitter: not all at once), bounding any
# slow growth of its memory; with preload_app a replacement is only a fork.
max_requests = 2000
max_requests_jitter = 200

# --- memory: preload + freeze (module docstring) ---
preload_app = True
gc.disable()  # while the master imports the application (preload); pre_fork turns it on again

# --- logs ---
# Access log with the request time in ms (%(M)s) and the client address the front server saw.
_access_log = os.environ.get("MERITFLOW_ACCESS_LOG", "-")
accesslog = None if _access_log.lower() in {"", "off", "none"} else _access_log
access_log_format = '%(h)s %({x-forwarded-for}i)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def _close_database_connections():
    """The master must not hand a database connection to its workers (they would share one
    socket): close any the preloaded application opened."""
    import sys

    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def when_ready(server):
    """In the master, once, before the first fork: import the rest of the application (the URLconf
    imports every view, form, serializer and the API), so the workers share it and it is frozen
    too; Django imports it at the first request otherwise, in each worker."""
    if server.cfg.preload_app:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018  (the import is the point)


def pre_fork(server, worker):
    """In the master, right before each worker is forked."""
    _close_database_connections()
    gc.freeze()  # everything imported so far: permanent generation, never collected or visited
    gc.enable()  # the master and (inherited) the new worker collect what they create from now on


def post_fork(server, worker):
    """In the new worker: its own collector on (inherited from pre_fork; said again here)."""
    gc.enable()
