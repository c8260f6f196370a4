"""`manage.py generate_sample_data --orders N --seed S --out DIR`: write a generated export."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dataset.generator import GeneratorConfig, generate


class Command(BaseCommand):
    help = (
        "Write a realistic generated export (the seven CSV files, in the chain's exact format) "
        "into --out. Same arguments, same bytes. Load it with the importer. The realism "
        "parameters and their defaults are documented in dataset/generator/__init__.py."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, required=True, help="Orders to generate.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--out", type=Path, required=True, help="Directory for the files.")
        parser.add_argument(
            "--start",
            type=date.fromisoformat,
            default=date(2020, 1, 1),
            help="First local day of orders, YYYY-MM-DD (default 2020-01-01).",
        )
        parser.add_argument("--years", type=int, default=3, help="Years of orders (default 3).")
        parser.add_argument("--stores", type=int, default=32, help="Stores (default 32).")
        parser.add_argument(
            "--customers",
            type=int,
            default=None,
            help="Customers (default min(35000, max(200, orders // 12))).",
        )
        parser.add_argument(
            "--growth", type=float, default=0.20, help="Annual order growth (default 0.20)."
        )
        parser.add_argument(
            "--mismatch-rate",
            type=float,
            default=0.0,
            help="Share of orders whose total disagrees with their items (default 0).",
        )
        parser.add_argument(
            "--progress", action="store_true", help="Show progress bars even off a terminal."
        )

    def handle(self, *args, **options) -> None:
        config = self.config_from(options)
        started = time.perf_counter()
        progress = options["progress"] or sys.stderr.isatty()
        summary = generate(config, options["out"], progress=progress)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Wrote {summary.orders:,} orders ({summary.items:,} items, "
            f"{summary.mismatched:,} with a wrong total), {summary.customers:,} customers, "
            f"{summary.stores} stores, {summary.products} products to {options['out']} "
            f"in {seconds:.1f} s; revenue ${summary.revenue_cents / 100:,.2f}."
        )

    @staticmethod
    def config_from(options: dict) -> GeneratorConfig:
        """The generator config for the command's options; bad values are a CommandError."""
        try:
            return GeneratorConfig(
                orders=options["orders"],
                seed=options["seed"],
                start=options["start"],
                years=options["years"],
                stores=options["stores"],
                customers=options["customers"],
                annual_growth=options["growth"],
                mismatch_rate=options["mismatch_rate"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
