"""Order analyses: trend, seasonal pattern, volatility, items and value per order, baskets."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import replace
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Round

from accounts.scope import Scope
from analytics import rollups
from analytics.filters import Filters
from analytics.models import Grain
from analytics.registry import BASE_FILTERS, Param, analysis
from analytics.services.base import (
    LINE_TOTAL,
    MONEY,
    WEEKDAY_NAMES,
    ZERO,
    Result,
    by_period,
    local_part,
    local_span,
    local_zone,
    matching_products,
    mean_and_pstdev,
    money,
    percent,
    periods,
    ratio,
    sales_by,
    scoped_items,
    scoped_orders,
    store_weeks,
    to_local_date,
    trunc,
    weekday_counts,
)
from orders.models import OrderItem
from products.models import Product
from stores.models import Store


@analysis("orders/trend/", filters=(*BASE_FILTERS, "granularity"))
def sales_by_period(*, filters: Filters, scope: Scope) -> Result:
    """Sales trend: orders, revenue and average order value per local period.

    Periods (`granularity`: day, week from Monday, month, quarter, year; default month) are
    calendar periods in the chain's time zone; `period` is the first day. Every period from
    the first to the last of the date range (or of the data) is present, zero when empty.
    `revenue` (USD) is the sum of order totals; with a product filter (category, size, sku) it
    is the sum of quantity × unit price of the matching items, and `orders` counts the orders
    holding one. `average_order_value` = revenue / orders (USD).
    """
    g = filters.granularity
    rows = sales_by(filters, scope, {"period": by_period(g)})
    found = {to_local_date(r["period"]): r for r in rows}
    if not found and not (filters.date_from and filters.date_to):
        return Result(columns=COLUMNS_TREND, rows=[])
    first = filters.date_from or min(found)
    last = filters.date_to or max(found)
    out = []
    for start in periods(first, last, g):
        row = found.get(start, {"orders": 0, "revenue": ratio(0, 0)})
        out.append(
            {
                "period": start,
                "orders": row["orders"],
                "revenue": row["revenue"],
                "average_order_value": ratio(row["revenue"], row["orders"]),
            }
        )
    return Result(columns=COLUMNS_TREND, rows=out)


COLUMNS_TREND = ["period", "orders", "revenue", "average_order_value"]

# --- orders/seasonal/ -------------------------------------------------------------------------

SEASONAL_VIEW = Param(
    "view",
    str,
    "month_by_year",
    "month_by_year: a year × month table; weekday_by_hour: a weekday × hour table.",
    choices=("month_by_year", "weekday_by_hour"),
)


@analysis("orders/seasonal/", params=(SEASONAL_VIEW,))
def sales_by_season(*, filters: Filters, scope: Scope, view: str = "month_by_year") -> Result:
    """Seasonal pattern: orders and revenue by month of each year, or by weekday and hour.

    All times are local (the chain's time zone). `view=month_by_year` (default): one row per
    `year` and `month` (1-12), all twelve months of every year from the first to the last day
    analysed (months outside the date range show zero). `view=weekday_by_hour`: one row per ISO
    `weekday` (1 = Monday .. 7 = Sunday) and `hour` (0-23), all 7 × 24 cells;
    `average_orders` = orders in the cell / number of such weekdays between the first and last
    day analysed (the date range, or the first and last order in scope), two decimals.
    `revenue` (USD) is the sum of order totals; with a product filter, the sum of quantity ×
    unit price of the matching items, and `orders` counts the orders holding one.
    """
    if view == "weekday_by_hour":
        return _weekday_by_hour(filters, scope)
    return _month_by_year(filters, scope)


def _month_by_year(filters: Filters, scope: Scope) -> Result:
    columns = ["year", "month", "orders", "revenue"]
    rows = sales_by(filters, scope, {"year": local_part("year"), "month": local_part("month")})
    cells = {(r["year"], r["month"]): r for r in rows}
    span = local_span(filters, scope)
    if span is None:
        return Result(columns=columns, rows=[])
    out = []
    for year in range(span[0].year, span[1].year + 1):
        for month in range(1, 13):
            cell = cells.get((year, month), {"orders": 0, "revenue": ZERO})
            out.append({"year": year, "month": month, **_sales(cell)})
    return Result(columns=columns, rows=out)


def _weekday_by_hour(filters: Filters, scope: Scope) -> Result:
    columns = ["weekday", "weekday_name", "hour", "orders", "revenue", "average_orders"]
    groups = {"weekday": local_part("iso_week_day"), "hour": local_part("hour")}
    cells = {(r["weekday"], r["hour"]): r for r in sales_by(filters, scope, groups)}
    span = local_span(filters, scope)
    days = weekday_counts(*span) if span else dict.fromkeys(range(1, 8), 0)
    out = []
    for weekday in range(1, 8):
        for hour in range(24):
            cell = _sales(cells.get((weekday, hour), {"orders": 0, "revenue": ZERO}))
            out.append(
                {
                    "weekday": weekday,
                    "weekday_name": WEEKDAY_NAMES[weekday - 1],
                    "hour": hour,
                    **cell,
                    "average_orders": ratio(cell["orders"], days[weekday]),
                }
            )
    meta = {"first_day": span[0] if span else None, "last_day": span[1] if span else None}
    return Result(columns=columns, rows=out, meta=meta)


def _sales(row: dict) -> dict:
    return {"orders": row["orders"], "revenue": row["revenue"]}


# --- orders/volatility/ -----------------------------------------------------------------------

VOLATILITY_VIEW = Param(
    "view",
    str,
    "stores",
    "stores: weekly revenue variability per store; outliers: orders with unusual totals.",
    choices=("stores", "outliers"),
)
IQR_K = Param(
    "iqr_k", float, 1.5, "Outlier fences at Q1 − k·IQR and Q3 + k·IQR", minimum=0, maximum=10
)


@analysis(
    "orders/volatility/",
    filters=(*BASE_FILTERS, "limit"),
    params=(VOLATILITY_VIEW, IQR_K),
    defaults={"limit": 50},
)
def revenue_volatility_by_store(
    *, filters: Filters, scope: Scope, view: str = "stores", iqr_k: float = 1.5
) -> Result:
    """Volatility: how much each store's weekly revenue varies, or the outlier orders.

    `view=stores` (default): weekly revenue (USD) per store and local week (Monday-Sunday) is
    summed in the database; weeks without sales between the store's first and last week with
    sales count as zero. Per store: `weeks`, `mean_weekly_revenue`, `std_weekly_revenue`
    (POPULATION standard deviation, divisor n), `coefficient_of_variation` = std / mean × 100
    (%, two decimals), `min_week` and `max_week` (revenue of the weakest and strongest week,
    USD). Most volatile store first. Revenue follows the product filters as in orders/trend/.

    `view=outliers`: orders whose total is above Q3 + k·IQR or below Q1 − k·IQR, where Q1 and
    Q3 are the quartiles of the totals of the orders in scope (linear interpolation between
    order statistics, as PostgreSQL's percentile_cont; found portably by position) and k is
    `iqr_k` (default 1.5). With a product filter, the orders holding a matching product, at
    their full total. `score` = (total − Q3) / IQR above, (total − Q1) / IQR below (negative),
    two decimals, None when IQR is zero. Furthest first; `limit` rows (default 50). `meta`
    holds the quartiles and fences (rounded to the cent) and the number of outliers.
    """
    if view == "outliers":
        return _outlier_orders(filters, scope, Decimal(str(iqr_k)))
    weekly = store_weeks(filters, scope)  # the few stores' places looked up after
    places = Store.objects.filter(id__in=list(weekly)).values_list("id", "city", "state_abbr")
    place = {store: (city, state) for store, city, state in places}
    out = [_volatility((key, *place[key]), series) for key, series in weekly.items()]
    out.sort(key=lambda r: (-r["coefficient_of_variation"], r["store"]))
    return Result(columns=COLUMNS_VOLATILITY, rows=out)


COLUMNS_VOLATILITY = [
    "store",
    "city",
    "state",
    "weeks",
    "mean_weekly_revenue",
    "std_weekly_revenue",
    "coefficient_of_variation",
    "min_week",
    "max_week",
]


def _volatility(key: tuple[str, str, str], series: dict[dt.date, Decimal]) -> dict:
    values = [series.get(w, ZERO) for w in periods(min(series), max(series), "week")]
    mean, std = mean_and_pstdev(values)
    return {
        **dict(zip(("store", "city", "state"), key, strict=True)),
        "weeks": len(values),
        "mean_weekly_revenue": money(mean),
        "std_weekly_revenue": money(std),
        "coefficient_of_variation": percent(std, mean, when_zero=ZERO),
        "min_week": min(values),
        "max_week": max(values),
    }


def quantile(orders: QuerySet, n: int, p: Decimal) -> Decimal:
    """The p-quantile of order totals (linear interpolation, as percentile_cont), reading
    only the one or two order statistics it needs."""
    position = (n - 1) * p
    low = int(position)
    values = list(orders.order_by("total", "id").values_list("total", flat=True)[low : low + 2])
    if len(values) == 1:
        return values[0]
    return values[0] + (position - low) * (values[1] - values[0])


def _outlier_orders(filters: Filters, scope: Scope, k: Decimal) -> Result:
    orders = scoped_orders(filters, scope)
    n = orders.count()
    if n == 0:
        meta = {"orders": 0, "outliers": 0} | dict.fromkeys(OUTLIER_FIGURES)
        return Result(columns=COLUMNS_OUTLIERS, rows=[], meta=meta)
    q1, q3 = quantile(orders, n, Decimal("0.25")), quantile(orders, n, Decimal("0.75"))
    iqr = q3 - q1
    low, high = q1 - k * iqr, q3 + k * iqr
    beyond = Case(
        When(total__gt=q3, then=F("total") - Value(q3)),
        default=Value(q1) - F("total"),
        output_field=MONEY,
    )
    found = orders.filter(Q(total__gt=high) | Q(total__lt=low)).annotate(beyond=beyond)
    picked = found.order_by("-beyond", "id").values(
        "id", "store_id", "customer_id", "ordered_at", "total"
    )[: filters.limit]
    rows = [_outlier(r, q1, q3, iqr) for r in picked]
    figures = (q1, q3, iqr, low, high)
    meta = {"orders": n, "outliers": found.count()}
    meta |= {name: money(v) for name, v in zip(OUTLIER_FIGURES, figures, strict=True)}
    return Result(columns=COLUMNS_OUTLIERS, rows=rows, meta=meta)


COLUMNS_OUTLIERS = ["order", "store", "customer", "ordered_at", "total", "score"]
OUTLIER_FIGURES = ("q1", "q3", "iqr", "lower_fence", "upper_fence")


def _outlier(row: dict, q1: Decimal, q3: Decimal, iqr: Decimal) -> dict:
    edge = q3 if row["total"] > q3 else q1
    return {
        "order": row["id"],
        "store": row["store_id"],
        "customer": row["customer_id"],
        "ordered_at": row["ordered_at"].astimezone(local_zone()),
        "total": money(row["total"]),
        "score": money((row["total"] - edge) / iqr) if iqr else None,
    }


# --- orders/avg_items/ ------------------------------------------------------------------------

TREND_OR_DISTRIBUTION = ("trend", "distribution")
ITEMS_VIEW = Param(
    "view",
    str,
    "trend",
    "trend: items per order per period; distribution: orders by number of items.",
    choices=TREND_OR_DISTRIBUTION,
)


@analysis("orders/avg_items/", filters=(*BASE_FILTERS, "granularity"), params=(ITEMS_VIEW,))
def items_per_order_by_period(*, filters: Filters, scope: Scope, view: str = "trend") -> Result:
    """Average items per order: per local period, or the distribution of basket sizes.

    Items are the order's item rows (sum of `quantity`), not the export's own `n_items`; an
    order counts when it has at least one item row. With a product filter, only the matching
    items count, and only orders holding one. `view=trend` (default): per period
    (`granularity`, default month; every period of the range present) `orders`, `items` and
    `items_per_order` = items / orders (two decimals). `view=distribution`: per `n_items` (from
    the smallest to the largest basket, gaps filled) the `orders` with that many items and their
    `share` of all orders (%, two decimals). `meta` holds the overall orders, items and
    items_per_order.
    """
    g = filters.granularity
    from_rollups = None if view == "distribution" else _item_rollup(filters, scope)
    if from_rollups is not None:
        period = by_period(g).rollup()
        measures = {"orders": Sum("orders"), "items": Sum("quantity")}
        totals = from_rollups.aggregate(**measures)
        per_period = from_rollups.annotate(p=period).values("p").annotate(**measures)
        found = {r["p"]: r for r in per_period}
    else:
        items = scoped_items(filters, scope)
        totals = items.aggregate(orders=Count("order_id", distinct=True), items=Sum("quantity"))
    meta = {"orders": totals["orders"] or 0, "items": totals["items"] or 0}
    meta["items_per_order"] = ratio(meta["items"], meta["orders"])
    if view == "distribution":
        return Result(columns=COLUMNS_BASKET_SIZE, rows=_basket_sizes(filters, scope), meta=meta)
    if from_rollups is None:
        per_period = (
            items.annotate(period=trunc(g, "order__ordered_at"))
            .values("period")
            .annotate(orders=Count("order_id", distinct=True), items=Sum("quantity"))
        )
        found = {to_local_date(r["period"]): r for r in per_period}
    out = []
    for start in _series(filters, found):
        r = found.get(start, {"orders": 0, "items": 0})
        per_order = ratio(r["items"], r["orders"])
        out.append({"period": start, **_sales_items(r), "items_per_order": per_order})
    return Result(columns=["period", "orders", "items", "items_per_order"], rows=out, meta=meta)


def _item_rollup(filters: Filters, scope: Scope):
    """Item rollup rows of the items that count (every item, or the one product group the
    filter selects) at grains no coarser than the granularity allows; None when the rollups
    cannot answer (not built, a product filter of several groups)."""
    if filters.has_product_filter and rollups.item_group(filters) is None:
        return None
    coarsest = by_period(filters.granularity).coarsest
    source = rollups.sales_source(filters, scope, coarsest, (), items=True)
    if source is None:
        return None
    if filters.has_product_filter:
        return source[0]  # already the group's rows
    kind, value = rollups.ALL_ITEMS
    return source[0].filter(kind=kind, value=value)


COLUMNS_BASKET_SIZE = ["n_items", "orders", "share"]


def _sales_items(row: dict) -> dict:
    return {"orders": row["orders"], "items": row["items"]}


def _series(filters: Filters, found: dict[dt.date, dict]) -> list[dt.date]:
    """Every period start of the date range (or of the data found), empty ones included."""
    if not found and not (filters.date_from and filters.date_to):
        return []
    first, last = filters.date_from or min(found), filters.date_to or max(found)
    return periods(first, last, filters.granularity)


def _matching(filters: Filters) -> dict:
    """Item lookups for the product filters, as a list of SKUs: a join to products in a
    correlated subquery makes PostgreSQL loop over the products for every order."""
    if not filters.has_product_filter:
        return {}
    return {"product_id__in": matching_products(filters, "id")}


def _basket_sizes(filters: Filters, scope: Scope) -> list[dict]:
    # The outer query already applies the scope, store and date filters.
    size = (
        OrderItem.objects.filter(order=OuterRef("pk"), **_matching(filters))
        .order_by()  # the model's ordering would join orders into the subquery
        .values("order")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    counts = (
        scoped_orders(filters, scope)
        .annotate(size=Subquery(size))  # item rows, not the export's own `n_items`
        .values("size")
        .annotate(orders=Count("id"))
        .order_by("size")
    )
    found = {r["size"]: r["orders"] for r in counts if r["size"] is not None}
    if not found:
        return []
    total = sum(found.values())
    return [
        {
            "n_items": n,
            "orders": found.get(n, 0),
            "share": percent(found.get(n, 0), total, when_zero=ZERO),
        }
        for n in range(min(found), max(found) + 1)
    ]


# --- orders/avg_value/ ------------------------------------------------------------------------

VALUE_VIEW = Param(
    "view",
    str,
    "trend",
    "trend: average order value per period; distribution: orders by value band.",
    choices=TREND_OR_DISTRIBUTION,
)
BAND = Param("band", float, 10.0, "Width of a value band in USD", minimum=0.01, maximum=10000)


@analysis("orders/avg_value/", filters=(*BASE_FILTERS, "granularity"), params=(VALUE_VIEW, BAND))
def order_value_by_period(
    *, filters: Filters, scope: Scope, view: str = "trend", band: float = 10.0
) -> Result:
    """Average order value: per local period, or the distribution of order totals.

    `view=trend` (default): per period (`granularity`, default month; every period present)
    `orders`, `revenue` (USD) and `average_order_value` = revenue / orders (USD), as
    orders/trend/ (with a product filter: matching items' revenue over the orders holding
    one). `view=distribution`: order totals (USD; with a product filter, the full totals of
    the orders holding a matching product) binned into bands `band` USD wide (default 10,
    rounded to the cent): `band_from` <= total < `band_to`, from the lowest to the highest
    band with orders, empty bands included; `orders` and `share` of all orders (%, two
    decimals). `meta` holds the overall orders, revenue and average_order_value.
    """
    meta = _overall(filters, scope)
    if view == "distribution":
        rows = _value_bands(filters, scope, max(1, round(band * 100)))
        return Result(columns=["band_from", "band_to", "orders", "share"], rows=rows, meta=meta)
    trend = sales_by_period(filters=filters, scope=scope)
    return Result(columns=trend.columns, rows=trend.rows, meta=meta)


def _overall(filters: Filters, scope: Scope) -> dict:
    source = rollups.sales_source(filters, scope, Grain.ALL, ("orders", "revenue"))
    if source is not None:  # the rollup rows of the range's spans, summed
        qs, sums = source
        totals = qs.aggregate(**{f"m_{k}": v for k, v in sums.items()})
        totals = {"orders": totals["m_orders"] or 0, "revenue": totals["m_revenue"]}
    elif filters.has_product_filter:
        totals = scoped_items(filters, scope).aggregate(
            orders=Count("order_id", distinct=True), revenue=Sum(LINE_TOTAL)
        )
    else:
        totals = scoped_orders(filters, scope).aggregate(orders=Count("id"), revenue=Sum("total"))
    revenue = money(totals["revenue"])
    return {
        "orders": totals["orders"],
        "revenue": revenue,
        "average_order_value": ratio(revenue, totals["orders"]),
    }


def _value_bands(filters: Filters, scope: Scope, band_cents: int) -> list[dict]:
    # Whole cents and integer division: the same bands on SQLite (floats) and PostgreSQL.
    cents = Cast(Round(F("total") * 100), BigIntegerField())
    counts = (
        scoped_orders(filters, scope)
        .annotate(bucket=cents / Value(band_cents))
        .values("bucket")
        .annotate(orders=Count("id"))
        .order_by("bucket")
    )
    found = {r["bucket"]: r["orders"] for r in counts}
    if not found:
        return []
    total, width = sum(found.values()), Decimal(band_cents) / 100
    return [
        {
            "band_from": money(b * width),
            "band_to": money((b + 1) * width),
            "orders": found.get(b, 0),
            "share": percent(found.get(b, 0), total, when_zero=ZERO),
        }
        for b in range(min(found), max(found) + 1)
    ]


# --- orders/basket/ ---------------------------------------------------------------------------

MIN_SUPPORT = Param(
    "min_support",
    float,
    0.0,
    "Leave out pairs bought together in less than this % of orders",
    minimum=0,
    maximum=100,
)
PAIR_BY = Param(
    "by",
    str,
    "sku",
    "sku: pairs of SKUs; name: pairs of pizza names (the sizes of one pizza merged).",
    choices=("sku", "name"),
)


@analysis(
    "orders/basket/",
    filters=(*BASE_FILTERS, "limit"),
    params=(MIN_SUPPORT, PAIR_BY),
    defaults={"limit": 20},
)
def orders_together_by_product_pair(
    *, filters: Filters, scope: Scope, min_support: float = 0.0, by: str = "sku"
) -> Result:
    """Basket analysis: pairs of products bought in the same order.

    Pairs come from a self-join of order items on their order (product_a < product_b). With
    `by=name` the sizes of one pizza merge: the pair is two different names and `product_a` /
    `product_b` are the names. N = orders in scope under the store and date filters; a
    product filter (category, size, sku) only selects which pairs are listed (at least one of
    the two matches), it does not change N or the counts. `orders_together`: orders holding
    both. `support` = orders_together / N × 100 (%); `confidence_ab` = orders_together /
    orders holding A × 100 (%), `confidence_ba` likewise from B; `lift` = confidence_ab /
    support of B = orders_together × N / (orders with A × orders with B) (1 = independent).
    All two decimals, computed from the exact counts. `min_support` (%, default 0) drops
    rarer pairs. Ordered by orders_together, then lift, descending; `limit` rows (default 20).
    """
    base = replace(filters, category=None, size=None, sku=())
    key = "product_id" if by == "sku" else "product__name"
    source = rollups.pair_source(base, scope, by)
    if source is not None:  # the pair rollup's whole months, and the edge days' orders
        n = _overall(base, scope)["orders"]
        threshold = math.ceil(Decimal(str(min_support)) * n / 100)
        singles, pairs = _pairs_from_rollup(*source, base, scope, filters, key, threshold)
    else:
        n = scoped_orders(base, scope).count()
        threshold = math.ceil(Decimal(str(min_support)) * n / 100)
        singles = _singles(base, scope, key)
        pairs = _pairs(base, scope, filters, key, threshold)
    rows = [_pair(r, n, singles) for r in pairs]
    rows.sort(key=lambda r: (-r["orders_together"], -r["lift"], r["product_a"], r["product_b"]))
    return Result(columns=COLUMNS_PAIRS, rows=rows[: filters.limit], meta={"orders": n})


COLUMNS_PAIRS = [
    "product_a",
    "name_a",
    "product_b",
    "name_b",
    "orders_together",
    "support",
    "confidence_ab",
    "confidence_ba",
    "lift",
]


PRODUCT_FIELD = {"product_id": "id", "product__name": "name"}


def _pairs(base: Filters, scope: Scope, filters: Filters, key: str, threshold: int):
    """(A, B, orders holding both) for every pair with A < B, aggregated in the database."""
    other = "order__items__" + key
    # One filter() call, so that values() below reuses this very join to the second item.
    pair = Q(**{f"{other}__gt": F(key)})
    if filters.has_product_filter:
        wanted = matching_products(filters, PRODUCT_FIELD[key])
        pair &= Q(**{f"{key}__in": wanted}) | Q(**{f"{other}__in": wanted})
    return (
        scoped_items(base, scope)
        .filter(pair)
        .values(
            a=F(key),
            name_a=F("product__name"),
            b=F(other),
            name_b=F("order__items__product__name"),
        )
        .annotate(together=Count("order_id", distinct=True))
        .filter(together__gte=max(threshold, 1))
        .order_by()
    )


def _singles(base: Filters, scope: Scope, key: str) -> dict[str, int]:
    """Orders holding each product (or name), from the base tables."""
    items = scoped_items(base, scope).values(key=F(key))
    return {
        r["key"]: r["orders"]
        for r in items.annotate(orders=Count("order_id", distinct=True)).order_by()
    }


def _pairs_from_rollup(
    months: QuerySet | None,
    edges: list[tuple[dt.date, dt.date]],
    base: Filters,
    scope: Scope,
    filters: Filters,
    key: str,
    threshold: int,
) -> tuple[dict[str, int], list[dict]]:
    """`_singles` and `_pairs`: the PairSales rows `months` (one kind, scoped, whole months;
    None: none) plus, from the base tables, the orders of the `edges` (inclusive day ranges)."""
    singles: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    if months is not None:
        singles.update(dict(months.filter(a=F("b")).values_list("a").annotate(Sum("orders"))))
        pairs = months.filter(a__lt=F("b"))
        if filters.has_product_filter:
            wanted = matching_products(filters, PRODUCT_FIELD[key])
            pairs = pairs.filter(Q(a__in=wanted) | Q(b__in=wanted))
        for r in pairs.values("a", "b").annotate(n=Sum("orders")).order_by():
            together[r["a"], r["b"]] += r["n"]
    for first, last in edges:
        edge = replace(base, date_from=first, date_to=last)
        singles.update(_singles(edge, scope, key))
        for r in _pairs(edge, scope, filters, key, 1):
            together[r["a"], r["b"]] += r["together"]
    least = max(threshold, 1)
    rows = [{"a": a, "b": b, "together": n} for (a, b), n in together.items() if n >= least]
    if key == "product__name":
        return singles, [{**r, "name_a": r["a"], "name_b": r["b"]} for r in rows]
    skus = {r["a"] for r in rows} | {r["b"] for r in rows}
    names = dict(Product.objects.filter(id__in=skus).values_list("id", "name"))
    return singles, [{**r, "name_a": names[r["a"]], "name_b": names[r["b"]]} for r in rows]


def _pair(row: dict, n: int, singles: dict[str, int]) -> dict:
    together, with_a, with_b = row["together"], singles[row["a"]], singles[row["b"]]
    return {
        "product_a": row["a"],
        "name_a": row["name_a"],
        "product_b": row["b"],
        "name_b": row["name_b"],
        "orders_together": together,
        "support": percent(together, n, when_zero=ZERO),
        "confidence_ab": percent(together, with_a, when_zero=ZERO),
        "confidence_ba": percent(together, with_b, when_zero=ZERO),
        "lift": ratio(together * n, with_a * with_b),
    }
