"""KPI cards: the headline figures of a period next to those of the period just before."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from accounts.scope import Scope
from analytics import counts, rollups
from analytics.filters import Filters
from analytics.registry import BASE_FILTERS, analysis
from analytics.services.base import (
    LINE_TOTAL,
    ZERO,
    Result,
    money,
    percent,
    ratio,
    scoped_items,
    scoped_orders,
    to_local_date,
)

DEFAULT_DAYS = 30

# kpi, label, unit, definition: the rows, in this order.
KPIS = (
    ("revenue", "Revenue", "USD", "Sum of order totals (of matching items with a product filter)."),
    ("orders", "Orders", "count", "Orders placed (holding a matching product with a filter)."),
    ("average_order_value", "Average order value", "USD", "Revenue divided by orders."),
    ("active_customers", "Active customers", "count", "Distinct customers with an order."),
    (
        "new_customers",
        "New customers",
        "count",
        "Customers whose first order in scope falls in the period.",
    ),
    (
        "customer_growth",
        "Customer growth",
        "%",
        "New customers as a percentage of the customers who had ordered before the period.",
    ),
    ("items_per_order", "Items per order", "items", "Item quantities divided by orders."),
    (
        "repeat_rate",
        "Repeat rate",
        "%",
        "Share of active customers who placed two or more orders in the period.",
    ),
)
COLUMNS = ["kpi", "label", "value", "previous", "change", "change_pct", "unit", "definition"]


@analysis("kpis/", filters=BASE_FILTERS)
def kpis_by_period(*, filters: Filters, scope: Scope) -> Result:
    """KPI cards: eight headline figures for a period, each beside the period just before.

    Rows, in this order: `revenue` (USD, sum of order totals; with a product filter the
    quantity × unit price of the matching items), `orders` (holding a matching product with a
    product filter), `average_order_value` (USD, revenue / orders), `active_customers`
    (distinct customers with an order), `new_customers` (customers whose first order in scope
    falls in the period; the history honours the store and product filters, not the dates),
    `customer_growth` (%, new customers / customers who had ordered in scope before the
    period start × 100; None when there were none), `items_per_order` (sum of item quantities
    / orders; matching items with a product filter) and `repeat_rate` (%, active customers
    with 2 or more orders in the period / active customers × 100). Money to the cent, ratios
    and percentages rounded to 0.01; a ratio with no orders or customers is 0.
    `previous` is the same figure, same filters, over the equal-length period just before;
    `change` = value - previous (percentage points for % figures); `change_pct` = change /
    previous × 100, None when previous is 0 or None. Without `date_to` the period ends on the
    last local day with an order in scope (today when there is none); without `date_from` it
    starts 29 days before its end (30 days). `meta` gives the dates used: `date_from`,
    `date_to`, `previous_from`, `previous_to`.
    """
    current = _resolve_dates(filters, scope)
    previous = _previous(current)
    figures = _figures(current, previous, scope)
    rows = []
    for kpi, label, unit, definition in KPIS:
        value, before = figures["current"][kpi], figures["previous"][kpi]
        change = None if value is None or before is None else value - before
        rows.append(
            {
                "kpi": kpi,
                "label": label,
                "value": value,
                "previous": before,
                "change": change,
                "change_pct": None if change is None else percent(change, before),
                "unit": unit,
                "definition": definition,
            }
        )
    meta = {
        "date_from": current.date_from,
        "date_to": current.date_to,
        "previous_from": previous.date_from,
        "previous_to": previous.date_to,
    }
    return Result(columns=COLUMNS, rows=rows, meta=meta)


def _resolve_dates(filters: Filters, scope: Scope) -> Filters:
    """Fill a missing `date_to` with the last local day with an order in scope and a missing
    `date_from` with `date_to` - 29 days."""
    date_to = filters.date_to
    if date_to is None:
        undated = replace(filters, date_from=None, date_to=None)
        last = scoped_orders(undated, scope).aggregate(last=Max("ordered_at"))["last"]
        date_to = to_local_date(last) if last else timezone.localdate()
        if filters.date_from and date_to < filters.date_from:
            date_to = filters.date_from
    date_from = filters.date_from or _days_before(date_to, DEFAULT_DAYS - 1)
    return replace(filters, date_from=date_from, date_to=date_to)


def _previous(current: Filters) -> Filters:
    """`Filters.previous_period()`, cut at 0001-01-01 when it would start before that day."""
    try:
        return current.previous_period()
    except OverflowError:
        return replace(current, date_from=dt.date.min, date_to=_days_before(current.date_from, 1))


def _days_before(day: dt.date, days: int) -> dt.date:
    """`day` - `days`, no earlier than 0001-01-01 (where Python dates begin)."""
    return day - dt.timedelta(days=min(days, (day - dt.date.min).days))


def _within(current: Filters, prefix: str = "") -> Q:
    field = f"{prefix}ordered_at"
    return Q(**{f"{field}__gte": current.start_instant(), f"{field}__lt": current.end_instant()})


def _figures(current: Filters, previous: Filters, scope: Scope) -> dict[str, dict]:
    """The KPI values of both periods from two aggregate queries (customers, then items)."""
    if not current.has_product_filter and rollups.enabled():
        return _figures_from_rollups(current, previous, scope)
    cur, prev = _within(current), _within(previous)
    # Grouped per customer over the history up to the end of the period, then aggregated.
    per_customer = (
        scoped_orders(replace(current, date_from=None), scope)
        .values("customer_id")
        .annotate(
            first=Min("ordered_at"),
            n_cur=Count("id", filter=cur),
            n_prev=Count("id", filter=prev),
            rev_cur=Sum("total", filter=cur),
            rev_prev=Sum("total", filter=prev),
        )
    )
    start, prev_start = current.start_instant(), previous.start_instant()
    c = per_customer.aggregate(
        orders_cur=Sum("n_cur"),
        orders_prev=Sum("n_prev"),
        revenue_cur=Sum("rev_cur"),
        revenue_prev=Sum("rev_prev"),
        active_cur=Count("customer_id", filter=Q(n_cur__gte=1)),
        active_prev=Count("customer_id", filter=Q(n_prev__gte=1)),
        repeat_cur=Count("customer_id", filter=Q(n_cur__gte=2)),
        repeat_prev=Count("customer_id", filter=Q(n_prev__gte=2)),
        new_cur=Count("customer_id", filter=Q(first__gte=start)),
        new_prev=Count("customer_id", filter=Q(first__gte=prev_start, first__lt=start)),
        before_cur=Count("customer_id", filter=Q(first__lt=start)),
        before_prev=Count("customer_id", filter=Q(first__lt=prev_start)),
    )
    icur, iprev = _within(current, "order__"), _within(previous, "order__")
    items = scoped_items(replace(current, date_from=previous.date_from), scope).aggregate(
        items_cur=Sum("quantity", filter=icur),
        items_prev=Sum("quantity", filter=iprev),
        revenue_cur=Sum(LINE_TOTAL, filter=icur),
        revenue_prev=Sum(LINE_TOTAL, filter=iprev),
    )
    revenue_from = items if current.has_product_filter else c
    return {
        period: _kpi_values(
            revenue=money(revenue_from[f"revenue_{key}"]),
            orders=c[f"orders_{key}"] or 0,
            items=items[f"items_{key}"] or 0,
            active=c[f"active_{key}"],
            repeat=c[f"repeat_{key}"],
            new=c[f"new_{key}"],
            before=c[f"before_{key}"],
        )
        for period, key in (("current", "cur"), ("previous", "prev"))
    }


def _figures_from_rollups(current: Filters, previous: Filters, scope: Scope) -> dict[str, dict]:
    """`_figures` without a product filter, from the store and item rollups, and the
    customer figures from the stored counts (`counts.kpi_customers`: each period one stored
    period) or else the per-customer rollup."""
    cur = rollups.spans(current.date_from, current.date_to)
    prev = rollups.spans(previous.date_from, previous.date_to)
    # Order counts and revenue from the per-store rows; items from the item rows of every item
    # (kind "all": one per store and period).
    stores, _ = rollups.sales_source(current, scope, "A", (), dated=False)
    sums = stores.filter(cur | prev).aggregate(
        orders_cur=Sum("orders", filter=cur),
        orders_prev=Sum("orders", filter=prev),
        revenue_cur=Sum("revenue", filter=cur),
        revenue_prev=Sum("revenue", filter=prev),
    )
    item_rows, _ = rollups.sales_source(current, scope, "A", (), items=True, dated=False)
    items = (
        item_rows.filter(kind=rollups.ALL_ITEMS[0], value=rollups.ALL_ITEMS[1])
        .filter(cur | prev)
        .aggregate(items_cur=Sum("quantity", filter=cur), items_prev=Sum("quantity", filter=prev))
    )
    c = counts.kpi_customers(current, previous, scope) or _customers_from_rollups(
        current, previous, scope
    )
    return {
        period: _kpi_values(
            revenue=money(sums[f"revenue_{key}"]),
            orders=sums[f"orders_{key}"] or 0,
            items=items[f"items_{key}"] or 0,
            active=c[f"active_{key}"],
            repeat=c[f"repeat_{key}"],
            new=c[f"new_{key}"],
            before=c[f"before_{key}"],
        )
        for period, key in (("current", "cur"), ("previous", "prev"))
    }


def _customers_from_rollups(current: Filters, previous: Filters, scope: Scope) -> dict[str, int]:
    """The customer figures of `_figures_from_rollups` from the per-customer rollup: a
    customer's first order is the first day of their all-time rows (in scope, matching the
    store filters); their orders in each period come from the rows covering it. At a stored
    place the first days are read one row per customer (`counts.customer_totals` over all
    time), so only the periods' rows are grouped."""
    cur = rollups.spans(current.date_from, current.date_to)
    prev = rollups.spans(previous.date_from, previous.date_to)
    end = current.date_to + dt.timedelta(days=1)
    start, prev_start = current.date_from, previous.date_from
    firsts = counts.customer_totals(replace(current, date_from=None, date_to=None), scope)
    first = "first_day" if firsts is not None else "first"
    new_and_before = {
        "new_cur": Count("customer_id", filter=Q(**{f"{first}__gte": start, f"{first}__lt": end})),
        "new_prev": Count(
            "customer_id", filter=Q(**{f"{first}__gte": prev_start, f"{first}__lt": start})
        ),
        "before_cur": Count("customer_id", filter=Q(**{f"{first}__lt": start})),
        "before_prev": Count("customer_id", filter=Q(**{f"{first}__lt": prev_start})),
    }
    # Distinct customers: one group per customer of their rows covering either period (orders
    # in it), with their all-time rows (first day in scope) unless read apart; integer sums.
    customer_rows, _ = rollups.sales_source(current, scope, "A", ("customers",), dated=False)
    in_periods = {"n_cur": Sum("orders", filter=cur), "n_prev": Sum("orders", filter=prev)}
    if firsts is None:
        rows = customer_rows.filter(rollups.Q(grain="A") | cur | prev)
        in_periods["first"] = Min("first_day", filter=rollups.Q(grain="A"))
    else:
        rows = customer_rows.filter(cur | prev)
    per_customer = rows.values("customer_id").annotate(**in_periods)
    found = per_customer.aggregate(
        active_cur=Count("customer_id", filter=Q(n_cur__gte=1)),
        active_prev=Count("customer_id", filter=Q(n_prev__gte=1)),
        repeat_cur=Count("customer_id", filter=Q(n_cur__gte=2)),
        repeat_prev=Count("customer_id", filter=Q(n_prev__gte=2)),
        **(new_and_before if firsts is None else {}),
    )
    if firsts is not None:
        found |= firsts.aggregate(**new_and_before)
    return found


def _kpi_values(
    *, revenue: Decimal, orders: int, items: int, active: int, repeat: int, new: int, before: int
) -> dict:
    return {
        "revenue": revenue,
        "orders": orders,
        "average_order_value": ratio(revenue, orders),
        "active_customers": active,
        "new_customers": new,
        "customer_growth": percent(new, before),  # None without earlier customers
        "items_per_order": ratio(items, orders),
        "repeat_rate": percent(repeat, active, when_zero=ZERO),
    }
