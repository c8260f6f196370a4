"""Trend analyses: seasonality by category, growth on a year earlier, peak times, early
warning of sales drops."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import holidays
from dateutil.relativedelta import relativedelta
from django.db.models import F, Sum

from accounts.scope import Scope
from analytics import rollups
from analytics.filters import Filters
from analytics.registry import Param, analysis
from analytics.services.base import (
    LINE_TOTAL,
    WEEKDAY_NAMES,
    ZERO,
    Result,
    by_period,
    change_pct,
    local_part,
    local_span,
    mean_and_pstdev,
    money,
    percent,
    period_start,
    periods,
    ratio,
    sales_by,
    scoped_items,
    store_weeks,
    to_local_date,
    trunc,
    weekday_counts,
)

# --- trends/seasonal/ -------------------------------------------------------------------------


@analysis("trends/seasonal/")
def category_sales_by_month(*, filters: Filters, scope: Scope) -> Result:
    """Seasonal trends by category: each category's sales by calendar month.

    Items sold (`quantity`) and `revenue` (USD, quantity × unit price) per product `category`
    and local calendar `month` (1-12, all years of the range together), all twelve months of
    every category that sold. `share_of_category` = the month's revenue / the category's
    revenue × 100 (%); `index` = the month's revenue / the category's average month revenue
    (its revenue / 12) × 100, so 100 is an average month and 150 a month half again as strong.
    Both two decimals.
    """
    by_category: dict[str, dict[int, dict]] = defaultdict(dict)
    per_sku = rollups.sku_sales(filters, scope, {"month": local_part("month")})
    if per_sku is not None:  # products × months rows, summed per category here
        for r in per_sku:
            cell = by_category[r["product__category"]].setdefault(
                r["month"], {"sold": 0, "revenue": ZERO}
            )
            cell["sold"] += r["quantity"]
            cell["revenue"] += r["revenue"]
    else:
        rows = (
            scoped_items(filters, scope)
            .annotate(month=local_part("month")("order__"))
            .values("month", category=F("product__category"))
            .annotate(sold=Sum("quantity"), revenue=Sum(LINE_TOTAL))  # "quantity" would shadow
            .order_by("category", "month")
        )
        for r in rows:
            by_category[r["category"]][r["month"]] = r
    out = []
    for category, months in sorted(by_category.items()):
        total = money(sum(money(m["revenue"]) for m in months.values()))
        for month in range(1, 13):
            cell = months.get(month, {"sold": 0, "revenue": ZERO})
            revenue = money(cell["revenue"])
            out.append(
                {
                    "category": category,
                    "month": month,
                    "quantity": cell["sold"],
                    "revenue": revenue,
                    "share_of_category": percent(revenue, total, when_zero=ZERO),
                    "index": percent(revenue * 12, total, when_zero=ZERO),
                }
            )
    columns = ["category", "month", "quantity", "revenue", "share_of_category", "index"]
    return Result(columns=columns, rows=out)


# --- trends/growth/ ---------------------------------------------------------------------------

GROWTH_PERIOD = Param(
    "period",
    str,
    "year",
    "Compare each year, quarter or month with the same period a year earlier.",
    choices=("year", "quarter", "month"),
)


@analysis("trends/growth/", params=(GROWTH_PERIOD,))
def growth_by_period(*, filters: Filters, scope: Scope, period: str = "year") -> Result:
    """Growth year over year: orders and revenue against the same period a year earlier.

    One row per local `period` (`period=year` default, `quarter` or `month`; the first day,
    plus its `year`) of the date range (or of the data), empty periods included. `previous_*`
    are the orders and revenue (USD) of the same period one year earlier, read even before
    `date_from` (the year before the range is queried too, from the same day); None when that
    period precedes the data. `orders_growth_pct` / `revenue_growth_pct` = (this − previous) /
    previous × 100 (%, two decimals), None when previous is None or zero. A period cut by
    `date_to` is compared with the whole period a year earlier. Revenue follows the product
    filters as in orders/trend/.
    """
    window = filters
    if filters.date_from:
        window = replace(filters, date_from=filters.date_from - relativedelta(years=1))
    rows = sales_by(window, scope, {"period": by_period(period)})
    found = {to_local_date(r["period"]): r for r in rows}
    if not found and not (filters.date_from and filters.date_to):
        return Result(columns=COLUMNS_GROWTH, rows=[])
    known_from = period_start(window.date_from or min(found), period)
    out = []
    for start in periods(filters.date_from or min(found), filters.date_to or max(found), period):
        now = found.get(start, {"orders": 0, "revenue": ZERO})
        before = start - relativedelta(years=1)
        if before >= known_from:
            then = found.get(before, {"orders": 0, "revenue": ZERO})
        else:
            then = {"orders": None, "revenue": None}
        out.append(_growth_row(start, now, then))
    return Result(columns=COLUMNS_GROWTH, rows=out)


COLUMNS_GROWTH = [
    "period",
    "year",
    "orders",
    "revenue",
    "previous_orders",
    "previous_revenue",
    "orders_growth_pct",
    "revenue_growth_pct",
]


def _growth_row(start: dt.date, now: dict, then: dict) -> dict:
    return {
        "period": start,
        "year": start.year,
        "orders": now["orders"],
        "revenue": now["revenue"],
        "previous_orders": then["orders"],
        "previous_revenue": then["revenue"],
        "orders_growth_pct": change_pct(now["orders"], then["orders"]),
        "revenue_growth_pct": change_pct(now["revenue"], then["revenue"]),
    }


# --- trends/peak_times/ -----------------------------------------------------------------------

PEAK_VIEW = Param(
    "view",
    str,
    "hours",
    "hours: by hour of day; weekdays: by day of week; holidays: US holidays against ordinary days.",
    choices=("hours", "weekdays", "holidays"),
)
COMPARISON_WEEKS = (-2, -1, 1, 2)


@analysis("trends/peak_times/", params=(PEAK_VIEW,))
def sales_by_peak_time(*, filters: Filters, scope: Scope, view: str = "hours") -> Result:
    """Peak times: orders and revenue by local hour, by weekday, or on US holidays.

    `view=hours` (default): `hour` 0-23 (local), all present; `share` = the hour's orders / all
    orders × 100 (%). `view=weekdays`: ISO `weekday` (1 = Monday .. 7), `weekday_name`, and
    `average_orders` = orders / number of such weekdays between the first and last day
    analysed (the date range, or the first and last order). `view=holidays`: each US federal
    holiday (python-holidays, computed offline; observed days included) in that span, its
    `name`, `orders` and `revenue`; `baseline_orders` / `baseline_revenue` = the average of
    the same weekday 1 and 2 weeks before and after, leaving out holidays and days outside the
    span; `ratio` = orders / baseline_orders (None without a baseline). Two decimals.
    Revenue (USD) follows the product filters as in orders/trend/.
    """
    if view == "weekdays":
        return _weekdays(filters, scope)
    if view == "holidays":
        return _holidays(filters, scope)
    return _hours(filters, scope)


def _hours(filters: Filters, scope: Scope) -> Result:
    found = {r["hour"]: r for r in _by_hour(filters, scope)}
    total = sum(r["orders"] for r in found.values())
    out = []
    for hour in range(24):
        cell = found.get(hour, {"orders": 0, "revenue": ZERO})
        share = percent(cell["orders"], total, when_zero=ZERO)
        out.append(
            {"hour": hour, "orders": cell["orders"], "revenue": cell["revenue"], "share": share}
        )
    return Result(columns=["hour", "orders", "revenue", "share"], rows=out)


def _by_hour(filters: Filters, scope: Scope) -> list[dict]:
    """Orders and revenue per local hour (`sales_by`): from the hour rollup's whole months and
    years plus the base tables' edge days when it can answer, else from the base tables."""
    source = rollups.hour_source(filters, scope)
    if source is None:
        return sales_by(filters, scope, {"hour": local_part("hour")})
    months, edges = source
    found: dict[int, dict] = {}
    parts = (
        []
        if months is None
        else [months.values("hour").annotate(o=Sum("orders"), r=Sum("revenue"))]
    )
    for first, last in edges:
        edge = replace(filters, date_from=first, date_to=last)
        parts.append(
            {"hour": r["hour"], "o": r["orders"], "r": r["revenue"]}
            for r in sales_by(edge, scope, {"hour": local_part("hour")})
        )
    for part in parts:
        for r in part:
            cell = found.setdefault(r["hour"], {"hour": r["hour"], "orders": 0, "revenue": ZERO})
            cell["orders"] += r["o"]
            cell["revenue"] += r["r"]
    return [{**r, "revenue": money(r["revenue"])} for r in found.values()]


def _weekdays(filters: Filters, scope: Scope) -> Result:
    groups = {"weekday": local_part("iso_week_day")}
    found = {r["weekday"]: r for r in sales_by(filters, scope, groups)}
    span = local_span(filters, scope)
    days = weekday_counts(*span) if span else dict.fromkeys(range(1, 8), 0)
    out = []
    for weekday in range(1, 8):
        cell = found.get(weekday, {"orders": 0, "revenue": ZERO})
        out.append(
            {
                "weekday": weekday,
                "weekday_name": WEEKDAY_NAMES[weekday - 1],
                "orders": cell["orders"],
                "revenue": cell["revenue"],
                "average_orders": ratio(cell["orders"], days[weekday]),
            }
        )
    columns = ["weekday", "weekday_name", "orders", "revenue", "average_orders"]
    return Result(columns=columns, rows=out)


COLUMNS_HOLIDAYS = [
    "date",
    "name",
    "weekday_name",
    "orders",
    "revenue",
    "baseline_orders",
    "baseline_revenue",
    "ratio",
]


def _holidays(filters: Filters, scope: Scope) -> Result:
    span = local_span(filters, scope)
    if span is None:
        return Result(columns=COLUMNS_HOLIDAYS, rows=[])
    first, last = span
    calendar = holidays.country_holidays("US", years=range(first.year, last.year + 1))
    days = {to_local_date(r["day"]): r for r in sales_by(filters, scope, {"day": by_period("day")})}
    out = []
    for day, name in sorted(calendar.items()):
        if first <= day <= last:
            around = [day + dt.timedelta(weeks=w) for w in COMPARISON_WEEKS]
            usual = [d for d in around if first <= d <= last and d not in calendar]
            out.append(_holiday_row(day, name, days, usual))
    return Result(columns=COLUMNS_HOLIDAYS, rows=out)


def _holiday_row(day: dt.date, name: str, days: dict, usual: list[dt.date]) -> dict:
    def sales(d: dt.date) -> dict:
        return days.get(d, {"orders": 0, "revenue": ZERO})

    orders, n = sales(day)["orders"], len(usual)
    usual_orders = sum(sales(d)["orders"] for d in usual)
    usual_revenue = sum(sales(d)["revenue"] for d in usual)
    return {
        "date": day,
        "name": name,
        "weekday_name": WEEKDAY_NAMES[day.weekday()],
        "orders": orders,
        "revenue": sales(day)["revenue"],
        "baseline_orders": ratio(usual_orders, n) if n else None,
        "baseline_revenue": ratio(usual_revenue, n) if n else None,
        # From the exact average, not the rounded one: orders / (usual_orders / n).
        "ratio": ratio(orders * n, usual_orders) if usual_orders else None,
    }


# --- trends/warning/ --------------------------------------------------------------------------

WARNING_BY = Param(
    "by", str, "store", "Watch each store or each product category.", choices=("store", "category")
)
BASELINE_WEEKS = Param(
    "baseline_weeks", int, 8, "Weeks before each week that set its band", minimum=2, maximum=52
)
BAND_K = Param("k", float, 2.0, "Band half-width in standard deviations", minimum=0, maximum=10)
SEVERITY = (("critical", Decimal(50)), ("warning", Decimal(25)), ("watch", Decimal(0)))
SEVERITY_RANK = {name: rank for rank, (name, _) in enumerate(SEVERITY)}


@analysis("trends/warning/", params=(WARNING_BY, BASELINE_WEEKS, BAND_K))
def revenue_drops_by_week(
    *,
    filters: Filters,
    scope: Scope,
    by: str = "store",
    baseline_weeks: int = 8,
    k: float = 2.0,
) -> Result:
    """Early warning: store (or category) weeks whose revenue fell below the expected band.

    Revenue (USD) per store — or per product category with `by=category` (quantity × unit
    price) — and local week (Monday-Sunday, `week` is the Monday) is summed in the database;
    weeks without sales after the first week with sales count as zero. Each week is compared
    with the `baseline_weeks` weeks before it (default 8, read even before `date_from`):
    `expected` = their mean, `lower_bound` = mean − k × their POPULATION standard deviation
    (`k` default 2). A week is listed only when its revenue is below `lower_bound`, with
    `drop_pct` = (expected − revenue) / expected × 100 (%, two decimals) and `severity`:
    "critical" when drop_pct >= 50, "warning" when >= 25, else "watch". Weeks need a full
    baseline; a week cut short by `date_to` (or by the last order) is not judged. Newest week
    first, then by severity (critical first), then store or category.
    """
    first_week = period_start(filters.date_from, "week") if filters.date_from else None
    window = filters
    if first_week:
        window = replace(filters, date_from=first_week - dt.timedelta(weeks=baseline_weeks))
    span = local_span(filters, scope)
    if span is None:
        return Result(columns=_warning_columns(by), rows=[])
    # The last whole week: the one ending on the last day analysed, else the one before.
    last_week = period_start(span[1] - dt.timedelta(days=6), "week")
    out = []
    for key, weekly in _weekly_revenue(window, scope, by).items():
        weeks = periods(min(weekly), last_week, "week")
        for week, drop in _drops(weeks, weekly, baseline_weeks, Decimal(str(k))):
            if first_week is None or week >= first_week:
                out.append({by: key, "week": week, **drop})
    out.sort(key=lambda r: (-r["week"].toordinal(), SEVERITY_RANK[r["severity"]], r[by]))
    return Result(columns=_warning_columns(by), rows=out)


def _warning_columns(by: str) -> list[str]:
    return [by, "week", "revenue", "expected", "lower_bound", "drop_pct", "severity", "reason"]


def _weekly_revenue(filters: Filters, scope: Scope, by: str) -> dict[str, dict[dt.date, Decimal]]:
    if by != "category":
        return store_weeks(filters, scope)
    rows = (
        scoped_items(filters, scope)
        .annotate(week=trunc("week", "order__ordered_at"))
        .values("week", key=F("product__category"))
        .annotate(revenue=Sum(LINE_TOTAL))
        .order_by()
    )
    weekly: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
    for r in rows:
        weekly[r["key"]][to_local_date(r["week"])] = money(r["revenue"])
    return weekly


def _drops(weeks: list[dt.date], weekly: dict, baseline_weeks: int, k: Decimal):
    """(week, warning) for each week of one weekly series below its band."""
    values = [weekly.get(w, ZERO) for w in weeks]
    cents = [int(v * 100) for v in values]  # exact: the values are rounded to the cent
    k_ratio = Fraction(k).as_integer_ratio()
    for i in range(baseline_weeks, len(weeks)):
        if not _may_fall_below(cents[i - baseline_weeks : i], cents[i], k_ratio):
            continue
        drop = _drop(values[i - baseline_weeks : i], values[i], k)
        if drop:
            yield weeks[i], drop


# Relative slack of the exact pre-test below: far more than the rounding error of the
# 28-digit Decimal figures `_drop` decides with (for weekly revenue under about $10^10).
_SLACK = 10**12  # the slack is 1 / _SLACK


def _may_fall_below(baseline: list[int], revenue: int, k: tuple[int, int]) -> bool:
    """False when `revenue` (cents) is clearly within the band of `baseline` (cents): at or
    above the mean, or above mean − k × pstdev by a margin, in exact integer arithmetic
    (`k` as numerator and denominator). A quick sieve only: `_drop` decides the weeks it
    lets through."""
    n, total = len(baseline), sum(baseline)
    gap = total - n * revenue  # n × (mean − revenue)
    if gap <= 0:
        return False
    spread = n * sum(c * c for c in baseline) - total * total  # n² × variance
    p, q = k
    # gap² × (1 + slack) > k² × spread, both sides times q² × _SLACK
    return gap * gap * (_SLACK + 1) * q * q > p * p * spread * _SLACK


def _drop(baseline: list[Decimal], revenue: Decimal, k: Decimal) -> dict | None:
    """The warning for one week, or None when its revenue is within the band."""
    expected, std = mean_and_pstdev(baseline)
    lower = expected - k * std
    if revenue >= lower:
        return None
    drop = money((expected - revenue) / expected * 100)  # expected > lower > revenue >= 0
    row = {
        "revenue": revenue,
        "expected": money(expected),
        "lower_bound": money(lower),
        "drop_pct": drop,
        "severity": next(name for name, floor in SEVERITY if drop >= floor),
    }
    whole_pct = drop.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    row["reason"] = (
        f"Revenue ${revenue:,} is {whole_pct}% below the {len(baseline)}-week average of "
        f"${row['expected']:,} (lower bound ${row['lower_bound']:,})."
    )
    return row
