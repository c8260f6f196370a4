from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from orders.models import Order


class Command(BaseCommand):
    help = (
        "On an empty database: generate a demo export and import it. Then create the demo users "
        "that are missing and print the logins. Safe to run on every start."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            help="Where the generated files go (default .demo-data/ in the project).",
        )

    def handle(self, *args, orders: int, seed: int, out: Path | None, **options):
        existing = Order.objects.count()
        if existing:
            self.stdout.write(f"The database holds {existing:,} orders: no demo data loaded.")
        else:
            out = out or settings.BASE_DIR / ".demo-data" / f"orders-{orders}-seed-{seed}"
            if not (out / "orderItems.csv").exists():
                self.stdout.write(f"Generating a demo export of {orders:,} orders in {out} ...")
                call_command("generate_sample_data", orders=orders, seed=seed, out=str(out))
            self.stdout.write(f"Importing {out} ...")
            call_command("import_dataset", str(out))
        call_command("seed_demo", only_missing=True)
        self.stdout.write("Open http://127.0.0.1:8000 and log in with one of the users above.")
