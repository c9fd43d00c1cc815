"""Prepare the document fonts (documents/fonts.py); idempotent, run by scripts/setup."""

from django.core.management.base import BaseCommand

from documents import fonts


class Command(BaseCommand):
    help = (
        "Cut the free faces of the document styles (Noto CJK, LXGW WenKai) into the small TrueType "
        "files the PDF documents use; a face is rebuilt only when its source changed (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
        parser.add_argument("--dir", help="output directory (default: settings.MERITFLOW_FONT_DIR or var/fonts)")
        parser.add_argument("--workers", type=int, help="parallel processes (default: one per face, at most the CPUs)")

    def handle(self, *args, force=False, dir=None, workers=None, **options):
        manifest = fonts.prepare_fonts(dir, force=force, workers=workers, log=self._progress)
        prepared = set(manifest.get("faces", {}))
        missing = sorted({face.package for face in fonts.FACES if face.key not in prepared})
        if missing:
            self.stderr.write(
                "faces not installed, the documents fall back to other fonts: install the Debian package(s) " + " ".join(missing)
            )

    def _progress(self, line):
        """One line per step, written at once (also when stdout is a pipe or a log file)."""
        self.stdout.write(line)
        self.stdout.flush()
