"""Shared plumbing of the benchmarks: the machine's description, statistics, results files,
fresh databases (SQLite in a temp dir, or a new database on the PostgreSQL cluster of
``scripts/bench``) and Django set-up.

Import this module *before* Django: :func:`use_database` must run before ``django.setup()``
because the settings read ``DATABASE_URL`` once.
"""

import atexit
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Where the results files go: bench/results/ (committed), or elsewhere for a smoke run.
RESULTS = Path(os.environ.get("MERITFLOW_BENCH_RESULTS") or ROOT / "bench" / "results")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("MERITFLOW_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DB_CONN_MAX_AGE", "600")


# --------------------------------------------------------------------------- machine and results


def machine():
    """(uname, cpu, memory) of this machine."""
    cpuinfo = Path("/proc/cpuinfo")
    cpu = platform.processor()
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")), cpu)
    uname = subprocess.run(["uname", "-srvmo"], capture_output=True, text=True).stdout.strip() or " ".join(platform.uname())
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(next(line.split()[1] for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")))
        memory = f"{kib / 1024 / 1024:.0f} GiB RAM"
    return uname, f"{cpu} × {os.cpu_count()} logical CPUs", memory


def header(title):
    uname, cpu, memory = machine()
    lines = [
        f"MeritFlow benchmark: {title} — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
        f"machine: {uname}; {cpu}; {memory}",
        f"python {platform.python_version()}; load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        "(the machine is shared: other processes' load adds noise)",
    ]
    pg = postgres_version()
    if pg:
        lines.append(pg)
    return lines


def postgres_version():
    url = os.environ.get("MERITFLOW_BENCH_PG_URL")
    if not url:
        return ""
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0] for name in ("shared_buffers", "work_mem", "fsync", "synchronous_commit")
            }
        return "PostgreSQL " + version + " (loopback; " + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")"
    except Exception as exc:  # noqa: BLE001 - the header is informative only
        return f"PostgreSQL: {exc}"


class Report:
    """Lines printed as they come and written to bench/results/<name>.txt at the end."""

    def __init__(self, name, title):
        self.name = name
        self.lines = []
        self.emit(*header(title))

    def emit(self, *lines):
        print(*lines, sep="\n", flush=True)
        self.lines.extend(lines)

    def table(self, columns, rows, title=None):
        """columns: [(label, width, format)]; rows: tuples of values. The first column is left-aligned."""
        if title:
            self.emit("", title)
        self.emit(" ".join(pad(label, width, left=not i) for i, (label, width, _) in enumerate(columns)))
        for row in rows:
            cells = []
            for i, ((_label, width, fmt), value) in enumerate(zip(columns, row)):
                text = format(value, fmt) if value is not None and fmt else ("—" if value is None else str(value))
                cells.append(pad(text, width, left=not i))
            self.emit(" ".join(cells))

    def save(self):
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.txt"
        path.write_text("\n".join(self.lines) + "\n")
        # MERITFLOW_BENCH_RESULTS may point outside the checkout (a smoke run's directory).
        print(f"==> wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
        return path


def display_width(text):
    """Columns a terminal gives ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text, width, left=False):
    fill = " " * max(0, width - display_width(text))
    return text + fill if left else fill + text


def summary(times):
    """Median, p95, min, max of a list of seconds, in milliseconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, max(0, int(round(0.95 * len(ordered))) - 1))]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered) * 1000,
        "p95": p95 * 1000,
        "min": ordered[0] * 1000,
        "max": ordered[-1] * 1000,
    }


# --------------------------------------------------------------------------- databases


def pg_base_url():
    url = os.environ.get("MERITFLOW_BENCH_PG_URL") or os.environ.get("MERITFLOW_TEST_PG_URL")
    if not url:
        raise SystemExit("no PostgreSQL: run through scripts/bench (or set MERITFLOW_BENCH_PG_URL=postgres://…)")
    return url


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def create_pg_database(name, template=None):
    """A new, empty database ``name`` on the bench cluster (dropped first if it exists); its URL."""
    import psycopg

    base = pg_base_url()
    with psycopg.connect(with_database(base, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return with_database(base, name)


def pg_database_exists(name):
    import psycopg

    with psycopg.connect(with_database(pg_base_url(), "postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def use_database(kind, name):
    """Point DATABASE_URL at a fresh database of ``kind`` ("sqlite" or "postgres") before django.setup()."""
    if kind == "sqlite":
        directory = tempfile.mkdtemp(prefix=f"meritflow-bench-{name}-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        url = f"sqlite:///{directory}/bench.sqlite3"
    elif kind == "postgres":
        url = create_pg_database(f"bench_{name}")
    else:
        raise SystemExit(f"unknown database kind {kind!r}")
    os.environ["DATABASE_URL"] = url
    if "MERITFLOW_VAR_DIR" not in os.environ:  # scripts/bench sets one; otherwise a temporary one
        var_dir = tempfile.mkdtemp(prefix="meritflow-bench-var-")
        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
        os.environ["MERITFLOW_VAR_DIR"] = var_dir
    return url


def django_setup(migrate=True):
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def load_world():
    """The deployed processes and the demo data set (units, users, cadres) — what the tests use."""
    from django.core.management import call_command

    call_command("deploy_processes", verbosity=0)
    call_command("load_demo", verbosity=0)


def run_child(args, env=None, cwd=None):
    """Run ``python <args>`` (in ``cwd``, default this checkout: another one for a before/after
    comparison) and return the JSON it prints on its last stdout line."""
    result = subprocess.run([sys.executable, *args], cwd=cwd or ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"child {' '.join(args)} failed with exit code {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- CPU of other processes


def _proc_stat(pid):
    """(parent pid, CPU ticks) of a process from /proc/<pid>/stat: its own user + system time and
    that of its children that have exited and been waited for (cutime + cstime)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()  # from field 3 (state) on; the name may hold spaces
    return int(fields[1]), sum(int(x) for x in fields[11:15])  # ppid; utime, stime, cutime, cstime


def process_tree_cpu(root_pid):
    """Seconds of CPU (user + system) used so far by ``root_pid`` and all its descendants, those
    that have exited included (the kernel adds a reaped child's time to its parent's cutime and
    cstime): the difference of two calls is the CPU the whole tree used in between — e.g. a
    gunicorn master and its workers (recycled ones too), or a PostgreSQL postmaster, its backends
    and background processes. Linux only; a process exiting between two reads may be counted
    twice or not at all (a few ticks of 10 ms)."""
    parents, ticks = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            ppid, cpu = _proc_stat(entry.name)
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        parents.setdefault(ppid, []).append(int(entry.name))
        ticks[int(entry.name)] = cpu
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += ticks.get(pid, 0)
        stack.extend(parents.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def pg_postmaster_pid(url):
    """The pid of the PostgreSQL server (postmaster) at ``url``, which must run on this machine:
    the parent of the backend serving a connection."""
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    return _proc_stat(backend)[0]
