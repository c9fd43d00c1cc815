import datetime

from django.core.management.base import BaseCommand, CommandError

from supervision import register


class Command(BaseCommand):
    help = "Recompute every cadre's alerts into the alert register (the worker does it each day by itself)."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="as of this day (YYYY-MM-DD; default: today by the engine's clock)")

    def handle(self, *args, day=None, **options):
        try:
            day = datetime.date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"--day: not a date: {day}") from None
        count = register.rebuild(day)
        self.stdout.write(f"alert register: {count} alerts")
