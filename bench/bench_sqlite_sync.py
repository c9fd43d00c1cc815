"""SQLite journal and sync settings: task completions through the services, alternating settings in one run.

    python bench/bench_sqlite_sync.py [--cases N] [--rounds R]

Each round runs bench_engine.py's measured child (N merit-citation cases, 4 steps each, through
``workflows.services.complete_task``, on a fresh SQLite file) once per setting, in turn, so a
machine whose load drifts affects every setting alike:

* ``delete-full``: rollback journal, synchronous=FULL (the settings before issue 17);
* ``wal-full``:    WAL, synchronous=FULL (webapp/settings.py now: the WAL is fsynced at each commit);
* ``wal-normal``:  WAL, synchronous=NORMAL (fsync at checkpoints only; the last commits can be lost
  on a power loss).

Reported: median ms of a completion (all steps of all rounds) and of its COMMIT, per setting.
Writes bench/results/sqlite-sync.txt.
"""

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

MODES = {
    "delete-full": ("DELETE", "FULL"),
    "wal-full": ("WAL", "FULL"),
    "wal-normal": ("WAL", "NORMAL"),
}


def child(mode, cases):
    journal, sync = MODES[mode]
    from django.db.backends.signals import connection_created

    def pragmas(sender, connection, **kwargs):
        # After the settings' init_command: this setting wins.
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA journal_mode={journal}")
                cursor.execute(f"PRAGMA synchronous={sync}")

    connection_created.connect(pragmas, weak=False)
    import bench_engine

    bench_engine.child("sqlite", cases, False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.cases)

    report = common.Report("sqlite-sync", "SQLite journal/sync settings: task completions through the services")
    times = {mode: {"service": [], "commit": []} for mode in MODES}
    for _round in range(args.rounds):
        for mode in MODES:
            result = common.run_child([__file__, "--child", mode, "--cases", str(args.cases)])
            for row in result["rows"].values():
                times[mode]["service"] += row["service"]
                times[mode]["commit"] += row["commit"]
    report.emit(
        f"{args.rounds} rounds × {args.cases} merit-citation cases × 4 steps per setting, settings alternating "
        f"within each round; load average at the end {os.getloadavg()[0]:.1f}; medians in ms"
    )
    report.table(
        [("setting", 12, ""), ("completion ms", 13, ".2f"), ("commit ms", 9, ".2f"), ("completions", 11, "")],
        [
            (
                mode,
                statistics.median(t["service"]) * 1000,
                statistics.median(t["commit"]) * 1000,
                len(t["service"]),
            )
            for mode, t in times.items()
        ],
    )
    report.save()
    print(json.dumps({mode: statistics.median(t["service"]) * 1000 for mode, t in times.items()}))


if __name__ == "__main__":
    main()
