"""manage.py load_demo — load the demo data set (see demo/data.py); safe to run again."""

import time

from django.core.management.base import BaseCommand

from demo.calendar import add_provisional_years
from demo.data import DEMO_VERSION
from demo.loader import load


class Command(BaseCommand):
    help = "加载演示数据：河南省—平顶山市单位树、各角色演示账号（密码 demo12345）、约300名干部档案。可重复运行，已是最新时不做改动。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--provisional-calendar",
            action="store_true",
            help="demo only (scripts/run): add the working-day calendar years missing after the last known one, "
            "through next year, as Monday–Friday without holidays (demo/calendar.py)",
        )

    def handle(self, *args, provisional_calendar=False, **options):
        started = time.monotonic()
        stats = load()
        added = add_provisional_years() if provisional_calendar else []
        elapsed = time.monotonic() - started
        if options["verbosity"] < 1:
            return
        if stats.changed:
            for line in stats.lines():
                self.stdout.write(f"  {line}")
            self.stdout.write(self.style.SUCCESS(f"演示数据（第{DEMO_VERSION}版）已加载，用时 {elapsed:.1f} 秒。"))
        else:
            self.stdout.write(self.style.SUCCESS(f"演示数据（第{DEMO_VERSION}版）已是最新，无需改动（{elapsed:.2f} 秒）。"))
        if added:
            years = "、".join(str(year) for year in added)
            self.stdout.write(f"工作日历：{years}年尚无国务院节假日安排，演示中暂按周一至周五计算（管理后台 → 工作日历）。")
        self.stdout.write("演示账号：manage.py demo_logins")
