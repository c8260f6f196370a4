"""Building blocks every analysis shares: scoped querysets, local-time buckets, money."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDay, TruncMonth, TruncQuarter, TruncWeek, TruncYear

from accounts.scope import Scope
from analytics.filters import Filters, Granularity
from orders.models import Order, OrderItem

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=14, decimal_places=2)
LINE_TOTAL = ExpressionWrapper(F("quantity") * F("unit_price"), output_field=MONEY)

_TRUNC = {
    Granularity.DAY: TruncDay,
    Granularity.WEEK: TruncWeek,
    Granularity.MONTH: TruncMonth,
    Granularity.QUARTER: TruncQuarter,
    Granularity.YEAR: TruncYear,
}


@dataclass
class Result:
    """What an analysis returns: a table (`rows` of dicts with `columns` as keys) plus `meta`,
    single figures that belong to the whole table (a coefficient, a total)."""

    columns: list[str]
    rows: list[dict]
    meta: dict = field(default_factory=dict)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def money(value: Decimal | float | int | None) -> Decimal:
    """Round to the cent (half up); None (an empty sum) is zero."""
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _store_lookups(filters: Filters, prefix: str) -> dict:
    lookups: dict = {}
    if filters.store:
        lookups[f"{prefix}store_id__in"] = filters.store
    if filters.state:
        lookups[f"{prefix}store__state_abbr__in"] = filters.state
    if filters.city:
        lookups[f"{prefix}store__city__iexact"] = filters.city
    start, end = filters.start_instant(), filters.end_instant()
    if start:
        lookups[f"{prefix}ordered_at__gte"] = start
    if end:
        lookups[f"{prefix}ordered_at__lt"] = end
    return lookups


def _product_lookups(filters: Filters, prefix: str) -> dict:
    lookups: dict = {}
    if filters.category:
        lookups[f"{prefix}category__iexact"] = filters.category
    if filters.size:
        lookups[f"{prefix}size__iexact"] = filters.size
    if filters.sku:
        lookups[f"{prefix}id__in"] = filters.sku
    return lookups


def scoped_orders(filters: Filters, scope: Scope) -> QuerySet[Order]:
    """Orders in scope matching the store and date filters. With a product filter, the orders
    that contain at least one matching product."""
    qs = scope.filter(Order.objects.all()).filter(**_store_lookups(filters, ""))
    if filters.has_product_filter:
        matching = OrderItem.objects.filter(
            order=OuterRef("pk"), **_product_lookups(filters, "product__")
        )
        qs = qs.filter(Exists(matching))
    return qs


def scoped_items(filters: Filters, scope: Scope) -> QuerySet[OrderItem]:
    """Order items in scope matching every filter (store and dates through their order)."""
    qs = scope.filter(OrderItem.objects.all(), store_field="order__store")
    return qs.filter(**_store_lookups(filters, "order__"), **_product_lookups(filters, "product__"))


def trunc(granularity: str, field_name: str = "ordered_at"):
    """The start of the local period (day, week from Monday, month, quarter, year) as a date."""
    func = _TRUNC[Granularity(granularity)]
    return func(field_name, tzinfo=local_zone())


def to_local_date(value: dt.date | dt.datetime) -> dt.date:
    """A truncated value as a local date (engines return datetimes or dates)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(local_zone())
        return value.date()
    return value


def period_start(day: dt.date, granularity: str) -> dt.date:
    g = Granularity(granularity)
    if g == Granularity.DAY:
        return day
    if g == Granularity.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if g == Granularity.MONTH:
        return day.replace(day=1)
    if g == Granularity.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


_STEP = {
    Granularity.DAY: relativedelta(days=1),
    Granularity.WEEK: relativedelta(weeks=1),
    Granularity.MONTH: relativedelta(months=1),
    Granularity.QUARTER: relativedelta(months=3),
    Granularity.YEAR: relativedelta(years=1),
}


def periods(first: dt.date, last: dt.date, granularity: str) -> list[dt.date]:
    """Every period start from the one holding `first` to the one holding `last`."""
    step = _STEP[Granularity(granularity)]
    current, end = period_start(first, granularity), period_start(last, granularity)
    out = []
    while current <= end:
        out.append(current)
        current = current + step
    return out


def sales_by(filters: Filters, scope: Scope, groups: dict) -> list[dict]:
    """Orders and revenue grouped by order-level keys, honouring every filter.

    `groups` maps an output name to a function of the path prefix to the order ("" when
    grouping orders, "order__" when grouping items) returning a field name or expression,
    e.g. `{"store": lambda p: F(p + "store_id")}`.

    Without a product filter, revenue is the sum of order totals and orders counts orders.
    With one (category, size, sku), revenue is the sum of quantity × unit price of the
    matching items and orders counts the orders holding at least one of them.
    """
    if filters.has_product_filter:
        qs, prefix = scoped_items(filters, scope), "order__"
        measures = {"orders": Count("order_id", distinct=True), "revenue": Sum(LINE_TOTAL)}
    else:
        qs, prefix = scoped_orders(filters, scope), ""
        measures = {"orders": Count("id"), "revenue": Sum("total")}
    keys = {name: make(prefix) for name, make in groups.items()}
    exprs = {k: (F(v) if isinstance(v, str) else v) for k, v in keys.items()}
    rows = qs.annotate(**exprs).values(*exprs).annotate(**measures).order_by(*exprs)
    return [{**r, "revenue": money(r["revenue"])} for r in rows]


def ratio(numerator: Decimal | int | float, denominator: Decimal | int | float) -> Decimal:
    """numerator / denominator rounded to the cent; zero when the denominator is zero."""
    if not denominator:
        return Decimal("0.00")
    return money(Decimal(numerator) / Decimal(denominator))
