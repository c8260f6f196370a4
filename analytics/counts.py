"""Stored distinct-customer counts (`CustomerCounts`): active, returning and repeating
customers per place and local calendar period, for the analyses that count customers.

Distinct customers do not add up: a customer of two stores is one customer of their state, and
one of January and February is one of the quarter. So CustomerSales, which holds per-customer
sums per store and period, answers them only by grouping its rows per customer (half a million
month rows at a million orders). This table holds the counts themselves for the places an
answer is most often asked about: the chain ("all"), each state ("state:CA") and each store
("store:S123"), at month, quarter, year and all-time granularity. Any other set of stores
(several states, a city with two stores), the day and week granularities, date ranges that cut
a period, and product filters are left to CustomerSales or the base tables.

Kept exact from CustomerSales, which the rollups keep exact: `rebuild()` after theirs (the
importer, `manage.py rebuild_rollups`), `refresh(keys)` after theirs for every ORM write (the
periods the written customers ordered in, at every place of the written stores: a customer's
first order moving changes who is returning in each of their periods), and a rebuild when a
store moves to another state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, Q, Sum

from analytics.filters import Granularity
from analytics.models import CustomerCounts, CustomerSales, Grain
from analytics.rollups import ALL_TIME, Key, enabled

ALL = "all"  # the granularity of the all-time rows, and the chain's place
SOURCE = {  # a stored granularity -> the CustomerSales grain its periods are grouped from
    Granularity.MONTH: Grain.MONTH,
    Granularity.QUARTER: Grain.MONTH,
    Granularity.YEAR: Grain.YEAR,
    ALL: Grain.ALL,
}
PLACES = "counts_places"  # temporary: (store_id, place) for each place a store is part of
FIRSTS = "counts_firsts"  # temporary: (place, customer_id, f) the first day at each place


def _period_sql(granularity: str) -> str:
    """SQL for the first day of the `granularity` period of the CustomerSales row `c` (already
    the first day of its month, year or all time, but for quarters)."""
    if granularity != Granularity.QUARTER:
        return "c.period"
    if connection.vendor == "postgresql":
        return "CAST(date_trunc('quarter', c.period) AS date)"
    return (
        "date(c.period, printf('-%d months', (CAST(strftime('%m', c.period) AS INTEGER) - 1) % 3))"
    )


def _places_sql() -> str:
    stores = _store_table()
    return (
        f"SELECT id AS store_id, '{ALL}' AS place FROM {stores} "
        f"UNION ALL SELECT id, 'state:' || state_abbr FROM {stores} "
        f"UNION ALL SELECT id, 'store:' || id FROM {stores}"
    )


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _store_table() -> str:
    from stores.models import Store

    return Store._meta.db_table


def _make_temporaries(places: list[str] | None) -> None:
    """PLACES (of `places`, None: all) and FIRSTS: each customer's first day at each of them."""
    sales = CustomerSales._meta.db_table
    where, params = "", []
    if places:
        where, params = f"WHERE place IN ({_marks(places)})", places
    with connection.cursor() as cursor:
        for table in (PLACES, FIRSTS):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {PLACES} AS SELECT * FROM ({_places_sql()}) p {where}", params
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {FIRSTS} AS "
            f"SELECT m.place, c.customer_id, MIN(c.first_day) AS f FROM {sales} c "
            f"JOIN {PLACES} m ON m.store_id = c.store_id WHERE c.grain = '{Grain.ALL}' "
            "GROUP BY m.place, c.customer_id"
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {FIRSTS}")
        else:  # SQLite joins by nested loops: look the first days up by an index
            cursor.execute(f"CREATE INDEX {FIRSTS}_key ON {FIRSTS} (place, customer_id)")


def _drop_temporaries() -> None:
    with connection.cursor() as cursor:
        for table in (PLACES, FIRSTS):
            cursor.execute(f"DROP TABLE {table}")


def _insert(granularity: str, sources: list[dt.date] | None = None) -> None:
    """The rows of `granularity` for the places in PLACES, from the CustomerSales rows of its
    source grain (of the periods `sources` only, None: all)."""
    sales, counts = CustomerSales._meta.db_table, CustomerCounts._meta.db_table
    period = _period_sql(granularity)
    where, params = f"c.grain = '{SOURCE[granularity]}'", [granularity]
    if sources is not None:
        where += f" AND c.period IN ({_marks(sources)})"
        params += [d.isoformat() for d in sources]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {counts} (place, granularity, period, active, "returning", repeaters)
            SELECT t.place, %s, t.p, COUNT(*), SUM(CASE WHEN f.f < t.p THEN 1 ELSE 0 END),
                   SUM(CASE WHEN t.n >= 2 THEN 1 ELSE 0 END)
            FROM (SELECT m.place, {period} AS p, c.customer_id, SUM(c.orders) AS n
                  FROM {sales} c JOIN {PLACES} m ON m.store_id = c.store_id
                  WHERE {where} GROUP BY m.place, {period}, c.customer_id) t
            JOIN {FIRSTS} f ON f.place = t.place AND f.customer_id = t.customer_id
            GROUP BY t.place, t.p""",
            params,
        )


def rebuild() -> None:
    """Every row again from CustomerSales (call inside the rollups' rebuild transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CustomerCounts._meta.db_table}")
    _make_temporaries(None)
    for granularity in SOURCE:
        _insert(granularity)
    _drop_temporaries()


def refresh(keys: Iterable[Key]) -> None:
    """The rows of every place of the stores of `keys` for every period their customers
    ordered in (now, per CustomerSales already refreshed, or before: the keys' own days)."""
    from stores.models import Store

    keys = list(keys)
    states = dict(
        Store.objects.filter(id__in={k.store_id for k in keys}).values_list("id", "state_abbr")
    )
    places = sorted(
        {ALL} | {f"state:{s}" for s in states.values()} | {f"store:{k.store_id}" for k in keys}
    )
    customers = {k.customer_id for k in keys}
    months = {k.day.replace(day=1) for k in keys} | set(
        CustomerSales.objects.filter(grain=Grain.MONTH, customer_id__in=customers)
        .values_list("period", flat=True)
        .distinct()
    )
    _make_temporaries(places)
    for granularity in SOURCE:
        targets, sources = _periods(granularity, months)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {CustomerCounts._meta.db_table} WHERE granularity = %s "
                f"AND place IN ({_marks(places)}) AND period IN ({_marks(targets)})",
                [granularity, *places, *(d.isoformat() for d in targets)],
            )
        _insert(granularity, sorted(sources))
    _drop_temporaries()


def _periods(granularity: str, months: set[dt.date]) -> tuple[list[dt.date], set[dt.date]]:
    """The `granularity` periods holding `months`, and the source rows' periods that make
    them up."""
    if granularity == ALL:
        return [ALL_TIME], {ALL_TIME}
    if granularity == Granularity.YEAR:
        years = {m.replace(month=1) for m in months}
        return sorted(years), years
    if granularity == Granularity.MONTH:
        return sorted(months), months
    quarters = {m.replace(month=(m.month - 1) // 3 * 3 + 1) for m in months}
    return sorted(quarters), {q.replace(month=q.month + i) for q in quarters for i in range(3)}


# --- reading them --------------------------------------------------------------------------------


def place_of(filters, scope) -> str | None:
    """The stored place whose stores are exactly those of `filters` within `scope`: the chain,
    one state or one store; None for any other set of stores, or none."""
    from analytics.services.base import stores_in
    from stores.models import Store

    chosen = set(stores_in(filters, scope).values_list("id", flat=True))
    if not chosen:
        return None
    every = dict(Store.objects.values_list("id", "state_abbr"))
    if chosen == set(every):
        return ALL
    if len(chosen) == 1:
        return f"store:{next(iter(chosen))}"
    states = {every[s] for s in chosen}
    if len(states) == 1 and chosen == {s for s, state in every.items() if state in states}:
        return f"state:{states.pop()}"
    return None


def whole_period(filters) -> tuple[str, dt.date] | None:
    """The one stored (granularity, period) that is exactly `filters`' date range (all time,
    one local year, quarter or month), or None."""
    from analytics.services.base import period_start

    start, end = filters.date_from, filters.date_to
    if start is None and end is None:
        return ALL, ALL_TIME
    if start is None or end is None:
        return None
    after = end + dt.timedelta(days=1)
    for g in (Granularity.YEAR, Granularity.QUARTER, Granularity.MONTH):
        if period_start(start, g) == start == period_start(end, g) != period_start(after, g):
            return g, start
    return None


def aligned(filters) -> bool:
    """Whether `filters`' date range is made of whole periods of its granularity."""
    from analytics.services.base import period_start

    g = filters.granularity
    start, after = filters.date_from, filters.date_to and filters.date_to + dt.timedelta(days=1)
    return all(day is None or period_start(day, g) == day for day in (start, after))


def recurring(filters, scope) -> tuple[list[dict], dict | None] | None:
    """Active, returning and repeating customers per period of `filters` (whole periods of a
    stored granularity at a stored place, no product filter) as
    `recurring_customers_by_period` counts them, and the customers and recurring customers
    of the whole range when it is one stored period (else None: the caller counts them);
    None when the stored counts cannot answer."""
    g = filters.granularity
    if filters.has_product_filter or g not in SOURCE or not aligned(filters) or not enabled():
        return None
    place = place_of(filters, scope)
    if place is None:
        return None
    rows = CustomerCounts.objects.filter(place=place, granularity=g)
    if filters.date_from:
        rows = rows.filter(period__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(period__lte=filters.date_to)
    found = [
        {"period": p, "active": a, "returning": r, "repeaters": n}
        for p, a, r, n in rows.values_list("period", "active", "returning", "repeaters")
    ]
    whole, meta = whole_period(filters), None
    if whole is not None:
        row = (
            CustomerCounts.objects.filter(place=place, granularity=whole[0], period=whole[1])
            .values("active", "repeaters")
            .first()
        )
        row = row or {"active": 0, "repeaters": 0}
        meta = {"customers": row["active"], "recurring": row["repeaters"]}
    return found, meta


def kpi_customers(current, previous, scope) -> dict[str, int] | None:
    """`kpis_by_period`'s customer figures (`active_`, `repeat_`, `new_`, `before_` each
    `cur` and `prev`) when both periods are one stored period each at a stored place (a
    year beside the year before, say), no product filter; else None. New customers in a
    period are its active ones less its returning ones; those who had ordered before a
    period are the new ones of every month before it."""
    if current.has_product_filter or not enabled():
        return None
    periods = whole_period(current), whole_period(previous)
    place = place_of(current, scope)
    if None in periods or place is None:
        return None
    rows = CustomerCounts.objects.filter(place=place)
    of = {
        key: Q(granularity=g, period=start)
        for key, (g, start) in zip(("cur", "prev"), periods, strict=True)
    }
    new = F("active") - F("returning")
    before = {
        key: Q(granularity=Granularity.MONTH, period__lt=filters.date_from)
        for key, filters in (("cur", current), ("prev", previous))
    }
    sums = {}
    for key in ("cur", "prev"):
        sums[f"active_{key}"] = Sum("active", filter=of[key])
        sums[f"repeat_{key}"] = Sum("repeaters", filter=of[key])
        sums[f"new_{key}"] = Sum(new, filter=of[key])
        sums[f"before_{key}"] = Sum(new, filter=before[key])
    found = rows.filter(of["cur"] | of["prev"] | before["cur"]).aggregate(**sums)
    return {name: value or 0 for name, value in found.items()}


# --- signal receivers (connected in AnalyticsConfig.ready) ---------------------------------------


def remember_store(sender, instance, **kwargs) -> None:
    """pre_save of a store: the state it was in."""
    from stores.models import Store

    instance._counts_state_was = (
        Store.objects.filter(pk=instance.pk).values_list("state_abbr", flat=True).first()
    )


def store_written(sender, instance, **kwargs) -> None:
    """post_save of a store: one that moved to another state moves its customers between the
    states' counts (a new store has no orders yet)."""
    was = getattr(instance, "_counts_state_was", None)
    if was is not None and was != instance.state_abbr and enabled():
        with transaction.atomic():
            rebuild()
