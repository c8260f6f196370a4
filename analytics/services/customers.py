"""Customer analyses: where customers are, who buys most often, how much, and who comes back.

Every figure counts the customers who placed an order in the user's scope matching the filters.
With a product filter (category, size, sku) an order counts when it holds a matching product
and revenue is the quantity × unit price of the matching items, as in `base.sales_by`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Count,
    F,
    FloatField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Floor, Lag, Round

from accounts.scope import Scope
from analytics import counts, rollups
from analytics.filters import Filters
from analytics.models import Grain
from analytics.registry import BASE_FILTERS, Param, analysis
from analytics.services.base import (
    ZERO,
    Result,
    by_period,
    grouped,
    money,
    percent,
    periods,
    ratio,
    sales_source,
    scoped_orders,
    stores_in,
    to_local_date,
    trunc,
)
from customers.models import Customer

# --- helpers ---------------------------------------------------------------------------------

WITH_CUSTOMERS = ("orders", "revenue", "customers")


def _store_counts(filters: Filters, scope: Scope, fields: list[str]) -> dict[tuple, int]:
    """Stores in scope matching the store filters (store, state, city), counted per `fields`."""
    rows = stores_in(filters, scope).values(*fields).annotate(n=Count("id")).order_by()
    return {_place_key(*(r[f] for f in fields)): r["n"] for r in rows}


def _customer_rows(filters: Filters, scope: Scope) -> tuple[QuerySet, str, dict]:
    """`sales_source` with the customers among the measures, for grouping by something of
    the customer's: the stored one row per customer (`counts.customer_totals`, so customers
    are counted, not counted distinct) when it answers."""
    totals = counts.customer_totals(filters, scope)
    if totals is not None:
        return totals, "", {"customers": Count("customer_id"), **ROW_SUMS}
    return sales_source(filters, scope, WITH_CUSTOMERS, rollup=Grain.ALL)


ROW_SUMS = {"orders": Sum("orders"), "revenue": Sum("revenue")}


def _place_key(state: str | None, city: str | None = None) -> tuple:
    return (state or "", (city or "").casefold())


def _rounded_aov():
    """Revenue / orders as a float, revenue first rounded to the cent so that both engines
    (SQLite sums floats, PostgreSQL numerics) rank customers alike."""
    return Cast(Round(F("n_revenue"), 2), FloatField()) / F("n_orders")


# --- analyses --------------------------------------------------------------------------------

LEVEL = Param(
    "level", str, "state", "Group by state, or by city within state.", choices=("state", "city")
)
BY = Param(
    "by",
    str,
    "home",
    "Place customers by their home (derived at import) or by the store they ordered from.",
    choices=("home", "store"),
)


@analysis("customers/density/", params=(LEVEL, BY))
def customers_by_location(*, filters: Filters, scope: Scope, level: str, by: str) -> Result:
    """Customer density: customers, orders and revenue per state or per city.

    `customers` counts the distinct customers with an order in scope matching the filters;
    `orders` and `revenue` (USD, sum of order totals; matching items only with a product
    filter) are theirs. `by=home` (default) places a customer at their home: the city and
    state of the ZIP code nearest to their coordinates, derived at import (None when the
    import could not place them). `by=store` places each order at its store: a customer who
    ordered in two states then counts in both. The `state`, `city` and `store` filters always
    select stores. `level`: state (default) or city (rows per state and city).
    `customer_share` (%) = customers / all distinct customers in the result (`meta.customers`)
    × 100, rounded to 0.01; with `by=store` shares can add up to more than 100.
    `customers_per_store` = customers / stores in scope (matching the store filters) located
    in that state or city, rounded to 0.01; None where there is no such store. Rows by
    customers, descending, then state and city.
    """
    if by == "home":
        qs, prefix, measures = _customer_rows(filters, scope)
    else:
        qs, prefix, measures = sales_source(filters, scope, WITH_CUSTOMERS, rollup=Grain.ALL)
    place = f"{prefix}customer__" if by == "home" else f"{prefix}store__"
    keys = {"state": F(f"{place}state_abbr")}
    if level == "city":
        keys["city"] = F(f"{place}city")
    rows = grouped(qs, keys, measures)
    if by == "home":  # every customer has one home: the rows partition the customers
        total = sum(r["customers"] for r in rows)
    else:
        total = qs.aggregate(n=measures["customers"])["n"]
    stores = _store_counts(filters, scope, ["state_abbr", "city"][: len(keys)])
    out = [
        _density_row(r, list(keys), total, stores.get(_place_key(*(r[k] for k in keys))))
        for r in rows
    ]
    out.sort(key=lambda r: (-r["customers"], r["state"] or "", r.get("city") or ""))
    columns = [*keys, "customers", "orders", "revenue", "customer_share", "customers_per_store"]
    return Result(columns=columns, rows=out, meta={"customers": total})


def _density_row(row: dict, keys: list[str], total: int, n_stores: int | None) -> dict:
    return {
        **{k: row[k] or None for k in keys},
        "customers": row["customers"],
        "orders": row["orders"],
        "revenue": money(row["revenue"]),
        "customer_share": percent(row["customers"], total, when_zero=ZERO),
        "customers_per_store": ratio(row["customers"], n_stores) if n_stores else None,
    }


CELL_DEG = Param("cell_deg", float, 0.1, "Grid cell size in degrees", minimum=0.01, maximum=5)


@analysis("customers/distribution/", params=(CELL_DEG,))
def customers_by_grid_cell(*, filters: Filters, scope: Scope, cell_deg: float) -> Result:
    """Customer distribution: customers, orders and revenue per latitude/longitude grid cell.

    The binned form of the customers' map for large counts. Customers with an order in scope
    matching the filters are placed at their home coordinates in square cells of `cell_deg`
    degrees (default 0.1, about 11 km north-south; 0.01-5): a cell holds latitudes from
    k × cell_deg (included) to (k + 1) × cell_deg (excluded), the same for longitudes. `lat`
    and `lon` are the cell's centre (degrees, rounded to 6 places). `customers` counts
    distinct customers, `orders` and `revenue` (USD, sum of order totals; matching items only
    with a product filter) their orders in scope. Binning is done in the database. Rows from
    south to north, then west to east.
    """
    qs, prefix, measures = _customer_rows(filters, scope)
    cell = Value(float(cell_deg), output_field=FloatField())
    keys = {
        "lat_cell": Floor(F(f"{prefix}customer__latitude") / cell),
        "lon_cell": Floor(F(f"{prefix}customer__longitude") / cell),
    }
    rows = sorted(grouped(qs, keys, measures), key=lambda r: (r["lat_cell"], r["lon_cell"]))
    out = [
        {
            "lat": round((int(r["lat_cell"]) + 0.5) * cell_deg, 6),
            "lon": round((int(r["lon_cell"]) + 0.5) * cell_deg, 6),
            "customers": r["customers"],
            "orders": r["orders"],
            "revenue": money(r["revenue"]),
        }
        for r in rows
    ]
    return Result(columns=["lat", "lon", "customers", "orders", "revenue"], rows=out)


@analysis("customers/top/", filters=(*BASE_FILTERS, "limit"))
def top_customers_by_orders(*, filters: Filters, scope: Scope) -> Result:
    """Top customers by purchase frequency: the `limit` (default 10) who ordered most often.

    `orders` counts a customer's orders in scope matching the filters (orders holding a
    matching product with a product filter); `revenue` (USD) is the sum of their totals
    (matching items only with a product filter); `average_order_value` = revenue / orders
    (USD, to the cent). `first_order` and `last_order` are the local dates of their first and
    last such order. `home_city` and `home_state` are the customer's home, derived at import
    (None when unknown). Ranked by orders, then revenue, both descending, then customer ID.
    """
    source = rollups.sales_source(filters, scope, Grain.ALL, ("orders", "revenue"), customers=True)
    totals = counts.customer_totals(filters, scope)
    if totals is not None:  # a row per customer: no grouping
        qs, sums, prefix = totals, counts.AS_THEY_ARE, ""
        span = {"first": F("first_day"), "last": F("last_day")}
    elif source is not None:
        qs, sums = source
        prefix, span = "", {"first": Min("first_day"), "last": Max("last_day")}
    else:
        qs, prefix, sums = sales_source(filters, scope)
        span = {"first": Min(f"{prefix}ordered_at"), "last": Max(f"{prefix}ordered_at")}
    measures = {"n_orders": sums["orders"], "n_revenue": sums["revenue"]}  # not field names
    # Ranked by customer alone, the homes of the few ranked then: grouping every row by the
    # customer's city and state too costs a join and a wider key over all of them.
    rows = list(
        qs.values(cid=F(f"{prefix}customer_id"))
        .annotate(**measures, **span)
        .order_by("-n_orders", Round(F("n_revenue"), 2).desc(), "cid")[: filters.limit]
    )
    homes = Customer.objects.filter(id__in=[r["cid"] for r in rows]).values_list(
        "id", "city", "state_abbr"
    )
    home = {cid: {"home_city": city, "home_state": state} for cid, city, state in homes}
    unknown = {"home_city": None, "home_state": None}  # a rollup row has no foreign key
    rows = [
        {**r, **home.get(r["cid"], unknown), "orders": r["n_orders"], "revenue": r["n_revenue"]}
        for r in rows
    ]
    out = [
        {
            "customer": r["cid"],
            "orders": r["orders"],
            "revenue": money(r["revenue"]),
            "average_order_value": ratio(money(r["revenue"]), r["orders"]),
            "first_order": to_local_date(r["first"]),
            "last_order": to_local_date(r["last"]),
            "home_city": r["home_city"] or None,
            "home_state": r["home_state"] or None,
        }
        for r in rows
    ]
    return Result(columns=COLUMNS_TOP, rows=out)


COLUMNS_TOP = [
    "customer",
    "orders",
    "revenue",
    "average_order_value",
    "first_order",
    "last_order",
    "home_city",
    "home_state",
]

MIN_ORDERS = Param(
    "min_orders", int, 1, "Leave out customers with fewer orders", minimum=1, maximum=1000
)


@analysis(
    "customers/avg_order/",
    filters=(*BASE_FILTERS, "limit"),
    params=(MIN_ORDERS,),
    defaults={"limit": 50},
)
def average_order_value_by_customer(*, filters: Filters, scope: Scope, min_orders: int) -> Result:
    """Average order value per customer: the `limit` (default 50) customers with the highest.

    For each customer with at least `min_orders` (default 1) orders in scope matching the
    filters: `orders`, `revenue` (USD, sum of order totals; matching items only with a
    product filter) and `average_order_value` = revenue / orders (USD, to the cent). Ranked
    by average order value descending, then customer ID. `meta`, over every such customer
    (not only the rows returned): `customers`; `mean_customer_aov`, the plain mean of the
    customers' average order values; `median_customer_aov`, their median (the mean of the two
    middle values for an even count); `order_weighted_aov` = their revenue / their orders, in
    which a frequent customer weighs more. All USD to the cent, zero without customers.
    """
    source = rollups.sales_source(filters, scope, Grain.ALL, ("orders", "revenue"), customers=True)
    totals = counts.customer_totals(filters, scope)
    if totals is not None:  # a row per customer: no grouping
        qs, sums, prefix = totals, counts.AS_THEY_ARE, ""
    elif source is not None:
        qs, sums = source
        prefix = ""
    else:
        qs, prefix, sums = sales_source(filters, scope)
    per_customer = (
        qs.values(cid=F(f"{prefix}customer_id"))
        .annotate(n_orders=sums["orders"], n_revenue=sums["revenue"])  # not field names
        .filter(n_orders__gte=min_orders)
        .annotate(aov=_rounded_aov())
    )
    rows, meta = _aov_ranked(per_customer, filters.limit)
    out = [
        {
            "customer": cid,
            "orders": orders,
            "revenue": money(revenue),
            "average_order_value": ratio(money(revenue), orders),
        }
        for cid, orders, revenue in rows
    ]
    return Result(columns=COLUMNS_AOV, rows=out, meta=meta)


def _aov_ranked(per_customer: QuerySet, limit: int) -> tuple[list[tuple], dict]:
    """The `limit` customers of highest AOV (cid, orders, revenue), and the summary over
    every grouped customer row (mean, median and order-weighted AOV), in one statement: the
    per-customer groups are computed once and ranked once by a window function. The middle
    ranks from the top are the middle ranks from the bottom (rank r is rank n + 1 - r from
    the other end, and the one or two middle ranks map onto each other), and customers tied
    on AOV have the same AOV: the ranking from the top gives the median too."""
    try:
        sql, params = per_customer.query.sql_with_params()
    except EmptyResultSet:  # a scope without stores
        sql, params = "", ()
    found = []
    if sql:
        # Customer IDs compared as bytes, as SQLite does: the collation sorts them slower.
        as_bytes = ' COLLATE "C"' if connections[per_customer.db].vendor == "postgresql" else ""
        statement = f"""
            SELECT cid, n_orders, n_revenue, r_top, n, mean_aov, all_orders, all_revenue
            FROM (SELECT cid, n_orders, n_revenue,
                         ROW_NUMBER() OVER (ORDER BY aov DESC, cid{as_bytes}) AS r_top,
                         COUNT(*) OVER () AS n, AVG(aov) OVER () AS mean_aov,
                         SUM(n_orders) OVER () AS all_orders,
                         SUM(n_revenue) OVER () AS all_revenue
                  FROM ({sql}) g) w
            WHERE r_top <= %s OR r_top BETWEEN (n + 1) / 2 AND n / 2 + 1
            ORDER BY r_top"""
        with connections[per_customer.db].cursor() as cursor:
            cursor.execute(statement, [*params, limit])
            found = cursor.fetchall()
    if not found:
        zero = money(0)
        summary = dict.fromkeys(
            ("mean_customer_aov", "median_customer_aov", "order_weighted_aov"), zero
        )
        return [], {"customers": 0, **summary}
    _, _, _, _, n, mean_aov, all_orders, all_revenue = found[0]
    # The median: the one or two middle rows in AOV order (no percentile in SQLite).
    middle = [money(r[2]) / r[1] for r in found if (n + 1) // 2 <= r[3] <= n // 2 + 1]
    meta = {
        "customers": n,
        "mean_customer_aov": money(mean_aov),
        "median_customer_aov": money(sum(middle) / len(middle)),
        "order_weighted_aov": ratio(money(all_revenue), all_orders),
    }
    return [r[:3] for r in found if r[3] <= limit], meta


COLUMNS_AOV = ["customer", "orders", "revenue", "average_order_value"]


@analysis("customers/recurring/", filters=(*BASE_FILTERS, "granularity"))
def recurring_customers_by_period(*, filters: Filters, scope: Scope) -> Result:
    """Recurring customers: active, new and returning customers and repeat rate per period.

    Per local calendar period (`granularity`, default month; `period` is its first day, every
    period of the range present): `active_customers` placed an order in scope matching the
    filters in the period; `new_customers` are those of them whose first order in scope ever
    falls in the period; `returning_customers` are those who had ordered in scope before the
    period start (active = new + returning). "In scope" history honours the store, state,
    city and product filters but not the date range, so a customer seen before `date_from` is
    not new. `repeat_rate` (%) = active customers with 2 or more orders in the period / active
    customers × 100, rounded to 0.01. `meta`: `customers` with an order in the whole filtered
    range, `recurring_customers` among them with 2 or more orders there, and
    `recurring_share` (%) = recurring / customers × 100.
    """
    stored = counts.recurring(filters, scope)
    from_rollups = stored or _recurring_from_rollups(filters, scope)
    if from_rollups is not None:
        found, totals = from_rollups
        meta = _recurring_meta(totals or _rollup_totals(filters, scope))
    else:
        found = _recurring_by_period(filters, scope)
        meta = _recurring_summary(scoped_orders(filters, scope))
    by_period = {r["period"]: r for r in found}
    return Result(columns=COLUMNS_RECURRING, rows=_fill_recurring(filters, by_period), meta=meta)


def _recurring_from_rollups(
    filters: Filters, scope: Scope
) -> tuple[list[dict], dict | None] | None:
    """recurring_customers_by_period's periods from the per-customer rollup, with None for
    the range's totals (`_rollup_totals`); None when it cannot answer (a product filter). A
    customer's orders in each period of the range (rows no coarser than the granularity
    allows) against the first day of their history in scope (the all-time rows, every filter
    but the dates): returning when that day is before the period, repeating with 2 or more
    orders in the period."""
    if filters.has_product_filter or not rollups.enabled():
        return None
    g = by_period(filters.granularity)
    in_range, _ = rollups.sales_source(filters, scope, g.coarsest, (), customers=True)
    history, _ = rollups.sales_source(
        replace(filters, date_from=None, date_to=None), scope, Grain.ALL, (), customers=True
    )
    per_period = (
        in_range.annotate(p=g.rollup()).values("p", "customer_id").annotate(n=Sum("orders"))
    )
    firsts = history.values("customer_id").annotate(f=Min("first_day"))
    try:
        t_sql, t_params = per_period.query.sql_with_params()
        f_sql, f_params = firsts.query.sql_with_params()
    except EmptyResultSet:  # a scope without stores
        return [], {"customers": 0, "recurring": 0}
    sql = f"""
        WITH t AS ({t_sql}), f AS ({f_sql})
        SELECT t.p, COUNT(*), SUM(CASE WHEN f.f < t.p THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.n >= 2 THEN 1 ELSE 0 END)
        FROM t JOIN f ON f.customer_id = t.customer_id GROUP BY t.p"""
    with connections[per_period.db].cursor() as cursor:
        cursor.execute(sql, [*t_params, *f_params])
        found = [
            {"period": _rollup_date(p), "active": a, "returning": int(r), "repeaters": int(n)}
            for p, a, r, n in cursor.fetchall()
        ]
    return found, None


def _rollup_totals(filters: Filters, scope: Scope) -> dict:
    """Customers with an order in the filtered range and those with 2 or more, from the
    per-customer rollup."""
    whole, _ = rollups.sales_source(filters, scope, Grain.ALL, (), customers=True)
    return (
        whole.values("customer_id")
        .annotate(n=Sum("orders"))
        .aggregate(
            customers=Count("customer_id"), recurring=Count("customer_id", filter=Q(n__gte=2))
        )
    )


COLUMNS_RECURRING = [
    "period",
    "active_customers",
    "new_customers",
    "returning_customers",
    "repeat_rate",
]


def _recurring_by_period(filters: Filters, scope: Scope) -> list[dict]:
    """Active, returning and repeating customers per period, in one pass over the orders.

    Each order of the customer's history (every filter but the dates) carries, by window
    functions over that customer, the period of their first order and the period and instant
    of their previous order; the date range then keeps the orders in it, and one GROUP BY
    counts distinct customers. (A `pk IN (window subquery)` filter per measure, the ORM's way,
    made PostgreSQL rescan a million-row subquery for every order.)"""
    g = filters.granularity
    history = scoped_orders(replace(filters, date_from=None, date_to=None), scope)
    customer = {"partition_by": [F("customer_id")]}
    in_order = {**customer, "order_by": [F("ordered_at").asc(), F("pk").asc()]}
    rows = history.annotate(
        period=trunc(g),
        first_period=Window(Min(trunc(g)), **customer),
        previous_period=Window(Lag(trunc(g)), **in_order),
        previous_at=Window(Lag("ordered_at"), **in_order),
    ).values(
        "customer_id", "ordered_at", "period", "first_period", "previous_period", "previous_at"
    )
    try:
        inner, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:  # a scope without stores: nothing to count
        return []
    adapt = connections[rows.db].ops.adapt_datetimefield_value
    start, end = filters.start_instant(), filters.end_instant()
    where, bounds = ["1 = 1"], []
    if start:
        where.append("t.ordered_at >= %s")
        bounds.append(adapt(start))
    if end:
        where.append("t.ordered_at < %s")
        bounds.append(adapt(end))
    # A previous order in the same period counts only when it is in the range too.
    since = "AND t.previous_at >= %s" if start else ""
    sql = f"""
        SELECT t.period, COUNT(DISTINCT t.customer_id),
               COUNT(DISTINCT CASE WHEN t.first_period < t.period THEN t.customer_id END),
               COUNT(DISTINCT CASE WHEN t.previous_period = t.period {since}
                                   THEN t.customer_id END)
        FROM ({inner}) t WHERE {" AND ".join(where)} GROUP BY t.period ORDER BY t.period"""
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, [*([adapt(start)] if start else []), *params, *bounds])
        return [
            {"period": _period_date(p), "active": a, "returning": r, "repeaters": n}
            for p, a, r, n in cursor.fetchall()
        ]


def _rollup_date(value) -> dt.date:
    """A truncated rollup period (a local date already) read by a raw cursor: text (SQLite),
    or a date PostgreSQL truncated to a midnight in the connection's zone, UTC."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, dt.datetime) else value


def _period_date(value) -> dt.date:
    """A truncated period read by a raw cursor: a datetime (PostgreSQL) or text (SQLite)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return to_local_date(value)


def _fill_recurring(filters: Filters, by_period: dict) -> list[dict]:
    if not by_period and not (filters.date_from and filters.date_to):
        return []
    first = filters.date_from or min(by_period)
    last = filters.date_to or max(by_period)
    out = []
    for start in periods(first, last, filters.granularity):
        r = by_period.get(start, {"active": 0, "returning": 0, "repeaters": 0})
        out.append(
            {
                "period": start,
                "active_customers": r["active"],
                "new_customers": r["active"] - r["returning"],
                "returning_customers": r["returning"],
                "repeat_rate": percent(r["repeaters"], r["active"], when_zero=ZERO),
            }
        )
    return out


def _recurring_summary(orders: QuerySet) -> dict:
    totals = (
        orders.values("customer_id")
        .annotate(n=Count("id"))
        .aggregate(
            customers=Count("customer_id"), recurring=Count("customer_id", filter=Q(n__gte=2))
        )
    )
    return _recurring_meta(totals)


def _recurring_meta(totals: dict) -> dict:
    return {
        "customers": totals["customers"],
        "recurring_customers": totals["recurring"],
        "recurring_share": percent(totals["recurring"], totals["customers"], when_zero=ZERO),
    }
