"""Benchmark 6 — the alerts dashboard and the statistics page at scale (issue 16).

    python bench/bench_supervision.py [--scale 1000000] [--runs 20] [--regenerate]
        [--before DIR [--before-label LABEL] [--rounds 2]] [--tag T]

The target (issue 16): at 1,000,000 cases and a province-sized cadre base, the alerts dashboard
for a county and the statistics page for a city answer in ≤ 200 ms p95 on PostgreSQL.

The database is ``bench/gen_scale.py``'s ``bench_scale_<N>`` (generated, or reused when it holds
the same generation): the province's 7,155 units, N cases, N/4 cadres with the supervision facts
the two pages read (time in post, post history, health checks, trainings, annual grades,
sanctions, promotions, secondments, awards, post quotas). The pages are computed as of the
generator's reference day (``workflows.clock.frozen_at``), the day its data are dated from.

Measured people:

* the county reviewer of ``bench/bench_inbox.py`` (``<county>_reviewer0``: reviewer on the county's
  organisation department and party committee, no subordinates — the cadres they see are those
  of their units and of the units whose cases they handle, ``permissions.policy``);
* the same county's cadre supervisor (``<county>_supervisor``: reviewer on the county's party
  committee with its subordinates, as the tests' supervisors);
* the cadre supervisor of that inbox benchmark's city (``<city>_supervisor``) — the statistics
  page for a city: the city's party committee and everything below it (9 counties).

What is timed, per person and page, ``--runs`` times after 2 warm-ups, in a process whose loaded
objects are frozen out of the garbage collector (``gc.freeze()``) as the production server's
workers are (``deploy/gunicorn.conf.py``):

* ``queries``: what the view computes, without the template — for the alerts,
  ``supervision.views.scope`` (the visible cadres, the unit filter's units), ``supervision.alerts.alerts``
  (one query per kind), the counts per unit and kind, the totals and the first page of 50 rows;
  for the statistics, ``stats.views.filters`` and ``stats.queries.statistics`` (every table) and
  the charts' data. A RequestFactory request with a freshly loaded user per call (as a request
  loads it; the load itself is outside the timing).
* ``view``: ``GET /supervision/alerts/`` and ``GET /stats/`` through ``django.test.Client`` with a
  logged-in session (``force_login``): middleware, session and user look-ups, the template.

For each page: SQL statements per call, EXPLAIN (ANALYZE, BUFFERS) of the slowest statement
(``bench/results/supervision-plans-<N>[-T].txt``) and the large tables it reads with a sequential scan.

``--before DIR`` (a ``git worktree`` of an older commit) times that commit's code on the same
database in alternating rounds with this checkout's; indexes that this checkout's migrations add
are taken away for the older code's rounds (``manage.py migrate <app> <its last migration>``) and
put back for this checkout's. Writes ``bench/results/supervision[-T].txt``.
"""

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import gen_scale  # noqa: E402

TARGET_MS = 200
APPS_WITH_INDEXES = ("records", "workflows", "supervision", "stats", "quotas")


# --------------------------------------------------------------------------- the child (measures)


def pick_people():
    """[(username, description, pages)]: the county reviewer and supervisor, the city supervisor."""
    import bench_inbox

    users = dict((label, name) for name, label in bench_inbox.pick_users())
    county = users["county reviewer"].rsplit("_", 1)[0]
    city = users["city reviewer"].rsplit("_", 1)[0]
    return [
        (f"{county}_reviewer0", "county reviewer", ["alerts"]),
        (f"{county}_supervisor", "county supervisor", ["alerts", "stats"]),
        (f"{city}_supervisor", "city supervisor", ["stats", "stats 2025"]),
    ]


def page_functions():
    """{page: (queries-only function(user) → rows, URL for the view)}."""
    from django.core.paginator import Paginator
    from django.test import RequestFactory

    from stats import queries as stats_queries
    from stats import views as stats_views
    from supervision import alerts as alert_rules
    from supervision import views as supervision_views

    factory = RequestFactory()

    def alerts(user):
        # supervision.views.alerts_page without render()
        request = factory.get("/supervision/alerts/")
        request.user = user
        cadres, _units, _form, _unit, kind = supervision_views.scope(request)
        day = supervision_views.today()
        rows = alert_rules.alerts(cadres, day)
        table, count_units = alert_rules.counts(rows)
        totals = {k.code: sum(1 for r in rows if r.kind.code == k.code) for k in alert_rules.KINDS}
        shown = [r for r in rows if kind is None or r.kind.code == kind]
        count_rows = [{"unit": u, "cells": [(k, table.get((u.pk, k.code), 0)) for k in alert_rules.KINDS]} for u in count_units]
        page = Paginator(shown, supervision_views.PAGE_SIZE).get_page(None)
        [(r.unit.name, r.cadre.name, r.detail, r.action_url) for r in page]
        assert totals is not None and count_rows is not None
        return len(rows)

    def stats(params):
        def run(user):
            # stats.views.stats_page without render()
            request = factory.get("/stats/", params)
            request.user = user
            _form, year, unit, _focus, groups = stats_views.filters(request)
            sections = stats_queries.statistics(user, unit, year, groups)
            charts = [table.chart() for section in sections for table in section.tables]
            assert charts is not None
            return sum(len(table.rows) for section in sections for table in section.tables)

        return run

    return {
        "alerts": (alerts, "/supervision/alerts/"),
        "stats": (stats({}), "/stats/"),
        "stats 2025": (stats({"year": "2025"}), "/stats/?year=2025"),
    }


def big_tables(connection, rows=100000):
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s", [rows])
        return {row[0] for row in cursor.fetchall()}


def timed_call(how, run, url, client, User, pk, at):
    """One call of a page, as of ``at``: (seconds, rows or bytes)."""
    from workflows import clock

    with clock.frozen_at(at):
        if how == "queries":
            user = User.objects.get(pk=pk)  # as a request loads it, outside the timing
            start = time.perf_counter()
            rows = run(user)
            return time.perf_counter() - start, rows
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, len(response.content)


def measure(scale, runs, plans_path, variant):
    os.environ["DATABASE_URL"] = common.with_database(common.pg_base_url(), gen_scale.database_name(scale))
    common.django_setup(migrate=False)
    import datetime

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import supervision.alerts
    from workflows import clock

    User = get_user_model()
    code = str(Path(supervision.alerts.__file__).resolve().parent.parent)
    at = gen_scale.REFERENCE.astimezone(datetime.UTC)
    functions = page_functions()
    large = big_tables(connection)
    results, plans = [], []
    # As the production server does once the application is loaded (deploy/gunicorn.conf.py,
    # both sides alike): what is loaded so far stays out of the collector's full passes, which
    # otherwise land in some calls (64–83 ms each, bench/results/gunicorn-gc.txt).
    gc.collect()
    gc.freeze()
    upkeep = None
    if variant == "after":
        # What the worker's upkeep keeps current (supervision.register): the alert register of the
        # reference day, rebuilt here when it does not hold it — timed apart, not in the pages.
        from supervision import register

        with clock.frozen_at(at):
            start = time.perf_counter()
            rebuilt = register.keep_current(clock.today())["rebuilt"]
            upkeep = {"alerts": rebuilt, "seconds": time.perf_counter() - start} if rebuilt is not None else None
    for username, label, pages in pick_people():
        pk = User.objects.get(username=username).pk
        client = Client()
        client.force_login(User.objects.get(pk=pk))
        for page in pages:
            run, url = functions[page]
            for how in ("queries", "view"):

                def call(how=how, run=run, url=url, client=client, pk=pk):
                    return timed_call(how, run, url, client, User, pk, at)

                for _ in range(2):  # warm-up
                    call()
                times = []
                for _ in range(runs):
                    elapsed, rows = call()
                    times.append(elapsed)
                with CaptureQueriesContext(connection) as captured:
                    call()
                result = {
                    "user": username,
                    "who": label,
                    "page": page,
                    "how": how,
                    "times": times,
                    "rows": rows,
                    "statements": len(captured.captured_queries),
                    "seq": [],
                }
                if how == "queries" and plans_path:
                    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                        plan = "\n".join(row[0] for row in cursor.fetchall())
                    result["seq"] = sorted({m for m in re.findall(r"Seq Scan on (\w+)", plan) if m in large})
                    result["slowest_ms"] = float(slowest["time"]) * 1000
                    statements = "\n".join(
                        f"-- statement {i + 1} ({float(q['time']) * 1000:.1f} ms): {q['sql']}"
                        for i, q in enumerate(captured.captured_queries)
                    )
                    s = common.summary(times)
                    plans.append(
                        f"===== {label} ({username}) — {page} — {variant}: median {s['median']:.1f} ms, p95 {s['p95']:.1f} ms, "
                        f"{len(captured.captured_queries)} statements\n{statements}\n\nplan of the slowest statement "
                        f"({result['slowest_ms']:.1f} ms when captured):\n{plan}\n"
                    )
                results.append(result)
    if plans_path:
        Path(plans_path).write_text(
            "\n".join(common.header(f"alerts and statistics: EXPLAIN (ANALYZE, BUFFERS) at {scale:,} cases — {variant} (code: {code})"))
            + f"\nlarge tables (≥ 100,000 rows): {', '.join(sorted(large))}\n\n"
            + "\n".join(plans)
        )
    print(json.dumps({"code": code, "results": results, "register": upkeep}))


# --------------------------------------------------------------------------- the parent (runs, reports)


def last_migrations(root):
    """{app: its last migration's name} in the checkout at ``root``."""
    found = {}
    for app in APPS_WITH_INDEXES:
        names = sorted(p.stem for p in (Path(root) / app / "migrations").glob("[0-9][0-9][0-9][0-9]_*.py"))
        if names:
            found[app] = names[-1]
    return found


def migrate(root, targets, scale):
    """Run this checkout's ``manage.py migrate`` on the scale database: to ``targets`` ({app: name}),
    or all the way forward when ``targets`` is empty; then ANALYZE the tables."""
    env = {**os.environ, "DATABASE_URL": common.with_database(common.pg_base_url(), gen_scale.database_name(scale))}
    commands = [[app, name] for app, name in targets.items()] or [[]]
    for extra in commands:
        subprocess.run([sys.executable, "manage.py", "migrate", *extra, "--verbosity", "0"], cwd=root, env=env, check=True)
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1000000, help="cases in the generated database (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=20, help="timed calls per person, page and way (after 2 warm-ups)")
    parser.add_argument("--regenerate", action="store_true", help="generate the database even when one of the same generation exists")
    parser.add_argument("--before", help="work tree of an older commit to time side by side (git worktree add DIR COMMIT)")
    parser.add_argument("--before-label", default="before")
    parser.add_argument("--rounds", type=int, default=2, help="with --before: rounds of each side, alternating")
    parser.add_argument("--tag", help="suffix of the result files' names")
    parser.add_argument("--child", metavar="VARIANT", help=argparse.SUPPRESS)
    parser.add_argument("--plans", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args.scale, args.runs, args.plans, args.child)

    suffix = f"-{args.tag}" if args.tag else ""
    report = common.Report(
        f"supervision{suffix}", f"alerts dashboard and statistics page at {args.scale:,} cases (PostgreSQL; target p95 ≤ {TARGET_MS} ms)"
    )
    _url, info = gen_scale.ensure(args.scale, regenerate=args.regenerate)
    counts = ", ".join(f"{k} {v:,}" for k, v in info["counts"].items())
    how = f"generated earlier in {info['seconds']:.0f} s, reused" if info.get("reused") else f"generated in {info['seconds']:.0f} s"
    if info.get("timings"):
        how += " (" + "; ".join(f"{k} {v:.0f} s" for k, v in info["timings"].items()) + f"); database {info['size']}"
    report.emit(f"database bench_scale_{args.scale} ({how})", f"  {counts}")

    plans_dir = common.RESULTS
    plans_dir.mkdir(parents=True, exist_ok=True)
    sides = [("after", common.ROOT, "HEAD")]
    targets = {}
    if args.before:
        before_root = Path(args.before).resolve()
        shutil.copyfile(__file__, before_root / "bench" / Path(__file__).name)  # Django imports that checkout's apps
        now, then = last_migrations(common.ROOT), last_migrations(before_root)
        targets = {app: name for app, name in then.items() if now.get(app) != name}
        sides = [("before", before_root, args.before_label), *sides]
    label = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=common.ROOT, capture_output=True, text=True).stdout.strip()
    sides = [(variant, root, label if variant == "after" else name) for variant, root, name in sides]
    collected = {variant: {} for variant, _root, _name in sides}
    loads = []
    rounds = args.rounds if args.before else 1
    for number in range(rounds):
        order = sides if number % 2 == 0 else list(reversed(sides))
        for variant, root, _name in order:
            if targets:
                migrate(common.ROOT, targets if variant == "before" else {}, args.scale)
            last = number == rounds - 1
            plans = plans_dir / f"supervision-plans-{args.scale}{suffix}{'-before' if variant == 'before' else ''}.txt"
            child_args = ["--child", variant, "--scale", str(args.scale), "--runs", str(args.runs)]
            if last:
                child_args += ["--plans", str(plans)]
            out = common.run_child([str(Path(root) / "bench" / Path(__file__).name), *child_args], cwd=root)
            loads.append(os.getloadavg()[0])
            if out.get("register"):
                report.emit(
                    f"alert register rebuilt for the reference day by the after side's first child (the worker's daily "
                    f"upkeep): {out['register']['alerts']:,} alerts in {out['register']['seconds']:.1f} s"
                )
            for r in out["results"]:
                key = (r["who"], r["page"], r["how"])
                entry = collected[variant].setdefault(key, {**r, "times": []})
                entry["times"] += r["times"]
                if last:
                    entry.update({k: v for k, v in r.items() if k != "times"})
    if targets:
        migrate(common.ROOT, {}, args.scale)  # leave the database with this checkout's indexes

    def scans(seq):
        return ",".join(t.split("_", 1)[1] for t in seq) or "none"

    worst = {}
    for variant, _root, name in sides:
        table = []
        for (who, page, how_), r in collected[variant].items():
            s = common.summary(r["times"])
            if variant == "after":
                worst[(page.split()[0], how_)] = max(worst.get((page.split()[0], how_), 0), s["p95"])
            table.append(
                (
                    who,
                    page,
                    how_,
                    r["rows"],
                    r["statements"],
                    s["median"],
                    s["p95"],
                    s["max"],
                    scans(r["seq"]) if how_ == "queries" else "",
                    "yes" if s["p95"] <= TARGET_MS else "NO",
                )
            )
        report.table(
            [
                ("who", 18, ""),
                ("page", 10, ""),
                ("how", 7, ""),
                ("rows", 7, ""),
                ("SQL", 4, ""),
                ("median", 7, ".1f"),
                ("p95", 7, ".1f"),
                ("max", 7, ".1f"),
                ("seq scans", 22, ""),
                ("≤200", 4, ""),
            ],
            table,
            title=f"{variant} ({name}): {len(next(iter(collected[variant].values()))['times'])} calls per row "
            f"({rounds} round(s) × {args.runs}, after 2 warm-ups each); ms",
        )
    report.emit(
        "",
        "rows: queries — alerts (all kinds), or table rows of the statistics; view — bytes of the HTML page. SQL = statements "
        "per call (view: with the session and user look-ups). seq scans = tables of ≥ 100,000 rows read sequentially in the "
        f"slowest statement's plan (plans in {plans_dir.name}/supervision-plans-{args.scale}{suffix}*.txt).",
        f"1-minute load average after each child: {', '.join(f'{x:.2f}' for x in loads)}",
    )
    if targets:
        report.emit(
            f"before: the indexes of migrations after {', '.join(f'{a} {n}' for a, n in targets.items())} taken away for its rounds"
        )
    verdict = "; ".join(
        f"{page} {how_} worst p95 {p95:.1f} ms ({'met' if p95 <= TARGET_MS else 'MISSED'})" for (page, how_), p95 in sorted(worst.items())
    )
    report.emit(f"target p95 ≤ {TARGET_MS} ms at {args.scale:,} cases: {verdict}")
    report.save()


if __name__ == "__main__":
    main()
