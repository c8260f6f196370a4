import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.test import Client, override_settings
from django.test.utils import (
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)

from analytics import benchmark, benchmark_dash


class Command(BaseCommand):
    help = (
        "Generate an export (--orders, default 1,000,000) or take one (--data), import it into "
        "a throw-away test database timing each step, then time every analysis endpoint "
        "(median of --runs requests, uncached and cached, default and one-state-one-year "
        "filters) beside hand-written SQL on the base tables, every dashboard page and its "
        "callbacks, and the admin changelists. Writes the tables and the targets met or "
        "missed to docs/performance.md under a section for the database engine in use."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--orders",
            type=int,
            default=1_000_000,
            help="Orders to generate (default 1,000,000; seed 7) when --data is not given.",
        )
        parser.add_argument("--data", type=Path, help="An export directory to import instead.")
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--out", type=Path, default=settings.BASE_DIR / "docs/performance.md")
        parser.add_argument("--keepdb", action="store_true", help="Reuse the test database.")
        parser.add_argument(
            "--no-browser", action="store_true", help="Skip the first paints in Chromium."
        )

    def handle(self, *args, orders: int, data: Path | None, runs: int, out: Path, **options):
        self.browser = not options["no_browser"]
        self.out = out
        if runs < 1 or orders < 1:
            raise CommandError("--runs and --orders must be at least 1.")
        with tempfile.TemporaryDirectory(prefix="slice-bench-") as scratch:
            self.generate_s = None
            if data is None:
                data = Path(scratch) / "export"
                self.generate_s = self._generate(orders, data)
            if not (data / "orders.csv").exists():
                raise CommandError(f"No export at {data} (orders.csv missing).")
            body = self._in_test_database(data, runs, options["keepdb"], Path(scratch))
        engine = (
            "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
        )
        benchmark.write_section(out, f"{engine}:{self.orders}", body)
        self.stdout.write(body)
        self.stdout.write(f"Written to {out}.")

    def _generate(self, orders: int, directory: Path) -> float:
        """The generator in its own process, so its memory is not the web process's."""
        start = time.perf_counter()
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "generate_sample_data"]
        command += ["--orders", str(orders), "--seed", "7", "--out", str(directory)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CommandError(f"Generating {orders:,} orders failed: {done.stderr.strip()}")
        self.stdout.write(done.stdout.strip())
        return time.perf_counter() - start

    def _in_test_database(self, data: Path, runs: int, keepdb: bool, scratch: Path) -> str:
        setup_test_environment(debug=False)  # DEBUG off: no query log, as in production
        default = connections["default"].settings_dict
        if default["ENGINE"].endswith("sqlite3"):
            # A file, not memory: the importer runs in its own process and writes to it.
            default["TEST"] = {**default.get("TEST", {}), "NAME": str(scratch / "bench.sqlite3")}
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
                return self._run(data, runs)
        finally:
            teardown_databases(old, verbosity=0, keepdb=keepdb)
            teardown_test_environment()

    def _run(self, data: Path, runs: int) -> str:
        from accounts.models import User
        from customers.models import Customer
        from orders.models import Order, OrderItem
        from stores.models import Store

        import_s, steps = self._import(data)
        # This process is the web tier (the import ran in its own): its peak memory from now.
        reset = benchmark.reset_peak_rss()
        password = secrets.token_urlsafe(16)
        user = User.objects.create_user("benchmark", password=password, role=User.Role.EXECUTIVE)
        client = Client()
        client.force_login(user)
        timings, filtered = benchmark.time_all(client, runs)
        self.stdout.write(f"Timed {len(timings)} analyses.")
        pages = self._dashboards(client, password, runs)
        admin = User.objects.create_superuser("benchmark-admin", password=password)
        admin_client = Client()
        admin_client.force_login(admin)
        changelists = benchmark.time_admin(admin_client, runs)
        peak_mb = benchmark.peak_rss_mb()
        self.orders = Order.objects.count()
        sizes = {
            "orders": self.orders,
            "items": OrderItem.objects.count(),
            "customers": Customer.objects.count(),
            "stores": Store.objects.count(),
            "import_s": import_s,
            "import_steps": steps,
            "generate_s": self.generate_s,
        }
        engine = (
            "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
        )
        baseline = benchmark.uncached_medians(self.out, f"{engine}:{benchmark.GROWTH_BASE}")
        rows = benchmark.targets(timings, pages, changelists, sizes, engine, peak_mb, baseline)
        memory = (
            "\nPeak resident memory of this process (the web tier; the generator and the "
            f"importer ran in their own) through the run: {peak_mb:.0f} MiB"
            + ("." if reset else " (since the process started: no VmHWM reset here).")
            + "\n"
        )
        return (
            benchmark.markdown(timings, filtered, benchmark.machine(), sizes, runs)
            + benchmark_dash.markdown(pages, runs)
            + benchmark.admin_markdown(changelists, runs)
            + memory
            + benchmark.targets_markdown(rows)
        )

    def _import(self, data: Path) -> tuple[float, dict[str, float]]:
        """`manage.py import_dataset` into the test database, in its own process as a user
        runs it: (wall seconds of the command, seconds per step)."""
        db = connections["default"].settings_dict
        if db["ENGINE"].endswith("sqlite3"):
            url = f"sqlite:///{db['NAME']}"
        else:
            auth = db["USER"] + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
            url = f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        timings = data.parent / "import-timings.json"
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "import_dataset"]
        command += [str(data), "--no-progress", "--timings", str(timings)]
        connections.close_all()  # SQLite: let the importer take the write lock
        start = time.perf_counter()
        done = subprocess.run(
            command, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True
        )
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise CommandError(f"Importing {data} failed: {done.stderr.strip()}")
        self.stdout.write(done.stdout.strip())
        return wall, json.loads(timings.read_text())

    def _dashboards(self, client: Client, password: str, runs: int) -> list:
        paths = benchmark_dash.page_paths()
        pages = [benchmark_dash.time_page(client, path, runs) for path in paths]
        self.stdout.write(f"Timed {len(pages)} dashboard pages.")
        if self.browser:
            paints = benchmark_dash.first_paints(paths, "benchmark", password, runs)
            if not paints:
                self.stdout.write("Chromium or Playwright missing: no first paints.")
            for page in pages:
                page.first_paint_ms, page.cached_first_paint_ms = paints.get(
                    page.path, (None, None)
                )
        return pages
