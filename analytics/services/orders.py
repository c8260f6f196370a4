"""Order analyses: trend, seasonal pattern, volatility, items and value per order, baskets."""

from __future__ import annotations

from accounts.scope import Scope
from analytics.filters import Filters
from analytics.registry import BASE_FILTERS, analysis
from analytics.services.base import Result, periods, ratio, sales_by, to_local_date, trunc


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
    rows = sales_by(filters, scope, {"period": lambda p: trunc(g, p + "ordered_at")})
    by_period = {to_local_date(r["period"]): r for r in rows}
    if not by_period and not (filters.date_from and filters.date_to):
        return Result(columns=COLUMNS_TREND, rows=[])
    first = filters.date_from or min(by_period)
    last = filters.date_to or max(by_period)
    out = []
    for start in periods(first, last, g):
        row = by_period.get(start, {"orders": 0, "revenue": ratio(0, 0)})
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
