"""Benchmark 2 — throughput: complete merit-citation cases per second, end to end through the
service layer on PostgreSQL, in one process and in 2 worker processes.

    python bench/bench_throughput.py [--cases N] [--batch B]
    python bench/bench_throughput.py --before DIR [--before-label L] [--after DIR] [--rounds 2] [--name throughput-issue17]

A case runs every step of the merit citation as the tests do (tests/merit_helpers.py), with the
demo users: start + 填报推荐材料 → 单位集体研究 (eligibility and authority DMNs, routing) →
廉政意见 → 审核 → 发布公示 (B cases in one notice, its PDF issued) → the notice period's timer
(``fire_due_timers``) → 审批 (decision number from the register, award recorded, 奖励决定 and
审批表 PDFs issued). Two tracks, 鲁山县 and 宝丰县 (their own reviewers, approver and number
register), take alternate batches.

* 1 process: N cases, batch after batch, in this process;
* 2 processes: the same N cases split over 2 processes (multiprocessing, fork, each its own
  database connection), one track each, started together.

Reported: cases/s and service calls/s for both, the speed-up, the CPU per case of the app (the
benchmark process or processes) and of PostgreSQL (every process of the cluster, from /proc:
common.process_tree_cpu), and the median time of each step (single process). Writes
bench/results/throughput.txt. Needs the cluster of scripts/bench.

Before and after in one run: ``--before DIR`` is a ``git worktree`` of the older commit (e.g.
``git worktree add /tmp/tp_before 1389afd``), ``--after DIR`` one of the newer (default: this
checkout). This script and common.py are copied into each worktree's ``bench/``; each side builds
a template database with its own code (migrations, demo world), and then ``--rounds`` rounds per
side alternate (before, after; after, before; …), each a child process in that side's checkout
on a fresh copy of its template (CREATE DATABASE … TEMPLATE), measuring as above.
"""

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TRACKS = {
    "LS": {"township": "HA-PDS-LS-QT", "jbr": "ls_qt_jbr", "ld": "ls_qt_ld", "jw": "ls_jw", "sh": "ls_sh", "gs": "ls_gs", "sp": "ls_sp"},
    "BF": {"township": "HA-PDS-BF-TL", "jbr": "bf_tl_jbr", "ld": "bf_tl_ld", "jw": "bf_jw", "sh": "bf_sh", "gs": "bf_gs", "sp": "bf_sp"},
}
STEP_NAMES = ["start + 填报", "单位集体研究", "廉政意见", "审核", "发布公示 (per case)", "公示期满 timer (per case)", "审批 + 2 PDFs"]


def run_batch(track, subject_ids, times):
    """One batch of cases of ``track`` from start to the issued award; appends step timings."""
    from notices import desk
    from records.models import Cadre
    from tests.merit_helpers import REVIEW, at, nomination, person, task_of, unit
    from workflows import clock, services
    from workflows.models import HumanTask

    t = TRACKS[track]
    users = {k: person(v) for k, v in t.items() if k != "township"}
    township = unit(t["township"])
    cases = []
    calls = 0

    def timed(step, fn, share=1):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        times.setdefault(step, []).extend([elapsed / share] * share)
        return result

    with clock.frozen_at(at("2026-09-28 09:00")):
        for cadre in Cadre.objects.filter(pk__in=subject_ids):

            def nominate():
                case = services.start_process(users["jbr"], "merit_citation", unit=township, subject_cadre=cadre)
                services.complete_task(users["jbr"], task_of(case, "Task_nominate").pk, data=nomination())
                return case

            case = timed(STEP_NAMES[0], nominate)
            calls += 2
            timed(
                STEP_NAMES[1],
                lambda: services.complete_task(
                    users["ld"],
                    task_of(case, "Task_unit_decision").pk,
                    data={"meeting_date": "2026-09-01", "attendees": "班子成员7人"},
                    opinion="同意推荐",
                ),
            )
            timed(
                STEP_NAMES[2],
                lambda: services.complete_task(users["jw"], task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"}),
            )
            timed(
                STEP_NAMES[3],
                lambda: services.complete_task(
                    users["sh"], task_of(case, "Task_review").pk, action="approve", data=REVIEW, opinion="同意公示"
                ),
            )
            calls += 3
            cases.append(case)
    with clock.frozen_at(at("2026-09-29 08:30")):
        timed(
            STEP_NAMES[4],
            lambda: desk.publish_notice(users["gs"], [task_of(c, "Task_publish").pk for c in cases], contact="电话 0375-5051234"),
            share=len(cases),
        )
        calls += 1

    def fire():
        # Another process's worker may fire some of these: wait until all of ours reached 审批.
        while HumanTask.objects.filter(instance__in=cases, bpmn_id="Task_approve").count() < len(cases):
            services.fire_due_timers(now=at("2026-10-11 00:01"), limit=len(cases))

    timed(STEP_NAMES[5], fire, share=len(cases))
    calls += 1
    with clock.frozen_at(at("2026-10-12 09:00")):
        for case in cases:
            timed(
                STEP_NAMES[6],
                lambda: services.complete_task(users["sp"], task_of(case, "Task_approve").pk, action="approve", opinion="同意"),
            )
            calls += 1
    return len(cases), calls


def worker(track, batches, queue):
    from django.db import connections

    connections.close_all()  # a connection of its own (none inherited across fork)
    times = {}
    done = calls = 0
    start, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        n, c = run_batch(track, batch, times)
        done, calls = done + n, calls + c
    queue.put(
        {
            "track": track,
            "cases": done,
            "calls": calls,
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
            "times": times,
        }
    )
    connections.close_all()


def measure(args):
    """Warm-up, then 1 process and 2 processes (the database holds the demo world); the figures."""
    from django.db import connections

    from tests import factories as f
    from tests.merit_helpers import unit

    postmaster = common.pg_postmaster_pid(common.pg_base_url())

    def subjects(track, count, tag):
        township = unit(TRACKS[track]["township"])
        ids = [f.cadre(f"吞吐{tag}{track}{i:03d}", township).pk for i in range(count)]
        return [ids[i : i + args.batch] for i in range(0, count, args.batch)]

    half = args.cases // 2
    # warm-up: one small batch per track (spec cache, fonts, first PDFs)
    warm = {}
    for track in TRACKS:
        for batch in subjects(track, 2, "热"):
            run_batch(track, batch, warm)

    # 1 process: alternate batches of the two tracks
    single_batches = list(zip(subjects("LS", half, "单"), subjects("BF", half, "单")))
    times = {}
    pg0 = common.process_tree_cpu(postmaster)
    start, cpu = time.perf_counter(), time.process_time()
    calls = done = 0
    for ls_batch, bf_batch in single_batches:
        for track, batch in (("LS", ls_batch), ("BF", bf_batch)):
            n, c = run_batch(track, batch, times)
            done, calls = done + n, calls + c
    single = {"cases": done, "calls": calls, "seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}
    single["pg_cpu"] = common.process_tree_cpu(postmaster) - pg0
    load_single = os.getloadavg()[0]

    # 2 processes, one track each
    parallel_batches = {track: subjects(track, half, "双") for track in TRACKS}
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    processes = [ctx.Process(target=worker, args=(track, parallel_batches[track], queue)) for track in TRACKS]
    pg0 = common.process_tree_cpu(postmaster)
    start = time.perf_counter()
    for p in processes:
        p.start()
    results = [queue.get(timeout=1800) for _ in processes]
    for p in processes:
        p.join()
    wall = time.perf_counter() - start
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    double = {
        "cases": sum(r["cases"] for r in results),
        "calls": sum(r["calls"] for r in results),
        "seconds": wall,
        "cpu": sum(r["cpu"] for r in results),
        "pg_cpu": common.process_tree_cpu(postmaster) - pg0,
    }
    load_double = os.getloadavg()[0]

    from records.models import Award

    awarded = Award.objects.filter(cadre__name__startswith="吞吐").exclude(cadre__name__contains="热").count()
    assert awarded == single["cases"] + double["cases"], (awarded, single, double)
    return {"single": single, "double": double, "times": times, "load_single": load_single, "load_double": load_double, "awarded": awarded}


MODE_COLUMNS = [
    ("mode", 12, ""),
    ("cases", 5, ""),
    ("seconds", 8, ".1f"),
    ("cases/s", 8, ".2f"),
    ("calls/s", 8, ".1f"),
    ("ms/case", 8, ".0f"),
    ("app CPU ms/case", 15, ".0f"),
    ("PG CPU ms/case", 14, ".0f"),
    ("load after", 10, ".1f"),
]
NOTE = (
    "calls = service calls (start, each completion, the notice, the timer round); app CPU = CPU time of "
    "the benchmark process(es) per case; PG CPU = CPU time of every process of the PostgreSQL cluster over "
    "the measurement per case; load after = the machine's "
    "1-minute load average when the measurement ended (2 cores: above 2, processes wait for a core); the "
    "发布公示 and timer rows are a batch's time divided by its cases."
)


def mode_row(label, r, load):
    return (
        label,
        r["cases"],
        r["seconds"],
        r["cases"] / r["seconds"],
        r["calls"] / r["seconds"],
        r["seconds"] / r["cases"] * 1000,
        r["cpu"] / r["cases"] * 1000,
        r["pg_cpu"] / r["cases"] * 1000 if r.get("pg_cpu") is not None else None,
        load,
    )


def child_setup(side):
    """The template database of a side: migrated and filled with the demo world by its own code."""
    common.use_database("postgres", f"throughput_{side}_tpl")
    common.django_setup()
    from django.db import connections

    from tests import factories as f

    f.ensure_reference_data()
    common.load_world()
    connections.close_all()
    print(json.dumps({"ok": True}))


def child_round(args):
    name = f"bench_throughput_{args.child}_r{args.round}"
    os.environ["DATABASE_URL"] = common.create_pg_database(name, template=f"bench_throughput_{args.child}_tpl")
    common.django_setup(migrate=False)
    from django.db import connections

    out = measure(args)
    connections.close_all()
    import psycopg

    with psycopg.connect(common.with_database(common.pg_base_url(), "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(out))


def before_after(args):
    """--before: each side's rounds in its own checkout, alternating; one table."""

    def label_of(root):
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip() or "?"

    # A worktree has no prepared fonts (var/fonts is not in git): without them its PDFs render with
    # the stock system fonts, several times slower. Both sides use this checkout's.
    if (common.ROOT / "var" / "fonts").is_dir():
        os.environ.setdefault("MERITFLOW_FONT_DIR", str(common.ROOT / "var" / "fonts"))
    after_root = Path(args.after).resolve() if args.after else common.ROOT
    before_root = Path(args.before).resolve()
    sides = [("before", before_root, args.before_label or label_of(before_root)), ("after", after_root, label_of(after_root))]
    report = common.Report(
        args.name, f"merit-citation cases per second, end to end (PostgreSQL) — before {sides[0][2]} / after {sides[1][2]}"
    )
    scripts = {}
    for variant, root, _label in sides:
        scripts[variant] = root / "bench" / Path(__file__).name
        if root != common.ROOT:
            shutil.copyfile(__file__, scripts[variant])
            shutil.copyfile(Path(__file__).with_name("common.py"), root / "bench" / "common.py")
    for variant, root, _label in sides:
        started = time.perf_counter()
        common.run_child([str(scripts[variant]), "--setup", variant], cwd=root)
        report.emit(f"{variant}: template database built by {root} in {time.perf_counter() - started:.0f} s")
    collected = {variant: [] for variant, _root, _label in sides}
    for number in range(args.rounds):
        order = sides if number % 2 == 0 else list(reversed(sides))
        for variant, root, _label in order:
            out = common.run_child(
                [str(scripts[variant]), "--child", variant, "--round", str(number), "--cases", str(args.cases), "--batch", str(args.batch)],
                cwd=root,
            )
            collected[variant].append(out)
            s = out["single"]
            print(f"round {number + 1} {variant}: {s['cases'] / s['seconds']:.2f} cases/s (1 process)", flush=True)

    report.emit(
        f"{args.cases} cases per measurement, notices of {args.batch} cases; every case ends with its award recorded and 4 PDFs "
        f"issued (notice share, decision, approval form); {args.rounds} rounds per side, alternating, each on a fresh copy of "
        "the side's template database; awards checked in each round",
        *(f"{variant}: {label} (code in {root})" for variant, root, label in sides),
    )
    rows = []
    for variant, _root, _label in sides:
        for number, out in enumerate(collected[variant], 1):
            rows.append(mode_row(f"{variant} r{number} 1 proc", out["single"], out["load_single"]))
            rows.append(mode_row(f"{variant} r{number} 2 proc", out["double"], out["load_double"]))
    for variant, _root, _label in sides:
        for mode in ("single", "double"):
            pooled = {k: sum(out[mode][k] for out in collected[variant]) for k in ("cases", "calls", "seconds", "cpu", "pg_cpu")}
            rows.append(mode_row(f"{variant} all {'1 proc' if mode == 'single' else '2 proc'}", pooled, None))
    report.table([("side, round, mode", 22, ""), *MODE_COLUMNS[1:]], rows, title="throughput (the 'all' rows: rounds pooled):")
    step_rows = []
    for name in STEP_NAMES:
        row = [name]
        for variant, _root, _label in sides:
            values = [v for out in collected[variant] for v in out["times"][name]]
            row.append(statistics.median(values) * 1000)
        step_rows.append(tuple(row))
    report.table(
        [("step (1 process)", 26, ""), *((f"{variant} {label} ms", 16, ".1f") for variant, _root, label in sides)],
        step_rows,
        title="where a case's time goes (median per case and step, 1 process, rounds pooled):",
    )
    for variant, _root, label in sides:
        pooled = {k: sum(out["single"][k] for out in collected[variant]) for k in ("cases", "seconds")}
        rate = pooled["cases"] / pooled["seconds"]
        verdict = "met" if rate >= 4 else f"missed by {4 - rate:.2f} cases/s ({rate / 4:.0%} of it)"
        report.emit(f"issue 17 target ≥ 4 cases/s (1 process), {variant} {label}: {rate:.2f} — {verdict}")
    report.emit("", NOTE)
    report.save()
    print(json.dumps({variant: [out["single"] for out in collected[variant]] for variant, _root, _label in sides}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40, help="cases per measurement (even)")
    parser.add_argument("--batch", type=int, default=10, help="cases per notice")
    parser.add_argument("--before", help="work tree of the older commit, measured in the same run (git worktree add DIR COMMIT)")
    parser.add_argument("--before-label", default=None)
    parser.add_argument("--after", help="work tree of the newer commit (default: this checkout)")
    parser.add_argument("--rounds", type=int, default=2, help="with --before: rounds per side, alternating")
    parser.add_argument("--name", default=None, help="results file bench/results/NAME.txt (default throughput, or throughput-before-after)")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--round", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        return child_setup(args.setup)
    if args.child:
        return child_round(args)
    if args.before:
        args.name = args.name or "throughput-before-after"
        return before_after(args)

    common.use_database("postgres", "throughput")
    common.django_setup()
    from tests import factories as f

    f.ensure_reference_data()
    common.load_world()
    report = common.Report(args.name or "throughput", "merit-citation cases per second, end to end (PostgreSQL)")
    out = measure(args)
    single, double = out["single"], out["double"]
    report.emit(
        f"{args.cases} cases per measurement, notices of {args.batch} cases; every case ends with its award "
        f"recorded and 4 PDFs issued (notice share, decision, approval form); {out['awarded']} awards checked"
    )
    rows = [mode_row("1 process", single, out["load_single"]), mode_row("2 processes", double, out["load_double"])]
    report.table(MODE_COLUMNS, rows, title="throughput:")
    report.emit(f"speed-up with 2 processes: {rows[1][3] / rows[0][3]:.2f}× (2 CPU cores, PostgreSQL on the same cores)")
    times = out["times"]
    step_rows = [(name, len(times[name]), statistics.median(times[name]) * 1000) for name in STEP_NAMES]
    report.table(
        [("step (1 process)", 26, ""), ("n", 4, ""), ("median ms", 9, ".1f")],
        step_rows,
        title="where a case's time goes (median per case and step, 1 process):",
    )
    report.emit("", NOTE)
    report.save()
    print(json.dumps({"single": single, "double": double}))


if __name__ == "__main__":
    main()
