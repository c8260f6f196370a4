"""Product analyses: top sellers, sales by product and category, the months after launch,
list and realized prices, and how sales follow price."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import numpy as np
from django.db.models import Count, Max, Min, Sum
from scipy.stats import rankdata

from accounts.scope import Scope
from analytics import rollups
from analytics.filters import Filters
from analytics.registry import BASE_FILTERS, Param, analysis
from analytics.services.base import (
    LINE_TOTAL,
    Result,
    by_period,
    local_zone,
    money,
    percent,
    products_in,
    ratio,
    scoped_items,
    scoped_orders,
    stores_in,
    to_local_date,
    trunc,
)

PRODUCT_KEYS = {
    "product": "product_id",
    "name": "product__name",
    "size": "product__size",
    "category": "product__category",
}


def _product_fields(row: dict) -> dict:
    return {name: row[key] for name, key in PRODUCT_KEYS.items()}


COLUMNS_TOP = ["product", "name", "size", "category", "quantity", "orders", "revenue"]


@analysis("products/top/", filters=(*BASE_FILTERS, "limit"), defaults={"limit": 10})
def top_products_by_quantity(*, filters: Filters, scope: Scope) -> Result:
    """Top products by quantity sold: units, orders and revenue per product (SKU).

    Over the items sold in scope and range (matching every filter): `quantity` = units sold,
    `orders` = distinct orders holding the product, `revenue` (USD) = sum of quantity × unit
    price. Ordered by quantity, then revenue (both highest first), then SKU; `limit` (default
    10) keeps the first rows. Products without sales are left out.
    """
    rows = rollups.product_sales(filters, scope)
    if rows is not None:
        rows = sorted(rows, key=lambda r: (-r["quantity"], -money(r["revenue"]), r["product_id"]))
        rows = [{**r, "units": r["quantity"]} for r in rows[: filters.limit]]
    else:
        rows = (
            scoped_items(filters, scope)
            .values(*PRODUCT_KEYS.values())
            .annotate(
                units=Sum("quantity"),
                orders=Count("order_id", distinct=True),
                revenue=Sum(LINE_TOTAL),
            )
            .order_by("-units", "-revenue", "product_id")[: filters.limit]
        )
    out = [
        {
            **_product_fields(r),
            "quantity": r["units"],
            "orders": r["orders"],
            "revenue": money(r["revenue"]),
        }
        for r in rows
    ]
    return Result(columns=COLUMNS_TOP, rows=out)


LEVEL = Param(
    "level",
    str,
    "product",
    "One row per product (SKU) or per category",
    choices=("product", "category"),
)
COLUMNS_BY_LEVEL = {
    "product": ["product", "name", "size", "category"],
    "category": ["category", "products"],
}
SALES_MEASURES = ["quantity", "revenue", "share", "average_unit_price"]


@analysis("products/sales/", params=(LEVEL,))
def sales_by_product(*, filters: Filters, scope: Scope, level: str) -> Result:
    """Sales by product or by category: units, revenue, share and average unit price.

    `level` (product, default, or category) sets the rows: one per product (SKU, with its name,
    size and category) or one per category (`products` = distinct products of it sold).
    Over the items sold in scope and range (matching every filter): `quantity` = units sold;
    `revenue` (USD) = sum of quantity × unit price; `share` = percentage of the revenue of all
    rows (0.01); `average_unit_price` = revenue / quantity (USD). Products or categories without
    sales are left out. Ordered by revenue (highest first), then SKU or category.
    `meta.revenue` is the total.
    """
    rows, total = _sales_rows(filters, scope, level)
    out = []
    for r in rows:
        head = _product_fields(r) if level == "product" else _category_fields(r)
        revenue = money(r["revenue"])
        out.append(
            {
                **head,
                "quantity": r["units"],
                "revenue": revenue,
                "share": percent(revenue, total),
                "average_unit_price": ratio(revenue, r["units"]),
            }
        )
    columns = [*COLUMNS_BY_LEVEL[level], *SALES_MEASURES]
    return Result(columns=columns, rows=out, meta={"revenue": money(total)})


def _sales_rows(filters: Filters, scope: Scope, level: str) -> tuple[list[dict], Decimal]:
    """Units and revenue per product or category (`level`), ordered, and the total revenue."""
    per_product = rollups.product_sales(filters, scope)
    if per_product is not None:  # at most one row per product: grouped here
        rows = [{**r, "units": r["quantity"]} for r in per_product]
        if level == "category":
            by_category: dict[str, dict] = {}
            for r in rows:
                row = by_category.setdefault(
                    r["product__category"],
                    {"product__category": r["product__category"], "units": 0, "revenue": 0},
                )
                row["units"] += r["units"]
                row["revenue"] += r["revenue"]
                row["products"] = row.get("products", 0) + 1
            rows = list(by_category.values())
        key = "product_id" if level == "product" else "product__category"
        rows.sort(key=lambda r: (-money(r["revenue"]), r[key]))
        return rows, sum((r["revenue"] for r in rows), Decimal(0))
    items = scoped_items(filters, scope)
    if level == "product":
        keys, extra = list(PRODUCT_KEYS.values()), {}
    else:
        keys, extra = ["product__category"], {"products": Count("product_id", distinct=True)}
    rows = (
        items.values(*keys)
        .annotate(units=Sum("quantity"), revenue=Sum(LINE_TOTAL), **extra)
        .order_by("-revenue", *keys)
    )
    total = items.aggregate(revenue=Sum(LINE_TOTAL))["revenue"] or 0
    return list(rows), total


def _category_fields(row: dict) -> dict:
    return {"category": row["product__category"], "products": row["products"]}


MONTHS = Param(
    "months",
    int,
    24,
    "Months reported, the launch month included (month_index 0 to months - 1)",
    minimum=1,
    maximum=120,
)
COLUMNS_LAUNCH = [
    "product",
    "name",
    "launch_date",
    "month_index",
    "quantity",
    "revenue",
    "quantity_per_store",
    "index",
]


@analysis("products/performance/", params=(MONTHS,))
def quantity_by_month_since_launch(*, filters: Filters, scope: Scope, months: int) -> Result:
    """Sales by months since launch, comparable across launches: one row per product and month.

    `month_index` 0 is the local calendar month holding the product's launch date, 1 the next,
    and so on up to `months` - 1 (`months`: default 24, 1-120). For every product matching the
    product filters and launched by the end of the range, every month from the launch (or
    from `date_from`) to the end of the range (`date_to`, or the last order in scope) is
    present, zero when empty. `quantity` = units sold in scope; `revenue` (USD) = sum of
    quantity × unit price; `quantity_per_store` = quantity / number of stores in scope
    matching the store filters (0.01). `index` = quantity as a percentage of the product's
    average monthly quantity over months 0-2 (the launch month is often partial, three
    months smooth that out; among the months present), 0.01, empty when that average is zero.
    Ordered by SKU, then month_index.
    """
    end = filters.date_to or _last_order_day(filters, scope)
    if end is None:
        return Result(columns=COLUMNS_LAUNCH, rows=[])
    cells = _quantity_by_month(filters, scope)
    stores = stores_in(filters, scope).count()
    out = []
    for product in products_in(filters).filter(launch_date__lte=end).order_by("id"):
        first = _months_between(product.launch_date, filters.date_from) if filters.date_from else 0
        span = range(max(first, 0), min(months - 1, _months_between(product.launch_date, end)) + 1)
        launch = _month_number(product.launch_date)
        series = [cells.get((product.id, launch + i), _NOTHING_SOLD) for i in span]
        base = _launch_base(series, span.start)
        out.extend(
            {
                "product": product.id,
                "name": product.name,
                "launch_date": product.launch_date,
                "month_index": i,
                "quantity": cell["units"],
                "revenue": money(cell["revenue"]),
                "quantity_per_store": ratio(cell["units"], stores),
                "index": percent(cell["units"], base),
            }
            for i, cell in zip(span, series, strict=True)
        )
    return Result(columns=COLUMNS_LAUNCH, rows=out, meta={"stores": stores})


_NOTHING_SOLD = {"units": 0, "revenue": 0}


def _quantity_by_month(filters: Filters, scope: Scope) -> dict[tuple[str, int], dict]:
    """Units and revenue per (SKU, local month numbered as in `_month_number`)."""
    rows = rollups.sku_sales(filters, scope, {"month": by_period("month")})
    if rows is not None:
        rows = [{**r, "units": r["quantity"]} for r in rows]
    else:
        rows = (
            scoped_items(filters, scope)
            .values("product_id", month=trunc("month", "order__ordered_at"))
            .annotate(units=Sum("quantity"), revenue=Sum(LINE_TOTAL))
            .order_by()
        )
    return {(r["product_id"], _month_number(to_local_date(r["month"]))): r for r in rows}


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _last_order_day(filters: Filters, scope: Scope) -> dt.date | None:
    """The local day of the last order in scope matching the store and date filters."""
    every_product = replace(filters, category=None, size=None, sku=())
    last = scoped_orders(every_product, scope).aggregate(last=Max("ordered_at"))["last"]
    return None if last is None else last.astimezone(local_zone()).date()


def _months_between(launch: dt.date, day: dt.date) -> int:
    return (day.year - launch.year) * 12 + day.month - launch.month


def _launch_base(series: list[dict], first: int) -> Decimal | None:
    """Mean monthly quantity over months 0-2 among those in `series` (which starts at `first`)."""
    launch = [cell["units"] for cell in series[: max(3 - first, 0)]]
    return Decimal(sum(launch)) / len(launch) if launch else None


COLUMNS_PRICES = [
    "category",
    "products",
    "list_price_avg",
    "realized_price_avg",
    "min_price",
    "max_price",
    "quantity",
]


@analysis("products/avg_price/")
def price_by_category(*, filters: Filters, scope: Scope) -> Result:
    """Average price by category: catalog (list) prices against prices actually paid.

    One row per category of the catalog products matching the product filters: `products` =
    their number; `list_price_avg`, `min_price`, `max_price` = mean, lowest and highest list
    price (Product.price, USD) over them, whatever sold. Over the items of those products sold
    in scope and range: `quantity` = units sold and `realized_price_avg` = quantity-weighted
    mean unit price paid = revenue / quantity (USD; empty when nothing sold). Ordered by
    category.
    """
    catalog = (
        products_in(filters)
        .values("category")
        .annotate(
            products=Count("id"),
            list_price_total=Sum("price"),
            min_price=Min("price"),
            max_price=Max("price"),
        )
        .order_by("category")
    )
    sold = _sold_by_category(filters, scope)
    out = []
    for c in catalog:
        items = sold.get(c["category"], {"units": 0, "revenue": 0})
        out.append(
            {
                "category": c["category"],
                "products": c["products"],
                # Sum / count, not Avg: exact decimals on every engine (SQLite averages floats).
                "list_price_avg": money(Decimal(c["list_price_total"]) / c["products"]),
                "realized_price_avg": money(items["revenue"] / items["units"])
                if items["units"]
                else None,
                "min_price": money(c["min_price"]),
                "max_price": money(c["max_price"]),
                "quantity": items["units"],
            }
        )
    return Result(columns=COLUMNS_PRICES, rows=out)


def _sold_by_category(filters: Filters, scope: Scope) -> dict[str, dict]:
    """Units and revenue per category of the items matching every filter."""
    per_sku = rollups.product_sales(filters, scope)
    if per_sku is None:
        rows = (
            scoped_items(filters, scope)
            .values("product__category")
            .annotate(units=Sum("quantity"), revenue=Sum(LINE_TOTAL))
            .order_by()
        )
        return {r["product__category"]: r for r in rows}
    sold: dict[str, dict] = {}
    for r in per_sku:
        row = sold.setdefault(r["product__category"], {"units": 0, "revenue": Decimal(0)})
        row["units"] += r["quantity"]
        row["revenue"] += r["revenue"]
    return sold


MEASURE = Param(
    "measure",
    str,
    "quantity",
    "Sales measure set against the list price",
    choices=("quantity", "revenue"),
)
COLUMNS_PRICE_SALES = ["product", "name", "category", "size", "price", "quantity", "revenue"]


@analysis("products/price_sales/", params=(MEASURE,))
def sales_by_price(*, filters: Filters, scope: Scope, measure: str) -> Result:
    """Price against sales: one row per product, with the price–sales correlation in meta.

    Rows: every product (SKU) sold in scope and range (matching every filter) with its list
    `price` (USD), `quantity` (units sold) and `revenue` (USD, sum of quantity × unit price),
    ordered by price then SKU. `meta.pearson` is Pearson's r between price and `measure`
    (quantity, default, or revenue) across those rows; `meta.spearman` Spearman's rank
    correlation (Pearson's r of the average ranks); both rounded to 4 decimals and empty with
    fewer than two rows or a constant column. `meta.n` is the number of rows.
    """
    rows = rollups.product_sales(filters, scope)
    if rows is not None:
        rows = sorted(rows, key=lambda r: (r["product__price"], r["product_id"]))
        rows = [{**r, "units": r["quantity"]} for r in rows]
    else:
        rows = (
            scoped_items(filters, scope)
            .values(*PRODUCT_KEYS.values(), "product__price")
            .annotate(units=Sum("quantity"), revenue=Sum(LINE_TOTAL))
            .order_by("product__price", "product_id")
        )
    out = [
        {
            "product": r["product_id"],
            "name": r["product__name"],
            "category": r["product__category"],
            "size": r["product__size"],
            "price": money(r["product__price"]),
            "quantity": r["units"],
            "revenue": money(r["revenue"]),
        }
        for r in rows
    ]
    prices = [float(r["price"]) for r in out]
    sales = [float(r[measure]) for r in out]
    meta = {
        "measure": measure,
        "n": len(out),
        "pearson": correlation(prices, sales),
        "spearman": correlation(rankdata(prices), rankdata(sales)),
    }
    return Result(columns=COLUMNS_PRICE_SALES, rows=out, meta=meta)


def correlation(x, y) -> float | None:
    """Pearson's r rounded to 4 decimals; None with fewer than two points or a constant side."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return round(float(np.corrcoef(x, y)[0, 1]), 4)
