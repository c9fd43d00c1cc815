import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from workflows.scheduling import DailyJobs, run_upkeep
from workflows.services import fire_due_timers, resume_errored


class Command(BaseCommand):
    help = "Fire due BPMN timers, retry instances parked in the error state and run the processes' daily jobs, in a loop or once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round, then exit (for cron)")
        parser.add_argument("--now", help="pretend it is this time (ISO 8601, e.g. 2026-10-12T09:00+08:00); demo/test only")
        parser.add_argument("--interval", type=float, default=None, help="seconds between rounds")

    def handle(self, *args, once=False, now=None, interval=None, **options):
        moment = None
        if now:
            if not settings.MERITFLOW_ALLOW_CLOCK_OVERRIDE:
                raise CommandError("--now is disabled here (MERITFLOW_ALLOW_CLOCK_OVERRIDE is off)")
            moment = parse_datetime(now)
            if moment is None:
                raise CommandError(f"--now: not an ISO date-time: {now}")
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        interval = interval if interval is not None else settings.MERITFLOW_WORKER_INTERVAL
        self.stopping = False
        if not once:
            # Finish the current round, then stop: a round is a series of short transactions.
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._stop)
        daily = DailyJobs()
        while not self.stopping:
            daily.run(now=moment)
            run_upkeep(now=moment)
            fired = fire_due_timers(now=moment)
            resumed = resume_errored(now=moment)
            if fired or resumed or once:
                self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} timers fired: {fired}, resumed: {resumed}")
            if once:
                return
            deadline = time.monotonic() + interval
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(min(0.5, interval))
        self.stdout.write("worker stopped")

    def _stop(self, signum, frame):
        self.stopping = True
