"""Benchmark 3b — the inbox and the case list at 1,000,000 cases, before and after issue 15 item 3.

    python bench/bench_inbox_issue15.py --before /tmp/mf_before [--after /tmp/mf_after] [--scale 1000000]
        [--rounds 8] [--runs 10] [--tag after-fix]

Issue 15 item 3 (910f766..HEAD) widened the two visibility filters: ``permissions.policy.inbox_filter``
ORs in the tasks of the delegators of every 委托 in force (``permissions.models.Delegation``) and its
separation-of-duties subqueries test ``completed_by OR completed_for``; ``HumanTask.objects.inbox_for``
ORs ``pk IN (the user's TaskUserObjectPermission grants)``; ``ProcessInstance.objects.visible_to``
UNIONs the user's case grants, task grants and the delegators' units. The requirement: the inbox
stays one indexed query, p95 at 1M cases on PostgreSQL not worse than before.

One database, ``bench/gen_scale.py``'s ``bench_scale_<N>`` (generated, or reused, with the code of
this checkout, whose migrations make the new tables), is measured by two kinds of child process:

* AFTER: this checkout's code, or that of a ``git worktree`` of the newer commit (``--after DIR``:
  keeps uncommitted edits of a shared working tree out of the measurement);
* BEFORE: the code of a ``git worktree`` of the older commit (``--before DIR``, e.g.
  ``git worktree add /tmp/mf_before 910f766``) — this script is copied into ``DIR/bench/`` and run
  from there, so Django imports that checkout's apps (the old code ignores the new tables and the
  new nullable columns).

The two alternate, ``--rounds`` times each (before/after, then after/before, …), so the machine's
noise falls on both; every round times each query ``--runs`` times after 3 warm-ups, and the
table gives the median and p95 over all rounds. Each call gets a freshly loaded user object (as a
request does: the new code caches the user's 委托 and grants on the user object for the request,
so their look-ups are counted in every call, as they are in every request).

Measured people: those of ``bench/bench_inbox.py`` (typical county reviewer and approver, city
reviewer, township nominator) and three made for this benchmark, in the database, before the
rounds start (the old code ignores their rows; its column is that person's own inbox):

* a county reviewer's colleague (reviewer1 of the same county) as delegate of reviewer0's 委托,
  all processes;
* a county approver as delegate of the same county's reviewer0 (another county), for
  ``merit_citation`` only;
* a township nominator holding 5 TaskUserObjectPermission grants (委派 ``handle_task``) on open
  tasks of the county's review offices, and 3 CaseUserObjectPermission (抄送 ``read_case``) grants.

Queries (as ``bench/bench_inbox.py`` builds them "as the app builds it"): inbox page (20 rows,
the workbench's select_related, large columns deferred), inbox count, case list page (20, as
``GET /api/v1/processes/``), case list count. EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of
each AFTER query is saved in bench/results/inbox-plans-<N>-issue15.txt (the BEFORE plans with
``--before-plans PATH``); a sequential scan of a large table is flagged.
Writes bench/results/inbox-issue15.txt (``--tag T``: inbox-issue15-T.txt and inbox-plans-<N>-issue15-T.txt,
e.g. for a re-run after a fix without overwriting the first run's files).

JIT: PostgreSQL's JIT compilation (on by default, ``jit_above_cost`` 100,000) is reported from the
saved plans ("jit" columns: JIT time in the plan of the slowest statement, ms, or "no"); the
diagnostic "jit off" rows time the AFTER inbox with ``SET jit = off``. Both sides' plans are taken in
the last round (the BEFORE ones written to a temporary file unless ``--before-plans``). The 1-minute
load average is sampled after every child process and reported.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import gen_scale  # noqa: E402

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
BLOBS_OF_INSTANCE = ("state",)
TYPICAL = ("county reviewer", "county approver", "city reviewer", "township nominator")  # bench/bench_inbox.py's people
QUERIES = ("inbox page (20)", "inbox count", "case list page (20)", "case list count")


# --------------------------------------------------------------------------- the people (AFTER code)


def setup_people(scale):
    """Pick the measured people and make the 委托 and individual grants of the extra ones (with this
    checkout's models); return [(username, label)]."""
    os.environ["DATABASE_URL"] = common.with_database(common.pg_base_url(), gen_scale.database_name(scale))
    common.django_setup(migrate=False)
    import datetime

    import bench_inbox
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection, transaction
    from django.utils import timezone

    from permissions.models import Delegation
    from workflows.models import CaseUserObjectPermission, HumanTask, ProcessInstance, TaskUserObjectPermission

    User = get_user_model()
    people = bench_inbox.pick_users()
    reviewer = people[0][0]  # "<county>_reviewer0"
    county = reviewer.rsplit("_", 1)[0]  # lower-case county code, e.g. ha-c04-k3
    approver_county = people[1][0].rsplit("_", 1)[0]
    with connection.cursor() as cursor:  # another county than the two measured ones, same city if possible
        cursor.execute("SELECT lower(code) FROM permissions_unit WHERE kind = 'party_committee' AND level = 'county' ORDER BY code")
        counties = [row[0] for row in cursor.fetchall()]
    other = next(c for c in counties[counties.index(county) + 1 :] + counties if c not in (county, approver_county))
    today = timezone.localdate()
    with transaction.atomic():
        Delegation.objects.all().delete()
        TaskUserObjectPermission.objects.all().delete()
        CaseUserObjectPermission.objects.all().delete()
        Delegation.objects.create(
            delegator=User.objects.get(username=reviewer),
            delegate=User.objects.get(username=f"{county}_reviewer1"),
            process_ids=[],
            starts_on=today - datetime.timedelta(days=3),
            ends_on=today + datetime.timedelta(days=30),
            reason="bench: 休假",
        )
        Delegation.objects.create(
            delegator=User.objects.get(username=f"{other}_reviewer0"),
            delegate=User.objects.get(username=f"{other}_approver0"),
            process_ids=["merit_citation"],
            starts_on=today - datetime.timedelta(days=3),
            ends_on=today + datetime.timedelta(days=30),
            reason="bench: 出差",
        )
        nominator = User.objects.get(grants__role="nominator", grants__unit__code=f"{county.upper()}-T08")
        handle = Permission.objects.get(content_type__app_label="workflows", codename="handle_task")
        read = Permission.objects.get(content_type__app_label="workflows", codename="read_case")
        tasks = HumanTask.objects.filter(unit__code__in=[f"{county.upper()}-ZZB", f"{county.upper()}-JW"]).order_by("id")[:5]
        for task in tasks:
            TaskUserObjectPermission.objects.create(user=nominator, permission=handle, content_object=task)
        cases = ProcessInstance.objects.filter(nominating_unit__code=f"{county.upper()}-D03").order_by("id")[:3]
        for case in cases:
            CaseUserObjectPermission.objects.create(user=nominator, permission=read, content_object=case)
        granted = (len(tasks), len(cases))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE permissions_delegation, workflows_taskuserobjectpermission, workflows_caseuserobjectpermission")
    return people + [
        (f"{county}_reviewer1", "delegate: colleague reviewer ← reviewer0, all processes"),
        (f"{other}_approver0", "delegate: county approver ← reviewer0, merit_citation"),
        (nominator.username, f"township nominator + {granted[0]} task grants, {granted[1]} case grants"),
    ]


# --------------------------------------------------------------------------- one round (either code)


def queries():
    """The list queries as bench/bench_inbox.py builds them ("as the app builds it"), each a
    function of the (freshly loaded) user."""
    from workflows.models import HumanTask, ProcessInstance

    def inbox_page(user):
        qs = (
            HumanTask.objects.inbox_for(user)
            .select_related("instance__definition", "instance__subject_cadre", "instance__started_by", "unit", "claimed_by")
            .order_by("created_at", "id")
        )
        return list(qs.defer(*(f"instance__{name}" for name in BLOBS_OF_INSTANCE))[:20])

    def case_page(user):
        related = ("definition", "subject_cadre", "nominating_unit", "started_by")
        qs = ProcessInstance.objects.visible_to(user).select_related(*related).defer(*BLOBS_OF_INSTANCE)
        return list(qs.order_by("-created_at", "-id")[:20])

    return dict(
        zip(
            QUERIES,
            (
                inbox_page,
                lambda user: HumanTask.objects.inbox_for(user).count(),
                case_page,
                lambda user: ProcessInstance.objects.visible_to(user).count(),
            ),
        )
    )


DIAGNOSTICS = (
    "inbox page (20), jit off",
    "inbox count, jit off",
)


def diagnostics(base):
    """AFTER only: where the time goes. The same inbox queries with PostgreSQL's JIT compilation
    off for the statement. (Earlier runs also timed the inbox without ``inbox_for``'s task grants;
    since then ``permissions.policy.inbox_filter`` reads them with the person's other facts in
    one statement, so there is nothing left to take apart.)"""
    return dict(zip(DIAGNOSTICS, ((base["inbox page (20)"], "off"), (base["inbox count"], "off"))))


def jit_ms(plan):
    """JIT time (ms) in an EXPLAIN ANALYZE plan, or None when the statement was not JIT-compiled."""
    match = re.search(r"JIT:.*?Timing:.*?Total ([0-9.]+) ms", plan, re.S)
    return float(match.group(1)) if match else None


def measure_round(scale, people, runs, plans_path, variant):
    os.environ["DATABASE_URL"] = common.with_database(common.pg_base_url(), gen_scale.database_name(scale))
    common.django_setup(migrate=False)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import permissions.policy

    User = get_user_model()
    code = str(Path(permissions.policy.__file__).resolve().parent.parent)
    base = queries()
    measured = {name: (run, None) for name, run in base.items()}
    if variant == "after":
        measured.update(diagnostics(base))

    def jit(value):
        with connection.cursor() as cursor:
            cursor.execute(f"SET jit = {value}" if value else "RESET jit")

    results, plans = [], []
    for username, label in people:
        pk = User.objects.get(username=username).pk
        for name, (run, jit_setting) in measured.items():
            jit(jit_setting)
            for _ in range(3):  # warm-up
                rows = run(User.objects.get(pk=pk))
            times = []
            for _ in range(runs):
                user = User.objects.get(pk=pk)  # as a request loads it, outside the timing
                start = time.perf_counter()
                run(user)
                times.append(time.perf_counter() - start)
            with CaptureQueriesContext(connection) as captured:
                run(User.objects.get(pk=pk))
            result = {"user": username, "who": label, "query": name, "times": times, "statements": len(captured.captured_queries)}
            result["rows"] = rows if isinstance(rows, int) else len(rows)
            if plans_path:
                sql = max(captured.captured_queries, key=lambda q: float(q["time"]))["sql"]
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                result["seq"] = sorted({m for m in re.findall(r"Seq Scan on (\w+)", plan) if m in BIG_TABLES})
                result["jit"] = jit_ms(plan)
                statements = "\n".join(
                    f"-- statement {i + 1} ({float(q['time']) * 1000:.1f} ms): {q['sql']}" for i, q in enumerate(captured.captured_queries)
                )
                s = common.summary(times)
                plans.append(
                    f"===== {label} ({username}) — {name} — {variant}: this round median {s['median']:.1f} ms, p95 {s['p95']:.1f} ms\n"
                    f"{statements}\n\nplan of the slowest statement:\n{plan}\n"
                )
            jit(None)
            results.append(result)
    if plans_path:
        Path(plans_path).write_text(
            "\n".join(common.header(f"EXPLAIN (ANALYZE, BUFFERS) at {scale:,} cases — {variant} (code: {code})"))
            + "\n\n"
            + "\n".join(plans)
        )
    print(json.dumps({"code": code, "results": results}))


# --------------------------------------------------------------------------- driver


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="work tree of the older commit (git worktree add DIR 910f766)")
    parser.add_argument("--before-label", default="910f766")
    parser.add_argument(
        "--after", help="work tree of the newer commit (default: this checkout; a worktree of HEAD keeps others' uncommitted edits out)"
    )
    parser.add_argument("--scale", type=int, default=1000000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--before-plans", help="where to write the BEFORE plans (default: a temporary file)")
    parser.add_argument("--tag", help="suffix of the result files' names (inbox-issue15-TAG.txt, inbox-plans-N-issue15-TAG.txt)")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--round", metavar="VARIANT", help=argparse.SUPPRESS)
    parser.add_argument("--people", help=argparse.SUPPRESS)
    parser.add_argument("--plans", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        print(json.dumps(setup_people(args.scale)))
        return
    if args.round:
        return measure_round(args.scale, json.loads(Path(args.people).read_text()), args.runs, args.plans, args.round)
    if not args.before:
        parser.error("--before DIR is required")
    if "MERITFLOW_VAR_DIR" not in os.environ:
        var_dir = tempfile.mkdtemp(prefix="meritflow-bench-var-")
        os.environ["MERITFLOW_VAR_DIR"] = var_dir

    before_root = Path(args.before).resolve()
    before_script = before_root / "bench" / Path(__file__).name
    shutil.copyfile(__file__, before_script)  # run from the old checkout: Django imports its apps
    after_root = Path(args.after).resolve() if args.after else common.ROOT
    after_script = after_root / "bench" / Path(__file__).name
    if after_root != common.ROOT:
        shutil.copyfile(__file__, after_script)
    after_label = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=after_root, capture_output=True, text=True).stdout.strip()

    suffix = f"-{args.tag}" if args.tag else ""
    report = common.Report(
        f"inbox-issue15{suffix}",
        f"inbox and case list before/after issue 15 item 3{f' ({args.tag})' if args.tag else ''} at {args.scale:,} cases (PostgreSQL)",
    )
    _url, info = gen_scale.ensure(args.scale)
    counts = ", ".join(f"{k} {v:,}" for k, v in info["counts"].items())
    how = "generated earlier, reused" if info.get("reused") else f"generated in {info['seconds']:.0f} s"
    report.emit(f"database bench_scale_{args.scale} ({how}, with the migrations of {after_label}): {counts}")
    people = common.run_child([str(after_script), "--setup", "--scale", str(args.scale)], cwd=after_root)
    people_file = Path(os.environ["MERITFLOW_VAR_DIR"]) / "issue15-people.json"
    people_file.write_text(json.dumps(people))

    after_plans = common.RESULTS / f"inbox-plans-{args.scale}-issue15{suffix}.txt"
    before_plans = args.before_plans or str(Path(os.environ["MERITFLOW_VAR_DIR"]) / f"inbox-plans-{args.scale}-issue15-before.txt")
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    variants = {
        "before": (before_script, before_root, before_plans),
        "after": (after_script, after_root, str(after_plans)),
    }
    collected = {"before": {}, "after": {}}
    codes, order_log, loads = {}, [], []
    rounds_started = time.monotonic()
    for r in range(args.rounds):
        order = ("before", "after") if r % 2 == 0 else ("after", "before")
        for variant in order:
            script, cwd, plans = variants[variant]
            last = r == args.rounds - 1
            extra = ["--plans", plans] if (plans and last) else []
            started = time.monotonic()
            round_args = ["--round", variant, "--scale", str(args.scale), "--people", str(people_file), "--runs", str(args.runs)]
            out = common.run_child([str(script), *round_args, *extra], cwd=cwd)
            order_log.append(f"{variant} {time.monotonic() - started:.0f} s")
            loads.append(os.getloadavg()[0])
            codes[variant] = out["code"]
            for row in out["results"]:
                key = (row["user"], row["query"])
                slot = collected[variant].setdefault(key, {**row, "times": [], "seq": None, "jit": "?"})
                slot["times"].extend(row["times"])
                if "seq" in row:
                    slot["seq"] = row["seq"]
                    slot["jit"] = row["jit"]
                assert slot["rows"] == row["rows"], (variant, key, slot["rows"], row["rows"])
                slot["statements"] = row["statements"]  # the last round's (steady state: per-process caches warm)
        print(f"round {r + 1}/{args.rounds}: {', '.join(order_log[-2:])}; load {loads[-2]:.2f}, {loads[-1]:.2f}", flush=True)
    rounds_took = time.monotonic() - rounds_started

    report.emit(
        f"BEFORE: {args.before_label} (code in {codes['before']}); AFTER: {after_label} (code in {codes['after']})",
        f"{args.rounds} rounds alternating (before/after, after/before, …), {args.runs} timed calls per query per round after "
        f"3 warm-ups: {args.rounds * args.runs} calls per query and side; each call with a freshly loaded user (as a request)",
        f"load average (1 min) after each of the {len(loads)} child processes: min {min(loads):.2f}, median "
        f"{sorted(loads)[len(loads) // 2]:.2f}, max {max(loads):.2f} (rounds took {rounds_took / 60:.1f} min; "
        f"{os.cpu_count()} logical CPUs)",
    )

    def jit_cell(slot):
        return "?" if slot["jit"] == "?" else ("no" if slot["jit"] is None else f"{slot['jit']:.0f}")

    table, worst, worst_other = [], {"before": 0.0, "after": 0.0}, {"before": 0.0, "after": 0.0}
    for username, label in people:
        for name in QUERIES:
            b, a = collected["before"][(username, name)], collected["after"][(username, name)]
            sb, sa = common.summary(b["times"]), common.summary(a["times"])
            if name.startswith("inbox"):
                group = worst if label in TYPICAL else worst_other
                group["before"] = max(group["before"], sb["p95"])
                group["after"] = max(group["after"], sa["p95"])
            table.append(
                (
                    label,
                    name,
                    b["rows"],
                    b["statements"],
                    sb["median"],
                    sb["p95"],
                    a["rows"],
                    a["statements"],
                    sa["median"],
                    sa["p95"],
                    sa["p95"] - sb["p95"],
                    jit_cell(b),
                    jit_cell(a),
                    ",".join(t.split("_", 1)[1] for t in (a["seq"] or [])) or "none",
                )
            )
    report.table(
        [
            ("who", 56, ""),
            ("query", 19, ""),
            ("rows", 6, ""),
            ("SQL", 3, ""),
            ("median", 7, ".1f"),
            ("p95", 7, ".1f"),
            ("│ rows", 6, ""),
            ("SQL", 3, ""),
            ("median", 7, ".1f"),
            ("p95", 7, ".1f"),
            ("Δp95", 6, "+.1f"),
            ("jit B", 5, ""),
            ("jit A", 5, ""),
            ("seq scans", 16, ""),
        ],
        table,
        title=f"{args.scale:,} cases; ms; left: BEFORE ({args.before_label}) │ right: AFTER ({after_label}); "
        "seq scans: large tables read sequentially in the AFTER plan of the slowest statement; jit B/A: JIT ms in the "
        "BEFORE/AFTER plan of the slowest statement (no: not JIT-compiled)",
    )
    diag = []
    for username, label in people:
        for name in DIAGNOSTICS:
            a = collected["after"][(username, name)]
            sa = common.summary(a["times"])
            diag.append(
                (
                    label,
                    name,
                    a["rows"],
                    a["statements"],
                    sa["median"],
                    sa["p95"],
                    jit_cell(a),
                    ",".join(t.split("_", 1)[1] for t in (a["seq"] or [])) or "none",
                )
            )
    report.table(
        [
            ("who", 56, ""),
            ("AFTER, diagnostic variant", 34, ""),
            ("rows", 6, ""),
            ("SQL", 3, ""),
            ("median", 7, ".1f"),
            ("p95", 7, ".1f"),
            ("jit", 5, ""),
            ("seq scans", 16, ""),
        ],
        diag,
        title="AFTER only, where the time goes: jit off = the same query with SET jit = off",
    )
    report.emit(
        "",
        "rows = rows returned (for a count: the count); SQL = statements per call (grant, 委托 and recusal look-ups "
        "included); Δp95 = AFTER p95 − BEFORE p95.",
        "The extra people's rows exist in the database during both sides; the BEFORE code ignores them "
        "(its column is that person's own inbox and case list).",
        f"Typical users' inbox (page and count), worst p95: BEFORE {worst['before']:.1f} ms, AFTER {worst['after']:.1f} ms.",
        f"Delegates' and the task-grant holder's inbox (page and count), worst p95: BEFORE {worst_other['before']:.1f} ms, "
        f"AFTER {worst_other['after']:.1f} ms.",
        f"AFTER plans: bench/results/{after_plans.name}",
    )
    report.save()


if __name__ == "__main__":
    main()
