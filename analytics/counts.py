"""Stored per-place customer figures, for the analyses that count or rank customers.

Distinct customers do not add up: a customer of two stores is one customer of their state, and
one of January and February is one of the quarter. So CustomerSales, which holds per-customer
sums per store and period, answers them only by grouping its rows per customer (half a million
month rows at a million orders). Two tables hold them ready for the places an answer is most
often asked about: the chain ("all"), each state ("state:CA"), each city ("city:CA|Fresno")
and each store ("store:S123"), a place of the same stores as a wider one stored once under the
wider name (`_stored_places`: a state of one store holds that store's figures):

- `CustomerCounts`: active, returning and repeating customers per place and month, quarter,
  year and all time (`recurring`, `kpi_customers`, `customers_per`);
- `CustomerTotals`: per customer, their orders, revenue and first and last day at each place
  of two or more stores, all time and per year, with their main store there, their pairs'
  km sums, their nearest store and their coordinates (`customer_totals`; a place of one
  store has these as its CustomerSales rows).

Any other set of stores (several states, two stores of a city), the day and week
granularities, date ranges that cut a period, and product filters are left to CustomerSales or
the base tables.

Kept exact from CustomerSales, which the rollups keep exact: `rebuild()` after theirs (the
importer, `manage.py rebuild_rollups`), `refresh(keys)` after theirs for every ORM write (the
written customers' rows, at every place of the written stores, for every period they ordered
in: a customer's first order moving changes who is returning in each of their periods), and a
rebuild when a store is added, removed or moved to another city or state. A customer who
moves or changes nearest store gets their CustomerTotals rows again (`refresh_customers`), a
store that moves rebuilds them (`rebuild_totals`): `rollups.place_written`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, Q, Sum

from analytics.filters import Granularity
from analytics.models import CustomerCounts, CustomerSales, CustomerTotals, Grain
from analytics.rollups import ALL_TIME, Key, enabled, single_period, spans
from customers.models import Customer

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
    # Text dates: the quarter's first month from the month's digits (date() per row is
    # slower); %% for a literal %, the statement going through parameter formatting.
    month = "CAST(substr(c.period, 6, 2) AS INTEGER)"
    return f"substr(c.period, 1, 5) || printf('%%02d', ({month} - 1) / 3 * 3 + 1) || '-01'"


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _make_temporaries(places: set[str] | None, firsts: bool = True) -> None:
    """PLACES (the stored places among `places`, None: all) and, with `firsts`, FIRSTS: each
    customer's first day at each of them."""
    sales = CustomerSales._meta.db_table
    stored = _stored_places()
    names = sorted({stored[p] for p in places} if places is not None else set(stored.values()))
    members = _members()
    rows = [(store, name, k) for k, name in enumerate(names) for store in members[name]]
    with connection.cursor() as cursor:
        for table in (PLACES, FIRSTS):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # Places numbered (`k`): millions of rows group and join on a number faster than text.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {PLACES} (store_id varchar(16), place varchar(110), k integer)"
        )
        cursor.executemany(f"INSERT INTO {PLACES} VALUES (%s, %s, %s)", rows)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {PLACES}")
        if not firsts:
            return
        cursor.execute(
            f"CREATE TEMPORARY TABLE {FIRSTS} AS "
            f"SELECT m.k, c.customer_id, MIN(c.first_day) AS f FROM {sales} c "
            f"JOIN {PLACES} m ON m.store_id = c.store_id WHERE c.grain = '{Grain.ALL}' "
            "GROUP BY m.k, c.customer_id"
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {FIRSTS}")
        else:  # SQLite joins by nested loops: look the first days up by an index
            cursor.execute(f"CREATE INDEX {FIRSTS}_key ON {FIRSTS} (k, customer_id)")


def _drop_temporaries() -> None:
    with connection.cursor() as cursor:
        for table in (PLACES, FIRSTS):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


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
            SELECT names.place, %s, per.p, per.active, per.back, per.repeaters
            FROM (SELECT t.k, t.p, COUNT(*) AS active,
                         SUM(CASE WHEN f.f < t.p THEN 1 ELSE 0 END) AS back,
                         SUM(CASE WHEN t.n >= 2 THEN 1 ELSE 0 END) AS repeaters
                  FROM (SELECT m.k, {period} AS p, c.customer_id, SUM(c.orders) AS n
                        FROM {sales} c JOIN {PLACES} m ON m.store_id = c.store_id
                        WHERE {where} GROUP BY m.k, {period}, c.customer_id) t
                  JOIN {FIRSTS} f ON f.k = t.k AND f.customer_id = t.customer_id
                  GROUP BY t.k, t.p) per
            JOIN (SELECT DISTINCT k, place FROM {PLACES}) names ON names.k = per.k""",
            params,
        )


TOTALS = (Grain.YEAR, Grain.ALL)  # the grains of CustomerTotals


def _insert_totals(customers: set[str] | None = None) -> None:
    """CustomerTotals rows of the places in PLACES with two or more stores (of `customers`
    only, None: all): CustomerSales' rows of its grains summed per place and customer; the
    store (and km) of the customer's first row ranked by orders, revenue (both descending)
    and store ID, their main store there; their orders and revenue at the store nearest to
    them (CustomerSales.home); and the customer's nearest store, its km and coordinates."""
    sales, totals = CustomerSales._meta.db_table, CustomerTotals._meta.db_table
    people = Customer._meta.db_table
    where, params = "", []
    if customers is not None:
        where, params = f"AND c.customer_id IN ({_marks(customers)})", sorted(customers)
    grains = ", ".join(f"'{g}'" for g in TOTALS)
    # Customer IDs partitioned as bytes: the database's collation sorts them twice as slowly.
    as_bytes = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {totals} (place, grain, period, customer_id, orders, revenue,
                                  first_day, last_day, main_store_id, main_km, pairs, pair_km,
                                  order_km, nearest_store_id, nearest_store_km, latitude,
                                  longitude, home_orders, home_revenue)
            SELECT names.place, t.grain, t.period, t.customer_id, t.orders, t.revenue, t.f, t.l,
                   t.main, t.main_km, t.pairs, t.pair_km, t.order_km, cu.nearest_store_id,
                   cu.nearest_store_km, cu.latitude, cu.longitude, t.home_orders, t.home_revenue
            FROM (SELECT r.k, r.grain, r.period, r.customer_id, SUM(r.orders) AS orders,
                         SUM(r.revenue) AS revenue, MIN(r.first_day) AS f,
                         MAX(r.last_day) AS l, MAX(CASE WHEN r.pos = 1 THEN r.store_id END) AS main,
                         MAX(CASE WHEN r.pos = 1 THEN r.km END) AS main_km, COUNT(*) AS pairs,
                         SUM(r.km) AS pair_km, SUM(r.orders * r.km) AS order_km,
                         SUM(r.home * r.orders) AS home_orders,
                         SUM(r.home * r.revenue) AS home_revenue
                  FROM (SELECT m.k, c.grain, c.period, c.customer_id, c.store_id, c.orders,
                               c.revenue, c.first_day, c.last_day, c.km, c.home,
                               ROW_NUMBER() OVER (
                                   PARTITION BY m.k, c.grain, c.period, c.customer_id{as_bytes}
                                   ORDER BY c.orders DESC, c.revenue DESC, c.store_id) AS pos
                        FROM {sales} c JOIN {PLACES} m ON m.store_id = c.store_id
                        WHERE c.grain IN ({grains}) {where}
                          AND m.k IN (SELECT k FROM {PLACES} GROUP BY k HAVING COUNT(*) > 1)) r
                  GROUP BY r.k, r.grain, r.period, r.customer_id) t
            JOIN (SELECT DISTINCT k, place FROM {PLACES}) names ON names.k = t.k
            JOIN {people} cu ON cu.id = t.customer_id
            ORDER BY t.k, t.grain, t.period""",  # a place's period on adjacent pages
            params,
        )


def rebuild() -> None:
    """Every row again from CustomerSales (call inside the rollups' rebuild transaction)."""
    empty = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
    with connection.cursor() as cursor:
        for model in (CustomerCounts, CustomerTotals):
            cursor.execute(f"{empty} {model._meta.db_table}")
    _make_temporaries(None)
    for granularity in SOURCE:
        _insert(granularity)
    _insert_totals()
    _drop_temporaries()


def rebuild_totals() -> None:
    """CustomerTotals' rows again from CustomerSales (the counts left as they are)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CustomerTotals._meta.db_table}")
    _make_temporaries(None, firsts=False)
    _insert_totals()
    _drop_temporaries()


def refresh_customers(customers: set[str]) -> None:
    """The CustomerTotals rows of `customers` again, at every place (a customer moved, or
    changed nearest store: their pairs' km, nearest store and coordinates are in them)."""
    _make_temporaries(None, firsts=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {CustomerTotals._meta.db_table} "
            f"WHERE customer_id IN ({_marks(customers)})",
            sorted(customers),
        )
    _insert_totals(customers)
    _drop_temporaries()


def refresh(keys: Iterable[Key]) -> None:
    """The rows of every place of the stores of `keys` for every period their customers
    ordered in (now, per CustomerSales already refreshed, or before: the keys' own days)."""
    from stores.models import Store

    keys = list(keys)
    written = Store.objects.filter(id__in={k.store_id for k in keys}).only("state_abbr", "city")
    places = {ALL, *(p for store in written for p in _places_of(store))}
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
                f"AND place IN (SELECT place FROM {PLACES}) AND period IN ({_marks(targets)})",
                [granularity, *(d.isoformat() for d in targets)],
            )
        _insert(granularity, sorted(sources))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {CustomerTotals._meta.db_table} WHERE place IN "
            f"(SELECT place FROM {PLACES}) AND customer_id IN ({_marks(customers)})",
            sorted(customers),
        )
    _insert_totals(customers)
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


def _places_of(store) -> tuple[str, str, str]:
    """The places a store is part of besides the chain: its state, its city, itself."""
    return (
        f"state:{store.state_abbr}",
        f"city:{store.state_abbr}|{store.city}",
        f"store:{store.id}",
    )


def _stores_by_place(stores) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for store in stores:
        for place in _places_of(store):
            out.setdefault(place, set()).add(store.id)
    return out


def _members() -> dict[str, set[str]]:
    """Every place of the chain (ALL first, then per store its state, city and itself) and
    its stores."""
    from stores.models import Store

    stores = list(Store.objects.only("id", "state_abbr", "city"))
    return {ALL: {s.id for s in stores}} | _stores_by_place(stores)


def _stored_places() -> dict[str, str]:
    """Each place -> the one its counts are stored under: the widest place with the same
    stores (a state of one store holds its city's and store's counts; a city of one store
    its store's), so no set of stores is counted twice."""
    widest: dict[frozenset, str] = {}
    return {p: widest.setdefault(frozenset(ids), p) for p, ids in _members().items()}


def place_of(filters, scope) -> str | None:
    """The stored place whose stores are exactly those of `filters` within `scope`: the chain,
    one state, one city or one store (the widest when several are the same stores); None for
    any other set of stores, or none."""
    from analytics.services.base import stores_in

    chosen = {s.id for s in stores_in(filters, scope).only("id")}
    if not chosen:
        return None
    for place, ids in _members().items():  # the widest first
        if ids == chosen:
            return place
    return None


def customers_per(filters, scope, level: str) -> dict[str, int] | None:
    """Distinct customers per state, city or store (`level`) of the stores of `filters`
    within `scope`, keyed by the place ("state:NV"), when the date range is one stored
    period, there is no product filter and each place's stores are all chosen (two of a
    state's three stores are not its place); else None."""
    from analytics.services.base import stores_in

    whole = whole_period(filters)
    if whole is None or filters.has_product_filter or not enabled():
        return None
    chosen = _stores_by_place(stores_in(filters, scope).only("id", "state_abbr", "city"))
    every, stored = _members(), _stored_places()
    wanted = {place for place in chosen if place.startswith(f"{level}:")}
    if any(chosen[place] != every[place] for place in wanted):
        return None
    rows = CustomerCounts.objects.filter(
        granularity=whole[0], period=whole[1], place__in={stored[p] for p in wanted}
    )
    found = dict(rows.values_list("place", "active"))
    return {place: found.get(stored[place], 0) for place in wanted}


AS_THEY_ARE = {"orders": F("orders"), "revenue": F("revenue")}  # a `customer_totals` row's


def customer_totals(filters, scope):
    """Rows one per customer with an order in view (`customer_id`, `orders`, `revenue`,
    `first_day`, `last_day`: sums to read as they are, AS_THEY_ARE, not grouped) when the date range
    is one period of CustomerTotals' grains (all time, one local year) at a stored place
    and there is no product filter: CustomerTotals' rows, or for a place of one store its
    CustomerSales rows. None otherwise."""
    found = _totals_of(filters, scope, by_state=False)
    return None if found is None else found[None]


def customer_totals_by_state(filters, scope) -> dict | None:
    """`customer_totals` of the view and of its part in each of its states (keyed None and
    the USPS code), or None unless every one of them is stored."""
    return _totals_of(filters, scope, by_state=True)


def _totals_of(filters, scope, by_state: bool) -> dict | None:
    from analytics.services.base import stores_in

    if filters.has_product_filter or not enabled():
        return None
    one = spans(filters.date_from, filters.date_to)
    if not single_period(filters.date_from, filters.date_to) or not _of_grains(one, TOTALS):
        return None
    chosen = list(stores_in(filters, scope).only("id", "state_abbr"))
    parts = {None: {s.id for s in chosen}}
    if by_state:
        for store in chosen:
            parts.setdefault(store.state_abbr, set()).add(store.id)
    members = _members()
    found = {}
    for key, ids in parts.items():
        # The widest place of exactly those stores (members list the widest first).
        place = next((p for p, stores in members.items() if stores == ids), None) if ids else None
        if place is None:
            return None
        (store, *more) = sorted(members[place])
        if more:
            found[key] = CustomerTotals.objects.filter(one, place=place).order_by()
        else:
            found[key] = CustomerSales.objects.filter(one, store_id=store).order_by()
    return found


def _of_grains(q: Q, grains: tuple[str, ...]) -> bool:
    """Whether the `spans` answer `q` (one period) picks rows of one of `grains`."""
    return dict(q.children).get("grain") in grains


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
    """pre_save of a store: the state and city it was in (None: a new store)."""
    from stores.models import Store

    instance._counts_place_was = (
        Store.objects.filter(pk=instance.pk).values_list("state_abbr", "city").first()
    )


def store_written(sender, instance, **kwargs) -> None:
    """post_save and post_delete of a store: a store moving to another state or city moves its
    customers between places, and one more or one less can change which places share their
    stores (`_stored_places`): the counts again."""
    was = getattr(instance, "_counts_place_was", None)
    moved = was != (instance.state_abbr, instance.city) or kwargs.get("created")
    if (moved or "created" not in kwargs) and enabled():
        with transaction.atomic():
            rebuild()
