from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.deploy import DeployError, deploy_directory


class Command(BaseCommand):
    help = "Parse every BPMN/DMN file in the process folder and store new versions of changed processes."

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=None, help="folder to deploy (default: MERITFLOW_BPMN_DIR)")

    def handle(self, *args, directory=None, **options):
        directory = directory or settings.MERITFLOW_BPMN_DIR
        try:
            result = deploy_directory(directory)
        except DeployError as exc:
            raise CommandError(f"nothing deployed — {exc}") from exc
        for definition in result.created:
            self.stdout.write(f"deployed {definition.process_id} v{definition.version} ({definition.content_hash[:12]})")
        for process_id in result.unchanged:
            self.stdout.write(f"unchanged {process_id}")
        if not result.created and not result.unchanged:
            self.stdout.write(f"no processes found in {directory}")
