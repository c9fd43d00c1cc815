"""Walk every hash chain (workflows.chain): each case's history and documents, each issuer's
documents without a case. Prints the first broken link of each broken chain — which row, and
what differs: content changed, link broken, PDF not matching its recorded hash, head not
matching — and exits with status 1 when anything is broken."""

from django.core.management.base import BaseCommand, CommandError

from workflows import chain


class Command(BaseCommand):
    help = "Verify the hash chains of the case history and the issued documents; exit 1 when any is broken."

    def add_arguments(self, parser):
        parser.add_argument("--heads", action="store_true", help="also print every chain's head (key, length, last hash) to keep elsewhere")

    def handle(self, *args, heads=False, **options):
        checked = broken = 0
        for _key, problem in chain.verify_all():
            checked += 1
            if problem is not None:
                broken += 1
                self.stdout.write(f"BROKEN {problem}")
        if heads:
            for key, length, last_hash in chain.heads():
                self.stdout.write(f"head {key} {length} {last_hash}")
        if broken:
            raise CommandError(f"{broken} of {checked} chains broken", returncode=1)
        self.stdout.write(f"OK: {checked} chains verified")
