"""The sales data's version: a number that goes up after every committed write to it.

Dashboards poll `data_version()` to refresh when the data changed, and cached analyses will
carry it in their keys. `bump_data_version()` is called by the signal receivers connected in
`AnalyticsConfig.ready()` (model saves and deletes, the admin, the API) and explicitly by the
writers that bypass signals (the importer's bulk SQL, `bulk_create`).

The increment runs on commit, so no reader sees a version whose data is not yet visible; the
bumps of one transaction coalesce into one, and a rolled-back transaction bumps nothing.
"""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F

from analytics.models import DataVersion

logger = logging.getLogger(__name__)

# The models whose rows make up the sales data: a write to any of them changes the version.
SALES_MODELS = (
    "stores.Store",
    "customers.Customer",
    "products.Product",
    "products.Ingredient",
    "products.ProductIngredient",
    "orders.Order",
    "orders.OrderItem",
)


def data_version() -> int:
    """The current version (0 before the first write). One primary-key lookup; never writes."""
    rows = DataVersion.objects.filter(pk=DataVersion.SINGLETON).values_list("version", flat=True)
    return next(iter(rows), 0)


def bump_data_version(using: str = DEFAULT_DB_ALIAS) -> None:
    """Increment the version when the current transaction commits (at once in autocommit).

    Only one increment is queued per transaction: a pending one already covers this write,
    since a rollback that discards it discards this write too (savepoints nest).
    """
    connection = transaction.get_connection(using)
    pending = (entry[1] for entry in connection.run_on_commit)
    if any(isinstance(bump, PendingBump) and not bump.done for bump in pending):
        return
    # robust: the data is committed by now; a failed increment is logged, not raised at the
    # writer (an admin save must not answer 500 for a write that succeeded).
    transaction.on_commit(PendingBump(), using=using, robust=True)


class PendingBump:
    """The increment queued on commit of one transaction. `done` once it ran: tests run
    on-commit callbacks without a commit (django_capture_on_commit_callbacks), which leaves
    them queued, and a later write must still queue its own."""

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        self.done = True
        _increment()


def _increment() -> None:
    """`version = version + 1` in one UPDATE; creates the row on the first write."""
    if _add_one():
        return
    _, created = DataVersion.objects.get_or_create(
        pk=DataVersion.SINGLETON, defaults={"version": 1}
    )
    if not created:  # another process created the row in between: count this write too
        _add_one()


def _add_one() -> int:
    return DataVersion.objects.filter(pk=DataVersion.SINGLETON).update(version=F("version") + 1)


def bump_on_write(sender, **kwargs) -> None:
    """Receiver for post_save and post_delete of the sales models."""
    bump_data_version(kwargs.get("using") or DEFAULT_DB_ALIAS)


def bump_on_m2m_change(sender, action: str, **kwargs) -> None:
    """Receiver for m2m_changed of a product's ingredients: `add()`, `remove()`, `clear()` and
    `set()` write ProductIngredient rows without saving them one by one."""
    if action.startswith("post_"):
        bump_data_version(kwargs.get("using") or DEFAULT_DB_ALIAS)
