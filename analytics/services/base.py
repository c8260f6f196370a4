"""Building blocks every analysis shares: scoped querysets and stores, sales measures,
local-time buckets, money and percentages, distances."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Field,
    Func,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import Col, Combinable
from django.db.models.functions import (
    ASin,
    Cast,
    Coalesce,
    Cos,
    Extract,
    Least,
    Power,
    Radians,
    Sin,
    Sqrt,
    Trunc,
)

from accounts.scope import Scope
from analytics import rollups
from analytics.filters import Filters, Granularity
from analytics.models import Grain
from dataset.geo import EARTH_RADIUS_KM
from orders.models import Order, OrderItem
from products.models import Product
from stores.models import Store

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
LINE_TOTAL = ExpressionWrapper(F("quantity") * F("unit_price"), output_field=MONEY)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Result:
    """What an analysis returns: a table (`rows` of dicts with `columns` as keys) plus `meta`,
    single figures that belong to the whole table (a coefficient, a total)."""

    columns: list[str]
    rows: list[dict]
    meta: dict = field(default_factory=dict)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- money and percentages --------------------------------------------------------------------


def money(value: Decimal | float | int | None) -> Decimal:
    """Round to the cent (half up); None (an empty sum) is zero."""
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def mean_and_pstdev(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    """The mean and POPULATION standard deviation of amounts in whole cents, to Decimal's 28
    digits, in integer arithmetic: mean = S / n, pstdev = sqrt(n·Σc² − S²) / n (cents c,
    S their sum). statistics' exact fractions of Decimals cost about 20 µs a value."""
    cents = [int(v * 100) for v in values]
    n, total = len(cents), sum(cents)
    mean = Decimal(total) / (100 * n)
    return mean, Decimal(n * sum(c * c for c in cents) - total * total).sqrt() / (100 * n)


def ratio(numerator: Decimal | int | float, denominator: Decimal | int | float) -> Decimal:
    """numerator / denominator rounded to the cent; zero when the denominator is zero."""
    if not denominator:
        return Decimal("0.00")
    return money(Decimal(numerator) / Decimal(denominator))


def percent(
    part: Decimal | int | float,
    whole: Decimal | int | float | None,
    *,
    when_zero: Decimal | None = None,
) -> Decimal | None:
    """part / whole × 100, rounded to 0.01; `when_zero` (default None: undefined) when `whole`
    is zero or None."""
    if not whole:
        return when_zero
    return money(Decimal(part) * 100 / Decimal(whole))


def change_pct(value: Decimal | int | float, base: Decimal | int | float | None) -> Decimal | None:
    """(value - base) / base × 100, rounded to 0.01; None when `base` is zero or None."""
    if not base:
        return None
    return money((Decimal(value) - Decimal(base)) * 100 / Decimal(base))


# --- what the user sees: orders, items, stores, products --------------------------------------


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


def stores_in(filters: Filters, scope: Scope) -> QuerySet[Store]:
    """The stores in scope matching the store filters (`store`, `state`, `city`)."""
    qs = scope.filter(Store.objects.all(), "id")
    if filters.store:
        qs = qs.filter(id__in=filters.store)
    if filters.state:
        qs = qs.filter(state_abbr__in=filters.state)
    if filters.city:
        qs = qs.filter(city__iexact=filters.city)
    return qs


def products_in(filters: Filters) -> QuerySet[Product]:
    """Catalog products matching the product filters (`category`, `size`, `sku`)."""
    return Product.objects.filter(**_product_lookups(filters, ""))


def matching_products(filters: Filters, field: str) -> list[str]:
    """`field` ("id" or "name") of the products matching the product filters (category, size,
    sku): a short menu list, read once so that large queries compare with constants."""
    matching = products_in(filters).order_by(field)
    return list(matching.values_list(field, flat=True).distinct())


# --- sales ------------------------------------------------------------------------------------


def sales_source(
    filters: Filters,
    scope: Scope,
    measures: tuple[str, ...] = ("orders", "revenue"),
    *,
    rollup: str | None = None,
) -> tuple[QuerySet, str, dict[str, Aggregate]]:
    """The rows to aggregate sales over, the path from them to the order, and the `measures`
    asked for among `orders`, `revenue`, `customers` and `items`.

    `rollup` (a grain: the coarsest the caller's grouping allows): rollup rows instead when
    they answer exactly, with the path "" (they have `store`, and with `customers` asked for,
    `customer`); group them with `grouped`, whose names cannot clash with their fields.

    Without a product filter: orders, with `orders` counting them, `revenue` the sum of their
    totals, `customers` the distinct customers and `items` the orders' own item counts. With
    one (category, size, sku): the matching items, with `revenue` = sum of quantity × unit
    price, `items` = their quantity, `orders` and `customers` those of the orders holding them.
    """
    if rollup is not None:
        source = rollups.sales_source(filters, scope, rollup, measures)
        if source is not None:
            return source[0], "", source[1]
    if filters.has_product_filter:
        qs, prefix = scoped_items(filters, scope), "order__"
        every = {
            "orders": Count("order_id", distinct=True),
            "revenue": Sum(LINE_TOTAL),
            "customers": distinct_count("order__customer_id"),
            "items": Sum("quantity"),
        }
    else:
        qs, prefix = scoped_orders(filters, scope), ""
        every = {
            "orders": Count("id"),
            "revenue": Sum("total"),
            "customers": distinct_count("customer_id"),
            "items": Sum("n_items"),
        }
    return qs, prefix, {name: every[name] for name in measures}


def distinct_count(path: str, **extra) -> Count:
    """COUNT(DISTINCT path) of a text key (a customer, a store), compared byte by byte.

    Counting distinct values sorts them; PostgreSQL sorts text in the database's collation,
    and a locale such as C.UTF-8 is not its "C" fast path: byte order halves a distinct count
    of the customer rollup's rows (130 → 58 ms over 70k rows at 1M orders). The count is the
    same under any deterministic collation, whose equality is byte equality."""
    return Count(_Bytewise(F(path)), distinct=True, **extra)


class _Bytewise(Func):
    """The text expression in PostgreSQL's "C" collation; unchanged elsewhere (SQLite compares
    bytes already)."""

    template = "%(expressions)s"

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f'({sql} COLLATE "C")', params


def grouped(qs: QuerySet, keys: dict, aggregates: dict) -> list[dict]:
    """`qs` grouped by `keys` (name: expression) with `aggregates` (name: aggregate), as dicts
    under those names, which may be field names of `qs`'s model (aliased in the query)."""
    rows = (
        qs.values(**{f"k_{name}": key for name, key in keys.items()})
        .annotate(**{f"m_{name}": agg for name, agg in aggregates.items()})
        .order_by()
    )
    return [
        {**{name: r[f"k_{name}"] for name in keys}, **{name: r[f"m_{name}"] for name in aggregates}}
        for r in rows
    ]


def total(qs: QuerySet, aggregate: Aggregate):
    """One aggregate over `qs`, under a name no model field has."""
    return qs.aggregate(m_total=aggregate)["m_total"]


@dataclass(frozen=True)
class Group:
    """A `sales_by` key: `make(prefix)` is its expression over orders or items (the path prefix
    to the order), `rollup()` the same key over rollup rows (None: base tables only), exact on
    rows no coarser than `coarsest` (a rollup grain). `per_customer`: the key needs the
    customer, so only the per-customer rollup (which has `customer`) answers it."""

    make: Callable[[str], object]
    rollup: Callable[[], object] | None = None
    coarsest: str = Grain.ALL
    per_customer: bool = False

    def __call__(self, prefix: str) -> object:
        return self.make(prefix)


def by_field(path: str) -> Group:
    """A key on a field of the order's store (`store_id`, `store__city`, `store__state_abbr`)."""
    return Group(lambda p: F(p + path), lambda: F(path), Grain.ALL)


def by_period(granularity: str) -> Group:
    """The local period (its first day) of the order."""
    g = Granularity(granularity)
    coarsest = {
        Granularity.DAY: Grain.DAY,
        Granularity.WEEK: Grain.DAY,
        Granularity.YEAR: Grain.YEAR,
    }
    if g == Granularity.DAY:
        on_rollup = lambda: F("period")  # noqa: E731
    else:
        # As a date from the database: a truncated date comes back as a timestamp with time
        # zone on PostgreSQL, a few microseconds a row to load and convert.
        on_rollup = lambda: Cast(  # noqa: E731
            Trunc("period", g.value, output_field=DateField()), DateField()
        )
    return Group(lambda p: trunc(g, p + "ordered_at"), on_rollup, coarsest.get(g, Grain.MONTH))


def sales_by(filters: Filters, scope: Scope, groups: dict) -> list[dict]:
    """Orders and revenue (`sales_source`) grouped by order-level keys, honouring every filter.

    `groups` maps an output name to a `Group` (or a function of the path prefix to the order,
    "" when grouping orders, "order__" when grouping items, returning a field name or
    expression, e.g. `{"store": lambda p: F(p + "store_id")}`). When every key has a rollup
    form and the rollups can answer the filters exactly, they are read instead of the orders.

    Without a product filter, revenue is the sum of order totals and orders counts orders.
    With one (category, size, sku), revenue is the sum of quantity × unit price of the
    matching items and orders counts the orders holding at least one of them.
    """
    qs, columns = sales_by_query(filters, scope, groups)
    return [
        {
            **{name: r[column] for name, column in columns.items()},
            "revenue": money(r[columns["revenue"]]),
        }
        for r in qs.order_by(*(columns[name] for name in groups))
    ]


def sales_by_query(
    filters: Filters, scope: Scope, groups: dict, *, store_and_customer: bool = False
) -> tuple[QuerySet, dict]:
    """`sales_by` as an unordered grouped queryset of dicts, for callers that go on in SQL,
    and the column of each output name (the `groups`, `orders` and `revenue`).
    `store_and_customer`: the groups key on the store and the customer (and what follows from
    them), so over one period (`rollups.single_period`) the per-customer rollup rows are one
    per group already and are taken as they are, not grouped."""
    source, per_customer = None, False
    if all(isinstance(g, Group) and g.rollup is not None for g in groups.values()):
        grains = [g.coarsest for g in groups.values()] or [Grain.ALL]
        coarsest = min(grains, key=rollups.ORDER.index)
        per_customer = any(g.per_customer for g in groups.values())
        source = rollups.sales_source(
            filters, scope, coarsest, ("orders", "revenue"), customers=per_customer
        )
    if source is not None:  # aliased: the rollups have fields named period, orders, revenue
        qs, sums = source
        keys = {f"k_{name}": g.rollup() for name, g in groups.items()}
        measures = {f"m_{name}": agg for name, agg in sums.items()}
        columns = {name: f"k_{name}" for name in groups} | {n: f"m_{n}" for n in sums}
        one_period = rollups.single_period(filters.date_from, filters.date_to)
        if store_and_customer and per_customer and one_period:
            as_they_are = {f"m_{name}": F(name) for name in sums}
            return qs.annotate(**keys, **as_they_are).values(*keys, *as_they_are), columns
        return qs.annotate(**keys).values(*keys).annotate(**measures).order_by(), columns
    qs, prefix, measures = sales_source(filters, scope)
    keys = {name: make(prefix) for name, make in groups.items()}
    exprs = {k: (F(v) if isinstance(v, str) else v) for k, v in keys.items()}
    columns = {name: name for name in [*groups, *measures]}
    return qs.annotate(**exprs).values(*exprs).annotate(**measures).order_by(), columns


def store_weeks(filters: Filters, scope: Scope) -> dict[str, dict[dt.date, Decimal]]:
    """Revenue (`sales_by`'s, USD to the cent) per store ID and local week (its Monday), weeks
    with sales only. Grouped unordered by the store ID alone: a hash aggregate, where ordering
    or grouping by the stores' names too would sort every row by collated text."""
    groups = {"key": by_field("store_id"), "week": by_period("week")}  # not "store": Order's
    qs, columns = sales_by_query(filters, scope, groups)
    weekly: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
    for key, week, revenue in qs.values_list(columns["key"], columns["week"], columns["revenue"]):
        weekly[key][to_local_date(week)] = money(revenue)
    return weekly


def scalar(qs: QuerySet, aggregate: Aggregate, output_field: Field, default=None) -> Combinable:
    """One aggregate over `qs` (correlated through OuterRef) as a scalar subquery; `default`
    replaces the NULL of an empty set. (In a query that itself aggregates, leave `default`
    out: SQL would group by the Coalesce and run the subquery for every joined row.)"""
    rows = qs.order_by().annotate(_all=Value(1)).values("_all").annotate(v=aggregate).values("v")
    expr = Subquery(rows, output_field=output_field)
    if default is None:
        return expr
    return Coalesce(expr, Value(default, output_field=output_field))


# --- local time -------------------------------------------------------------------------------
# Periods, weekdays and hours are the chain's local ones. SQLite has no time zones: for Trunc
# and Extract with `tzinfo` Django calls Python once per row, which dominates any analysis over
# orders. `LocalTrunc` and `LocalExtract` give the same answers natively: the stored UTC text
# plus the zone's UTC offset at that instant (a search, compiled into a shallow tree of CASEs,
# among the zone's offset changes from 1970 to 2100) through SQLite's own date functions. Other
# engines, other operands (not a plain column) and instants outside those years keep Django's
# own SQL.

NATIVE_FROM, NATIVE_UNTIL = "1970-01-01 00:00:00", "2101-01-01 00:00:00"


@functools.cache
def offset_changes(zone_key: str) -> tuple[tuple[str, int], ...]:
    """(first UTC instant as stored by SQLite, UTC offset in seconds) of each stretch of
    constant offset of the zone from 1970 to 2100: found day by day, then to the second."""
    zone, day = dt.UTC, 86_400
    first = int(dt.datetime.fromisoformat(NATIVE_FROM).replace(tzinfo=zone).timestamp())
    until = int(dt.datetime.fromisoformat(NATIVE_UNTIL).replace(tzinfo=zone).timestamp())
    local = ZoneInfo(zone_key)

    def offset(ts: int) -> int:
        return int(dt.datetime.fromtimestamp(ts, local).utcoffset().total_seconds())

    changes = [(first, offset(first))]
    for ts in range(first + day, until, day):
        if offset(ts) != changes[-1][1]:
            low, high = ts - day, ts  # the change happens in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == changes[-1][1] else (low, middle)
            changes.append((high, offset(high)))
    return tuple((_utc_text(ts), seconds) for ts, seconds in changes)


def _utc_text(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


_FANOUT = 7  # 3 levels of CASE for 1970-2100: few comparisons, little nesting for SQLite's parser


@functools.lru_cache(maxsize=64)
def _offset_sql(column: str, changes: tuple[tuple[str, int], ...]) -> str:
    """SQL for the UTC offset (seconds) at `column`: a search tree of CASEs, each choosing among
    up to `_FANOUT` runs of offset changes by their first instant."""
    if len(changes) == 1:
        return str(changes[0][1])
    size = 1
    while size * _FANOUT < len(changes):
        size *= _FANOUT
    runs = [changes[i : i + size] for i in range(0, len(changes), size)]
    whens = " ".join(
        f"WHEN {column} < '{run[0][0]}' THEN {_offset_sql(column, before)}"
        for before, run in zip(runs, runs[1:], strict=False)
    )
    return f"CASE {whens} ELSE {_offset_sql(column, runs[-1])} END"


class _NativeLocalTime:
    """Mixin for Trunc and Extract with `tzinfo`: native SQL on SQLite (see above)."""

    def native_sql(self, local: str) -> tuple[str, list] | None:
        """SQL on `local`, the local wall time as SQLite text; None when not supported."""
        raise NotImplementedError

    def as_sqlite(self, compiler, connection, **extra_context):
        portable, params = self.as_sql(compiler, connection)
        if not (
            settings.USE_TZ
            and isinstance(self.lhs, Col)
            and isinstance(self.lhs.output_field, DateTimeField)
        ):
            return portable, params
        column, column_params = compiler.compile(self.lhs)
        offset = _offset_sql(column, offset_changes(self.get_tzname()))
        native = self.native_sql(f"datetime(substr({column}, 1, 19), ({offset}) || ' seconds')")
        if native is None or column_params:
            return portable, params
        sql, native_params = native
        bounds = f"{column} >= '{NATIVE_FROM}' AND {column} < '{NATIVE_UNTIL}'"
        return f"(CASE WHEN {bounds} THEN {sql} ELSE {portable} END)", [*native_params, *params]


_TRUNC_FORMATS = {
    "day": ("strftime(%s, {local})", "%Y-%m-%d"),
    "week": ("strftime(%s, {local}, '-6 days', 'weekday 1')", "%Y-%m-%d"),
    "month": ("strftime(%s, {local})", "%Y-%m-01"),
    "year": ("strftime(%s, {local})", "%Y-01-01"),
}


class LocalTrunc(_NativeLocalTime, Trunc):
    """The local date starting the period: `Trunc(..., output_field=DateField(),
    tzinfo=local_zone())`, native on SQLite."""

    def __init__(self, expression, kind: str):
        super().__init__(expression, kind, output_field=DateField(), tzinfo=local_zone())

    def native_sql(self, local: str) -> tuple[str, list] | None:
        if self.kind == "quarter":  # `local` twice: SQLite has no variables
            month = f"CAST(strftime(%s, {local}) AS INTEGER)"
            sql = f"printf(%s, strftime(%s, {local}), ({month} - 1) / 3 * 3 + 1)"
            return sql, ["%s-%02d-01", "%Y", "%m"]
        if self.kind not in _TRUNC_FORMATS:
            return None
        template, text = _TRUNC_FORMATS[self.kind]
        return template.format(local=local), [text]


_EXTRACT_FORMATS = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H"}


class LocalExtract(_NativeLocalTime, Extract):
    """Extract in the chain's zone, answering as `Extract(..., tzinfo=local_zone())`."""

    def __init__(self, expression, lookup_name: str):
        super().__init__(expression, lookup_name, tzinfo=local_zone())

    def native_sql(self, local: str) -> tuple[str, list] | None:
        if self.lookup_name == "iso_week_day":  # %w: 0 = Sunday; %% is SQL's modulo, escaped
            return f"((CAST(strftime(%s, {local}) AS INTEGER) + 6) %% 7 + 1)", ["%w"]
        if self.lookup_name not in _EXTRACT_FORMATS:
            return None
        return f"CAST(strftime(%s, {local}) AS INTEGER)", [_EXTRACT_FORMATS[self.lookup_name]]


def trunc(granularity: str, field_name: str = "ordered_at") -> LocalTrunc:
    """The start of the local period (day, week from Monday, month, quarter, year) as a date."""
    return LocalTrunc(field_name, Granularity(granularity).value)


_PART_GRAINS = {"year": Grain.YEAR, "month": Grain.MONTH, "iso_week_day": Grain.DAY}


def local_part(name: str) -> Group:
    """A `sales_by` group: one local part ("year", "month", "iso_week_day", "hour") of the
    order time. Rollups hold no hours."""
    on_rollup = None
    if name in _PART_GRAINS:
        on_rollup = lambda: Extract("period", name)  # noqa: E731
    return Group(
        lambda prefix: LocalExtract(prefix + "ordered_at", name),
        on_rollup,
        _PART_GRAINS.get(name, Grain.DAY),
    )


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


_STEP = {  # timedelta where it will do: adding a relativedelta costs microseconds
    Granularity.DAY: dt.timedelta(days=1),
    Granularity.WEEK: dt.timedelta(weeks=1),
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


def local_span(filters: Filters, scope: Scope) -> tuple[dt.date, dt.date] | None:
    """The local days analysed: `date_from`..`date_to`, a missing end taken from the first or
    last order in scope. None when there is nothing to analyse."""
    first, last = filters.date_from, filters.date_to
    if first is None or last is None:
        edges = scoped_orders(filters, scope).aggregate(a=Min("ordered_at"), b=Max("ordered_at"))
        if edges["a"] is None:
            return None
        first = first or to_local_date(edges["a"])
        last = last or to_local_date(edges["b"])
    return (first, last) if first <= last else None


def weekday_counts(first: dt.date, last: dt.date) -> dict[int, int]:
    """How many Mondays (1) .. Sundays (7) fall between `first` and `last`, inclusive."""
    days = (last - first).days + 1
    counts = {weekday: days // 7 for weekday in range(1, 8)}
    for offset in range(days % 7):
        counts[(first + dt.timedelta(days=offset)).isoweekday()] += 1
    return counts


# --- distances --------------------------------------------------------------------------------


def distance_km(lat1, lon1, lat2, lon2) -> Combinable:
    """Haversine great-circle distance in km between two points given in degrees, as a database
    expression (field names, F(), Value() or OuterRef()), on a sphere of radius 6371.0088 km
    (the figure the importer uses for `Customer.nearest_store_km`). The points must not be NULL
    (no order on the far side of a LEFT JOIN): PostgreSQL's LEAST skips NULLs, SQLite's does
    not, so the engines would answer differently."""
    lat1, lon1, lat2, lon2 = (F(x) if isinstance(x, str) else x for x in (lat1, lon1, lat2, lon2))
    phi1, phi2 = Radians(lat1), Radians(lat2)
    half_dphi = Sin((phi2 - phi1) / Value(2.0))
    half_dlambda = Sin(Radians(lon2 - lon1) / Value(2.0))
    a = Power(half_dphi, 2) + Cos(phi1) * Cos(phi2) * Power(half_dlambda, 2)
    # Rounding can push `a` a hair above 1 for antipodes; ASin would then fail.
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(a, Value(1.0))))
