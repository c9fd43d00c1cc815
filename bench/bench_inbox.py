"""Benchmark 3 — the inbox and the case list at scale on PostgreSQL.

    python bench/bench_inbox.py [--scales 100000,1000000] [--runs 40] [--regenerate]

For each scale, ``bench/gen_scale.py`` makes (or reuses) a database of that many cases over a
province-sized unit tree. Then, for a typical county reviewer and approver (the county with the
median number of open tasks for that role), a city reviewer and a township nominator, the
queries the pages and the API run, built with the application's own policy
(``permissions.policy``), each timed ``--runs`` times (at least 7 when slow) after 3 warm-ups (a warm cache, as on a
server that is in use):

* inbox page:  ``HumanTask.objects.filter(inbox_filter(user))`` with the workbench's
  select_related, ordered by arrival, first 20 rows (includes the recusal look-ups
  inbox_filter itself makes);
* inbox count: the same filter, ``count()`` (the workbench's tab badge, the API's ``count``);
* case list page / count: the cases the user may see, newest first, 20 rows without the state
  (as ``GET /api/v1/processes/`` opens: ``ProcessInstance.objects.newest_visible``).

Left-hand columns: the queries as the app builds them today (the lists defer the instance
state and the definition's spec and BPMN sources since 8466f9f/c41751a). Right-hand columns,
as the app reads it now: the case-list page "ids first" (its 20 ids from the case units' index
with the cases' creation times, then those rows with their joins); the inbox queries are the same
on both sides.
(bench/results/inbox-before-2cadfd9.txt has the measurement of the EXISTS-based filters that
commit 2cadfd9 replaced and of the inbox before 8466f9f.)

Target: p95 ≤ 50 ms at 1,000,000 cases. The EXPLAIN (ANALYZE, BUFFERS) plan of each query is
saved in bench/results/inbox-plans-<scale>.txt; a sequential scan of a large table is flagged.
Writes bench/results/inbox.txt.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import gen_scale  # noqa: E402

TARGET_MS = 50
BIG_TABLES = (
    "workflows_processinstance",
    "workflows_humantask",
    "workflows_caseunit",
    "workflows_historyevent",
    "permissions_grant",
    "records_cadre",
    "auth_user",
    "permissions_unit",
)


def pick_users():
    """username → description of the measured people."""
    from django.db import connection

    def median_area(role, level):
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.code, count(t.id) FROM permissions_unit c
                LEFT JOIN permissions_unit o ON o.parent_id = c.id
                LEFT JOIN workflows_humantask t ON t.role = %s AND (t.unit_id = o.id OR t.unit_id = c.id)
                WHERE c.kind = 'party_committee' AND c.level = %s GROUP BY c.code ORDER BY 2, 1""",
                [role, level],
            )
            rows = cursor.fetchall()
        return rows[len(rows) // 2][0]

    county = median_area("reviewer", "county")
    city = median_area("reviewer", "city")
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT u.username FROM auth_user u JOIN permissions_grant g ON g.user_id = u.id
                          JOIN permissions_unit t ON t.id = g.unit_id
                          WHERE g.role = 'nominator' AND t.code = %s""",
            [f"{county}-T07"],
        )
        nominator = cursor.fetchone()[0]
    return [
        (f"{county}_reviewer0".lower(), "county reviewer"),
        (f"{county}_approver0".lower(), "county approver"),
        (f"{city}_reviewer0".lower(), "city reviewer"),
        (nominator, "township nominator"),
    ]


# Large columns the list pages never show: the instance's engine state (the definition's spec and
# BPMN sources are stored apart from the definition row since issue 17).
BLOBS_OF_INSTANCE = ("state",)


def queries(user, policy, proposed=False):
    """The list queries as the workbench (inbox) and GET /api/v1/processes/ (case list) build them:
    the case-list page as before issue 17 item 4 (1389afd: one statement, newest first with NULLS
    LAST), or, ``proposed``, as the app builds it since (0ae4330: ids first, plain order)."""

    from workflows.models import HumanTask, ProcessInstance

    def inbox():
        return HumanTask.objects.inbox_for(user)

    def cases():
        return ProcessInstance.objects.visible_to(user)

    def inbox_page():
        # As the workbench and GET /api/v1/tasks/ build it (large columns deferred since 8466f9f).
        qs = (
            inbox()
            .select_related("instance__definition", "instance__subject_cadre", "instance__started_by", "unit", "claimed_by")
            .order_by("created_at", "id")
        )
        return list(qs.defer(*(f"instance__{name}" for name in BLOBS_OF_INSTANCE))[:20])

    def case_page():
        return case_page_after(ProcessInstance.objects.newest_visible(user)) if proposed else case_page_before(cases())

    def case_count():
        return (ProcessInstance.objects.newest_visible(user) if proposed else cases()).count()

    return [
        ("inbox page (20)", inbox_page),
        ("inbox count", lambda: inbox().count()),
        ("case list page (20)", case_page),
        ("case list count", case_count),
    ]


CASE_RELATED = ("definition", "subject_cadre", "nominating_unit", "started_by")


def case_page_before(cases):
    """GET /api/v1/processes/'s page before 0ae4330: one statement with its joins, newest first with
    NULLS LAST (api.filters), which no index serves."""
    from django.db.models import F

    order = (F("created_at").desc(nulls_last=True), "-id")
    return list(cases.select_related(*CASE_RELATED).defer(*BLOBS_OF_INSTANCE).order_by(*order)[:20])


def case_page_after(newest):
    """As GET /api/v1/processes/ reads its first page (api.pagination.IdsFirstPagination): the
    page's 20 ids from ``newest`` (``ProcessInstance.objects.newest_visible``: since the fourth
    pass of issue 17 from the indexes carrying each case's creation time), then those rows with
    their joins."""
    from workflows.models import ProcessInstance

    ids = [row[0] for row in newest[:20]]
    rows = ProcessInstance.objects.filter(pk__in=ids).select_related(*CASE_RELATED).defer(*BLOBS_OF_INSTANCE)
    position = {pk: i for i, pk in enumerate(ids)}
    return sorted(rows, key=lambda row: position[row.pk])


def explain(run):
    """EXPLAIN (ANALYZE, BUFFERS) of the main statement ``run`` executes (its slowest)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    sql = max(captured.captured_queries, key=lambda q: float(q["time"]))["sql"]  # the slowest one
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    seq = sorted({m for m in re.findall(r"Seq Scan on (\w+)", plan) if m in BIG_TABLES})
    return sql, plan, seq, len(captured.captured_queries)


def child(scale, runs):
    os.environ["DATABASE_URL"] = common.with_database(common.pg_base_url(), gen_scale.database_name(scale))
    common.django_setup(migrate=False)
    from django.contrib.auth import get_user_model

    from permissions import policy
    from workflows.models import ProcessInstance

    def measure(label, username, name, variant, run):
        for _ in range(3):
            start = time.perf_counter()
            rows = run()
            warm = time.perf_counter() - start
        # A slow query (the current plans at 1M cases take seconds) gets fewer runs: ~15 s each.
        count = runs if warm * runs <= 15 else max(7, int(15 / warm))
        times = []
        for _ in range(count):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        s = common.summary(times)
        sql, plan, seq, statements = explain(run)
        size = rows if isinstance(rows, int) else len(rows)
        plans.append(
            f"===== {label} ({username}) — {name} — {variant}: median {s['median']:.1f} ms, p95 {s['p95']:.1f} ms\n{sql}\n\n{plan}\n"
        )
        return {"rows": size, "statements": statements, "seq": seq, **s}

    results, plans = [], []
    for username, label in pick_users():
        user = get_user_model().objects.get(username=username)
        current = queries(user, policy)
        proposed = queries(user, policy, proposed=True)
        for (name, run_current), (_name, run_proposed) in zip(current, proposed):
            a = measure(label, username, name, "before (1389afd)", run_current)
            b = measure(label, username, name, "after (the case page ids first since 0ae4330)", run_proposed)
            assert a["rows"] == b["rows"], (label, name, a["rows"], b["rows"])
            results.append({"who": label, "user": username, "query": name, "current": a, "proposed": b})

    # A superuser sees every case (api.access.visible_cases): the newest 20 of all of them.
    a = measure("superuser", "-", "case list page (20)", "before (1389afd)", lambda: case_page_before(ProcessInstance.objects.all()))
    newest = ProcessInstance.objects.order_by("-created_at", "-pk").values_list("pk", "created_at")  # newest_visible of a superuser
    b = measure("superuser", "-", "case list page (20)", "after (ids first, index)", lambda: case_page_after(newest))
    results.append({"who": "superuser (all)", "user": "-", "query": "case list page (20)", "current": a, "proposed": b})
    out = common.RESULTS / f"inbox-plans-{scale}.txt"
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(common.header(f"EXPLAIN (ANALYZE, BUFFERS) at {scale:,} cases")) + "\n\n" + "\n".join(plans))
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.runs)

    report = common.Report("inbox", "inbox and case list at scale (PostgreSQL)")
    report.emit(
        "the list queries as the workbench and the API build them (permissions.policy, select_related, defer); "
        "left: the case-list page as before issue 17 item 4 (1389afd: one statement, NULLS LAST order); right: "
        "as the app reads it now — its ids first, newest first from the indexes that carry each case's creation time "
        "(ProcessInstance.objects.newest_visible, issue 17 fourth pass; ids first since 0ae4330), then its 20 rows "
        "with their joins; the count from the same UNION (the inbox queries are the same on both sides)"
    )
    worst_at_top = 0
    worst_proposed = [0]
    case_list, everything = [0], [0]  # issue 17's targets: the case-list page ≤ 20 ms, an administrator's ≤ 50 ms
    scales = [int(s) for s in args.scales.split(",")]
    for scale in scales:
        _url, info = gen_scale.ensure(scale, regenerate=args.regenerate)
        counts = ", ".join(f"{k} {v:,}" for k, v in info["counts"].items())
        how = f"generated earlier in {info['seconds']:.0f} s, reused" if info.get("reused") else f"generated in {info['seconds']:.0f} s"
        if info.get("timings"):
            how += " (" + "; ".join(f"{k} {v:.0f} s" for k, v in info["timings"].items()) + f"); database {info['size']}"
        report.emit("", f"{scale:,} cases — {how}", f"  {counts}")
        rows = common.run_child([__file__, "--child", str(scale), "--runs", str(args.runs)])
        table = []

        def scans(seq):
            return ",".join(t.split("_", 1)[1] for t in seq) or "none"

        for r in rows:
            cur, new = r["current"], r["proposed"]
            if scale == max(scales) and r["user"] != "-":
                worst_at_top = max(worst_at_top, cur["p95"])
                worst_proposed[0] = max(worst_proposed[0], new["p95"])
                if r["query"] == "case list page (20)":
                    case_list[0] = max(case_list[0], new["p95"])
            if scale == max(scales) and r["user"] == "-":
                everything[0] = new["p95"]
            table.append(
                (
                    r["who"],
                    r["query"],
                    cur["rows"],
                    cur["statements"],
                    cur["median"],
                    cur["p95"],
                    scans(cur["seq"]),
                    "yes" if cur["p95"] <= TARGET_MS else "NO",
                    new["statements"],
                    new["median"],
                    new["p95"],
                    scans(new["seq"]),
                    "yes" if new["p95"] <= TARGET_MS else "NO",
                )
            )
        report.table(
            [
                ("who", 18, ""),
                ("query", 19, ""),
                ("rows", 6, ""),
                ("SQL", 3, ""),
                ("median", 7, ".1f"),
                ("p95", 7, ".1f"),
                ("seq scans", 28, ""),
                ("≤50", 3, ""),
                ("│ SQL", 5, ""),
                ("median", 7, ".1f"),
                ("p95", 7, ".1f"),
                ("seq scans", 9, ""),
                ("≤50", 3, ""),
            ],
            table,
            title=f"{scale:,} cases, {args.runs} runs per query after 3 warm-ups (≥ 7 for slow ones); ms; "
            "left: before issue 17 item 4 (1389afd) │ right: as the app builds them since (case-list page ids first):",
        )
    report.emit(
        "",
        "rows = rows returned (for a count: the count); SQL = statements per call (the recusal look-ups "
        "of inbox_filter included); seq scans = large tables read sequentially in the slowest statement's plan "
        "(plans in bench/results/inbox-plans-<scale>.txt).",
        "superuser row: the newest 20 of all cases (the administrator's list), before │ after; the index on "
        "ProcessInstance (created_at, id) exists on both sides, the before order cannot use it.",
        f"target p95 ≤ {TARGET_MS} ms at {max(scales):,} cases (typical users): before "
        f"{'met' if worst_at_top <= TARGET_MS else 'MISSED'} (worst p95 {worst_at_top:.1f} ms); after "
        f"{'met' if worst_proposed[0] <= TARGET_MS else 'MISSED'} (worst p95 {worst_proposed[0]:.1f} ms)",
    )
    report.emit(
        f"issue 17 at {max(scales):,} cases, after: case-list page of typical users worst p95 {case_list[0]:.1f} ms "
        f"(target ≤ 20 ms: {'met' if case_list[0] <= 20 else 'MISSED'}); an administrator's list of all cases p95 "
        f"{everything[0]:.1f} ms (target ≤ 50 ms: {'met' if everything[0] <= 50 else 'MISSED'})"
    )
    report.save()


if __name__ == "__main__":
    main()
