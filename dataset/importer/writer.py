"""Writing rows as one upsert statement shape on both engines.

`INSERT ... ON CONFLICT (key) DO UPDATE SET ... WHERE <the row differs>`: new keys are
inserted, changed rows updated, unchanged rows left alone, nothing deleted. SQLite receives the
rows through `executemany` in batches; PostgreSQL through COPY into a temporary staging table,
then one `INSERT ... SELECT` from it.

Rows hold plain values: text for money and for datetimes (naive UTC, the form Django stores on
SQLite; PostgreSQL reads it `AT TIME ZONE 'UTC'`), so nothing is converted value by value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from tqdm import tqdm

from dataset.importer.bulkload import bulk_load

SQLITE_BATCH = 10_000
SQLITE_CACHE_KIB = 256 * 1024
COPY_PROGRESS_EVERY = 50_000
# Rows written above which PostgreSQL's planner statistics are refreshed (ANALYZE).
ANALYZE_AFTER_ROWS = 10_000


@dataclass(frozen=True)
class Target:
    """A table written by the importer: its rows are `fields` in order, unique on `key`.

    On a conflict the `update` fields are overwritten when they differ; the other non-key
    fields keep their stored value (an order item's unit_price is history).
    """

    label: str
    model: type[models.Model]
    fields: tuple[str, ...]
    key: tuple[str, ...]
    update: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def columns(self, names: Iterable[str]) -> list[str]:
        meta, quote = self.model._meta, connection.ops.quote_name
        return [quote(meta.get_field(name).column) for name in names]  # type: ignore[union-attr]

    def is_datetime(self, name: str) -> bool:
        return self.model._meta.get_field(name).get_internal_type() == "DateTimeField"


@dataclass(frozen=True)
class Written:
    inserted: int
    updated: int


def upsert_sql(target: Target, source: str, *, empty: bool = False) -> str:
    """The upsert statement reading its rows from `source` (VALUES or SELECT).

    Into an `empty` table a plain INSERT: nothing can conflict (the rows' keys are unique),
    and PostgreSQL's speculative insertion would only slow a first import down.
    """
    table, columns = target.table, ", ".join(target.columns(target.fields))
    if empty:
        return f"INSERT INTO {table} ({columns}) {source}"
    action = "DO NOTHING"
    if target.update:
        differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        updated = target.columns(target.update)
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
        changed = " OR ".join(f"{table}.{c} {differs} EXCLUDED.{c}" for c in updated)
        action = f"DO UPDATE SET {assignments} WHERE {changed}"
    key = ", ".join(target.columns(target.key))
    return f"INSERT INTO {table} ({columns}) {source} ON CONFLICT ({key}) {action}"


def upsert(target: Target, rows: Sequence[tuple[Any, ...]], *, progress: bool = False) -> Written:
    """Insert or update `rows` (tuples in `target.fields` order); counts what changed."""
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(
            f"the importer supports SQLite and PostgreSQL, not {connection.vendor}"
        )
    if not rows:
        return Written(0, 0)
    before = _count(target)
    write = _copy_and_upsert if connection.vendor == "postgresql" else _upsert_in_batches
    bar = tqdm(
        total=len(rows),
        desc=f"write {target.label}",
        unit=" rows",
        unit_scale=True,
        disable=not progress,
    )
    with bar, bulk_load(target, len(rows), before):
        changed = write(target, rows, bar, before == 0)
    inserted = _count(target) - before
    return Written(inserted=inserted, updated=changed - inserted)


def _count(target: Target) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {target.table}")
        return cursor.fetchone()[0]


def _upsert_in_batches(
    target: Target, rows: Sequence[tuple[Any, ...]], bar: tqdm, empty: bool
) -> int:
    """SQLite: executemany per batch; returns the rows inserted or updated."""
    values = f"VALUES ({', '.join(['%s'] * len(target.fields))})"
    sql = upsert_sql(target, values, empty=empty)
    changed = 0
    with connection.cursor() as cursor, sqlite_cache():
        for start in range(0, len(rows), SQLITE_BATCH):
            batch = rows[start : start + SQLITE_BATCH]
            cursor.executemany(sql, batch)
            changed += cursor.rowcount
            bar.update(len(batch))
    return changed


@contextmanager
def sqlite_cache() -> Iterator[None]:
    """SQLite: a larger page cache for the duration of a write (a connection setting,
    restored); nothing elsewhere."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _copy_and_upsert(
    target: Target, rows: Sequence[tuple[Any, ...]], bar: tqdm, empty: bool
) -> int:
    """PostgreSQL: COPY into a temporary staging table, then one upsert from it.

    The staging table has the target's column types, except that datetimes are `timestamp`
    (naive): the rows carry naive UTC text, turned into instants with AT TIME ZONE 'UTC'.
    """
    staging = connection.ops.quote_name(f"import_{target.model._meta.db_table}")
    columns = target.columns(target.fields)
    moments = {c for c, f in zip(columns, target.fields, strict=True) if target.is_datetime(f)}
    as_naive = [f"{c} AT TIME ZONE 'UTC' AS {c}" if c in moments else c for c in columns]
    as_aware = [f"{c} AT TIME ZONE 'UTC'" if c in moments else c for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} AS"
            f" SELECT {', '.join(as_naive)} FROM {target.table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {staging} ({', '.join(columns)}) FROM STDIN") as copy:
            for count, row in enumerate(rows, 1):
                copy.write_row(row)
                if count % COPY_PROGRESS_EVERY == 0:
                    bar.update(COPY_PROGRESS_EVERY)
        bar.update(len(rows) % COPY_PROGRESS_EVERY)
        source = f"SELECT {', '.join(as_aware)} FROM {staging}"
        cursor.execute(upsert_sql(target, source, empty=empty))
        changed = cursor.rowcount
        cursor.execute(f"DROP TABLE pg_temp.{staging}")
    return changed


def reset_sequences(models_with_ids: Sequence[type[models.Model]]) -> None:
    """PostgreSQL: move id sequences past imported ids so new rows get fresh ones."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_with_ids)):
            cursor.execute(sql)


def analyze(targets: Sequence[Target], rows_written: int) -> None:
    """PostgreSQL: refresh planner statistics after a large import."""
    if connection.vendor != "postgresql" or rows_written < ANALYZE_AFTER_ROWS:
        return
    with connection.cursor() as cursor:
        for target in targets:
            cursor.execute(f"ANALYZE {target.table}")
