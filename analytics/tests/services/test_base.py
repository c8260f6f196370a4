import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.base import (
    LINE_TOTAL,
    money,
    period_start,
    periods,
    scoped_items,
    scoped_orders,
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
