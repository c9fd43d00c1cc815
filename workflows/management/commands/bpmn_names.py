"""manage.py bpmn_names — write workflows/bpmn_names.py, the diagrams' names marked for translation."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows import names

MODULE = Path(names.__file__).with_name("bpmn_names.py")


class Command(BaseCommand):
    help = (
        "List every process and step name of the BPMN diagrams in workflows/bpmn_names.py (gettext_noop), "
        "so makemessages puts them in the catalogue; --check only reports whether the list is current."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the list is not current")
        parser.add_argument("--bpmn-dir", help="default: settings.MERITFLOW_BPMN_DIR")

    def handle(self, *args, check=False, bpmn_dir=None, **options):
        bpmn_dir = Path(bpmn_dir or settings.MERITFLOW_BPMN_DIR)
        wanted = names.render_module(bpmn_dir)
        current = MODULE.read_text() if MODULE.exists() else ""
        if current == wanted:
            self.stdout.write(f"{MODULE.name} is current")
            return
        if check:
            raise CommandError(f"{MODULE} is not current: run manage.py bpmn_names, then makemessages")
        MODULE.write_text(wanted)
        self.stdout.write(f"wrote {MODULE} — now run makemessages and translate the new names in locale/en")
