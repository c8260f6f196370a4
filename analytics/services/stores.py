"""Store analyses: sales per store, per state and per city, the trend against the chain and the
previous period, customer reach and distance, the product mix of each store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Round, RowNumber
from django.db.models.lookups import LessThanOrEqual

from accounts.scope import Scope
from analytics import counts, rollups
from analytics.filters import Filters
from analytics.models import Grain
from analytics.registry import BASE_FILTERS, Param, analysis
from analytics.services.base import (
    LINE_TOTAL,
    Result,
    by_field,
    by_period,
    change_pct,
    distance_km,
    distinct_count,
    grouped,
    money,
    percent,
    period_start,
    periods,
    ratio,
    sales_by,
    sales_source,
    scalar,
    scoped_items,
    scoped_orders,
    stores_in,
    to_local_date,
)
from customers.models import Customer

INTEGER = IntegerField()
ALL_MEASURES = ("orders", "revenue", "customers", "items")


def km(value: float | None) -> float | None:
    """A distance in km rounded to the metre."""
    return None if value is None else round(value, 3)


def _orders_in_view(filters: Filters, scope: Scope) -> Q:
    """On `stores_in(filters, scope)`: their joined `orders` in view. The stores already carry
    the scope and the store filters: the dates suffice, and a product filter the orders holding
    a matching product. A store without orders joins one empty (NULL) order, never in view."""
    if filters.has_product_filter:
        return Q(orders__in=scoped_orders(filters, scope))
    start, end = filters.start_instant(), filters.end_instant()
    dates = {"orders__ordered_at__gte": start, "orders__ordered_at__lt": end}
    return Q(orders__isnull=False, **{lookup: bound for lookup, bound in dates.items() if bound})


def _once_per_customer(filters: Filters, scope: Scope) -> Q:
    """On stores: of their joined orders in view, one per customer, the lowest ID."""
    pairs = scoped_orders(filters, scope).order_by().values("store", "customer")
    return Q(orders__in=pairs.annotate(first=Min("id")).values("first"))


@dataclass(frozen=True)
class _Pairs:
    """One store's sales summed over its (store, customer) pairs in view."""

    orders: int
    customers: int
    home: int  # customers whose nearest store it is
    order_km: float | None  # mean distance over orders
    customer_km: float | None  # mean distance, each customer once
    near: int  # orders by customers at most `within_km` away


def _pairs_by_store(filters: Filters, scope: Scope, within_km: float) -> dict[str, _Pairs] | None:
    """Per store, from the per-customer rollup: one row per (store, customer) in view with its
    orders and distance, summed per store in the database. None when the rollups cannot
    answer (a product filter: the caller reads the orders)."""
    source = rollups.sales_source(filters, scope, Grain.ALL, ("orders",), customers=True)
    if source is None:
        return None
    qs, sums = source
    # The rows hold the pair's distance (computed as ORDER_KM: the same floats) and home flag.
    if rollups.single_period(filters.date_from, filters.date_to):  # a row per pair already
        pairs = qs.annotate(p_orders=F("orders"), p_km=F("km"), p_home=F("home")).values(
            "store_id", "customer_id", "p_orders", "p_km", "p_home"
        )
    else:
        pairs = (
            qs.values("store_id", "customer_id")
            .annotate(p_orders=sums["orders"], p_km=Min("km"), p_home=Max("home"))
            .order_by()
        )
    inner, params = pairs.query.sql_with_params()
    sql = (
        "SELECT store_id, SUM(p_orders), COUNT(*), SUM(p_home), SUM(p_orders * p_km), "
        "AVG(p_km), SUM(CASE WHEN p_km <= %s THEN p_orders ELSE 0 END) "
        f"FROM ({inner}) pairs GROUP BY store_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (within_km, *params))
        rows = cursor.fetchall()
    return {
        store: _Pairs(
            orders=int(n),
            customers=int(customers),
            home=int(home_n),
            order_km=float(weighted) / int(n) if n else None,
            customer_km=per_customer,
            near=int(near),
        )
        for store, n, customers, home_n, weighted, per_customer, near in rows
    }


# The distance from the customer of a store's joined order to the store.
ORDER_KM = distance_km(
    "orders__customer__latitude", "orders__customer__longitude", "latitude", "longitude"
)


# Analyses.

COLUMNS_SALES = [
    "store",
    "city",
    "state",
    "orders",
    "revenue",
    "average_order_value",
    "customers",
    "items",
    "share_of_revenue",
    "rank",
    "latitude",
    "longitude",
]


@analysis("stores/sales/", filters=(*BASE_FILTERS, "limit"), defaults={"limit": 100})
def sales_by_store(*, filters: Filters, scope: Scope) -> Result:
    """Sales per store: orders, revenue, customers and items, with share and rank.

    Every store in scope matching the store filters is listed, with zeros when it has no order
    in the range. `revenue` (USD) is the sum of order totals; with a product filter (category,
    size, sku) the sum of quantity × unit price of the matching items, `orders` and `customers`
    then count the orders holding one and their customers, and `items` their quantity (without
    one, `items` is the orders' own item count). `customers` are distinct customers.
    `average_order_value` = revenue / orders (USD). `share_of_revenue` is the store's percentage
    of the revenue of all listed stores (0.01; empty when that is zero). `rank` is 1 for the
    highest revenue; equal revenues share a rank. Rows are ordered by revenue, highest first,
    then store ID; `limit` (default 100) keeps the first rows. `latitude` and `longitude` place
    the store (degrees) on a map. `meta.revenue` is the total over
    every store, including those cut by `limit`.
    """
    sales = _sales_per_store(filters, scope)
    stores = stores_in(filters, scope).values("id", "city", "state_abbr", "latitude", "longitude")
    none = dict.fromkeys(ALL_MEASURES, 0)
    rows = [{**s, **{k: v or 0 for k, v in sales.get(s["id"], none).items()}} for s in stores]
    rows.sort(key=lambda r: (-money(r["revenue"]), r["id"]))
    total = sum((money(r["revenue"]) for r in rows), money(0))
    out, rank = [], 0
    for place, r in enumerate(rows, 1):
        revenue = money(r["revenue"])
        if place == 1 or revenue != out[-1]["revenue"]:
            rank = place  # equal revenues share a rank, the next one skips (SQL's RANK)
        out.append(
            {
                "store": r["id"],
                "city": r["city"],
                "state": r["state_abbr"],
                "orders": r["orders"],
                "revenue": revenue,
                "average_order_value": ratio(revenue, r["orders"]),
                "customers": r["customers"],
                "items": r["items"],
                "share_of_revenue": percent(revenue, total),
                "rank": rank,
                "latitude": r["latitude"],
                "longitude": r["longitude"],
            }
        )
    return Result(columns=COLUMNS_SALES, rows=out[: filters.limit], meta={"revenue": total})


def _sales_per_store(filters: Filters, scope: Scope) -> dict[str, dict]:
    """Each store's orders, revenue, customers and items (stores without sales absent), in
    one grouped query per source: the rollups when they answer every measure; with a product
    filter, the item rollup for all but the distinct customers, which only the base tables
    hold; otherwise the base tables."""
    by_store = {"store": F("store_id")}
    measures, stored = _stored_customers(filters, scope, "store", ALL_MEASURES)
    source = rollups.sales_source(filters, scope, Grain.ALL, measures)
    if source is not None:
        sales = {r["store"]: r for r in grouped(source[0], by_store, source[1])}
        return _put_customers(sales, stored, lambda store: f"store:{store}")
    qs, prefix, aggregates = sales_source(filters, scope, ALL_MEASURES)
    by_order_store = {"store": F(f"{prefix}store_id")}
    partial = filters.has_product_filter and rollups.sales_source(
        filters, scope, Grain.ALL, ("orders", "revenue", "items")
    )
    if not partial:
        return {r["store"]: r for r in grouped(qs, by_order_store, aggregates)}
    sales = {r["store"]: {**r, "customers": 0} for r in grouped(partial[0], by_store, partial[1])}
    for r in grouped(qs, by_order_store, {"customers": aggregates["customers"]}):
        sales[r["store"]]["customers"] = r["customers"]
    return sales


COLUMNS_TREND = [
    "store",
    "period",
    "revenue",
    "orders",
    "chain_average",
    "vs_chain_pct",
    "previous_revenue",
    "vs_previous_pct",
]


@analysis("stores/sales_trend/", filters=(*BASE_FILTERS, "granularity"))
def revenue_by_store_and_period(*, filters: Filters, scope: Scope) -> Result:
    """Sales trend per store, against the chain average and the store's previous period.

    One row per store (in scope, matching the store filters) and local calendar period
    (`granularity`: day, week from Monday, month, quarter, year; default month; `period` is
    the first day), every period from the first to the last of the date range (or of the data)
    present, zero when empty. `revenue` (USD) and `orders` are defined as in stores/sales/.
    `chain_average` (USD) is the period's revenue of all those stores divided by their number:
    stores without sales in the period count (as zero), so it is the average per store, not
    per selling store; `meta.stores` gives that number. `vs_chain_pct` = (revenue -
    chain_average) / chain_average × 100. `previous_revenue` is the same store's revenue in the
    calendar period just before (the month before, for months), even when that period lies
    before `date_from` (it is then counted whole); `vs_previous_pct` = (revenue -
    previous_revenue) / previous_revenue × 100. Percentages are rounded to 0.01 and empty when
    their base is zero.
    """
    g = filters.granularity
    keys = {  # not "store": that name is taken by Order.store
        "store_ref": by_field("store_id"),
        "period": by_period(g),
    }
    cells = _cells(sales_by(filters, scope, keys))
    chain = _chain_totals(filters, scope, keys["period"])
    stores = list(stores_in(filters, scope).order_by("id").values_list("id", flat=True))
    if not cells and not (filters.date_from and filters.date_to):
        return Result(columns=COLUMNS_TREND, rows=[], meta={"stores": len(stores)})
    first = filters.date_from or min(p for _, p in cells)
    last = filters.date_to or max(p for _, p in cells)
    spans = periods(first, last, g)
    earlier = _period_before(filters, scope, keys, spans[0])
    out = []
    for store in stores:
        previous = earlier.get(store, _NO_SALES)
        for start in spans:
            row = cells.get((store, start), _NO_SALES)
            average = _Average(chain.get(start, money(0)), len(stores))
            out.append(_trend_row(store, start, row, average, previous))
            previous = row
    return Result(columns=COLUMNS_TREND, rows=out, meta={"stores": len(stores)})


_NO_SALES = {"orders": 0, "revenue": money(0)}


def _cells(rows: list[dict]) -> dict[tuple[str, dt.date], dict]:
    return {(r["store_ref"], to_local_date(r["period"])): r for r in rows}


def _chain_totals(filters: Filters, scope: Scope, period) -> dict[dt.date, Decimal]:
    rows = sales_by(filters, scope, {"period": period})
    return {to_local_date(r["period"]): r["revenue"] for r in rows}


def _period_before(filters: Filters, scope: Scope, keys: dict, first: dt.date) -> dict[str, dict]:
    """Each store's sales in the whole period before `first`, the one holding `date_from`."""
    if filters.date_from is None:
        return {}  # the series starts with the data: nothing earlier matches the filters
    start = period_start(first - dt.timedelta(days=1), filters.granularity)
    earlier = replace(filters, date_from=start, date_to=filters.date_from - dt.timedelta(days=1))
    cells = _cells(sales_by(earlier, scope, keys))
    return {store: row for (store, period), row in cells.items() if period == start}


@dataclass(frozen=True)
class _Average:
    """The chain's revenue in a period over the number of stores it is shared by."""

    total: Decimal
    stores: int


def _trend_row(store: str, start: dt.date, row: dict, average: _Average, previous: dict) -> dict:
    return {
        "store": store,
        "period": start,
        "revenue": row["revenue"],
        "orders": row["orders"],
        "chain_average": money(Decimal(average.total) / average.stores),
        # revenue vs total / stores, computed unrounded: revenue × stores vs total
        "vs_chain_pct": change_pct(row["revenue"] * average.stores, average.total),
        "previous_revenue": previous["revenue"],
        "vs_previous_pct": change_pct(row["revenue"], previous["revenue"]),
    }


COLUMNS_STATES = [
    "state",
    "stores",
    "orders",
    "revenue",
    "average_order_value",
    "customers",
    "revenue_per_store",
    "share",
]


@analysis("stores/sales_by_state/")
def sales_by_state(*, filters: Filters, scope: Scope) -> Result:
    """Sales per state: stores, orders, revenue, customers, revenue per store and share.

    One row per state (USPS code) holding a store in scope that matches the store filters;
    `stores` counts those stores, with or without orders. `orders`, `revenue` (USD) and
    `customers` (distinct in the state: a customer of two stores of the state counts once)
    are defined as in stores/sales/. `average_order_value` = revenue / orders and
    `revenue_per_store` = revenue / stores (USD). `share` is the state's percentage of the
    revenue of all listed states (0.01; empty when that is zero). Ordered by revenue, highest
    first, then state.
    """
    measures, stored = _stored_customers(filters, scope, "state", ALL_MEASURES)
    qs, prefix, aggregates = sales_source(filters, scope, measures, rollup=Grain.ALL)
    by_state = {"state": F(f"{prefix}store__state_abbr")}
    sales = {r["state"]: r for r in grouped(qs, by_state, aggregates)}
    sales = _put_customers(sales, stored, lambda state: f"state:{state}")
    total = sum((r["revenue"] or 0 for r in sales.values()), Decimal(0))  # states partition qs
    states = stores_in(filters, scope).values("state_abbr").annotate(n=Count("id")).order_by()
    out = []
    for state in states:
        row = sales.get(state["state_abbr"], {"orders": 0, "revenue": 0, "customers": 0})
        revenue = money(row["revenue"])
        out.append(
            {
                "state": state["state_abbr"],
                "stores": state["n"],
                "orders": row["orders"],
                "revenue": revenue,
                "average_order_value": ratio(revenue, row["orders"]),
                "customers": row["customers"],
                "revenue_per_store": money(revenue / state["n"]),
                "share": percent(revenue, total),
            }
        )
    out.sort(key=lambda r: (-r["revenue"], r["state"]))
    return Result(columns=COLUMNS_STATES, rows=out, meta={"revenue": money(total)})


COLUMNS_CITIES = ["state", "city", *COLUMNS_STATES[1:]]


@analysis("stores/sales_by_city/")
def sales_by_city(*, filters: Filters, scope: Scope) -> Result:
    """Sales per city: stores, orders, revenue, customers, revenue per store and share.

    One row per city (with its state, USPS code: a city is its name within its state) holding
    a store in scope that matches the store filters (`?state=NV` gives Nevada's cities);
    `stores` counts those stores, with or without orders. `orders`, `revenue` (USD) and
    `customers` (distinct in the city: a customer of two stores of the city counts once) are
    defined as in stores/sales/. `average_order_value` = revenue / orders and
    `revenue_per_store` = revenue / stores (USD). `share` is the city's percentage of the
    revenue of all listed cities (0.01; empty when that is zero). Ordered by revenue, highest
    first, then state and city. `meta.revenue` is the total over the listed cities (USD).
    """
    measures, stored = _stored_customers(filters, scope, "city", ("orders", "revenue", "customers"))
    qs, prefix, aggregates = sales_source(filters, scope, measures, rollup=Grain.ALL)
    place = {"state": F(f"{prefix}store__state_abbr"), "city": F(f"{prefix}store__city")}
    sales = {(r["state"], r["city"]): r for r in grouped(qs, place, aggregates)}
    sales = _put_customers(sales, stored, lambda key: f"city:{key[0]}|{key[1]}")
    total = money(sum((r["revenue"] or 0 for r in sales.values()), Decimal(0)))  # a partition
    cities = stores_in(filters, scope).values("state_abbr", "city").annotate(n=Count("id"))
    out = [
        _city_row(c["state_abbr"], c["city"], c["n"], sales.get(_place(c)), total)
        for c in cities.order_by()
    ]
    out.sort(key=lambda r: (-r["revenue"], r["state"], r["city"]))
    return Result(columns=COLUMNS_CITIES, rows=out, meta={"revenue": total})


def _stored_customers(
    filters: Filters, scope: Scope, level: str, measures: tuple[str, ...]
) -> tuple[tuple[str, ...], dict[str, int] | None]:
    """The measures left to count once the stored counts (`counts.customers_per`) give the
    distinct customers per state, city or store (`level`), and those counts (None: they do
    not answer, and `customers` stays among the measures)."""
    stored = counts.customers_per(filters, scope, level)
    if stored is None:
        return measures, None
    return tuple(m for m in measures if m != "customers"), stored


def _put_customers(sales: dict, stored: dict[str, int] | None, place) -> dict:
    """`sales` (rows by key) with each row's `customers` from `stored` under `place(key)`."""
    if stored is not None:
        for key, row in sales.items():
            row["customers"] = stored.get(place(key), 0)
    return sales


def _place(city: dict) -> tuple[str, str]:
    return city["state_abbr"], city["city"]


def _city_row(state: str, city: str, stores: int, sales: dict | None, total: Decimal) -> dict:
    """A row of sales_by_city; `sales` is None for a city whose stores sold nothing."""
    sales = sales or {"orders": 0, "revenue": 0, "customers": 0}
    revenue = money(sales["revenue"])
    return {
        "state": state,
        "city": city,
        "stores": stores,
        "orders": sales["orders"],
        "revenue": revenue,
        "average_order_value": ratio(revenue, sales["orders"]),
        "customers": sales["customers"],
        "revenue_per_store": money(revenue / stores),
        "share": percent(revenue, total),
    }


COLUMNS_REACH = [
    "store",
    "city",
    "state",
    "customers",
    "catchment_customers",
    "catchment_customers_ordering",
    "reach_pct",
    "customers_from_outside_catchment",
    "avg_distance_km",
]


@analysis("stores/customer_reach/")
def customer_reach_by_store(*, filters: Filters, scope: Scope) -> Result:
    """Customer reach per store: its customers, its catchment, and how much of it orders.

    For every store in scope matching the store filters: `customers` = distinct customers with
    an order at the store in the range (with a product filter, an order holding a matching
    product); `catchment_customers` = customers whose nearest store (derived at import by
    great-circle distance) is this store, whether they order or not (dates and product
    filters do not apply); `catchment_customers_ordering` = those of the catchment among the
    store's `customers`; `reach_pct` = catchment_customers_ordering / catchment_customers ×
    100 (0.01; empty for an empty catchment); `customers_from_outside_catchment` = customers -
    catchment_customers_ordering (their nearest store is another one). `avg_distance_km` is
    the mean haversine distance (km, sphere of radius 6371.0088 km, rounded to the metre) from
    each of the store's customers, counted once, to this store; empty without customers.
    Ordered by store ID.
    """
    catchment = scope.filter(Customer.objects.filter(nearest_store=OuterRef("pk")), "nearest_store")
    pairs = _pairs_by_store(filters, scope, 0.0)
    if pairs is not None:
        stores = stores_in(filters, scope).annotate(
            catchment=scalar(catchment, Count("id"), INTEGER)
        )
        out = []
        for s in stores.order_by("id"):
            p = pairs.get(s.id, _NO_PAIRS)
            out.append(_reach_row(s, p.customers, s.catchment or 0, p.home, p.customer_km))
        return Result(columns=COLUMNS_REACH, rows=out)
    # One pass over the stores' orders (a join, grouped by store), not a subquery per store.
    in_view = _orders_in_view(filters, scope)
    customers = distinct_count("orders__customer", filter=in_view)
    rows = (
        stores_in(filters, scope)
        .annotate(
            customers=customers,
            # No Coalesce: SQL would then group by the subquery, running it for every order.
            catchment=scalar(catchment, Count("id"), INTEGER),
            reached=distinct_count(
                "orders__customer", filter=in_view & Q(orders__customer__nearest_store=F("pk"))
            ),
            avg_km=Avg(ORDER_KM, filter=_once_per_customer(filters, scope)),
        )
        .order_by("id")
    )
    out = [_reach_row(s, s.customers, s.catchment or 0, s.reached, s.avg_km) for s in rows]
    return Result(columns=COLUMNS_REACH, rows=out)


_NO_PAIRS = _Pairs(orders=0, customers=0, home=0, order_km=None, customer_km=None, near=0)


def _reach_row(store, customers: int, catchment: int, reached: int, avg_km) -> dict:
    return {
        "store": store.id,
        "city": store.city,
        "state": store.state_abbr,
        "customers": customers,
        "catchment_customers": catchment,
        "catchment_customers_ordering": reached,
        "reach_pct": percent(reached, catchment),
        "customers_from_outside_catchment": customers - reached,
        "avg_distance_km": km(avg_km),
    }


COLUMNS_DISTANCE = [
    "store",
    "city",
    "state",
    "orders",
    "customers",
    "avg_distance_km",
    "avg_customer_distance_km",
]

WITHIN_KM = Param(
    "within_km",
    float,
    10.0,
    "Radius (km) of the share of orders placed from near the store",
    minimum=0.1,
    maximum=1000,
)


@analysis("stores/avg_distance/", params=(WITHIN_KM,))
def customer_distance_by_store(*, filters: Filters, scope: Scope, within_km: float) -> Result:
    """Average distance from the ordering customers to each store, per order and per customer.

    For every store in scope matching the store filters: `orders` and `customers` (distinct)
    in the range (with a product filter, the orders holding a matching product);
    `avg_distance_km` = mean over those orders of the haversine distance (km, sphere of radius
    6371.0088 km) from the ordering customer to the store, so frequent customers weigh more;
    `avg_customer_distance_km` = the same mean with each customer counted once. Both rounded to
    the metre, empty without orders. `share_within_10km` = percentage of the orders placed by
    a customer at most `within_km` km (default 10; the column is named after it) from the
    store (0.01; empty without orders). Ordered by store ID.
    """
    share = f"share_within_{within_km:g}km"
    columns = [*COLUMNS_DISTANCE, share]
    meta = {"within_km": within_km}
    pairs = _pairs_by_store(filters, scope, within_km)
    if pairs is not None:
        out = []
        for s in stores_in(filters, scope).order_by("id"):
            p = pairs.get(s.id, _NO_PAIRS)
            row = _distance_row(s, p.orders, p.customers, p.order_km, p.customer_km)
            out.append({**row, share: percent(p.near, p.orders)})
        return Result(columns=columns, rows=out, meta=meta)
    in_view = _orders_in_view(filters, scope)  # one pass over the stores' orders, as above
    near = in_view & Q(LessThanOrEqual(ORDER_KM, Value(within_km)))
    rows = (
        stores_in(filters, scope)
        .annotate(
            n_orders=Count("orders", filter=in_view),
            n_customers=distinct_count("orders__customer", filter=in_view),
            avg_km=Avg(ORDER_KM, filter=in_view),
            avg_customer_km=Avg(ORDER_KM, filter=_once_per_customer(filters, scope)),
            near=Count("orders", filter=near),
        )
        .order_by("id")
    )
    out = [
        {
            **_distance_row(s, s.n_orders, s.n_customers, s.avg_km, s.avg_customer_km),
            share: percent(s.near, s.n_orders),
        }
        for s in rows
    ]
    return Result(columns=columns, rows=out, meta=meta)


def _distance_row(store, orders: int, customers: int, order_km, customer_km) -> dict:
    return {
        "store": store.id,
        "city": store.city,
        "state": store.state_abbr,
        "orders": orders,
        "customers": customers,
        "avg_distance_km": km(order_km),
        "avg_customer_distance_km": km(customer_km),
    }


COLUMNS_PRODUCTS = [
    "store",
    "product",
    "name",
    "size",
    "category",
    "quantity",
    "revenue",
    "share_of_store_revenue",
]
_PRODUCT_KEYS = {
    "store": "order__store_id",
    "product": "product_id",
    "name": "product__name",
    "size": "product__size",
    "category": "product__category",
}


@analysis("stores/product_sales/", filters=(*BASE_FILTERS, "limit"), defaults={"limit": 10})
def product_sales_by_store(*, filters: Filters, scope: Scope) -> Result:
    """Product sales per store: quantity, revenue and share of the store's revenue.

    One row per store and product (SKU) sold there in the range, among the stores in scope
    matching the store filters and the products matching the product filters. `quantity` =
    units sold; `revenue` (USD) = sum of quantity × unit price. `share_of_store_revenue` =
    the product's percentage of the store's item revenue over all products in the range, the
    product filters notwithstanding (so `?sku=` gives a product's weight in each store; 0.01).
    Ordered by store ID, then revenue (highest first), then SKU; `limit` (default 10) applies
    per store: each store keeps its top `limit` products. Stores without sales have no row.
    """
    ranked = _ranked_from_rollups(filters, scope)
    if ranked is not None:
        ranked, store_revenue = ranked
    else:
        ranked, store_revenue = _ranked(filters, scope), _item_revenue_by_store(filters, scope)
    out = [
        {
            **{name: r[key] for name, key in _PRODUCT_KEYS.items()},
            "quantity": r["units"],
            "revenue": money(r["revenue"]),
            "share_of_store_revenue": percent(r["revenue"], store_revenue[r["order__store_id"]]),
        }
        for r in ranked
    ]
    return Result(columns=COLUMNS_PRODUCTS, rows=out)


def _ranked_from_rollups(filters: Filters, scope: Scope) -> tuple[list, dict] | None:
    """The top `limit` products of each store and each store's item revenue, from at most
    products × stores rollup sums; None when the rollups cannot answer."""
    per_store = {"order__store_id": by_field("store_id")}
    rows = rollups.sku_sales(filters, scope, per_store)
    every_product = replace(filters, category=None, size=None, sku=())
    everything = rows if not filters.has_product_filter else None
    if rows is not None and everything is None:
        everything = rollups.sku_sales(every_product, scope, per_store)
    if rows is None or everything is None:
        return None
    store_revenue: dict[str, Decimal] = {}
    for r in everything:
        store_revenue[r["order__store_id"]] = (
            store_revenue.get(r["order__store_id"], 0) + r["revenue"]
        )
    rows.sort(key=lambda r: (r["order__store_id"], -money(r["revenue"]), r["product_id"]))
    ranked, place = [], {}
    for r in rows:
        place[r["order__store_id"]] = place.get(r["order__store_id"], 0) + 1
        if place[r["order__store_id"]] <= filters.limit:
            ranked.append({**r, "units": r["quantity"]})
    return ranked, store_revenue


def _ranked(filters: Filters, scope: Scope):
    return (
        scoped_items(filters, scope)
        .values(*_PRODUCT_KEYS.values())
        .annotate(units=Sum("quantity"), revenue=Sum(LINE_TOTAL))
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=F("order__store_id"),
                # to the cent: SQLite sums money as floats, whose last bits would break ties
                order_by=[Round(F("revenue"), 2).desc(), F("product_id")],
            )
        )
        .filter(place__lte=filters.limit)
        .order_by("order__store_id", "place")
    )


def _item_revenue_by_store(filters: Filters, scope: Scope) -> dict[str, Decimal]:
    every_product = replace(filters, category=None, size=None, sku=())
    rows = (
        scoped_items(every_product, scope)
        .values("order__store_id")
        .annotate(revenue=Sum(LINE_TOTAL))
        .order_by()
    )
    return {r["order__store_id"]: r["revenue"] for r in rows}
