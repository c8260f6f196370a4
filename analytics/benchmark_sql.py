"""Hand-written SQL on the base tables, beside the analyses, for the benchmark's ratio column.

Each entry computes the figures of one analysis straight from orders, items, stores, products
and customers, with no rollup and no ORM: the yardstick the issue sets ("the engine itself").
`figures(sql_rows)` and `answer(api_results, meta)` turn both sides into the same mapping of
key -> numbers, so a test can hold every query to the analysis it stands beside
(analytics/tests/test_benchmark_sql.py) and the benchmark can time them side by side.

Dates are the chain's local days: a filter's `date_from`/`date_to` become UTC instants here in
Python, and grouping by local month, year or hour uses the engine's own time-zone conversion
(PostgreSQL `AT TIME ZONE`, Django's registered SQLite functions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from analytics import rollups


@dataclass(frozen=True)
class Window:
    """The filters the benchmark uses: an optional state and local date range."""

    start: dt.datetime | None = None  # UTC instant, inclusive
    end: dt.datetime | None = None  # UTC instant, exclusive
    state: str | None = None

    @classmethod
    def of(cls, params: dict, meta: dict | None = None) -> Window:
        """From API filter parameters; `meta` dates (the KPI period) take precedence."""
        meta = meta or {}
        first = meta.get("date_from") or params.get("date_from")
        last = meta.get("date_to") or params.get("date_to")
        zone = ZoneInfo(settings.TIME_ZONE)

        def instant(day: str) -> dt.datetime:
            local = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), zone)
            return local.astimezone(dt.UTC)

        return cls(
            start=instant(first) if first else None,
            end=instant(str(dt.date.fromisoformat(last) + dt.timedelta(days=1))) if last else None,
            state=params.get("state"),
        )

    def where(self, order: str = "o", store: str = "s") -> tuple[str, list]:
        """`WHERE ...` (or empty) and its parameters for orders `order` at stores `store`."""
        parts, params = [], []
        adapt = connection.ops.adapt_datetimefield_value
        if self.start:
            parts.append(f"{order}.ordered_at >= %s")
            params.append(adapt(self.start))
        if self.end:
            parts.append(f"{order}.ordered_at < %s")
            params.append(adapt(self.end))
        if self.state:
            parts.append(f"{store}.state_abbr = %s")
            params.append(self.state)
        return ("WHERE " + " AND ".join(parts) if parts else ""), params


def _local(part: str, column: str = "o.ordered_at") -> str:
    """SQL for the local `part` ('month' start, 'year', 'hour', 'moy' = month of year)."""
    zone = settings.TIME_ZONE
    if connection.vendor == "postgresql":
        local = f"({column} AT TIME ZONE '{zone}')"
        return {
            "month": f"CAST(date_trunc('month', {local}) AS date)",
            "year": f"CAST(extract(year FROM {local}) AS integer)",
            "hour": f"CAST(extract(hour FROM {local}) AS integer)",
            "moy": f"CAST(extract(month FROM {local}) AS integer)",
        }[part]
    if part == "month":
        return f"django_datetime_trunc('month', {column}, '{zone}', 'UTC')"
    kind = {"moy": "month"}.get(part, part)
    return f"django_datetime_extract('{kind}', {column}, '{zone}', 'UTC')"


ORDERS = "FROM orders_order o JOIN stores_store s ON s.id = o.store_id"
ITEMS = (
    "FROM orders_orderitem i JOIN orders_order o ON o.id = i.order_id "
    "JOIN stores_store s ON s.id = o.store_id JOIN products_product p ON p.id = i.product_id"
)
LINE = "i.quantity * i.unit_price"


def _m(value) -> Decimal:
    """Money to the cent, whatever type the engine returns (SQLite sums to a float)."""
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def _day(value) -> str:
    return str(value)[:10]


@dataclass(frozen=True)
class Query:
    sql: Callable[[Window], tuple[str, list]]
    figures: Callable[[list[tuple]], dict]  # SQL rows -> {key: numbers}
    answer: Callable[[list[dict], dict], dict]  # API results, meta -> {key: numbers}
    subset: bool = False  # the analysis shows only some keys (a top N): compare those


def _grouped(select: str, source: str, group: str, extra_where: str = ""):
    def build(w: Window) -> tuple[str, list]:
        where, params = w.where()
        if extra_where:
            where = f"{where} AND {extra_where}" if where else f"WHERE {extra_where}"
        return f"SELECT {select} {source} {where} GROUP BY {group}", params

    return build


def _by_key(n_keys: int, money_at: tuple[int, ...] = ()):
    """SQL rows (keys first, then numbers) -> {keys: numbers}; `money_at` indexes of money."""

    def figures(rows):
        out = {}
        for row in rows:
            key = tuple(str(v) for v in row[:n_keys])
            nums = tuple(
                _m(v) if i in money_at else int(v) for i, v in enumerate(row[n_keys:], n_keys)
            )
            out[key] = nums
        return out

    return figures


def _from_api(keys: tuple[str, ...], nums: tuple[str, ...], money: tuple[str, ...] = ()):
    def answer(results, meta):
        return {
            tuple(_day(r[k]) if k == "period" else str(r[k]) for k in keys): tuple(
                _m(r[n]) if n in money else int(r[n]) for n in nums
            )
            for r in results
        }

    return answer


def _kpis_sql(w: Window) -> tuple[str, list]:
    where, params = w.where()
    return f"SELECT SUM(o.total), COUNT(*), COUNT(DISTINCT o.customer_id) {ORDERS} {where}", params


def _kpis_figures(rows):
    revenue, orders, customers = rows[0]
    return {("period",): (_m(revenue), int(orders), int(customers))}


def _kpis_answer(results, meta):
    value = {r["kpi"]: r["value"] for r in results}
    return {
        ("period",): (_m(value["revenue"]), int(value["orders"]), int(value["active_customers"]))
    }


def _basket_sql(w: Window) -> tuple[str, list]:
    where, params = w.where()
    return (
        "SELECT a.product_id, b.product_id, COUNT(*) FROM orders_orderitem a "
        "JOIN orders_orderitem b ON b.order_id = a.order_id AND a.product_id < b.product_id "
        "JOIN orders_order o ON o.id = a.order_id JOIN stores_store s ON s.id = o.store_id "
        f"{where} GROUP BY a.product_id, b.product_id",
        params,
    )


def _pairs_answer(results, meta):
    return {
        tuple(sorted((r["product_a"], r["product_b"]))): (int(r["orders_together"]),)
        for r in results
    }


def _reach_sql(w: Window) -> tuple[str, list]:
    where, params = w.where()
    return (
        "SELECT s.id, COUNT(DISTINCT o.customer_id), "
        "(SELECT COUNT(*) FROM customers_customer c WHERE c.nearest_store_id = s.id) "
        f"{ORDERS} {where} GROUP BY s.id",
        params,
    )


QUERIES: dict[str, Query] = {
    "kpis/": Query(_kpis_sql, _kpis_figures, _kpis_answer),
    "stores/sales/": Query(
        _grouped(
            "s.id, COUNT(*), SUM(o.total), COUNT(DISTINCT o.customer_id), SUM(o.n_items)",
            ORDERS,
            "s.id",
        ),
        _by_key(1, (2,)),
        _from_api(("store",), ("orders", "revenue", "customers", "items"), ("revenue",)),
    ),
    "stores/sales_by_state/": Query(
        _grouped(
            "s.state_abbr, COUNT(*), SUM(o.total), COUNT(DISTINCT o.customer_id)",
            ORDERS,
            "s.state_abbr",
        ),
        _by_key(1, (2,)),
        _from_api(("state",), ("orders", "revenue", "customers"), ("revenue",)),
    ),
    "stores/sales_by_city/": Query(
        _grouped(
            "s.state_abbr, s.city, COUNT(*), SUM(o.total), COUNT(DISTINCT o.customer_id)",
            ORDERS,
            "s.state_abbr, s.city",
        ),
        _by_key(2, (3,)),
        _from_api(("state", "city"), ("orders", "revenue", "customers"), ("revenue",)),
    ),
    "stores/sales_trend/": Query(
        _grouped(
            f"s.id, {_local('month')}, COUNT(*), SUM(o.total)", ORDERS, f"s.id, {_local('month')}"
        ),
        lambda rows: {(str(r[0]), _day(r[1])): (int(r[2]), _m(r[3])) for r in rows},
        lambda results, meta: {
            (r["store"], _day(r["period"])): (int(r["orders"]), _m(r["revenue"]))
            for r in results
            if r["orders"]
        },
    ),
    "stores/product_sales/": Query(
        _grouped(f"s.id, i.product_id, SUM(i.quantity), SUM({LINE})", ITEMS, "s.id, i.product_id"),
        _by_key(2, (3,)),
        _from_api(("store", "product"), ("quantity", "revenue"), ("revenue",)),
        subset=True,
    ),
    "stores/customer_reach/": Query(
        _reach_sql,
        _by_key(1),
        _from_api(("store",), ("customers", "catchment_customers")),
    ),
    "orders/trend/": Query(
        _grouped(f"{_local('month')}, COUNT(*), SUM(o.total)", ORDERS, _local("month")),
        lambda rows: {(_day(r[0]),): (int(r[1]), _m(r[2])) for r in rows},
        lambda results, meta: {
            (_day(r["period"]),): (int(r["orders"]), _m(r["revenue"]))
            for r in results
            if r["orders"]
        },
    ),
    "orders/avg_items/": Query(
        _grouped(f"{_local('month')}, COUNT(*), SUM(o.n_items)", ORDERS, _local("month")),
        lambda rows: {(_day(r[0]),): (int(r[1]), int(r[2])) for r in rows},
        lambda results, meta: {
            (_day(r["period"]),): (int(r["orders"]), int(r["items"]))
            for r in results
            if r["orders"]
        },
    ),
    "orders/seasonal/": Query(
        _grouped(
            f"{_local('year')}, {_local('moy')}, COUNT(*), SUM(o.total)",
            ORDERS,
            f"{_local('year')}, {_local('moy')}",
        ),
        _by_key(2, (3,)),
        lambda results, meta: {
            (str(r["year"]), str(r["month"])): (int(r["orders"]), _m(r["revenue"]))
            for r in results
            if r["orders"]
        },
    ),
    "orders/basket/": Query(_basket_sql, _by_key(2), _pairs_answer, subset=True),
    "trends/growth/": Query(
        _grouped(f"{_local('year')}, COUNT(*), SUM(o.total)", ORDERS, _local("year")),
        _by_key(1, (2,)),
        lambda results, meta: {
            (str(r["year"]),): (int(r["orders"]), _m(r["revenue"])) for r in results if r["orders"]
        },
    ),
    "trends/peak_times/": Query(
        _grouped(f"{_local('hour')}, COUNT(*), SUM(o.total)", ORDERS, _local("hour")),
        _by_key(1, (2,)),
        lambda results, meta: {
            (str(r["hour"]),): (int(r["orders"]), _m(r["revenue"])) for r in results if r["orders"]
        },
    ),
    "trends/seasonal/": Query(
        _grouped(
            f"p.category, {_local('moy')}, SUM(i.quantity), SUM({LINE})",
            ITEMS,
            f"p.category, {_local('moy')}",
        ),
        _by_key(2, (3,)),
        lambda results, meta: {
            (r["category"], str(r["month"])): (int(r["quantity"]), _m(r["revenue"]))
            for r in results
            if r["quantity"]
        },
    ),
    "products/sales/": Query(
        _grouped(f"i.product_id, SUM(i.quantity), SUM({LINE})", ITEMS, "i.product_id"),
        _by_key(1, (2,)),
        _from_api(("product",), ("quantity", "revenue"), ("revenue",)),
    ),
    "products/top/": Query(
        _grouped(
            f"i.product_id, SUM(i.quantity), COUNT(DISTINCT i.order_id), SUM({LINE})",
            ITEMS,
            "i.product_id",
        ),
        _by_key(1, (3,)),
        _from_api(("product",), ("quantity", "orders", "revenue"), ("revenue",)),
        subset=True,
    ),
    "products/price_sales/": Query(
        _grouped(f"i.product_id, SUM(i.quantity), SUM({LINE})", ITEMS, "i.product_id"),
        _by_key(1, (2,)),
        lambda results, meta: {
            (r["product"],): (int(r["quantity"]), _m(r["revenue"]))
            for r in results
            if r["quantity"]
        },
    ),
    "products/avg_price/": Query(
        _grouped("p.category, SUM(i.quantity)", ITEMS, "p.category"),
        _by_key(1),
        _from_api(("category",), ("quantity",)),
    ),
    "customers/top/": Query(
        _grouped("o.customer_id, COUNT(*), SUM(o.total)", ORDERS, "o.customer_id"),
        _by_key(1, (2,)),
        _from_api(("customer",), ("orders", "revenue"), ("revenue",)),
        subset=True,
    ),
    "customers/avg_order/": Query(
        _grouped("o.customer_id, COUNT(*), SUM(o.total)", ORDERS, "o.customer_id"),
        _by_key(1, (2,)),
        _from_api(("customer",), ("orders", "revenue"), ("revenue",)),
        subset=True,
    ),
    "customers/density/": Query(
        _grouped(
            "c.state_abbr, COUNT(DISTINCT o.customer_id), COUNT(*), SUM(o.total)",
            f"{ORDERS} JOIN customers_customer c ON c.id = o.customer_id",
            "c.state_abbr",
        ),
        _by_key(1, (3,)),
        _from_api(("state",), ("customers", "orders", "revenue"), ("revenue",)),
    ),
    "customers/recurring/": Query(
        _grouped(f"{_local('month')}, COUNT(DISTINCT o.customer_id)", ORDERS, _local("month")),
        lambda rows: {(_day(r[0]),): (int(r[1]),) for r in rows},
        lambda results, meta: {
            (_day(r["period"]),): (int(r["active_customers"]),)
            for r in results
            if r["active_customers"]
        },
    ),
}


def run(query: Query, window: Window) -> dict:
    """The query's figures on the configured database (on PostgreSQL with its default
    parallel workers)."""
    sql, params = query.sql(window)
    with transaction.atomic(), connection.cursor() as cursor:
        rollups.allow_parallel_workers()  # the reference scans the base tables
        cursor.execute(sql, params)
        return query.figures(cursor.fetchall())


def agrees(query: Query, results: list[dict], meta: dict, window: Window) -> bool:
    """Whether the analysis answer shows the figures the SQL computes."""
    sql_side, api_side = run(query, window), query.answer(results, meta)
    if query.subset:
        return bool(api_side) and all(sql_side.get(k) == v for k, v in api_side.items())
    return sql_side == api_side
