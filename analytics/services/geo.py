"""Geographic analyses: customer-store distances, assignment by proximity, white spots, market
penetration per catchment, and candidate sites for new stores.

Distances are great-circle (haversine) distances on a sphere of radius 6371.0088 km, the
figure the importer uses for `Customer.nearest_store_km`. Kilometres are floats rounded to
6 decimals, coordinates (degrees) to 6 decimals, percentages and per-customer ratios Decimals
rounded to 2 decimals, money Decimals in USD rounded to the cent.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Cos, Floor, Radians

from accounts.scope import Scope
from analytics import counts, rollups
from analytics.filters import Filters
from analytics.models import CustomerSales, CustomerTotals, Grain
from analytics.registry import BASE_FILTERS, Param, analysis
from analytics.services.base import (
    LINE_TOTAL,
    MONEY,
    ZERO,
    Group,
    Result,
    by_field,
    distance_km,
    distinct_count,
    grouped,
    money,
    percent,
    ratio,
    sales_by_query,
    sales_source,
    scoped_items,
    scoped_orders,
    stores_in,
)
from customers.models import Customer
from dataset.geo import EARTH_RADIUS_KM, haversine_km, nearest_points
from stores.models import Store

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180  # along a meridian
# Customer x candidate distances computed at once by the site search (bounds memory).
_CHUNK_CELLS = 250_000

RADIUS_KM = Param(
    "radius_km", float, 25.0, "Distance (km) from a store beyond which nobody is served", 0, 1000
)
CELL_KM = Param(
    "cell_km", float, 10.0, "Side (km) of the grid cells customers are grouped in", 0.5, 2000
)


# --- building blocks -------------------------------------------------------------------------


def _order_km(prefix: str = ""):
    """Distance (km) from an order's customer to the order's store."""
    c, s = f"{prefix}customer__", f"{prefix}store__"
    return distance_km(c + "latitude", c + "longitude", s + "latitude", s + "longitude")


def _rollup_km():
    """Distance (km) from a per-customer rollup row's customer to its store: stored in it."""
    return F("km")


def _customer_key(field: str) -> Group:
    """A `sales_by` key on a field of the order's customer (answered by the per-customer
    rollup when the filters allow)."""
    return Group(
        lambda p: F(f"{p}customer__{field}"), lambda: F(f"customer__{field}"), per_customer=True
    )


def _km(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _first_orders(filters: Filters, scope: Scope, *per: str) -> QuerySet:
    """IDs of the first order in view (the lowest ID) of each customer, or of each group of
    the customer and the `per` fields (e.g. the store): a subquery that lets a grouped query
    count each customer-store pair once."""
    groups = scoped_orders(filters, scope).order_by().values("customer", *per)
    return groups.annotate(first=Min("id")).values("first")


def customer_sales(filters: Filters, scope: Scope):
    """Expressions on Customer: (has an order, orders, revenue in USD) over the customer's
    orders in view. Revenue is the sum of order totals, or with a product filter the matching
    items' line totals, as in `sales_by`.
    """
    orders = scoped_orders(filters, scope).filter(customer=OuterRef("pk"))
    count = orders.order_by().values("customer").annotate(n=Count("id")).values("n")
    if filters.has_product_filter:
        items = scoped_items(filters, scope).filter(order__customer=OuterRef("pk"))
        revenue = items.order_by().values("order__customer").annotate(v=Sum(LINE_TOTAL))
    else:
        revenue = orders.order_by().values("customer").annotate(v=Sum("total"))
    return (
        Exists(orders),
        Coalesce(Subquery(count), 0),
        Coalesce(Subquery(revenue.values("v")), Value(Decimal("0")), output_field=MONEY),
    )


def ordering_customers(filters: Filters, scope: Scope) -> QuerySet[Customer]:
    """Customers with at least one order in view, annotated `n_orders` and `revenue` (USD)."""
    has_order, n_orders, revenue = customer_sales(filters, scope)
    return Customer.objects.filter(has_order).annotate(n_orders=n_orders, revenue=revenue)


def grid_cells(customers: QuerySet[Customer], cell_km: float) -> QuerySet:
    """`customers` grouped into a grid of cells about `cell_km` on a side: rows of `cell_km`
    in latitude, each cut into columns of `cell_km` measured at the row's middle latitude."""
    return (
        _in_cells(customers, cell_km)
        .annotate(customers=Count("id"), lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by("cell_row", "cell_col")
    )


def _in_cells(qs: QuerySet, cell_km: float, prefix: str = "") -> QuerySet:
    """`qs` grouped by the grid cell (`cell_row`, `cell_col`) of the customer (`prefix` the
    path to the customer, "" for customers themselves)."""
    step = cell_km / KM_PER_DEGREE
    row = Floor(F(f"{prefix}latitude") / Value(step))
    middle = Radians((row + Value(0.5)) * Value(step))
    column = Floor(F(f"{prefix}longitude") * Cos(middle) / Value(step))
    return qs.annotate(cell_row=row, cell_col=column).values("cell_row", "cell_col")


def ordering_cells(filters: Filters, scope: Scope, cell_km: float) -> list[dict]:
    """The grid cells of the customers with an order in view: `customers`, their centroid
    (`lat`, `lon`), and their orders (`cell_orders`) and revenue (`cell_revenue`) in view.
    From the per-customer rollup when it answers, else from the base tables."""
    return ordering_cells_with_source(filters, scope, cell_km)[0]


def ordering_cells_with_source(
    filters: Filters, scope: Scope, cell_km: float
) -> tuple[list[dict], bool]:
    """`ordering_cells`, and whether they came from CustomerTotals rows (`_stored_cells`: the
    same groups, in the same order, as geo/potential_locations' candidate cells)."""
    source = rollups.sales_source(filters, scope, Grain.ALL, ("orders", "revenue"), customers=True)
    if source is None:
        cells = grid_cells(ordering_customers(filters, scope), cell_km)
        return list(cells.annotate(cell_orders=Sum("n_orders"), cell_revenue=Sum("revenue"))), False
    totals = counts.customer_totals(filters, scope)
    if totals is not None and totals.model is CustomerTotals:  # with the customers' homes
        cells = _stored_cells(totals, cell_km)
        found = list(cells.annotate(cell_orders=Sum("orders"), cell_revenue=Sum("revenue")))
        for cell in found:
            cell["cell_revenue"] = money(cell["cell_revenue"])
        return found, True
    if totals is not None:  # a row per customer: no grouping
        return _rollup_cells(totals, counts.AS_THEY_ARE, cell_km), False
    return _rollup_cells(*source, cell_km), False


def _stored_cells(totals: QuerySet, cell_km: float) -> QuerySet:
    """`grid_cells` of the customers of CustomerTotals rows `totals` (one per customer), from
    the coordinates they hold."""
    return (
        _in_cells(totals, cell_km)
        .annotate(customers=Count("*"), lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by("cell_row", "cell_col")
    )


def _rollup_cells(rows: QuerySet, sums: dict, cell_km: float) -> list[dict]:
    """`ordering_cells` from the per-customer rollup rows `rows` in one query: the rows summed
    per customer (each ordering customer once; `sums` are per-row columns when `rows` are one
    per customer already), joined to the customers, grouped by cell (by
    hashing: sorted here, as `grid_cells` orders them)."""
    per_customer = (
        rows.values("customer_id").annotate(n=sums["orders"], r=sums["revenue"]).order_by()
    )
    customers = _in_cells(Customer.objects.order_by(), cell_km).values(
        "id", "latitude", "longitude", "cell_row", "cell_col"
    )
    c_sql, c_params = customers.query.sql_with_params()
    s_sql, s_params = per_customer.query.sql_with_params()
    sql = f"""
        SELECT c.cell_row, c.cell_col, COUNT(*), AVG(c.latitude), AVG(c.longitude),
               SUM(s.n), SUM(s.r)
        FROM ({c_sql}) c JOIN ({s_sql}) s ON s.customer_id = c.id
        GROUP BY c.cell_row, c.cell_col"""
    names = ("cell_row", "cell_col", "customers", "lat", "lon", *CELL_SALES)
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, (*c_params, *s_params))
        found = [dict(zip(names, r, strict=True)) for r in sorted(cursor.fetchall())]
    for cell in found:  # as the ORM gives them: integer orders, Decimal revenue
        cell["cell_orders"] = int(cell["cell_orders"])
        cell["cell_revenue"] = money(cell["cell_revenue"])
    return found


CELL_SALES = ("cell_orders", "cell_revenue")


def _nearest_stores(lats: list[float], lons: list[float]) -> tuple[list[str], np.ndarray]:
    """For each point, the nearest store of the whole chain (id) and its distance in km."""
    chain = list(Store.objects.order_by("id").values_list("id", "latitude", "longitude"))
    ids, s_lat, s_lon = zip(*chain, strict=True)
    index, km = nearest_points(lats, lons, s_lat, s_lon)
    return [ids[i] for i in index], km


# --- geo/distance/ ----------------------------------------------------------------------------


def _distance_measures(filters: Filters, scope: Scope, *customer_per: str) -> dict:
    """Aggregates over orders: each pair once, each customer once per `customer_per` group."""
    pairs, customers = (_first_orders(filters, scope, *p) for p in (("store",), customer_per))
    return {
        "orders": Count("id"),
        "customers": distinct_count("customer_id"),
        "avg_order_distance_km": Avg("km"),
        "avg_customer_distance_km": Avg("km", filter=Q(id__in=pairs)),
        "avg_nearest_store_km": Avg("customer__nearest_store_km", filter=Q(id__in=customers)),
    }


@analysis("geo/distance/", filters=BASE_FILTERS)
def customer_distance_by_state(*, filters: Filters, scope: Scope) -> Result:
    """Customer-store distance: how far customers travel to the stores they order from, by state.

    One row per store state (USPS code) with orders in view. `orders` and `customers` count
    the orders and distinct ordering customers. `avg_order_distance_km` is the mean over
    orders of the great-circle distance from the ordering customer's home to the order's store;
    `avg_customer_distance_km` the same mean with each distinct customer-store pair counted
    once; `avg_nearest_store_km` the mean of the customers' distance to their nearest store
    of the chain (`Customer.nearest_store_km`), each customer once (customers whose nearest
    store is not derived are left out of that mean). `meta` holds the same figures over all
    states, a customer ordering in two states counted once. Kilometres, 6 decimals.
    With a product filter, only orders holding a matching product count.
    """
    from_rollups = _distance_from_stored(filters, scope) or _distance_from_rollups(filters, scope)
    if from_rollups is not None:
        rows, overall = from_rollups
        return Result(
            columns=COLUMNS_DISTANCE,
            rows=[_distance_row(r) for r in rows],
            meta=_distance_row(overall, ("orders", "customers")),
        )
    qs = scoped_orders(filters, scope).annotate(km=_order_km())
    grouped = (
        qs.values(state=F("store__state_abbr"))
        .annotate(**_distance_measures(filters, scope, "store__state_abbr"))
        .order_by("state")
    )
    overall = qs.aggregate(**_distance_measures(filters, scope))
    return Result(
        columns=COLUMNS_DISTANCE,
        rows=[_distance_row(r) for r in grouped],
        meta=_distance_row(overall, ("orders", "customers")),
    )


def _distance_from_stored(filters: Filters, scope: Scope) -> tuple[list[dict], dict] | None:
    """customer_distance_by_state's figures when the rows one per customer with an order in
    view are stored for the view and for its part in each state (`counts.customer_totals`:
    one period at the chain, a state, a city or a store), else None: each part's rows summed,
    their pairs' figures adding up across a customer's pairs."""
    parts = counts.customer_totals_by_state(filters, scope)
    if parts is None:
        return None
    overall = {"state": None, **_stored_distances(parts.pop(None))}
    found = {s: _stored_distances(rows) for s, rows in sorted(parts.items())}
    return [{"state": s, **f} for s, f in found.items() if f["orders"]], overall


def _stored_distances(rows: QuerySet) -> dict:
    """The figures of geo/distance over `rows`, one per customer: CustomerTotals rows (their
    pairs' sums, their nearest store's km) or a store's CustomerSales rows (one pair each)."""
    if rows.model is CustomerTotals:
        sums = {"n_km": Sum("order_km"), "km": Sum("pair_km"), "pairs": Sum("pairs")}
        near = "nearest_store_km"
    else:
        sums = {"n_km": Sum(F("orders") * F("km")), "km": Sum("km"), "pairs": Count("*")}
        near = "customer__nearest_store_km"
    found = rows.aggregate(n=Sum("orders"), customers=Count("*"), near=Avg(near), **sums)
    n, pairs = int(found["n"] or 0), found["pairs"] or 0
    return {
        "orders": n,
        "customers": found["customers"],
        "avg_order_distance_km": found["n_km"] / n if n else None,
        "avg_customer_distance_km": found["km"] / pairs if pairs else None,
        "avg_nearest_store_km": found["near"],
    }


def _distance_from_rollups(filters: Filters, scope: Scope) -> tuple[list[dict], dict] | None:
    """customer_distance_by_state's figures from the per-customer rollup, None when it cannot
    answer (a product filter). Each (store, customer) pair's orders in view, with the pair's
    distance and the customer's nearest-store distance, then per state and overall: orders
    weighted by the pair's orders, pairs once, customers once."""
    source = rollups.sales_source(filters, scope, Grain.ALL, ("orders",), customers=True)
    if source is None:
        return None
    if rollups.single_period(filters.date_from, filters.date_to):  # a row per pair already
        pairs = source[0].values(
            "store_id",
            "customer_id",
            n=F("orders"),
            pair_km=F("km"),
            near=F("customer__nearest_store_km"),
            state=F("store__state_abbr"),
        )
    else:
        pairs = (
            source[0]
            .values("store_id", "customer_id")
            .annotate(
                n=Sum("orders"),
                pair_km=Max("km"),  # one value per pair: the max is that value
                near=Max("customer__nearest_store_km"),
                state=Max("store__state_abbr"),
            )
            .order_by()
        )
    inner, params = pairs.query.sql_with_params()
    names = ["overall", "state", *COLUMNS_DISTANCE[1:]]
    with connection.cursor() as cursor:
        cursor.execute(_PAIRS_SQL.format(inner=inner), params)
        found = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    for row in found:
        row["orders"], row["customers"] = int(row["orders"] or 0), int(row["customers"] or 0)
    rows = sorted((r for r in found if not r["overall"]), key=lambda r: r["state"])
    return rows, next(r for r in found if r["overall"])


# Per state, then (overall = 1) over the whole view, from one group per state and customer:
# orders weighted by each pair's orders, pairs once, customers (and their nearest-store
# distance, the same in each of their rows) once per state or once overall.
_PAIRS_SQL = """
WITH per_customer AS (
  SELECT state, customer_id, SUM(n) AS n, SUM(n * pair_km) AS n_km, SUM(pair_km) AS km,
         COUNT(*) AS pairs, MAX(near) AS near
  FROM ({inner}) p GROUP BY state, customer_id)
SELECT 0, state, SUM(n), COUNT(*), SUM(n_km) / SUM(n), SUM(km) / SUM(pairs), AVG(near)
FROM per_customer GROUP BY state
UNION ALL
SELECT 1, NULL, SUM(n), COUNT(*), SUM(n_km) / SUM(n), SUM(km) / SUM(pairs), AVG(near)
FROM (SELECT SUM(n) AS n, SUM(n_km) AS n_km, SUM(km) AS km, SUM(pairs) AS pairs,
             MAX(near) AS near
      FROM per_customer GROUP BY customer_id) c
"""


def _distance_row(row: dict, counts: tuple[str, ...] = ("state", "orders", "customers")) -> dict:
    out = {k: row[k] for k in counts}
    out.update({k: _km(row[k]) for k in COLUMNS_DISTANCE[3:]})
    return out


COLUMNS_DISTANCE = [
    "state",
    "orders",
    "customers",
    "avg_order_distance_km",
    "avg_customer_distance_km",
    "avg_nearest_store_km",
]


# --- geo/assignment/ --------------------------------------------------------------------------


@dataclass
class _Assignments:
    """Ordering customers counted by (main store, nearest store), and per pair the sum of the
    extra kilometres to the main store."""

    customers: dict[tuple[str, str], int]
    extra_km: dict[tuple[str, str], float]


def _assignments(filters: Filters, scope: Scope) -> _Assignments:
    """Each ordering customer's main store in view (most orders, then more revenue, then
    lower store id) against their nearest store of the chain, counted per pair of stores in
    the database: one row per customer and store (`sales_by_query`), the main one picked by a
    window over the customer's rows; or from their stored main store (`_stored_assignments`)."""
    stored = _stored_assignments(filters, scope)
    if stored is not None:
        return stored
    qs, col = sales_by_query(
        filters,
        scope,
        {
            "customer_key": _customer_key("id"),
            "store_key": by_field("store_id"),
            "nearest": _customer_key("nearest_store_id"),
            "nearest_km": _customer_key("nearest_store_km"),
            "km": Group(_order_km, _rollup_km, per_customer=True),
        },
        store_and_customer=True,
    )
    try:
        inner, params = qs.query.sql_with_params()
    except EmptyResultSet:  # a scope without stores
        return _Assignments({}, {})
    # Customer IDs compared as bytes: the database's collation sorts them twice as slowly.
    as_bytes = ' COLLATE "C"' if connections[qs.db].vendor == "postgresql" else ""
    main, nearest, km, nearest_km = col["store_key"], col["nearest"], col["km"], col["nearest_km"]
    by_customer = f"PARTITION BY p.{col['customer_key']}{as_bytes}"
    rank = f"ORDER BY p.{col['orders']} DESC, p.{col['revenue']} DESC, p.{main}"
    # Customers edited by hand without a nearest store or its distance are left out.
    sql = f"""
        SELECT t.{main}, t.{nearest}, COUNT(*), SUM(t.{km} - t.{nearest_km})
        FROM (SELECT p.*, ROW_NUMBER() OVER ({by_customer} {rank}) AS rn
              FROM ({inner}) p
              WHERE p.{nearest} IS NOT NULL AND p.{nearest_km} IS NOT NULL) t
        WHERE t.rn = 1 GROUP BY t.{main}, t.{nearest}"""
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _Assignments(
        {(m, n): count for m, n, count, _ in rows},
        {(m, n): float(extra) for m, n, _, extra in rows},
    )


def _stored_assignments(filters: Filters, scope: Scope) -> _Assignments | None:
    """`_assignments` from the rows of one per customer with an order in view
    (`counts.customer_totals`, None when there are none): CustomerTotals rows hold the main
    store and its km, and the customer's nearest store; at a place of one store, that store
    is everyone's main store."""
    totals = counts.customer_totals(filters, scope)
    if totals is None:
        return None
    if totals.model is CustomerTotals:
        main, km, near = "main_store_id", "main_km", ""
    else:
        main, km, near = "store_id", "km", "customer__"
    rows = (
        totals.filter(
            **{f"{near}nearest_store__isnull": False, f"{near}nearest_store_km__isnull": False}
        )
        .values(m=F(main), n=F(f"{near}nearest_store_id"))
        .annotate(count=Count("*"), extra=Sum(F(km) - F(f"{near}nearest_store_km")))
        .order_by()
    )
    return _Assignments(
        {(r["m"], r["n"]): r["count"] for r in rows},
        {(r["m"], r["n"]): float(r["extra"]) for r in rows},
    )


@analysis("geo/assignment/", filters=BASE_FILTERS)
def customer_assignment_by_store(*, filters: Filters, scope: Scope) -> Result:
    """Customer assignment: main store versus nearest store, by store.

    Customers are those with an order in view (scope and filters). A customer's main store is
    the store in view with most of their orders (ties: more revenue, then lower store ID); their
    nearest store is the chain's store nearest to their home (`Customer.nearest_store`,
    customers without one are left out). Per store in view: `customers_main` (customers whose
    main store it is), `nearest_here` (those customers whose nearest store it is),
    `main_is_nearest`, `main_elsewhere` (main store here, nearest store another) and
    `share_matching` = main_is_nearest / customers_main in percent (2 decimals).
    `meta`: `customers`, `differing` (main store is not the nearest), `share_differing_pct`,
    `avg_extra_km` (mean over the differing customers of the distance to the main store minus
    the distance to the nearest, km; null when none differ).
    """
    assignments = _assignments(filters, scope)
    main, nearest, matching = Counter(), Counter(), Counter()
    for (m, n), count in assignments.customers.items():
        main[m] += count
        nearest[n] += count
        if m == n:
            matching[m] += count
    rows = [
        {
            "store": s.id,
            "city": s.city,
            "state": s.state_abbr,
            "customers_main": main[s.id],
            "nearest_here": nearest[s.id],
            "main_is_nearest": matching[s.id],
            "main_elsewhere": main[s.id] - matching[s.id],
            "share_matching": percent(matching[s.id], main[s.id], when_zero=ZERO),
        }
        for s in stores_in(filters, scope)
    ]
    differing = {pair: n for pair, n in assignments.customers.items() if pair[0] != pair[1]}
    n_differ, n_all = sum(differing.values()), sum(assignments.customers.values())
    extra = sum(assignments.extra_km[pair] for pair in differing)
    meta = {
        "customers": n_all,
        "differing": n_differ,
        "share_differing_pct": percent(n_differ, n_all, when_zero=ZERO),
        "avg_extra_km": _km(extra / n_differ) if n_differ else None,
    }
    return Result(columns=COLUMNS_ASSIGNMENT, rows=rows, meta=meta)


COLUMNS_ASSIGNMENT = [
    "store",
    "city",
    "state",
    "customers_main",
    "nearest_here",
    "main_is_nearest",
    "main_elsewhere",
    "share_matching",
]


# --- geo/white_spot/ --------------------------------------------------------------------------


@analysis(
    "geo/white_spot/",
    filters=BASE_FILTERS,
    params=(
        Param("min_customers", int, 20, "Fewest customers a cell needs", 1, 1_000_000),
        RADIUS_KM,
        CELL_KM,
    ),
)
def white_spots_by_cell(
    *, filters: Filters, scope: Scope, min_customers: int, radius_km: float, cell_km: float
) -> Result:
    """White spots: areas with many customers and no store nearby, by grid cell.

    Customers are those with an order in view (scope and filters), so a store manager sees
    the white spots around their own customers. They are grouped into a grid of cells about
    `cell_km` km on a side (default 10). A cell holding at least `min_customers` customers
    (default 20) whose centroid (`lat`, `lon`: the mean of their coordinates, degrees) lies
    farther than `radius_km` km (default 25) from every store of the chain is a white spot.
    Per white spot: `customers`, their `orders` and `revenue` in view (USD; with a product
    filter, the matching items), `nearest_store` (its ID; null when it is not one of your
    stores) and `nearest_store_km`. Most customers first. `meta`: `cells` (cells with at least
    `min_customers` customers) and `white_spot_customers`.
    """
    return white_spots_of(ordering_cells(filters, scope, cell_km), scope, min_customers, radius_km)


def white_spots_of(cells: list[dict], scope: Scope, min_customers: int, radius_km: float) -> Result:
    """`white_spots_by_cell` from the customers' cells (`ordering_cells`)."""
    cells = [c for c in cells if c["customers"] >= min_customers]
    rows = []
    if cells:
        ids, km = _nearest_stores([c["lat"] for c in cells], [c["lon"] for c in cells])
        rows = [
            _white_spot_row(c, store, d, scope)
            for c, store, d in zip(cells, ids, km, strict=True)
            if d > radius_km
        ]
    rows.sort(key=lambda r: (-r["customers"], r["lat"], r["lon"]))
    meta = {"cells": len(cells), "white_spot_customers": sum(r["customers"] for r in rows)}
    return Result(columns=COLUMNS_WHITE_SPOT, rows=rows, meta=meta)


def _white_spot_row(cell: dict, store: str, km: float, scope: Scope) -> dict:
    return {
        "lat": round(cell["lat"], 6),
        "lon": round(cell["lon"], 6),
        "customers": cell["customers"],
        "orders": cell["cell_orders"],
        "revenue": money(cell["cell_revenue"]),
        "nearest_store": store if scope.allows(store) else None,
        "nearest_store_km": _km(km),
    }


COLUMNS_WHITE_SPOT = [
    "lat",
    "lon",
    "customers",
    "orders",
    "revenue",
    "nearest_store",
    "nearest_store_km",
]


# --- geo/low_penetration/ ---------------------------------------------------------------------


def _catchments(filters: Filters, scope: Scope) -> dict[str, dict]:
    """Per store in view: its catchment customers, and those who ordered at any store in scope
    within the date and product filters."""
    everywhere = replace(filters, store=(), state=(), city=None)
    source = rollups.sales_source(everywhere, scope, Grain.ALL, (), customers=True)
    customers = Customer.objects.filter(nearest_store__in=stores_in(filters, scope))
    customers = scope.filter(customers, store_field="nearest_store")
    if source is not None:  # the per-customer rows covering the dates: one hashed subquery
        totals = counts.customer_totals(everywhere, scope)  # one row per customer, if stored
        ordering = Q(id__in=(source[0] if totals is None else totals).values("customer_id"))
    else:
        customers = customers.annotate(anywhere=customer_sales(everywhere, scope)[0])
        ordering = Q(anywhere=True)
    rows = (
        customers.values("nearest_store")
        .annotate(catchment=Count("id"), ordering=Count("id", filter=ordering))
        .order_by("nearest_store")
    )
    return {r["nearest_store"]: r for r in rows}


def _stored_penetration(filters: Filters, scope: Scope, view: list[str]) -> dict[str, dict] | None:
    """`_catchments` and `_sales_to_catchment` together when the customers who ordered in
    scope have CustomerTotals rows (`counts.customer_totals` of a place of two or more
    stores), else None: those rows hold each customer's nearest store and their orders and
    revenue there, so each catchment is counted from its customers' rows. `view`: the IDs
    of the stores in view, as a list (a hashed list beats a join to the stores for 30,000
    rows)."""
    everywhere = replace(filters, store=(), state=(), city=None)
    totals = counts.customer_totals(everywhere, scope)
    if totals is None or totals.model is not CustomerTotals:
        return None
    customers = scope.filter(
        Customer.objects.filter(nearest_store__in=view), store_field="nearest_store"
    )
    catchments = customers.values("nearest_store").annotate(n=Count("id")).order_by()
    found = {r["nearest_store"]: {"catchment": r["n"]} for r in catchments}
    ordering = (
        totals.filter(nearest_store__in=view)
        .values("nearest_store")
        .annotate(
            ordering=Count("*"),
            ordering_here=Count("customer_id", filter=Q(home_orders__gt=0)),
            orders=Sum("home_orders"),
            revenue=Sum("home_revenue"),
        )
        .order_by()
    )
    for row in ordering:
        found.setdefault(row.pop("nearest_store"), {}).update(row)
    return found


def _sales_to_catchment(filters: Filters, scope: Scope) -> dict[str, dict]:
    """Per store: catchment customers who ordered there (`ordering_here`), orders, revenue."""
    qs, p, measures = sales_source(
        filters, scope, ("orders", "revenue", "customers"), rollup=Grain.ALL
    )
    ordering_here = measures["customers"]
    if qs.model is CustomerSales:  # a row per pair, which knows whether it is the home store
        home = qs.filter(home=1)
        if rollups.single_period(filters.date_from, filters.date_to):
            ordering_here = Count("id")  # one row per pair: a store's rows are its customers
    else:
        home = qs.filter(**{f"{p}store": F(f"{p}customer__nearest_store")})
    sums = {
        "ordering_here": ordering_here,
        "orders": measures["orders"],
        "revenue": measures["revenue"],
    }
    rows = grouped(home, {"store_key": F(f"{p}store_id")}, sums)
    return {r["store_key"]: r for r in rows}


@analysis(
    "geo/low_penetration/",
    filters=BASE_FILTERS,
    params=(
        Param(
            "min_penetration_pct",
            float,
            50.0,
            "Penetration (%) below which a store is flagged",
            0,
            100,
        ),
        Param(
            "min_orders_per_customer",
            float,
            2.0,
            "Orders per ordering customer below which a store is flagged",
            0,
            10_000,
        ),
    ),
)
def market_penetration_by_store(
    *, filters: Filters, scope: Scope, min_penetration_pct: float, min_orders_per_customer: float
) -> Result:
    """Low market penetration: how many of the customers living nearest to a store order there.

    A store's catchment is the customers whose nearest store of the chain is that store
    (`Customer.nearest_store`). Per store in view: `catchment_customers`;
    `ordering_customers`, those who ordered at any of your stores within the date and product
    filters (the store, state and city filters choose the rows, not these orders);
    `ordering_here`, those who ordered at this store; `penetration_pct` = ordering_here /
    catchment_customers in percent; `orders_per_ordering_customer` = their orders here /
    ordering_here; `revenue_per_catchment_customer` = their revenue here (USD; with a product
    filter, the matching items) / catchment_customers.
    A store is flagged when penetration_pct < `min_penetration_pct` (default 50) or
    orders_per_ordering_customer < `min_orders_per_customer` (default 2); `reason` says why.
    Ratios have 2 decimals. Every store in view, lowest penetration first.
    """
    stores = list(stores_in(filters, scope))
    found = _stored_penetration(filters, scope, [s.id for s in stores])
    if found is None:
        catchments, sales = _catchments(filters, scope), _sales_to_catchment(filters, scope)
        found = {s: {**catchments.get(s, {}), **sales.get(s, {})} for s in {*catchments, *sales}}
    rows = [
        _penetration_row(s, found.get(s.id, {}), min_penetration_pct, min_orders_per_customer)
        for s in stores
    ]
    rows.sort(key=lambda r: (r["penetration_pct"], r["store"]))
    return Result(columns=COLUMNS_PENETRATION, rows=rows)


def _penetration_row(store: Store, f: dict, min_pct: float, min_orders: float) -> dict:
    catchment, here = f.get("catchment", 0), f.get("ordering_here", 0)
    penetration = percent(here, catchment, when_zero=ZERO)
    per_customer = ratio(f.get("orders", 0), here)
    reasons = []
    if penetration < min_pct:
        reasons.append(
            f"Penetration {penetration}% is below {min_pct:g}%: {here} of the {catchment} "
            "customers living nearest to this store order here."
        )
    if per_customer < min_orders:
        reasons.append(
            f"Customers who order here place {per_customer} orders each, fewer than {min_orders:g}."
        )
    return {
        "store": store.id,
        "city": store.city,
        "state": store.state_abbr,
        "catchment_customers": catchment,
        "ordering_customers": f.get("ordering", 0),
        "ordering_here": here,
        "penetration_pct": penetration,
        "orders_per_ordering_customer": per_customer,
        "revenue_per_catchment_customer": ratio(money(f.get("revenue")), catchment),
        "flag": bool(reasons),
        "reason": " ".join(reasons),
    }


COLUMNS_PENETRATION = [
    "store",
    "city",
    "state",
    "catchment_customers",
    "ordering_customers",
    "ordering_here",
    "penetration_pct",
    "orders_per_ordering_customer",
    "revenue_per_catchment_customer",
    "flag",
    "reason",
]


# --- geo/potential_locations/ -----------------------------------------------------------------


@dataclass
class Underserved:
    """The under-served customers, as arrays (one entry per customer)."""

    lat: np.ndarray
    lon: np.ndarray
    km_now: np.ndarray
    orders: np.ndarray
    cents: np.ndarray
    places: list[tuple[str, str]]

    @classmethod
    def of(
        cls,
        filters: Filters,
        scope: Scope,
        radius_km: float,
        cell_km: float,
        stored_cells: list[dict] | None = None,
    ) -> tuple[Underserved, QuerySet | list[dict]]:
        """The under-served customers with an order in view, and the grid cells of every
        customer with one (`grid_cells`): from the per-customer rollup when it answers.
        `stored_cells`: those cells when already read from CustomerTotals
        (`ordering_cells_with_source`), used when they would be read from there again."""
        fields = ("latitude", "longitude", "nearest_store_km")
        source = rollups.sales_source(
            filters, scope, Grain.ALL, ("orders", "revenue"), customers=True
        )
        if source is None:
            customers = ordering_customers(filters, scope)
            far = customers.filter(nearest_store_km__gt=radius_km).order_by("id")
            rows = far.values_list(*fields, "n_orders", "revenue", "city", "state_abbr")
            return cls.from_rows(list(rows)), grid_cells(customers, cell_km)
        sales, sums = source
        totals = counts.customer_totals(filters, scope)
        if totals is not None and totals.model is CustomerTotals:  # with the customers' homes
            far = totals.filter(nearest_store_km__gt=radius_km).order_by("customer_id")
            found = list(far.values_list(*fields, "orders", "revenue", "customer_id"))
            # Their cities apart: the few far ones hashed, not every customer.
            cities = Customer.objects.filter(id__in=far.values("customer_id")).values_list(
                "id", "city", "state_abbr"
            )
            place = {cid: (city, state) for cid, city, state in cities}
            rows = [(*r[:-1], *place[r[-1]]) for r in found]
            return cls.from_rows(rows), (
                _stored_cells(totals, cell_km) if stored_cells is None else stored_cells
            )
        take = F if totals is not None else Max  # a row per customer, or one per group
        if totals is not None:
            sales, sums = totals, counts.AS_THEY_ARE
        customers = Customer.objects.filter(id__in=sales.values("customer_id"))
        far = sales.filter(customer__nearest_store_km__gt=radius_km)
        if totals is None:
            far = far.values("customer_id")
        rows = (
            far.annotate(
                **{f"c_{f}": take(f"customer__{f}") for f in (*fields, "city", "state_abbr")},
                n=sums["orders"],
                r=sums["revenue"],
            )
            .order_by("customer_id")
            .values_list(*(f"c_{f}" for f in fields), "n", "r", "c_city", "c_state_abbr")
        )
        return cls.from_rows(list(rows)), grid_cells(customers, cell_km)

    @classmethod
    def from_rows(cls, rows: list[tuple]) -> Underserved:
        cols = list(zip(*rows, strict=True)) or [()] * 7
        return cls(
            lat=np.array(cols[0], dtype=float),
            lon=np.array(cols[1], dtype=float),
            km_now=np.array(cols[2], dtype=float),
            orders=np.array(cols[3], dtype=np.int64),
            cents=np.array([int(money(v) * 100) for v in cols[4]], dtype=np.int64),
            places=list(zip(cols[5], cols[6], strict=True)),
        )


@dataclass
class _Pairs:
    """Customer-candidate pairs within reach: customer index, candidate index, km."""

    customer: np.ndarray
    site: np.ndarray
    km: np.ndarray


def _pairs_within(people: Underserved, sites: list[dict], min_saving_km: float) -> _Pairs:
    """Every pair whose distance is at most the customer's distance now minus the saving."""
    s_lat = np.array([s["lat"] for s in sites])[np.newaxis, :]
    s_lon = np.array([s["lon"] for s in sites])[np.newaxis, :]
    reach = people.km_now - min_saving_km
    parts = []
    step = max(1, _CHUNK_CELLS // len(sites))
    for start in range(0, len(reach), step):
        part = slice(start, start + step)
        lat, lon, within = people.lat[part], people.lon[part], reach[part]
        # A great circle is no shorter than its latitude difference along a meridian: only
        # the sites that close (a metre to spare for rounding) are measured.
        near = np.abs(lat[:, None] - s_lat) * KM_PER_DEGREE <= within[:, None] + 1e-3
        i, j = np.nonzero(near)
        km = haversine_km(lat[i], lon[i], s_lat[0, j], s_lon[0, j])
        keep = km <= within[i]
        parts.append((i[keep] + start, j[keep], km[keep]))
    customer, site, km = (np.concatenate(x) for x in zip(*parts, strict=True))
    return _Pairs(customer=customer, site=site, km=km)


@dataclass
class _Pick:
    site: int
    customers: np.ndarray
    km_before: np.ndarray
    km_after: np.ndarray


def _greedy_sites(
    pairs: _Pairs, people: Underserved, n_sites: int, n_picks: int, min_saving_km: float
) -> list[_Pick]:
    """Pick sites one by one, each winning the most revenue among customers it would bring
    at least `min_saving_km` closer than their current store or already picked site.
    Ties: more customers won, then more km saved, then the first candidate."""
    current = people.km_now.copy()
    picks: list[_Pick] = []
    for _ in range(n_picks):
        now = current[pairs.customer]
        won = (pairs.km <= now - min_saving_km) & (pairs.km < now)
        sites, who = pairs.site[won], pairs.customer[won]
        count = np.bincount(sites, minlength=n_sites)
        gain = np.bincount(sites, weights=people.cents[who], minlength=n_sites)
        saved = np.bincount(sites, weights=(now - pairs.km)[won], minlength=n_sites)
        best = int(np.lexsort((np.arange(n_sites), -saved, -count, -gain))[0])
        if count[best] == 0:
            break
        chosen = won & (pairs.site == best)
        customers = pairs.customer[chosen]
        picks.append(_Pick(best, customers, current[customers], pairs.km[chosen]))
        current[customers] = pairs.km[chosen]
    return picks


@analysis(
    "geo/potential_locations/",
    filters=BASE_FILTERS,
    params=(
        Param("sites", int, 5, "How many sites to propose", 1, 50),
        RADIUS_KM,
        Param("min_saving_km", float, 5.0, "Km a site must save a customer to win them", 0, 1000),
        CELL_KM,
    ),
)
def potential_sites_by_rank(
    *,
    filters: Filters,
    scope: Scope,
    sites: int,
    radius_km: float,
    min_saving_km: float,
    cell_km: float,
) -> Result:
    """Potential store locations: sites bringing under-served customers closer, best first.

    Customers are those with an order in view (scope and filters); one is under-served when
    their nearest store of the chain is farther than `radius_km` km (default 25). Candidate
    sites are the centroids of the grid cells (about `cell_km` km on a side, default 10) of
    the customers. A greedy search picks `sites` sites (default 5, 1-50): each time the
    candidate that wins the most revenue, a customer being won when the site is at least
    `min_saving_km` km (default 5) closer than where they are served now; the customers won
    are then served by that site (a later site can win them again by being closer still).
    Ties: more customers won, then more km saved. Fewer rows when no candidate wins anyone.
    Per site: `rank`, `lat`, `lon` (degrees), `nearest_city`, `nearest_state` (the most common
    city of the customers won, ties alphabetical), `customers_won`, their `orders` and
    `revenue_at_stake` in view (USD; with a product filter, the matching items),
    `avg_distance_now_km`, `avg_distance_new_km` and `distance_saved_km` (total).
    `meta`: `underserved_customers`, `candidates`.
    """
    return sites_of(Underserved.of(filters, scope, radius_km, cell_km), sites, min_saving_km)


def sites_of(
    found: tuple[Underserved, QuerySet | list[dict]], sites: int, min_saving_km: float
) -> Result:
    """`potential_sites_by_rank` from `Underserved.of`: the customers and candidate cells."""
    people, cells = found
    candidates = list(cells) if len(people.lat) else []
    meta = {"underserved_customers": len(people.lat), "candidates": len(candidates)}
    if not candidates:
        return Result(columns=COLUMNS_SITES, rows=[], meta=meta)
    pairs = _pairs_within(people, candidates, min_saving_km)
    picks = _greedy_sites(pairs, people, len(candidates), sites, min_saving_km)
    rows = [_site_row(rank, candidates[p.site], p, people) for rank, p in enumerate(picks, 1)]
    return Result(columns=COLUMNS_SITES, rows=rows, meta=meta)


def _site_row(rank: int, cell: dict, pick: _Pick, people: Underserved) -> dict:
    places = Counter(people.places[i] for i in pick.customers if people.places[i][0])
    city, state = min(places.items(), key=lambda kv: (-kv[1], kv[0]))[0] if places else (None,) * 2
    return {
        "rank": rank,
        "lat": round(cell["lat"], 6),
        "lon": round(cell["lon"], 6),
        "nearest_city": city,
        "nearest_state": state,
        "customers_won": len(pick.customers),
        "orders": int(people.orders[pick.customers].sum()),
        "revenue_at_stake": money(Decimal(int(people.cents[pick.customers].sum())) / 100),
        "avg_distance_now_km": _km(pick.km_before.mean()),
        "avg_distance_new_km": _km(pick.km_after.mean()),
        "distance_saved_km": _km((pick.km_before - pick.km_after).sum()),
    }


COLUMNS_SITES = [
    "rank",
    "lat",
    "lon",
    "nearest_city",
    "nearest_state",
    "customers_won",
    "orders",
    "revenue_at_stake",
    "avg_distance_now_km",
    "avg_distance_new_km",
    "distance_saved_km",
]
