import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataset.importer import ImportFailed, import_dataset

ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import (upsert) an export directory: stores.csv, customers.csv, products.csv, "
        "ingredients.csv, productingredients.csv, orders.csv, orderItems.csv. Every row is "
        "validated first; any bad row rejects the whole import and nothing is written."
    )
    # The system checks build every Dash app (2 s at start-up) and judge nothing an import
    # needs; `migrate`, which must run before it, runs them.
    requires_system_checks = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("directory", type=Path, help="The directory holding the CSV files.")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show progress bars (default: when the output is a terminal).",
        )
        parser.add_argument(
            "--timings",
            type=Path,
            help="Also write the seconds of each step to this JSON file (the benchmark reads it).",
        )

    def handle(
        self, *args, directory: Path, progress: bool | None, timings: Path | None, **options
    ) -> None:
        if progress is None:
            progress = self.stdout.isatty()
        try:
            report = import_dataset(directory, progress=progress)
        except ImportFailed as failure:
            raise CommandError(failure.describe(limit=ERRORS_SHOWN)) from None
        self.stdout.write(report.summary())
        if timings is not None:
            timings.write_text(json.dumps(report.seconds))
