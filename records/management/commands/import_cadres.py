"""``manage.py import_cadres 干部.xlsx [--assessments | --kind health_checks|trainings|post_history] [--dry-run]``
and ``--template out.xlsx``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from records.importing import ASSESSMENTS, CADRES, IMPORTERS, RECORD_KINDS, build_template


class Command(BaseCommand):
    help = _("从Excel导入干部信息（及其年度考核结果）；任一行有错误则不导入任何数据")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help=_("要导入的 .xlsx 文件"))
        parser.add_argument("--assessments", action="store_true", help=_("文件是年度考核结果（身份证号、年度、考核等次）"))
        parser.add_argument("--kind", choices=RECORD_KINDS, help=_("文件是健康体检、教育培训或任职经历（《规则手册》第10节）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只校验，不写入数据库"))
        parser.add_argument("--template", metavar="OUT.xlsx", help=_("写出空白导入模板后退出"))

    def handle(self, *args, **options):
        kind = options["kind"] or (ASSESSMENTS if options["assessments"] else CADRES)
        if options["template"]:
            Path(options["template"]).write_bytes(build_template(kind))
            self.stdout.write(_("已写出导入模板：%(path)s") % {"path": options["template"]})
            return
        if not options["file"]:
            raise CommandError(_("请指定要导入的 .xlsx 文件，或用 --template 写出空白模板"))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        report = IMPORTERS[kind](path, dry_run=options["dry_run"])
        for line in report.lines()[1:]:
            self.stdout.write(line)
        if not report.ok:
            # Non-zero exit status so scripts notice that nothing was imported.
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
