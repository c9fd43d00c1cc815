"""manage.py load_demo — load the demo data set (see demo/data.py); safe to run again."""

import time

from django.core.management.base import BaseCommand

from demo.data import DEMO_VERSION
from demo.loader import load


class Command(BaseCommand):
    help = "加载演示数据：河南省—平顶山市单位树、各角色演示账号（密码 demo12345）、约300名干部档案。可重复运行，已是最新时不做改动。"

    def handle(self, *args, **options):
        started = time.monotonic()
        stats = load()
        elapsed = time.monotonic() - started
        if options["verbosity"] < 1:
            return
        if stats.changed:
            for line in stats.lines():
                self.stdout.write(f"  {line}")
            self.stdout.write(self.style.SUCCESS(f"演示数据（第{DEMO_VERSION}版）已加载，用时 {elapsed:.1f} 秒。"))
        else:
            self.stdout.write(self.style.SUCCESS(f"演示数据（第{DEMO_VERSION}版）已是最新，无需改动（{elapsed:.2f} 秒）。"))
        self.stdout.write("演示账号：manage.py demo_logins")
