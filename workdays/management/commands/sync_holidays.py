"""Re-copy the official schedule from the chinesecalendar package (e.g. after upgrading it)."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workdays.calendar import is_year_known
from workdays.models import CalendarDay, CalendarYear
from workdays.sync import sync_from_package


class Command(BaseCommand):
    help = _("从 chinesecalendar 软件包同步放假和调休安排到工作日历（手工录入的记录默认保留）。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite-manual",
            action="store_true",
            help=_("软件包覆盖的年份中，删除手工录入的记录，完全以软件包为准。"),
        )

    def handle(self, *args, overwrite_manual=False, **options):
        with transaction.atomic():
            result = sync_from_package(CalendarYear, CalendarDay, overwrite_manual=overwrite_manual)
        self.stdout.write(
            _("已同步 %(first)s—%(last)s 年：新增或变更 %(added)s 条，移除 %(removed)s 条。")
            % {
                "first": result.years[0],
                "last": result.years[-1],
                "added": len(result.added),
                "removed": len(result.removed),
            }
        )
        label = dict(CalendarDay._meta.get_field("kind").flatchoices)
        for day, kind, name in result.added:
            self.stdout.write(f"  + {day.isoformat()} {label.get(kind, kind)} {name}".rstrip())
        for day, kind, name in result.removed:
            self.stdout.write(f"  - {day.isoformat()} {label.get(kind, kind)} {name}".rstrip())
        for day, manual_kind, package_kind in result.conflicts:
            self.stderr.write(
                self.style.WARNING(
                    _("%(date)s：手工录入为“%(manual)s”，软件包为“%(package)s”%(action)s。")
                    % {
                        "date": day.isoformat(),
                        "manual": label.get(manual_kind, manual_kind),
                        "package": label.get(package_kind, _("无调整")),
                        "action": _("，已按软件包覆盖") if overwrite_manual else _("，保留手工录入"),
                    }
                )
            )
        next_year = timezone.localdate().year + 1
        if not is_year_known(next_year):
            self.stderr.write(
                self.style.WARNING(_("工作日历尚无%(year)s年的安排；国务院办公厅通知发布后，请在管理后台录入。") % {"year": next_year})
            )
