"""manage.py open_rotation_plans [--on YYYY-MM-DD] — the annual opening of the rotation plans.

Run it daily from cron beside ``run_worker`` (idempotent: each unit's plan opens once a year, on or
after 1 March); ``--on`` names the day (demo/test, or a late opening)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from rotation.opening import open_plans


class Command(BaseCommand):
    help = "Open this year's rotation plan (轮岗计划) for every unit with cadres ≥ 5 years in their current post."

    def add_arguments(self, parser):
        parser.add_argument("--on", help="the day (YYYY-MM-DD); default today")

    def handle(self, *args, on=None, **options):
        day = None
        if on:
            try:
                day = datetime.date.fromisoformat(on)
            except ValueError:
                raise CommandError(f"--on: not a date: {on}") from None
        result = open_plans(day)
        for case in result.opened:
            self.stdout.write(f"{case.business_key}  {case.nominating_unit.name}")
        for unit, why in result.skipped:
            self.stdout.write(f"skipped {unit.name}: {why}")
        self.stdout.write(f"{result.year}: {len(result.opened)} plan(s) opened, {len(result.skipped)} skipped")
