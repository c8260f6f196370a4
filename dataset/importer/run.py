"""`import_dataset`: validate a whole export, then upsert it in one transaction."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from analytics import rollups
from analytics.version import bump_data_version
from customers.models import Customer
from dataset.importer.checks import check_orders, recipe_text_disagreements
from dataset.importer.derive import customer_rows, refreshed_customers, store_locations
from dataset.importer.errors import ErrorLog, ImportFailed, RowError
from dataset.importer.files import Export, ExportReader
from dataset.importer.report import SAMPLE_SIZE, ImportReport
from dataset.importer.writer import Target, analyze, reset_sequences, sqlite_cache, upsert
from orders.models import Order, OrderItem
from products.models import Ingredient, Product, ProductIngredient
from stores.models import Store


def _target(
    label: str, model: Any, fields: tuple[str, ...], key: tuple[str, ...] = ("id",)
) -> Target:
    """A table whose non-key fields are all updated on conflict."""
    return Target(label, model, fields, key, tuple(f for f in fields if f not in key))


# In write order: referenced tables first.
INGREDIENTS = _target("ingredients", Ingredient, ("id", "name"))
STORES = _target(
    "stores",
    Store,
    ("id", "zipcode", "city", "state", "state_abbr", "latitude", "longitude", "distance"),
)
PRODUCTS = _target("products", Product, ("id", "name", "price", "category", "size", "launch_date"))
PRODUCT_INGREDIENTS = Target(
    "product_ingredients", ProductIngredient, ("product", "ingredient"), ("product", "ingredient")
)
CUSTOMERS = _target(
    "customers",
    Customer,
    (
        "id",
        "latitude",
        "longitude",
        "nearest_store",
        "nearest_store_km",
        "city",
        "state_abbr",
        "zipcode",
    ),
)
ORDERS = _target("orders", Order, ("id", "customer", "store", "ordered_at", "n_items", "total"))
# An existing item keeps its unit_price (the price when it was recorded): only quantity moves.
ORDER_ITEMS = Target(
    "order_items",
    OrderItem,
    ("order", "product", "quantity", "unit_price"),
    ("order", "product"),
    ("quantity",),
)
TARGETS = (INGREDIENTS, STORES, PRODUCTS, PRODUCT_INGREDIENTS, CUSTOMERS, ORDERS, ORDER_ITEMS)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of rows are built.

    The rows hold no cycles, and every collection would walk all of them: reading 2.3M
    item rows takes twice as long with the collector on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _timed(report: ImportReport, step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        report.seconds[step] = report.seconds.get(step, 0.0) + time.perf_counter() - start


def read_export(directory: Path, *, progress: bool = False) -> Export:
    """Read and validate every file; raise ImportFailed listing all problems, if any."""
    if not directory.is_dir():
        raise ImportFailed([RowError(str(directory), None, "directory not found")])
    log = ErrorLog()
    export = ExportReader(
        directory, ZoneInfo(settings.EXPORT_TIME_ZONE), log, progress=progress
    ).read()
    log.fail_if_any()
    return export


def _rows_by_target(export: Export) -> dict[Target, list[tuple[Any, ...]]]:
    stores, moved = store_locations(export.stores)
    customers = customer_rows(export.customers, stores)
    if moved:
        customers += refreshed_customers({row[0] for row in export.customers}, stores)
    return {
        INGREDIENTS: export.ingredients,
        STORES: export.stores,
        PRODUCTS: export.products,
        PRODUCT_INGREDIENTS: export.product_ingredients,
        CUSTOMERS: customers,
        ORDERS: export.orders,
        ORDER_ITEMS: export.items,
    }


def _write(rows: dict[Target, list[tuple[Any, ...]]], report: ImportReport, progress: bool) -> None:
    for target, table_rows in rows.items():
        with _timed(report, f"write {target.label}"):
            written = upsert(target, table_rows, progress=progress)
        report.inserted[target.label] = written.inserted
        report.updated[target.label] = written.updated


def _check(export: Export, report: ImportReport) -> None:
    orders = check_orders({row[0] for row in export.orders})
    report.mismatched_orders = len(orders.mismatched)
    report.mismatched_order_ids = orders.mismatched[:SAMPLE_SIZE]
    report.orders_without_items = len(orders.without_items)
    report.orders_without_items_ids = orders.without_items[:SAMPLE_SIZE]
    skus = recipe_text_disagreements(export.ingredient_text)
    report.recipe_text_mismatches = len(skus)
    report.recipe_text_mismatch_skus = skus[:SAMPLE_SIZE]


def _import(directory: Path, report: ImportReport, progress: bool) -> ImportReport:
    with _timed(report, "read"):
        export = read_export(directory, progress=progress)
    report.rows_read = dict(export.rows_read)
    with _timed(report, "derive"):
        rows = _rows_by_target(export)
    with transaction.atomic():
        rollups.allow_parallel_workers()  # for the checks and the rollups over every row
        _write(rows, report, progress)
        with _timed(report, "check"):
            _check(export, report)
        with _timed(report, "rollups"), sqlite_cache():
            rollups.rebuild()
        reset_sequences([Order])
        # COPY and raw SQL send no signals; on commit only, so a failed import bumps nothing.
        if any(report.inserted.values()) or any(report.updated.values()):
            bump_data_version()
        committing = time.perf_counter()
    report.seconds["commit"] = time.perf_counter() - committing
    with _timed(report, "analyze"):
        analyze(TARGETS, sum(report.inserted.values()) + sum(report.updated.values()))
    return report


def import_dataset(directory: Path | str, *, progress: bool = False) -> ImportReport:
    """Import (upsert) the export in `directory`: all of it, or nothing when any row is bad.

    Raises ImportFailed, listing every rejected row, before anything is written. Running it
    again with the same files changes nothing. `progress` shows tqdm bars on long steps.
    """
    directory = Path(directory)
    report = ImportReport(directory=directory)
    with _gc_paused():
        return _import(directory, report, progress)
