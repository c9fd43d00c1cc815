"""manage.py demo_logins — print the demo accounts: username, name, role, unit."""

import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from demo.data import PASSWORD, USERS
from permissions.models import Unit


def width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, size):
    return text + " " * (size - width(text))


class Command(BaseCommand):
    help = "列出演示账号（用户名、姓名、角色、单位）；所有演示账号的密码均为 demo12345。"

    def handle(self, *args, **options):
        users = {
            u.username: u
            for u in get_user_model().objects.filter(username__in=[s.username for s in USERS]).prefetch_related("grants__unit")
        }
        if not users:
            raise CommandError("尚未加载演示数据，请先运行：manage.py load_demo")
        offices = Unit.objects.in_bulk([s.office for s in USERS], field_name="code")
        header = ("用户名", "姓名", "角色", "所在单位", "授权单位", "说明")
        rows = []
        for spec in USERS:
            user = users.get(spec.username)
            if user is None:
                continue
            grants = sorted(user.grants.all(), key=lambda g: (g.unit.path != offices[spec.office].path, g.unit.path))
            roles = "、".join(dict.fromkeys(g.get_role_display() for g in grants))
            granted = "、".join(dict.fromkeys(g.unit.name + ("（含下级）" if g.include_subordinates else "") for g in grants))
            rows.append((user.username, user.get_full_name(), roles, offices[spec.office].name, granted, spec.note))
        sizes = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write(f"演示账号（共 {len(rows)} 个，密码均为 {PASSWORD}）")
        self.stdout.write("  ".join(pad(h, s) for h, s in zip(header, sizes)).rstrip())
        self.stdout.write("  ".join("-" * s for s in sizes))
        for row in rows:
            self.stdout.write("  ".join(pad(c, s) for c, s in zip(row, sizes)).rstrip())
