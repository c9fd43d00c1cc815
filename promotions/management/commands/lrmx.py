from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from permissions.models import Unit
from promotions.lrmx import LrmxError, export_lrmx, import_lrmx
from records.models import Cadre


class Command(BaseCommand):
    help = "Export a cadre to an .lrmx file (任免审批表), or import an .lrmx file into a unit's cadre records."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        out = sub.add_parser("export")
        out.add_argument("id_number")
        out.add_argument("file")
        out.add_argument("--proposed-post", default="", help="拟任职务")
        out.add_argument("--proposed-removal", default="", help="拟免职务")
        out.add_argument("--reason", default="", help="任免理由")
        out.add_argument("--reporting-unit", default="", help="呈报单位")
        out.add_argument("--filled-by", default="", help="填表人")
        into = sub.add_parser("import")
        into.add_argument("file")
        into.add_argument("--unit", required=True, help="unit code the cadre belongs to")

    def handle(self, *args, action, **options):
        if action == "export":
            cadre = Cadre.objects.filter(id_number=options["id_number"]).first()
            if cadre is None:
                raise CommandError(f"没有身份证号为 {options['id_number']} 的干部")
            case = {key: options[key] for key in ("proposed_post", "proposed_removal", "reason", "reporting_unit", "filled_by")}
            Path(options["file"]).write_bytes(export_lrmx(cadre, **case))
            photo = "with photo" if cadre.photo else "no photo"
            self.stdout.write(f"exported {cadre.name} ({photo}) → {options['file']}")
            return
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"没有代码为 {options['unit']} 的单位")
        try:
            cadre = import_lrmx(Path(options["file"]).read_bytes(), unit=unit)
        except LrmxError as exc:
            raise CommandError(f"未导入：{exc}") from exc
        photo = "with photo" if cadre.photo else "no photo"
        self.stdout.write(f"imported {cadre.name} ({cadre.id_number or '—'}, {photo}) into {unit.name}")
