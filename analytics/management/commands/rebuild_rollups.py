import time

from django.core.management.base import BaseCommand

from analytics import rollups


class Command(BaseCommand):
    help = "Rebuild every rollup (stored sums) from the base tables, in one transaction."

    def handle(self, *args, **options):
        start = time.perf_counter()
        rollups.rebuild()
        counts = ", ".join(f"{t.name} {t.model.objects.count():,}" for t in rollups.TABLES)
        self.stdout.write(f"Rebuilt the rollups in {time.perf_counter() - start:.1f} s: {counts}.")
