"""Prepare the document fonts (documents/fonts.py); idempotent, run by scripts/setup."""

from django.core.management.base import BaseCommand

from documents import fonts


class Command(BaseCommand):
    help = "Cut the Noto CJK faces into the small TrueType files the PDF documents use (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
        parser.add_argument("--dir", help="output directory (default: settings.MERITFLOW_FONT_DIR or var/fonts)")
        parser.add_argument("--workers", type=int, help="parallel processes (default: one per face, at most the CPUs)")

    def handle(self, *args, force=False, dir=None, workers=None, **options):
        manifest = fonts.prepare_fonts(dir, force=force, workers=workers, log=self.stdout.write)
        if not manifest["files"]:
            self.stderr.write("no Noto CJK font found: install the Debian package fonts-noto-cjk")
