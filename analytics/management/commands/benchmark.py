import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.test.utils import (
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)

from analytics import benchmark

DEFAULT_DATA = settings.BASE_DIR.parent / "shared" / "data" / "pizza-small"


class Command(BaseCommand):
    help = (
        "Import an export into a throw-away test database and time every analysis endpoint "
        "(median of --runs requests, default and one-state-one-year filters). Writes the table "
        "to docs/performance.md under a section for the database engine in use."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Export directory.")
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--out", type=Path, default=settings.BASE_DIR / "docs/performance.md")
        parser.add_argument("--keepdb", action="store_true", help="Reuse the test database.")

    def handle(self, *args, data: Path, runs: int, out: Path, keepdb: bool, **options):
        if not (data / "orders.csv").exists():
            raise CommandError(f"No export at {data} (orders.csv missing).")
        setup_test_environment()
        old = setup_databases(verbosity=0, interactive=False, keepdb=keepdb)
        try:
            body = self._run(data, runs)
        finally:
            teardown_databases(old, verbosity=0, keepdb=keepdb)
            teardown_test_environment()
        engine = (
            "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
        )
        benchmark.write_section(out, engine, body)
        self.stdout.write(body)
        self.stdout.write(f"Written to {out}.")

    def _run(self, data: Path, runs: int) -> str:
        from accounts.models import User
        from customers.models import Customer
        from dataset.importer import import_dataset
        from orders.models import Order, OrderItem
        from stores.models import Store

        start = time.perf_counter()
        import_dataset(data)
        import_s = time.perf_counter() - start
        self.stdout.write(f"Imported {data} in {import_s:.1f} s.")
        user = User.objects.create_user("benchmark", role=User.Role.EXECUTIVE)
        client = Client()
        client.force_login(user)
        timings, filtered = benchmark.time_all(client, runs)
        sizes = {
            "orders": Order.objects.count(),
            "items": OrderItem.objects.count(),
            "customers": Customer.objects.count(),
            "stores": Store.objects.count(),
            "import_s": import_s,
        }
        return benchmark.markdown(timings, filtered, benchmark.machine(), sizes, runs)
