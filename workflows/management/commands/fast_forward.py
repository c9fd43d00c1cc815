"""manage.py fast_forward — demo/test only: fire the next waiting BPMN timer now.

A demo cannot wait out a five-working-day public notice. This command looks up when the next
timer is due (the earliest ``ProcessInstance.next_timer_due`` of a running case, or of the case
given with ``--case``) and runs one worker round with the engine's clock set one minute after
it, so it works whatever today's date is. Every timer due by then fires, as it would have if
the time had really passed; only the engine's clock moves, and only where
``MERITFLOW_ALLOW_CLOCK_OVERRIDE`` is on (every profile but production).
"""

import datetime
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workflows.models import InstanceStatus, ProcessInstance
from workflows.services import fire_due_timers


class Command(BaseCommand):
    help = "Demo/test only: move the engine's clock just past the next waiting timer and fire it (e.g. a notice period's end)."

    def add_arguments(self, parser):
        parser.add_argument("--case", metavar="BUSINESS_KEY", help="the case whose next timer to reach (default: the earliest of all)")
        parser.add_argument("--list", dest="list_only", action="store_true", help="only list the waiting timers, earliest first")

    def handle(self, *args, case=None, list_only=False, **options):
        if not settings.MERITFLOW_ALLOW_CLOCK_OVERRIDE:
            raise CommandError("fast_forward is disabled here (MERITFLOW_ALLOW_CLOCK_OVERRIDE is off, as in production)")
        waiting = (
            ProcessInstance.objects.filter(next_timer_due__isnull=False, status__in=[InstanceStatus.RUNNING, InstanceStatus.WAITING])
            .select_related("definition")
            .order_by("next_timer_due", "pk")
        )
        if list_only:
            for instance in waiting:
                self.stdout.write(f"{instance.business_key}  {self._local(instance.next_timer_due)}  {instance.definition.name}")
            if not waiting.exists():
                self.stdout.write("no case waits for a timer")
            return
        if case:
            target = waiting.filter(business_key=case).first()
            if target is None:
                raise CommandError(f"case {case} waits for no timer (see manage.py fast_forward --list)")
        else:
            target = waiting.first()
            if target is None:
                raise CommandError("no case waits for a timer: publish a notice first (公示管理 → 发布公示)")
        moment = target.next_timer_due + datetime.timedelta(minutes=1)
        logging.getLogger("spiff").setLevel(logging.WARNING)  # not a line per task state change on the console
        fired = fire_due_timers(now=moment)
        self.stdout.write(f"clock set to {self._local(moment)} (the next timer of {target.business_key}): timers fired: {fired}")

    @staticmethod
    def _local(moment):
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %z}"
