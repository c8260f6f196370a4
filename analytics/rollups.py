"""Rollups: stored sums of the base tables, kept exact, that analyses read instead of scanning
millions of orders.

Five tables (analytics.models): `StoreSales` (per store), `ItemSales` (per store and product
group: one product, a category or a size), `CustomerSales` (per store and customer),
`PairSales` (per store and pair of products bought in one order) and `HourSales` (per store
and local hour of day), each at four grains: local day (D), month (M), year (Y) and all time
(A); PairSales and HourSales from months up. The finest rows are summed from the base tables;
every coarser grain is summed from the grain below it, so all of them always agree.

Kept exact by:
- `rebuild()`: every row again, in one pass per grain (the importer, `manage.py
  rebuild_rollups`);
- `refresh()`: the rows of the (store, day) and (store, customer, day) keys a write touched,
  again
  (the signal receivers below, for every ORM save and delete of an order or item, and the order
  service after its `bulk_create`). Product edits that move a product between categories or
  sizes rebuild the item rollup.

A date range becomes a few row ranges (`spans`): whole years from Y rows, whole months from M
rows, the days at either edge from D rows, and no range at all from the A rows.

Until a first rebuild (`RollupState.built`), analyses read the base tables and writes maintain
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from analytics.models import (
    CustomerCounts,
    CustomerSales,
    CustomerTotals,
    Grain,
    HourSales,
    ItemSales,
    PairSales,
    RollupState,
    StoreSales,
)

ALL_TIME = dt.date(1970, 1, 1)  # the period of A rows; also the earliest local day supported
NO_END = dt.date(2101, 1, 1)  # an open date range ends before this day
COARSER = {Grain.DAY: Grain.MONTH, Grain.MONTH: Grain.YEAR, Grain.YEAR: Grain.ALL}
ORDER = (Grain.DAY, Grain.MONTH, Grain.YEAR, Grain.ALL)  # finest first
REBUILD_WORK_MEM = "256MB"  # PostgreSQL's memory per sort or hash while rebuilding (default 4MB)


# --- what the tables hold ------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A rollup table: its key columns besides grain and period, and its measures with how two
    rows combine (SQL aggregate)."""

    model: type
    dims: tuple[str, ...]
    measures: tuple[tuple[str, str], ...]
    finest: str = Grain.DAY  # the grain summed from the base tables; coarser ones from it

    @property
    def name(self) -> str:
        return self.model._meta.db_table


STORE = Table(StoreSales, ("store_id",), (("orders", "SUM"), ("revenue", "SUM"), ("items", "SUM")))
ITEM = Table(
    ItemSales,
    ("store_id", "kind", "value"),
    (("orders", "SUM"), ("quantity", "SUM"), ("revenue", "SUM")),
)
CUSTOMER = Table(
    CustomerSales,
    ("store_id", "customer_id"),
    (
        ("orders", "SUM"),
        ("revenue", "SUM"),
        ("items", "SUM"),
        ("first_day", "MIN"),
        ("last_day", "MAX"),
        # Of the pair, the same in every row of it (pair_fields): the maximum is that value.
        ("km", "MAX"),
        ("home", "MAX"),
    ),
)
# Pairs from months up: per day they would be as many rows as the items themselves (a store's
# day holds a few dozen orders), so the days at a range's edges come from the base tables.
PAIR = Table(PairSales, ("store_id", "kind", "a", "b"), (("orders", "SUM"),), Grain.MONTH)
# Hours of the day from months up, as pairs: per day, a dozen rows per store and day.
HOUR = Table(
    HourSales,
    ("store_id", "hour"),
    (("orders", "SUM"), ("revenue", "SUM"), ("items", "SUM")),
    Grain.MONTH,
)
TABLES = (STORE, ITEM, CUSTOMER, PAIR, HOUR)
OF_ITEMS = (ITEM, PAIR)  # the tables summed from order items: a write to an item refreshes them
PAIR_KINDS = {"sku": "product_id", "name": "name"}  # PairSales' kind: the lines' column paired
ITEM_KINDS = {"sku": "product_id", "category": "product__category", "size": "product__size"}
ALL_ITEMS = ("all", "")  # ItemSales' (kind, value) of every item, whatever its product


def _day(path: str, grain: str = Grain.DAY):
    from analytics.services.base import trunc  # base imports the models this module serves

    return trunc({Grain.DAY: "day", Grain.MONTH: "month"}[grain], path)


def _day_rows(table: Table, orders: Q) -> list[tuple[str, list]]:
    """SELECTs (SQL, params) of rows of the table's finest grain (D, for PAIR M), columns in
    `_columns(table)` order, from the base tables for the orders matching `orders` (a Q on
    Order)."""
    from orders.models import Order

    if table is STORE:
        qs = Order.objects.filter(orders).order_by()
        qs = qs.annotate(k_store_id=F("store_id"), k_period=_day("ordered_at"))
        qs = qs.values("k_store_id", "k_period").annotate(
            m_orders=Count("id"), m_revenue=Sum("total"), m_items=Sum("n_items")
        )
        return [_select(qs, "b.k_store_id, b.k_period, b.m_orders, b.m_revenue, b.m_items")]
    if table is CUSTOMER:
        qs = Order.objects.filter(orders).order_by()
        qs = qs.annotate(
            k_store_id=F("store_id"), k_customer_id=F("customer_id"), k_period=_day("ordered_at")
        )
        qs = qs.values("k_store_id", "k_customer_id", "k_period").annotate(
            m_orders=Count("id"),
            m_revenue=Sum("total"),
            m_items=Sum("n_items"),
            **{f"m_{name}": Max(expr) for name, expr in pair_fields().items()},
        )
        picked = "b.k_store_id, b.k_customer_id, b.k_period, b.m_orders, b.m_revenue, b.m_items"
        return [_select(qs, f"{picked}, b.k_period, b.k_period, b.m_km, b.m_home")]
    if table is HOUR:
        from analytics.services.base import LocalExtract

        qs = Order.objects.filter(orders).order_by()
        qs = qs.annotate(
            k_store_id=F("store_id"),
            k_hour=LocalExtract("ordered_at", "hour"),
            k_period=_day("ordered_at", Grain.MONTH),
        )
        qs = qs.values("k_store_id", "k_hour", "k_period").annotate(
            m_orders=Count("id"), m_revenue=Sum("total"), m_items=Sum("n_items")
        )
        picked = "b.k_store_id, b.k_hour, b.k_period, b.m_orders, b.m_revenue, b.m_items"
        return [_select(qs, picked)]
    sql, params = _lines(orders).query.sql_with_params()
    return [(sql, list(params))]  # the lines, summed by _insert_days (ITEM and PAIR)


def pair_fields(customer=None, store=None) -> dict:
    """CustomerSales' `km` and `home` (of the store and customer pair) as expressions over an
    order, or with the `customer` and `store` querysets (correlated to a CustomerSales row)
    over the row. The customer first in the distance, as the analyses over orders compute it,
    so the stored floats equal theirs."""
    from analytics.services.base import distance_km

    if customer is None:
        at = ("customer__latitude", "customer__longitude", "store__latitude", "store__longitude")
        nearest = Q(customer__nearest_store_id=F("store_id"))
    else:
        customer = customer.filter(pk=OuterRef("customer_id"))
        store = store.filter(pk=OuterRef("store_id"))
        at = (
            *(Subquery(customer.values(f)) for f in ("latitude", "longitude")),
            *(Subquery(store.values(f)) for f in ("latitude", "longitude")),
        )
        nearest = Exists(customer.filter(nearest_store_id=OuterRef("store_id")))
    return {"km": distance_km(*at), "home": Case(When(nearest, then=Value(1)), default=Value(0))}


def set_pair_fields(rows: QuerySet, customer: QuerySet, store: QuerySet) -> None:
    """`km` and `home` of the CustomerSales `rows` again from their customers and stores."""
    rows.update(**pair_fields(customer, store))


LINES = "rollup_lines"  # a temporary table: one row per item with its order's store and day
LINE_COLUMNS = ("store_id", "period", "order_id", "product_id", "name", "category", "size")


def _lines(orders: Q) -> QuerySet:
    """The items of the orders matching `orders`, each with its store, local day, product
    group and line revenue (columns LINE_COLUMNS, then quantity and revenue)."""
    from analytics.services.base import LINE_TOTAL
    from orders.models import OrderItem

    items = OrderItem.objects.filter(_prefixed(orders, "order__")).order_by()
    return items.annotate(
        k_store_id=F("order__store_id"),
        k_period=_day("order__ordered_at"),
        k_order_id=F("order_id"),
        k_product_id=F("product_id"),
        k_name=F("product__name"),
        k_category=F("product__category"),
        k_size=F("product__size"),
        k_quantity=F("quantity"),
        k_revenue=LINE_TOTAL,
    ).values(*(f"k_{c}" for c in (*LINE_COLUMNS, "quantity", "revenue")))


def _item_day_rows() -> list[str]:
    """SELECTs of ITEM's D rows from the lines table. (order, product) is unique: a product's
    lines count its orders; for a category or size, one row per order and group first."""
    out = [
        f"SELECT store_id, 'sku', product_id, period, COUNT(*), SUM(quantity), SUM(revenue)"
        f" FROM {LINES} GROUP BY store_id, product_id, period",
        # Every item of the day's orders (kind "all", value ""): the orders holding any item,
        # counted as groups of a hash aggregate (COUNT(DISTINCT) sorts every line).
        f"SELECT store_id, '{ALL_ITEMS[0]}', '{ALL_ITEMS[1]}', period, COUNT(*), SUM(quantity),"
        f" SUM(revenue) FROM (SELECT store_id, period, order_id, SUM(quantity) AS quantity,"
        f" SUM(revenue) AS revenue FROM {LINES} GROUP BY store_id, period, order_id) o"
        f" GROUP BY store_id, period",
    ]
    for kind in ("category", "size"):
        per_order = (
            f"SELECT store_id, period, order_id, {kind}, SUM(quantity) AS quantity,"
            f" SUM(revenue) AS revenue FROM {LINES} GROUP BY store_id, period, order_id, {kind}"
        )
        out.append(
            f"SELECT store_id, '{kind}', {kind}, period, COUNT(*), SUM(quantity), SUM(revenue)"
            f" FROM ({per_order}) o GROUP BY store_id, {kind}, period"
        )
    return out


PAIRED = "rollup_paired"  # a temporary table: the (order, key) pairs of one PairSales kind


def _pair_day_rows(kind: str) -> list[str]:
    """SELECTs of PAIR's D rows of `kind` from the table PAIRED (distinct store, period,
    order_id, k): every two keys of one order with a < b, and each key alone (a = b)."""
    return [
        f"SELECT x.store_id, '{kind}', x.k, y.k, x.period, COUNT(*) FROM {PAIRED} x"
        f" JOIN {PAIRED} y ON y.order_id = x.order_id AND y.k > x.k"
        f" GROUP BY x.store_id, x.k, y.k, x.period",
        f"SELECT store_id, '{kind}', k, k, period, COUNT(*) FROM {PAIRED}"
        f" GROUP BY store_id, k, period",
    ]


def _insert_pairs(cursor, insert: str) -> None:
    month = _period_of(Grain.MONTH)  # PAIR's finest grain; the lines are per day
    for kind, column in PAIR_KINDS.items():
        # (order, product) is unique (order_item_unique): only names repeat within an order.
        distinct = "DISTINCT " if kind != "sku" else ""
        cursor.execute(f"DROP TABLE IF EXISTS {PAIRED}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {PAIRED} AS SELECT {distinct}store_id, {month} AS period,"
            f" order_id, {column} AS k FROM {LINES}"
        )
        if connection.vendor == "postgresql":  # a hash join; SQLite needs the index
            cursor.execute(f"ANALYZE {PAIRED}")
        else:
            cursor.execute(f"CREATE INDEX {PAIRED}_order ON {PAIRED} (order_id, k)")
        for sql in _pair_day_rows(kind):
            cursor.execute(f"{insert}({sql}) d")
        cursor.execute(f"DROP TABLE {PAIRED}")


def _select(qs: QuerySet, picked: str) -> tuple[str, list]:
    sql, params = qs.query.sql_with_params()
    return f"SELECT {picked} FROM ({sql}) b", list(params)


def _prefixed(q: Q, prefix: str) -> Q:
    """`q` (on Order) as seen from a model related to it through `prefix`."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    out.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return out


# --- SQL -----------------------------------------------------------------------------------------


def _period_of(grain: str, column: str = "period") -> str:
    """SQL for the first day of the `grain` period holding the date `column`."""
    if grain == Grain.ALL:
        return f"'{ALL_TIME.isoformat()}'" if connection.vendor == "sqlite" else "DATE '1970-01-01'"
    unit = {Grain.MONTH: "month", Grain.YEAR: "year"}[grain]
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('{unit}', {column}) AS date)"
    return f"date({column}, 'start of {unit}')"


def _columns(table: Table) -> list[str]:
    return [*table.dims, "period", *(name for name, _ in table.measures)]


def _insert_days(table: Table, orders: Q, lines_made: bool = False) -> None:
    """The table's finest rows for the orders matching `orders`. ITEM and PAIR sum the lines
    table, made here unless `lines_made` (by `_lines_table` with the same `orders`)."""
    names = ", ".join(_columns(table))
    insert = f"INSERT INTO {table.name} (grain, {names}) SELECT '{table.finest}', * FROM "
    if table in OF_ITEMS and not lines_made:
        with _lines_table(orders):
            _insert_days(table, orders, lines_made=True)
        return
    with connection.cursor() as cursor:
        if table is ITEM:
            for sql in _item_day_rows():
                cursor.execute(f"{insert}({sql}) d")
        elif table is PAIR:
            _insert_pairs(cursor, insert)
        else:
            # In date order: a range of days then reads a few adjacent pages, not one per row.
            by_day = 2 + len(table.dims)  # the period's position, after the grain and the dims
            for sql, params in _day_rows(table, orders):
                cursor.execute(f"{insert}({sql}) d ORDER BY {by_day}", params)


@contextmanager
def _lines_table(orders: Q) -> Iterator[None]:
    """The temporary table LINES: the items of the orders matching `orders` joined to their
    orders and products once, for ITEM and PAIR to sum."""
    lines, params = _day_rows(ITEM, orders)[0]
    columns = (*LINE_COLUMNS, "quantity", "revenue")
    named = ", ".join(f"l.k_{c} AS {c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {LINES}")
        cursor.execute(f"CREATE TEMPORARY TABLE {LINES} AS SELECT {named} FROM ({lines}) l", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {LINES}")  # its groups' sizes, for the planner
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {LINES}")


def _insert_coarser(table: Table, grain: str, where: str = "", params: Iterable = ()) -> None:
    """Rows of `grain` summed from the rows of the grain below it (restricted by `where`)."""
    finer = ORDER[ORDER.index(grain) - 1]
    period = _period_of(grain)
    dims = ", ".join(table.dims)
    sums = ", ".join(f"{agg}({name})" for name, agg in table.measures)
    statement = (
        f"INSERT INTO {table.name} (grain, {', '.join(_columns(table))}) "
        f"SELECT '{grain}', {dims}, {period}, {sums} FROM {table.name} "
        f"WHERE grain = '{finer}'{' AND ' + where if where else ''} GROUP BY {dims}, {period}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def _delete(table: Table, where: str = "", params: Iterable = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table.name}{' WHERE ' + where if where else ''}", list(params)
        )


# --- keeping them exact --------------------------------------------------------------------------


def is_built() -> bool:
    return RollupState.objects.filter(pk=RollupState.SINGLETON, built=True).exists()


# PostgreSQL's own default, which the web connections turn off (config.settings): scans of
# millions of base rows, as a rebuild, an import's checks or the reference SQL make, gain from
# parallel workers.
BULK_PARALLEL_WORKERS = 2


def allow_parallel_workers() -> None:
    """On PostgreSQL, parallel workers again until the current transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {BULK_PARALLEL_WORKERS}")


def rebuild(tables: Iterable[Table] = TABLES) -> None:
    """Every row of `tables` again from the base tables, in one transaction."""
    with transaction.atomic():
        allow_parallel_workers()
        if connection.vendor == "postgresql":  # hash aggregates of millions of rows in memory
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
        tables = list(tables)
        of_items = any(t in OF_ITEMS for t in tables)
        with _lines_table(Q()) if of_items else nullcontext():  # once for ITEM and PAIR
            for table in tables:
                with _bulk(table):
                    _insert_days(table, Q(), lines_made=of_items)
                    for grain in ORDER[ORDER.index(table.finest) + 1 :]:
                        _insert_coarser(table, grain)
        if CUSTOMER in tables:
            from analytics import counts  # counts reads this module

            counts.rebuild()
        RollupState.objects.update_or_create(pk=RollupState.SINGLETON, defaults={"built": True})
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ANALYZE {table.name}")
                for model in (CustomerCounts, CustomerTotals):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")


@contextmanager
def _bulk(table: Table) -> Iterator[None]:
    """Empty `table` for a full reload. On PostgreSQL: TRUNCATE, and its unique index built
    once after the load rather than row by row (both transactional)."""
    if connection.vendor != "postgresql":
        _delete(table)
        yield
        return
    (unique,) = table.model._meta.constraints
    meta, quote = table.model._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in unique.fields)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table.name}")
        cursor.execute(f"ALTER TABLE {table.name} DROP CONSTRAINT {quote(unique.name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {table.name} ADD CONSTRAINT {quote(unique.name)} UNIQUE ({columns})"
        )


@dataclass(frozen=True)
class Key:
    """What one order touches: its store, local day and customer."""

    store_id: str
    day: dt.date
    customer_id: str


def key_of(store_id: str, ordered_at: dt.datetime, customer_id: str) -> Key:
    from analytics.services.base import local_zone

    return Key(store_id, ordered_at.astimezone(local_zone()).date(), customer_id)


def refresh(keys: Iterable[Key], tables: Iterable[Table] = TABLES) -> None:
    """The rows of every grain that hold the orders of `keys` again, from the base tables."""
    keys = set(keys)
    if not keys or not is_built():
        return
    with transaction.atomic():
        for table in tables:
            groups: dict[tuple, set[dt.date]] = {}
            for k in keys:
                group = (k.store_id, k.customer_id) if table is CUSTOMER else (k.store_id,)
                groups.setdefault(group, set()).add(k.day)
            for group, days in groups.items():
                _refresh(table, list(group), days)
        if CUSTOMER in tables:
            from analytics import counts  # counts reads this module

            counts.refresh(keys)


def _refresh(table: Table, params: list, days: set[dt.date]) -> None:
    """`params`: the store, and for CUSTOMER the customer, whose `days` changed."""
    where = "store_id = %s AND customer_id = %s" if table is CUSTOMER else "store_id = %s"
    of = {"store_id": params[0], **({"customer_id": params[1]} if table is CUSTOMER else {})}
    from analytics.services.base import local_zone

    zone = local_zone()
    for first in {_start_of(d, table.finest) for d in days}:
        _delete(
            table,
            f"grain = %s AND period = %s AND {where}",
            [table.finest, first.isoformat(), *params],
        )
        start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(_next(first, table.finest), dt.time.min, tzinfo=zone)
        orders = Q(ordered_at__gte=start, ordered_at__lt=end, **of)
        _insert_days(table, orders)
    periods = {
        Grain.MONTH: {d.replace(day=1) for d in days},
        Grain.YEAR: {d.replace(month=1, day=1) for d in days},
    }
    for grain in ORDER[ORDER.index(table.finest) + 1 : ORDER.index(Grain.ALL)]:
        for start in periods[grain]:
            end = _next(start, grain)
            _delete(
                table,
                f"grain = %s AND period = %s AND {where}",
                [grain, start.isoformat(), *params],
            )
            _insert_coarser(
                table,
                grain,
                f"period >= %s AND period < %s AND {where}",
                [start.isoformat(), end.isoformat(), *params],
            )
    _delete(table, f"grain = %s AND {where}", [Grain.ALL, *params])
    _insert_coarser(table, Grain.ALL, where, params)


def _next(start: dt.date, grain: str) -> dt.date:
    if grain == Grain.DAY:
        return start + dt.timedelta(days=1)
    if grain == Grain.MONTH:
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start.replace(year=start.year + 1)


# --- reading them --------------------------------------------------------------------------------


def spans(date_from: dt.date | None, date_to: dt.date | None, coarsest: str = Grain.ALL) -> Q:
    """The rows (on `grain` and `period`) whose sums make up the local days `date_from` ..
    `date_to` (inclusive, None: open), using no grain coarser than `coarsest`."""
    if date_from is None and date_to is None and coarsest == Grain.ALL:
        return Q(grain=Grain.ALL)
    start = date_from or ALL_TIME
    end = date_to + dt.timedelta(days=1) if date_to else NO_END  # exclusive
    limit = min(ORDER.index(coarsest), ORDER.index(Grain.YEAR))
    return _cover(start, end, limit) or Q(pk__in=[])


def single_period(date_from: dt.date | None, date_to: dt.date | None) -> bool:
    """Whether `spans` (up to the year grain or all time) covers the local days `date_from`
    .. `date_to` with the rows of ONE period: all time, or exactly one local year, month or
    day. Each key of a rollup (store and customer, say) then has at most one row there, so
    per-key sums need no grouping."""
    if date_from is None and date_to is None:
        return True
    if date_from is None or date_to is None:
        return False
    end = date_to + dt.timedelta(days=1)
    return any(
        _is_start(date_from, g) and _next(date_from, g) == end
        for g in (Grain.YEAR, Grain.MONTH, Grain.DAY)
    )


def _cover(start: dt.date, end: dt.date, limit: int) -> Q | None:
    """Q for [start, end) from grains up to ORDER[limit], coarsest pieces in the middle."""
    if start >= end:
        return None
    grain = ORDER[limit]
    if limit == 0:
        return Q(grain=Grain.DAY, period__gte=start, period__lt=end)
    first = start if _is_start(start, grain) else _next(_start_of(start, grain), grain)
    last = _start_of(end, grain)
    if first >= last:
        return _cover(start, end, limit - 1)
    pieces = [
        _cover(start, first, limit - 1),
        Q(grain=grain, period__gte=first, period__lt=last),
        _cover(last, end, limit - 1),
    ]
    out = None
    for piece in pieces:
        if piece is not None:
            out = piece if out is None else out | piece
    return out


def _start_of(day: dt.date, grain: str) -> dt.date:
    if grain == Grain.DAY:
        return day
    return day.replace(day=1) if grain == Grain.MONTH else day.replace(month=1, day=1)


def _is_start(day: dt.date, grain: str) -> bool:
    return _start_of(day, grain) == day


def enabled() -> bool:
    """Whether analyses may read the rollups: on (`ANALYTICS_ROLLUPS`, default True) and built."""
    from django.conf import settings

    return getattr(settings, "ANALYTICS_ROLLUPS", True) and is_built()


def item_group(filters) -> tuple[str, str] | None:
    """The one product group (kind, value) a product filter selects, when it is a single
    category, a single size or a single SKU; None for any other product filter."""
    chosen = [
        (kind, value)
        for kind, value in (
            ("category", filters.category),
            ("size", filters.size),
            ("sku", filters.sku[0] if len(filters.sku) == 1 else filters.sku or None),
        )
        if value
    ]
    if len(chosen) != 1 or not isinstance(chosen[0][1], str):
        return None
    return chosen[0]


def sales_source(
    filters,
    scope,
    coarsest: str,
    measures: tuple[str, ...],
    *,
    items=False,
    dated=True,
    customers=False,
):
    """Rollup rows matching `filters` within `scope`, and the sums of `measures` (`orders`,
    `revenue`, `items`) over them, answering exactly as the base tables would; None when the
    rollups cannot (not enabled, a product filter other than one category, one size or one
    SKU, distinct customers with any product filter). `items`: item rows (ItemSales) even
    without a product filter, of every kind; the caller picks one. `customers`, or customers
    among the measures: per-customer rows (CustomerSales), which have a `customer`, and
    `first_day` and `last_day`. `dated=False`: rows
    of every grain and period, for callers that pick them with `spans` themselves."""
    if not enabled():
        return None
    if customers or "customers" in measures:  # per-customer rows
        from analytics.services.base import distinct_count  # base imports this module

        if filters.has_product_filter or items:
            return None
        qs = CustomerSales.objects.all()
        every = {
            "orders": Sum("orders"),
            "revenue": Sum("revenue"),
            "items": Sum("items"),
            "customers": distinct_count("customer_id"),
        }
    elif filters.has_product_filter or items:
        group = item_group(filters)
        if group is None and filters.has_product_filter:
            return None
        qs = ItemSales.objects.all()
        if group is not None:
            kind, value = group
            lookup = {"value__iexact": value} if kind != "sku" else {"value": value}
            qs = qs.filter(kind=kind, **lookup)
        every = {"orders": Sum("orders"), "revenue": Sum("revenue"), "items": Sum("quantity")}
    else:
        qs = StoreSales.objects.all()
        every = {"orders": Sum("orders"), "revenue": Sum("revenue"), "items": Sum("items")}
    qs = _where(qs, filters, scope, coarsest if dated else None)
    return qs, {name: every[name] for name in measures}


def _where(qs: QuerySet, filters, scope, coarsest: str | None) -> QuerySet:
    """Rollup rows `qs` of the stores of `filters` within `scope`, and with `coarsest` (a
    grain) the rows whose sums make up its date range (None: rows of every grain and period,
    for callers that pick them with `spans` themselves)."""
    qs = scope.filter(qs)
    if filters.store:
        qs = qs.filter(store_id__in=filters.store)
    if filters.state:
        qs = qs.filter(store__state_abbr__in=filters.state)
    if filters.city:
        qs = qs.filter(store__city__iexact=filters.city)
    if coarsest is not None:
        qs = qs.filter(spans(filters.date_from, filters.date_to, coarsest))
    return qs.order_by()


def month_spans(
    date_from: dt.date | None, date_to: dt.date | None
) -> tuple[Q | None, list[tuple[dt.date, dt.date]]]:
    """`spans` from months up: the rows of the whole months and years of the local days
    `date_from` .. `date_to` (None: no whole month), and the days left at either edge as
    inclusive (first, last) ranges, for the base tables."""
    if date_from is None and date_to is None:
        return Q(grain=Grain.ALL), []
    start = date_from or ALL_TIME
    end = date_to + dt.timedelta(days=1) if date_to else NO_END  # exclusive
    first = _start_of(start, Grain.MONTH)
    first = first if first == start else _next(first, Grain.MONTH)
    last = _start_of(end, Grain.MONTH)
    if first >= last:
        return None, [(start, end - dt.timedelta(days=1))] if start < end else []
    edges = [(a, b - dt.timedelta(days=1)) for a, b in ((start, first), (last, end)) if a < b]
    return _cover(first, last, ORDER.index(Grain.YEAR)), edges


def pair_source(filters, scope, kind: str):
    """PairSales rows of `kind` ("sku" or "name") for the stores and whole months of `filters`
    within `scope` (None: no whole month), and the edge days (`month_spans`) to add from the
    base tables. The product filter is not applied: basket analysis lists pairs by it. None
    when the rollups are not enabled."""
    if not enabled():
        return None
    covered, edges = month_spans(filters.date_from, filters.date_to)
    if covered is None:
        return None, edges
    return _where(PairSales.objects.filter(kind=kind), filters, scope, None).filter(covered), edges


def hour_source(filters, scope):
    """HourSales rows for the stores and whole months of `filters` within `scope` (None: no
    whole month), and the edge days (`month_spans`) to add from the base tables. None when the
    rollups are not enabled or a product filter is set (its revenue is the matching items')."""
    if not enabled() or filters.has_product_filter:
        return None
    covered, edges = month_spans(filters.date_from, filters.date_to)
    if covered is None:
        return None, edges
    return _where(HourSales.objects.all(), filters, scope, None).filter(covered), edges


# --- signal receivers (connected in AnalyticsConfig.ready) ---------------------------------------


def _order_key(order_id) -> Key | None:
    from orders.models import Order

    row = Order.objects.filter(pk=order_id).values("store_id", "ordered_at", "customer_id").first()
    return key_of(row["store_id"], row["ordered_at"], row["customer_id"]) if row else None


def remember_order(sender, instance, **kwargs) -> None:
    """pre_save of an order: the key it had, which a save that moves it also changes."""
    instance._rollup_was = _order_key(instance.pk) if instance.pk and is_built() else None


def order_written(sender, instance, **kwargs) -> None:
    """post_save and post_delete of an order: its key, before and after, again."""
    keys = {key_of(instance.store_id, instance.ordered_at, instance.customer_id)}
    was = getattr(instance, "_rollup_was", None)
    if was is not None:
        keys.add(was)
    refresh(keys)


def item_written(sender, instance, **kwargs) -> None:
    """post_save and post_delete of an item: its order's key, in the item and pair rollups."""
    key = _order_key(instance.order_id)
    if key is not None:
        refresh([key], OF_ITEMS)


PLACED_BY = {  # what pairs' km and home and customers' totals depend on, by model written
    "customers.Customer": ("latitude", "longitude", "nearest_store_id", "nearest_store_km"),
    "stores.Store": ("latitude", "longitude"),
}


def remember_place(sender, instance, **kwargs) -> None:
    """pre_save of a customer or a store: where it was (PLACED_BY), None when new."""
    fields = PLACED_BY[sender._meta.label]
    row = sender.objects.filter(pk=instance.pk).values_list(*fields).first() if is_built() else None
    instance._rollup_place_was = row


def place_written(sender, instance, **kwargs) -> None:
    """post_save of a customer or a store: when it moved (or, a customer, changed nearest
    store), its pairs' km and home again, and the per-customer totals holding them."""
    was = getattr(instance, "_rollup_place_was", None)
    fields = PLACED_BY[sender._meta.label]
    if was is None or was == tuple(getattr(instance, f) for f in fields):
        return
    from analytics import counts  # it imports this module
    from customers.models import Customer
    from stores.models import Store

    mine = {"customer_id" if sender is Customer else "store_id": instance.pk}
    set_pair_fields(CustomerSales.objects.filter(**mine), Customer.objects, Store.objects)
    if sender is Customer:
        counts.refresh_customers({instance.pk})
    else:
        counts.rebuild_totals()


def remember_product(sender, instance, **kwargs) -> None:
    from products.models import Product

    was = Product.objects.filter(pk=instance.pk).values("name", "category", "size").first()
    instance._rollup_was = was


def product_written(sender, instance, **kwargs) -> None:
    """post_save of a product: a new category or size moves its sales between item groups, a
    new name its pairs by name."""
    was = getattr(instance, "_rollup_was", None)
    if not was or not is_built():
        return
    moved = (was["category"], was["size"]) != (instance.category, instance.size)
    renamed = was["name"] != instance.name
    tables = (ITEM,) * moved + (PAIR,) * renamed
    if tables:
        rebuild(tables)


def product_sales(filters, scope) -> list[dict] | None:
    """Per product (SKU) matching every filter: see `sku_sales`."""
    return sku_sales(filters, scope, {})


def sku_sales(filters, scope, groups: dict) -> list[dict] | None:
    """Per product (SKU) matching every filter and per key of `groups` (name: a `Group` of
    analytics.services.base): `orders` holding it, `quantity`, `revenue`, with its
    `product_id`, `product__name`, `product__size`, `product__category`, `product__price` and
    each key by name; products without sales left out, in no order. At most products × keys
    rows, which callers group further. None when the rollups cannot answer (not enabled, a key
    without a rollup form)."""
    from analytics.services.base import matching_products
    from products.models import Product

    if any(g.rollup is None for g in groups.values()):
        return None
    coarsest = min([g.coarsest for g in groups.values()] or [Grain.ALL], key=ORDER.index)
    unfiltered = replace(filters, category=None, size=None, sku=())
    source = sales_source(unfiltered, scope, coarsest, (), items=True)
    if source is None:
        return None
    qs = source[0].filter(kind="sku")
    if filters.has_product_filter:
        qs = qs.filter(value__in=matching_products(filters, "id"))
    keys = {f"k_{name}": g.rollup() for name, g in groups.items()}
    rows = list(
        qs.annotate(**keys)
        .values("value", *keys)
        .annotate(m_orders=Sum("orders"), m_quantity=Sum("quantity"), m_revenue=Sum("revenue"))
    )
    products = Product.objects.filter(id__in={r["value"] for r in rows})
    about = {p["id"]: p for p in products.values("id", "name", "size", "category", "price")}
    return [
        {
            "product_id": r["value"],
            "product__name": about[r["value"]]["name"],
            "product__size": about[r["value"]]["size"],
            "product__category": about[r["value"]]["category"],
            "product__price": about[r["value"]]["price"],
            **{name: r[f"k_{name}"] for name in groups},
            "orders": r["m_orders"],
            "quantity": r["m_quantity"],
            "revenue": r["m_revenue"],
        }
        for r in rows
        if r["m_quantity"]
    ]
