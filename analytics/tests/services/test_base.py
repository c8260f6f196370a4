import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, Sum

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.base import (
    LINE_TOTAL,
    ZERO,
    LocalExtract,
    change_pct,
    money,
    offset_changes,
    percent,
    period_start,
    periods,
    sales_source,
    scoped_items,
    scoped_orders,
    stores_in,
    to_local_date,
    trunc,
)

pytestmark = pytest.mark.django_db


def order_ids(filters: Filters, scope=EVERYTHING) -> list[int]:
    return sorted(scoped_orders(filters, scope).values_list("id", flat=True))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), [1, 2, 3, 4]),
        (Filters(store=("S1",)), [1, 2]),
        (Filters(state=("NV",)), [1, 2, 3]),
        (Filters(city="las vegas"), [3]),
        (Filters(category="Vegetarian"), [3, 4]),
        (Filters(size="large"), [1, 2]),
        (Filters(sku=("P1",)), [1, 4]),
        # Order 3 is 2022-04-02 02:15 UTC = 2022-04-01 19:15 in Los Angeles.
        (Filters(date_from=dt.date(2022, 4, 1), date_to=dt.date(2022, 4, 1)), [3]),
        (Filters(date_from=dt.date(2022, 4, 2)), [4]),
        (Filters(date_to=dt.date(2022, 3, 8)), [1, 2]),
    ],
)
def test_scoped_orders_applies_each_filter(tiny_chain, filters, expected):
    assert order_ids(filters) == expected


def test_scoped_orders_never_leaves_the_scope(tiny_chain, make_user):
    scope = scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=["S2"]))
    assert order_ids(Filters(), scope) == [3]
    assert order_ids(Filters(store=("S1",)), scope) == []


def test_scoped_items_revenue_by_hand(tiny_chain, make_user):
    total = scoped_items(Filters(), EVERYTHING).aggregate(v=Sum(LINE_TOTAL))["v"]
    assert money(total) == Decimal("90.00")
    classic = scoped_items(Filters(category="Classic"), EVERYTHING).aggregate(v=Sum(LINE_TOTAL))
    assert money(classic["v"]) == Decimal("61.00")  # 20.00 + 15.50 + 15.50 + 10.00
    scope = scope_for(make_user("reg", User.Role.REGIONAL_MANAGER, states=["CA"]))
    assert money(scoped_items(Filters(), scope).aggregate(v=Sum(LINE_TOTAL))["v"]) == Decimal(
        "17.25"
    )


def test_trunc_buckets_in_the_local_zone(tiny_chain):
    rows = (
        scoped_orders(Filters(), EVERYTHING)
        .annotate(period=trunc("day"))
        .values("period")
        .annotate(n=Count("id"))
        .order_by("period")
    )
    got = {to_local_date(r["period"]): r["n"] for r in rows}
    # Order 3 is 2022-04-02 02:15 UTC, still April 1st in Los Angeles.
    assert got == {
        dt.date(2022, 3, 1): 1,
        dt.date(2022, 3, 8): 1,
        dt.date(2022, 4, 1): 1,
        dt.date(2023, 1, 15): 1,
    }


def test_periods_fill_every_bucket():
    assert periods(dt.date(2022, 1, 15), dt.date(2022, 4, 1), "month") == [
        dt.date(2022, m, 1) for m in (1, 2, 3, 4)
    ]
    assert periods(dt.date(2022, 1, 5), dt.date(2022, 1, 12), "week") == [
        dt.date(2022, 1, 3),
        dt.date(2022, 1, 10),
    ]
    assert period_start(dt.date(2022, 8, 17), "quarter") == dt.date(2022, 7, 1)
    assert period_start(dt.date(2022, 8, 17), "year") == dt.date(2022, 1, 1)


def test_money_rounds_half_up_to_the_cent():
    assert money(None) == Decimal("0.00")
    assert money(2.675) == Decimal("2.68")
    assert money(Decimal("10.005")) == Decimal("10.01")


def test_percent_is_undefined_or_zero_for_an_empty_whole():
    assert percent(1, 3) == Decimal("33.33")
    assert percent(Decimal("2.5"), 8) == Decimal("31.25")
    assert percent(1, 0) is None
    assert percent(1, 0, when_zero=ZERO) == Decimal("0.00")
    assert change_pct(110, 100) == Decimal("10.00")
    assert change_pct(Decimal("90.50"), 100) == Decimal("-9.50")
    assert change_pct(5, 0) is None


def test_stores_in_applies_the_store_filters_within_the_scope(tiny_chain, make_user):
    def ids(filters, scope=EVERYTHING):
        return sorted(stores_in(filters, scope).values_list("id", flat=True))

    assert ids(Filters()) == ["S1", "S2", "S3", "S4"]
    assert ids(Filters(state=("NV",))) == ["S1", "S2"]
    assert ids(Filters(city="reno")) == ["S1"]
    assert ids(Filters(store=("S2", "S3"))) == ["S2", "S3"]
    scope = scope_for(make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"]))
    assert ids(Filters(), scope) == ["S1", "S2"]
    assert ids(Filters(store=("S3",)), scope) == []


def test_sales_source_measures_orders_or_matching_items(tiny_chain):
    every = ("orders", "revenue", "customers", "items")
    qs, prefix, measures = sales_source(Filters(), EVERYTHING, every)
    assert prefix == ""
    # n_items of the four orders: 3 + 1 + 3 + 2.
    assert qs.aggregate(**measures) == {
        "orders": 4,
        "revenue": Decimal("90.00"),
        "customers": 3,
        "items": 9,
    }
    qs, prefix, measures = sales_source(Filters(category="Classic"), EVERYTHING, every)
    assert prefix == "order__"
    totals = qs.aggregate(**measures)
    # Classic items: order 1 (2 × 10.00 + 15.50), order 2 (15.50), order 4 (10.00).
    assert {**totals, "revenue": money(totals["revenue"])} == {
        "orders": 3,
        "revenue": Decimal("61.00"),
        "customers": 2,
        "items": 5,
    }
    assert list(sales_source(Filters(), EVERYTHING)[2]) == ["orders", "revenue"]


# --- local time -------------------------------------------------------------------------------

LA = ZoneInfo("America/Los_Angeles")
UTC = dt.UTC
# Around the 2022 changes (PDT from 2022-03-13 10:00 UTC to 2022-11-06 09:00 UTC), at local
# midnights (and a microsecond before one), at the end of a quarter and a year, and before
# and after the years SQLite handles natively (1970-2100), where Django's own SQL answers.
INSTANTS = [
    dt.datetime(2022, 11, 6, 8, 30, tzinfo=UTC),  # 01:30 PDT, Sunday
    dt.datetime(2022, 11, 6, 9, 30, tzinfo=UTC),  # 01:30 PST: the same local hour and day
    dt.datetime(2022, 11, 6, 6, 59, 59, 999999, tzinfo=UTC),  # Saturday 23:59:59.999999 PDT
    dt.datetime(2022, 11, 6, 7, 0, tzinfo=UTC),  # Sunday 00:00 PDT
    dt.datetime(2022, 11, 7, 8, 0, tzinfo=UTC),  # Monday 00:00 PST: a new week
    dt.datetime(2022, 11, 7, 7, 59, 59, tzinfo=UTC),  # Sunday 23:59:59 PST
    dt.datetime(2022, 3, 13, 9, 59, 59, tzinfo=UTC),  # 01:59:59 PST
    dt.datetime(2022, 3, 13, 10, 0, tzinfo=UTC),  # 03:00 PDT
    dt.datetime(2022, 10, 1, 6, 59, tzinfo=UTC),  # Friday 30 September 23:59 PDT
    dt.datetime(2023, 1, 1, 7, 59, tzinfo=UTC),  # Saturday 31 December 2022 23:59 PST
    dt.datetime(1969, 7, 1, 6, 30, tzinfo=UTC),  # 30 June 1969 23:30 PDT
    dt.datetime(2101, 1, 1, 7, 30, tzinfo=UTC),  # 31 December 2100 23:30 PST
]
KINDS = ["day", "week", "month", "quarter", "year"]
PARTS = ["year", "month", "day", "hour", "iso_week_day"]


def expected_local(instant: dt.datetime) -> dict:
    local = instant.astimezone(LA)
    day = local.date()
    return {
        **{kind: period_start(day, kind) for kind in KINDS},
        **{part: getattr(local, part) for part in ("year", "month", "day", "hour")},
        "iso_week_day": local.isoweekday(),
    }


def test_local_buckets_follow_the_zone_across_time_changes(tiny_chain):
    from orders.models import Order

    orders = Order.objects.bulk_create(
        Order(customer_id="C1", store_id="S1", n_items=0, total=0, ordered_at=at) for at in INSTANTS
    )
    ids = [o.id for o in Order.objects.filter(ordered_at__in=INSTANTS).order_by("ordered_at")]
    assert len(ids) == len(orders)
    rows = (
        Order.objects.filter(id__in=ids)
        .annotate(**{kind: trunc(kind) for kind in KINDS})
        .annotate(**{f"part_{p}": LocalExtract("ordered_at", p) for p in PARTS})
        .order_by("ordered_at")
    )
    got = [
        {
            **{k: to_local_date(getattr(o, k)) for k in KINDS},
            **{p: getattr(o, f"part_{p}") for p in PARTS},
        }
        for o in rows
    ]
    assert got == [expected_local(at) for at in sorted(INSTANTS)]
    # The two 01:30 of 6 November 2022 fall in the same local hour and day.
    assert expected_local(INSTANTS[0])["hour"] == expected_local(INSTANTS[1])["hour"] == 1


def test_offset_changes_list_the_zone_s_time_changes():
    changes = dict(offset_changes("America/Los_Angeles"))
    assert changes["2022-03-13 10:00:00"] == -7 * 3600
    assert changes["2022-11-06 09:00:00"] == -8 * 3600
    assert len([t for t in changes if t.startswith("2022")]) == 2
    assert offset_changes("UTC") == (("1970-01-01 00:00:00", 0),)


def test_local_buckets_are_native_sql_on_sqlite():
    from orders.models import Order

    # On SQLite, Django would call Python for every row; on other engines its SQL is native.
    sql = str(
        Order.objects.annotate(week=trunc("week"), hour=LocalExtract("ordered_at", "hour")).query
    )
    assert ("strftime(" in sql) == (connection.vendor == "sqlite")
