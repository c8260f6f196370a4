import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings
from django.test.utils import (
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)

from analytics import benchmark, benchmark_dash

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
        parser.add_argument(
            "--no-browser", action="store_true", help="Skip the first paints in Chromium."
        )

    def handle(self, *args, data: Path, runs: int, out: Path, keepdb: bool, **options):
        self.browser = not options["no_browser"]
        if not (data / "orders.csv").exists():
            raise CommandError(f"No export at {data} (orders.csv missing).")
        setup_test_environment()
        old = setup_databases(verbosity=0, interactive=False, keepdb=keepdb)
        try:
            # The live server for the browser speaks plain HTTP on 127.0.0.1 and serves static
            # files from the finders (no collectstatic, so no manifest of hashed names).
            plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
            with override_settings(
                STORAGES={**settings.STORAGES, "staticfiles": plain},
                SECURE_SSL_REDIRECT=False,
                SESSION_COOKIE_SECURE=False,
                CSRF_COOKIE_SECURE=False,
                ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "127.0.0.1", "testserver"],
            ):
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
        password = secrets.token_urlsafe(16)
        user = User.objects.create_user("benchmark", password=password, role=User.Role.EXECUTIVE)
        client = Client()
        client.force_login(user)
        timings, filtered = benchmark.time_all(client, runs)
        dashboards = self._dashboards(client, password, runs)
        sizes = {
            "orders": Order.objects.count(),
            "items": OrderItem.objects.count(),
            "customers": Customer.objects.count(),
            "stores": Store.objects.count(),
            "import_s": import_s,
        }
        return benchmark.markdown(timings, filtered, benchmark.machine(), sizes, runs) + dashboards

    def _dashboards(self, client: Client, password: str, runs: int) -> str:
        paths = benchmark_dash.page_paths()
        pages = [benchmark_dash.time_page(client, path, runs) for path in paths]
        if self.browser:
            paints = benchmark_dash.first_paints(paths, "benchmark", password, runs)
            if not paints:
                self.stdout.write("Chromium or Playwright missing: no first paints.")
            for page in pages:
                page.first_paint_ms, page.cached_first_paint_ms = paints.get(
                    page.path, (None, None)
                )
        return benchmark_dash.markdown(pages, runs)
