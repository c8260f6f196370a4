"""Bulk-load mode: rebuild a table's indexes and foreign keys once instead of row by row.

Used while a large load at least doubles a table (typically the first import). Before the
rows go in, the table's non-unique indexes are dropped and, on PostgreSQL, its foreign keys
too (each inserted row would otherwise queue a deferred check, run one row at a time; adding
the constraint back checks all rows in one join). Unique indexes stay: ON CONFLICT needs
them. DDL is transactional on both engines, so a failed import gets all of it back with its
rollback. The drop locks the table until the commit, hence only for loads that dominate it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from dataset.importer.writer import Target

# A load of at least this many rows that also at least doubles its table is a bulk load.
BULK_LOAD_ROWS = 50_000
# PostgreSQL's memory for building an index (default 64MB): more sorts in memory.
MAINTENANCE_WORK_MEM = "256MB"

_INDEXES = {
    "postgresql": "SELECT indexname, indexdef FROM pg_indexes"
    " WHERE schemaname = current_schema() AND tablename = %s",
    "sqlite": "SELECT name, sql FROM sqlite_master"
    " WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
}
_FOREIGN_KEYS = (
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE conrelid = %s::regclass AND contype = 'f'"
)


@contextmanager
def bulk_load(target: Target, incoming: int, existing: int) -> Iterator[None]:
    """Within the block, `target`'s table has no secondary indexes (nor PostgreSQL FKs)."""
    if incoming < BULK_LOAD_ROWS or incoming <= existing:
        yield
        return
    rebuilt = _rebuildable(target.model._meta.db_table)
    _run_pending_checks()
    with connection.cursor() as cursor:
        for drop, _ in rebuilt:
            cursor.execute(drop)
    yield
    _run_pending_checks()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # until the transaction ends
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        for _, create in rebuilt:
            cursor.execute(create)


def _run_pending_checks() -> None:
    """PostgreSQL: run the deferred constraint checks queued so far, then defer again.

    ALTER TABLE and CREATE INDEX refuse a table (or one its keys refer to) with pending
    checks; this is what Django's check_constraints() does.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _rebuildable(table: str) -> list[tuple[str, str]]:
    """(DROP, CREATE) statements: non-unique indexes, then PostgreSQL foreign keys."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(_INDEXES[connection.vendor], [table])
        indexes = [
            (f"DROP INDEX {quote(name)}", create)
            for name, create in cursor.fetchall()
            if not create.upper().startswith("CREATE UNIQUE")
        ]
        if connection.vendor != "postgresql":
            return indexes
        cursor.execute(_FOREIGN_KEYS, [quote(table)])
        alter = f"ALTER TABLE {quote(table)}"
        keys = [
            (
                f"{alter} DROP CONSTRAINT {quote(name)}",
                f"{alter} ADD CONSTRAINT {quote(name)} {definition}",
            )
            for name, definition in cursor.fetchall()
        ]
    return indexes + keys
