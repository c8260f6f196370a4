"""KPI cards on `tiny_chain`, every figure counted by hand.

tiny_chain (local dates): order 1, C1 at S1, 2022-03-01, 35.50, 3 items; order 2, C1 at S1,
2022-03-08, 15.50, 1 item; order 3, C2 at S2, 2022-04-01, 21.75, 3 items; order 4, C3 at S3,
2023-01-15, 17.25, 2 items (one P1 at 10.00, one P3 at 7.25).
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.kpis import kpis_by_period

pytestmark = pytest.mark.django_db
D = Decimal
KEYS = (
    "revenue",
    "orders",
    "average_order_value",
    "active_customers",
    "new_customers",
    "customer_growth",
    "items_per_order",
    "repeat_rate",
)


def cards(filters=None, scope=EVERYTHING):
    result = kpis_by_period(filters=filters or Filters(), scope=scope)
    return result, {r["kpi"]: r for r in result.rows}


def values(result, column="value") -> dict:
    return {r["kpi"]: r[column] for r in result.rows}


def between(start, end, **more) -> Filters:
    return Filters(date_from=start, date_to=end, **more)


MARCH_2_TO_APRIL_1 = between(dt.date(2022, 3, 2), dt.date(2022, 4, 1))


def test_kpis_rows_and_columns_come_in_the_documented_order(tiny_chain):
    result, _ = cards(MARCH_2_TO_APRIL_1)
    assert result.columns == [
        "kpi",
        "label",
        "value",
        "previous",
        "change",
        "change_pct",
        "unit",
        "definition",
    ]
    assert [r["kpi"] for r in result.rows] == list(KEYS)
    assert [r["unit"] for r in result.rows] == [
        "USD",
        "count",
        "USD",
        "count",
        "count",
        "%",
        "items",
        "%",
    ]
    assert all(r["label"] and r["definition"].endswith(".") for r in result.rows)


def test_kpis_current_and_previous_period_by_hand(tiny_chain):
    # Current 2022-03-02..2022-04-01 (31 days): orders 2 and 3. Previous 2022-01-30..03-01:
    # order 1.
    result, _ = cards(MARCH_2_TO_APRIL_1)
    assert values(result) == {
        "revenue": D("37.25"),  # 15.50 + 21.75
        "orders": 2,
        "average_order_value": D("18.63"),  # 18.625 rounded half up
        "active_customers": 2,  # C1, C2
        "new_customers": 1,  # C2; C1 first ordered on March 1st
        "customer_growth": D("100.00"),  # 1 new / 1 customer before (C1)
        "items_per_order": D("2.00"),  # (1 + 3) / 2
        "repeat_rate": D("0.00"),
    }
    assert values(result, "previous") == {
        "revenue": D("35.50"),
        "orders": 1,
        "average_order_value": D("35.50"),
        "active_customers": 1,
        "new_customers": 1,
        "customer_growth": None,  # nobody had ordered before 2022-01-30
        "items_per_order": D("3.00"),
        "repeat_rate": D("0.00"),
    }
    assert result.meta == {
        "date_from": dt.date(2022, 3, 2),
        "date_to": dt.date(2022, 4, 1),
        "previous_from": dt.date(2022, 1, 30),
        "previous_to": dt.date(2022, 3, 1),
    }


def test_kpis_change_and_change_pct(tiny_chain):
    result, _ = cards(MARCH_2_TO_APRIL_1)
    assert values(result, "change") == {
        "revenue": D("1.75"),
        "orders": 1,
        "average_order_value": D("-16.87"),
        "active_customers": 1,
        "new_customers": 0,
        "customer_growth": None,
        "items_per_order": D("-1.00"),
        "repeat_rate": D("0.00"),
    }
    assert values(result, "change_pct") == {
        "revenue": D("4.93"),  # 1.75 / 35.50 = 4.929...%
        "orders": D("100.00"),
        "average_order_value": D("-47.52"),  # -16.87 / 35.50 = -47.521...%
        "active_customers": D("100.00"),
        "new_customers": D("0.00"),
        "customer_growth": None,
        "items_per_order": D("-33.33"),
        "repeat_rate": None,  # previous is 0
    }


def test_kpis_repeat_rate_and_growth_over_a_month(tiny_chain):
    # March 2022 (31 days), previous 2022-01-29..2022-02-28 is empty.
    result, by_kpi = cards(between(dt.date(2022, 3, 1), dt.date(2022, 3, 31)))
    assert by_kpi["repeat_rate"]["value"] == D("100.00")  # C1 ordered twice
    assert by_kpi["customer_growth"]["value"] is None  # no customer before March
    assert by_kpi["revenue"]["change_pct"] is None
    assert values(result, "previous")["average_order_value"] == D("0.00")


def test_kpis_without_dates_take_the_last_30_days_with_data(tiny_chain):
    result, by_kpi = cards()
    assert result.meta == {
        "date_from": dt.date(2022, 12, 17),
        "date_to": dt.date(2023, 1, 15),  # the last local day with an order
        "previous_from": dt.date(2022, 11, 17),
        "previous_to": dt.date(2022, 12, 16),
    }
    assert by_kpi["revenue"]["value"] == D("17.25")
    assert by_kpi["customer_growth"]["value"] == D("50.00")  # C3 / (C1, C2)
    assert by_kpi["items_per_order"]["value"] == D("2.00")


def test_kpis_with_only_date_to_end_there(tiny_chain):
    result, by_kpi = cards(Filters(date_to=dt.date(2022, 3, 31)))
    assert (result.meta["date_from"], result.meta["date_to"]) == (
        dt.date(2022, 3, 2),
        dt.date(2022, 3, 31),
    )
    assert by_kpi["revenue"]["value"] == D("15.50")
    assert by_kpi["revenue"]["previous"] == D("35.50")


def test_kpis_with_a_product_filter_count_matching_items(tiny_chain):
    _, by_kpi = cards(between(dt.date(2023, 1, 1), dt.date(2023, 1, 31), category="Vegetarian"))
    assert by_kpi["revenue"]["value"] == D("7.25")  # the P3 of order 4, not its 17.25
    assert by_kpi["orders"]["value"] == 1
    assert by_kpi["items_per_order"]["value"] == D("1.00")
    assert by_kpi["new_customers"]["value"] == 1
    # C2 bought Vegetarian before; C1 never did.
    assert by_kpi["customer_growth"]["value"] == D("100.00")


def test_kpis_store_filter(tiny_chain):
    _, by_kpi = cards(between(dt.date(2022, 3, 1), dt.date(2022, 4, 30), store=("S2",)))
    assert by_kpi["revenue"]["value"] == D("21.75")
    assert by_kpi["active_customers"]["value"] == 1


def test_kpis_stay_in_the_scope(tiny_chain, make_user):
    scope = scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=["S2"]))
    result, by_kpi = cards(MARCH_2_TO_APRIL_1, scope=scope)
    assert values(result) == {
        "revenue": D("21.75"),
        "orders": 1,
        "average_order_value": D("21.75"),
        "active_customers": 1,
        "new_customers": 1,
        "customer_growth": None,  # C1's orders at S1 are outside the scope
        "items_per_order": D("3.00"),
        "repeat_rate": D("0.00"),
    }
    assert by_kpi["revenue"]["previous"] == D("0.00")


def test_kpis_without_any_order_are_zero(db):
    result, by_kpi = cards()
    assert by_kpi["revenue"]["value"] == D("0.00")
    assert by_kpi["orders"]["value"] == 0
    assert by_kpi["customer_growth"]["value"] is None
    assert result.meta["date_to"] - result.meta["date_from"] == dt.timedelta(days=29)


def test_kpis_take_three_queries(tiny_chain, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # last day with data, customers, items
        cards(Filters(category="Classic"))
    with django_assert_max_num_queries(3):  # and whether the rollups are built
        cards(MARCH_2_TO_APRIL_1)
