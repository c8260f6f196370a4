"""Order analyses on `tiny_chain` (and two small additions of our own), numbers by hand.

tiny_chain in local time (America/Los_Angeles):
order 1  S1  Tue 2022-03-01 11:00  35.50  P1×2 + P2      (3 items)
order 2  S1  Tue 2022-03-08 12:30  15.50  P2             (1 item)
order 3  S2  Fri 2022-04-01 19:15  21.75  P3×3           (3 items)  UTC: Saturday, April 2nd
order 4  S3  Sun 2023-01-15 15:59  17.25  P1 + P3        (2 items)
"""

import datetime as dt
import statistics
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.base import weekday_counts
from analytics.services.orders import (
    items_per_order_by_period,
    order_value_by_period,
    orders_together_by_product_pair,
    revenue_volatility_by_store,
    sales_by_period,
    sales_by_season,
)

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
UTC = ZoneInfo("UTC")
D = Decimal


def add_order(order_id: int, store: str, customer: str, when: dt.datetime, items: dict) -> None:
    """An order whose total is the sum of its items at the products' prices."""
    from orders.models import Order, OrderItem
    from products.models import Product

    prices = dict(Product.objects.values_list("id", "price"))
    total = sum(prices[sku] * qty for sku, qty in items.items())
    Order.objects.create(
        id=order_id,
        store_id=store,
        customer_id=customer,
        ordered_at=when,
        n_items=sum(items.values()),
        total=total,
    )
    for sku, qty in items.items():
        OrderItem.objects.create(
            order_id=order_id, product_id=sku, quantity=qty, unit_price=prices[sku]
        )


@pytest.fixture
def baskets(tiny_chain):
    """tiny_chain plus a Hawaiian (P4, 12.00) and four orders, eight in all:

    1 {P1,P2}  2 {P2}  3 {P3}  4 {P1,P3}  5 {P1,P2,P3}  6 {P1,P2}  7 {P3,P4} (S2)  8 {P4} (S3)
    Orders with P1: 4, P2: 4, P3: 4, P4: 2.
    """
    from products.models import Product

    Product.objects.create(
        id="P4",
        name="Hawaiian",
        price=D("12.00"),
        category="Classic",
        size="Small",
        launch_date=dt.date(2020, 1, 1),
    )
    noon = dt.datetime(2022, 5, 2, 19, 0, tzinfo=UTC)
    add_order(5, "S1", "C1", noon, {"P1": 1, "P2": 1, "P3": 1})
    add_order(6, "S1", "C1", noon, {"P1": 1, "P2": 1})
    add_order(7, "S2", "C2", noon, {"P3": 1, "P4": 1})
    add_order(8, "S3", "C3", noon, {"P4": 1})


def manager_of(make_user, store: str):
    return scope_for(make_user(f"mgr-{store}", User.Role.STORE_MANAGER, stores=[store]))


def cells(result, *keys) -> dict:
    """Non-empty rows keyed by `keys`, as (orders, revenue)."""
    return {
        tuple(r[k] for k in keys): (r["orders"], r["revenue"]) for r in result.rows if r["orders"]
    }


# --- orders/seasonal/ -------------------------------------------------------------------------


def test_weekday_counts_count_each_weekday_of_the_span():
    # 321 days from Tuesday 2022-03-01 to Sunday 2023-01-15: 45 whole weeks and Tue..Sun.
    assert weekday_counts(dt.date(2022, 3, 1), dt.date(2023, 1, 15)) == {
        1: 45,
        2: 46,
        3: 46,
        4: 46,
        5: 46,
        6: 46,
        7: 46,
    }


def test_sales_by_season_month_by_year_fills_every_month_of_every_year(tiny_chain):
    result = sales_by_season(filters=Filters(), scope=EVERYTHING)
    assert result.columns == ["year", "month", "orders", "revenue"]
    assert [(r["year"], r["month"]) for r in result.rows] == [
        (y, m) for y in (2022, 2023) for m in range(1, 13)
    ]
    assert cells(result, "year", "month") == {
        (2022, 3): (2, D("51.00")),
        (2022, 4): (1, D("21.75")),
        (2023, 1): (1, D("17.25")),
    }


def test_sales_by_season_weekday_by_hour_averages_over_the_weekdays_of_the_range(tiny_chain):
    # Two Tuesdays (March 1st and 8th) in the range: one order at 11h and one at 12h.
    filters = Filters(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 3, 14))
    result = sales_by_season(filters=filters, scope=EVERYTHING, view="weekday_by_hour")
    assert len(result.rows) == 7 * 24
    assert cells(result, "weekday", "hour") == {
        (2, 11): (1, D("35.50")),
        (2, 12): (1, D("15.50")),
    }
    busy = [r for r in result.rows if r["orders"]]
    assert [(r["weekday_name"], r["average_orders"]) for r in busy] == [
        ("Tuesday", D("0.50")),
        ("Tuesday", D("0.50")),
    ]
    assert result.meta == {"first_day": dt.date(2022, 3, 1), "last_day": dt.date(2022, 3, 14)}


def test_sales_by_season_weekday_by_hour_uses_local_time(tiny_chain):
    result = sales_by_season(filters=Filters(), scope=EVERYTHING, view="weekday_by_hour")
    # Order 3 is Saturday 02:15 UTC but Friday 19:15 in Los Angeles; 46 Fridays in the span.
    friday_7pm = next(r for r in result.rows if (r["weekday"], r["hour"]) == (5, 19))
    assert (friday_7pm["orders"], friday_7pm["average_orders"]) == (1, D("0.02"))
    assert cells(result, "weekday", "hour")[(7, 15)] == (1, D("17.25"))


def test_sales_by_season_with_a_category_counts_matching_items(tiny_chain):
    result = sales_by_season(filters=Filters(category="Vegetarian"), scope=EVERYTHING)
    assert cells(result, "year", "month") == {
        (2022, 4): (1, D("21.75")),
        (2023, 1): (1, D("7.25")),
    }


def test_sales_by_season_stays_in_the_scope(tiny_chain, make_user):
    result = sales_by_season(filters=Filters(), scope=manager_of(make_user, "S2"))
    assert len(result.rows) == 12
    assert cells(result, "year", "month") == {(2022, 4): (1, D("21.75"))}


def test_sales_by_season_without_data_is_empty(tiny_chain):
    filters = Filters(date_from=dt.date(2030, 1, 1))
    assert sales_by_season(filters=filters, scope=EVERYTHING).rows == []
    by_hour = sales_by_season(filters=filters, scope=EVERYTHING, view="weekday_by_hour")
    assert len(by_hour.rows) == 168 and not any(r["orders"] for r in by_hour.rows)


# --- orders/volatility/ -----------------------------------------------------------------------


def test_volatility_by_store_by_hand(tiny_chain):
    result = revenue_volatility_by_store(filters=Filters(), scope=EVERYTHING)
    # S1: weeks of Feb 28th (35.50) and Mar 7th (15.50): mean 25.50, population std 10.00,
    # CV 10 / 25.5 = 39.22 %. S2 and S3 have one week each, CV 0; ties by store.
    assert result.rows == [
        {
            "store": "S1",
            "city": "Reno",
            "state": "NV",
            "weeks": 2,
            "mean_weekly_revenue": D("25.50"),
            "std_weekly_revenue": D("10.00"),
            "coefficient_of_variation": D("39.22"),
            "min_week": D("15.50"),
            "max_week": D("35.50"),
        },
        {
            "store": "S2",
            "city": "Las Vegas",
            "state": "NV",
            "weeks": 1,
            "mean_weekly_revenue": D("21.75"),
            "std_weekly_revenue": D("0.00"),
            "coefficient_of_variation": D("0.00"),
            "min_week": D("21.75"),
            "max_week": D("21.75"),
        },
        {
            "store": "S3",
            "city": "Sacramento",
            "state": "CA",
            "weeks": 1,
            "mean_weekly_revenue": D("17.25"),
            "std_weekly_revenue": D("0.00"),
            "coefficient_of_variation": D("0.00"),
            "min_week": D("17.25"),
            "max_week": D("17.25"),
        },
    ]


def test_volatility_figures_equal_the_statistics_module_on_many_series():
    # The mean and deviation are computed in whole cents; statistics' exact Decimal
    # arithmetic is the second method. Series of 1 to 60 weeks, with gaps counted as zero.
    import random

    from analytics.services.orders import _volatility

    rng = random.Random(5)
    monday = dt.date(2022, 1, 3)
    for _ in range(300):
        weeks = rng.randint(1, 60)
        series = {
            monday + dt.timedelta(weeks=w): D(rng.randint(1, 9_000_000)) / 100
            for w in range(weeks)
            if w in (0, weeks - 1) or rng.random() < 0.8
        }
        values = [series.get(monday + dt.timedelta(weeks=w), D("0.00")) for w in range(weeks)]
        mean, std = statistics.mean(values), statistics.pstdev(values)
        row = _volatility(("S1", "Reno", "NV"), series)
        assert row["weeks"] == weeks
        cents = D("0.01")  # half up, as the API rounds money
        assert row["mean_weekly_revenue"] == mean.quantize(cents, rounding=ROUND_HALF_UP)
        assert row["std_weekly_revenue"] == std.quantize(cents, rounding=ROUND_HALF_UP)
        cv = (std / mean * 100).quantize(cents, rounding=ROUND_HALF_UP)
        assert row["coefficient_of_variation"] == cv
        assert (row["min_week"], row["max_week"]) == (min(values), max(values))


def test_volatility_counts_weeks_without_sales_as_zero(tiny_chain):
    # A 10.00 order on Tuesday March 22nd: S1's weeks are 35.50, 15.50, 0 (Mar 14th), 10.00.
    add_order(5, "S1", "C1", dt.datetime(2022, 3, 22, 20, 0, tzinfo=UTC), {"P1": 1})
    result = revenue_volatility_by_store(filters=Filters(store=("S1",)), scope=EVERYTHING)
    weeks = [35.5, 15.5, 0, 10]
    std = statistics.pstdev(weeks)  # sqrt(670.25 / 4) = 12.9446
    (row,) = result.rows
    assert (row["weeks"], row["mean_weekly_revenue"], row["min_week"]) == (4, D("15.25"), 0)
    assert row["std_weekly_revenue"] == D("12.94") == D(f"{std:.2f}")
    assert row["coefficient_of_variation"] == D("84.88") == D(f"{std / 15.25 * 100:.2f}")


# Totals 15.50, 17.25, 21.75, 35.50: Q1 = 15.50 + 0.75 × 1.75 = 16.8125,
# Q3 = 21.75 + 0.25 × 13.75 = 25.1875, IQR = 8.375.


def test_outliers_quartiles_match_an_independent_computation(tiny_chain):
    result = revenue_volatility_by_store(filters=Filters(), scope=EVERYTHING, view="outliers")
    q1, _, q3 = statistics.quantiles([15.5, 17.25, 21.75, 35.5], n=4, method="inclusive")
    assert (q1, q3) == (16.8125, 25.1875)
    # k = 1.5: fences 16.8125 − 12.5625 = 4.25 and 25.1875 + 12.5625 = 37.75, no outlier.
    assert result.rows == []
    assert result.meta == {
        "orders": 4,
        "outliers": 0,
        "q1": D("16.81"),
        "q3": D("25.19"),
        "iqr": D("8.38"),
        "lower_fence": D("4.25"),
        "upper_fence": D("37.75"),
    }


def test_outliers_iqr_k_moves_the_fences(tiny_chain):
    result = revenue_volatility_by_store(
        filters=Filters(), scope=EVERYTHING, view="outliers", iqr_k=1.0
    )
    # Upper fence 25.1875 + 8.375 = 33.5625: order 1 (35.50), score 10.3125 / 8.375 = 1.23.
    assert result.rows == [
        {
            "order": 1,
            "store": "S1",
            "customer": "C1",
            "ordered_at": dt.datetime(2022, 3, 1, 11, 0, tzinfo=LA),
            "total": D("35.50"),
            "score": D("1.23"),
        }
    ]
    assert result.rows[0]["ordered_at"].utcoffset() == dt.timedelta(hours=-8)


def test_outliers_below_the_lower_fence_score_negative_and_limit_applies(tiny_chain):
    # k = 0: fences at Q1 and Q3; 15.50 is 1.3125 below Q1, score −0.16.
    result = revenue_volatility_by_store(
        filters=Filters(), scope=EVERYTHING, view="outliers", iqr_k=0
    )
    assert [(r["order"], r["score"]) for r in result.rows] == [(1, D("1.23")), (2, D("-0.16"))]
    limited = revenue_volatility_by_store(
        filters=Filters(limit=1), scope=EVERYTHING, view="outliers", iqr_k=0
    )
    assert [r["order"] for r in limited.rows] == [1]
    assert limited.meta["outliers"] == 2


def test_outliers_stay_in_the_scope(tiny_chain, make_user):
    # S1 only: totals 15.50 and 35.50, Q1 = 20.50, Q3 = 30.50, IQR 10; both 5.00 beyond.
    result = revenue_volatility_by_store(
        filters=Filters(), scope=manager_of(make_user, "S1"), view="outliers", iqr_k=0
    )
    assert [(r["order"], r["score"]) for r in result.rows] == [(1, D("0.50")), (2, D("-0.50"))]
    assert (result.meta["q1"], result.meta["q3"]) == (D("20.50"), D("30.50"))


def test_outliers_read_a_handful_of_aggregates(tiny_chain, django_assert_num_queries):
    # count, Q1, Q3, the outlier rows, their count: no per-order queries.
    with django_assert_num_queries(5):
        revenue_volatility_by_store(filters=Filters(), scope=EVERYTHING, view="outliers", iqr_k=0)


def test_volatility_without_data_is_empty(tiny_chain):
    filters = Filters(date_from=dt.date(2030, 1, 1))
    assert revenue_volatility_by_store(filters=filters, scope=EVERYTHING).rows == []
    outliers = revenue_volatility_by_store(filters=filters, scope=EVERYTHING, view="outliers")
    assert outliers.rows == []
    assert outliers.meta == {
        "orders": 0,
        "outliers": 0,
        "q1": None,
        "q3": None,
        "iqr": None,
        "lower_fence": None,
        "upper_fence": None,
    }


# --- orders/avg_items/ ------------------------------------------------------------------------


def test_items_per_order_by_month_by_hand(tiny_chain):
    result = items_per_order_by_period(filters=Filters(), scope=EVERYTHING)
    assert len(result.rows) == 11  # 2022-03 .. 2023-01, empty months included
    busy = [(r["period"], r["orders"], r["items"], r["items_per_order"]) for r in result.rows]
    assert [b for b in busy if b[1]] == [
        (dt.date(2022, 3, 1), 2, 4, D("2.00")),
        (dt.date(2022, 4, 1), 1, 3, D("3.00")),
        (dt.date(2023, 1, 1), 1, 2, D("2.00")),
    ]
    assert busy[2] == (dt.date(2022, 5, 1), 0, 0, D("0.00"))
    assert result.meta == {"orders": 4, "items": 9, "items_per_order": D("2.25")}


def test_items_per_order_distribution_by_hand(tiny_chain):
    result = items_per_order_by_period(filters=Filters(), scope=EVERYTHING, view="distribution")
    assert result.columns == ["n_items", "orders", "share"]
    # Orders of 3, 1, 3 and 2 items.
    assert result.rows == [
        {"n_items": 1, "orders": 1, "share": D("25.00")},
        {"n_items": 2, "orders": 1, "share": D("25.00")},
        {"n_items": 3, "orders": 2, "share": D("50.00")},
    ]


def test_items_per_order_with_a_category_counts_matching_items(tiny_chain):
    # Classic items: order 1 has 3, order 2 has 1, order 4 has 1 (order 3 has none).
    filters = Filters(category="Classic", granularity="year")
    trend = items_per_order_by_period(filters=filters, scope=EVERYTHING)
    assert [(r["period"].year, r["orders"], r["items"]) for r in trend.rows] == [
        (2022, 2, 4),
        (2023, 1, 1),
    ]
    assert trend.meta["items_per_order"] == D("1.67")  # 5 / 3
    spread = items_per_order_by_period(filters=filters, scope=EVERYTHING, view="distribution")
    assert [(r["n_items"], r["orders"], r["share"]) for r in spread.rows] == [
        (1, 2, D("66.67")),
        (2, 0, D("0.00")),
        (3, 1, D("33.33")),
    ]


def test_items_per_order_follows_granularity_and_scope(tiny_chain, make_user):
    filters = Filters(granularity="quarter")
    result = items_per_order_by_period(filters=filters, scope=manager_of(make_user, "S1"))
    assert [(r["period"], r["orders"], r["items"]) for r in result.rows] == [
        (dt.date(2022, 1, 1), 2, 4)
    ]


def test_items_per_order_without_data_is_empty(tiny_chain):
    filters = Filters(date_from=dt.date(2030, 1, 1), date_to=dt.date(2030, 2, 28))
    trend = items_per_order_by_period(filters=filters, scope=EVERYTHING)
    assert [(r["orders"], r["items_per_order"]) for r in trend.rows] == [(0, D("0.00"))] * 2
    assert trend.meta == {"orders": 0, "items": 0, "items_per_order": D("0.00")}
    spread = items_per_order_by_period(filters=filters, scope=EVERYTHING, view="distribution")
    assert spread.rows == []


# --- orders/avg_value/ ------------------------------------------------------------------------


def test_order_value_trend_is_the_sales_trend_with_an_overall_average(tiny_chain):
    filters = Filters(granularity="quarter")
    result = order_value_by_period(filters=filters, scope=EVERYTHING)
    assert result.rows == sales_by_period(filters=filters, scope=EVERYTHING).rows
    assert [(r["orders"], r["average_order_value"]) for r in result.rows] == [
        (2, D("25.50")),  # 2022-Q1
        (1, D("21.75")),
        (0, D("0.00")),
        (0, D("0.00")),
        (1, D("17.25")),  # 2023-Q1
    ]
    assert result.meta == {"orders": 4, "revenue": D("90.00"), "average_order_value": D("22.50")}


def test_order_value_distribution_bins_totals_in_10_dollar_bands(tiny_chain):
    result = order_value_by_period(filters=Filters(), scope=EVERYTHING, view="distribution")
    assert result.columns == ["band_from", "band_to", "orders", "share"]
    assert [tuple(r.values()) for r in result.rows] == [
        (D("10.00"), D("20.00"), 2, D("50.00")),  # 15.50, 17.25
        (D("20.00"), D("30.00"), 1, D("25.00")),  # 21.75
        (D("30.00"), D("40.00"), 1, D("25.00")),  # 35.50
    ]


def test_order_value_band_sets_the_width_and_fills_empty_bands(tiny_chain):
    result = order_value_by_period(filters=Filters(), scope=EVERYTHING, view="distribution", band=5)
    assert [(r["band_from"], r["orders"]) for r in result.rows] == [
        (D("15.00"), 2),
        (D("20.00"), 1),
        (D("25.00"), 0),
        (D("30.00"), 0),
        (D("35.00"), 1),
    ]


def test_order_value_band_lower_edge_is_inclusive(tiny_chain):
    # 15.50 / 15.50 = 1 exactly: order 2 opens the second band, not the first.
    result = order_value_by_period(
        filters=Filters(), scope=EVERYTHING, view="distribution", band=15.5
    )
    assert [(r["band_from"], r["band_to"], r["orders"]) for r in result.rows] == [
        (D("15.50"), D("31.00"), 3),
        (D("31.00"), D("46.50"), 1),
    ]


def test_order_value_stays_in_the_scope(tiny_chain, make_user):
    scope = manager_of(make_user, "S3")
    result = order_value_by_period(filters=Filters(), scope=scope, view="distribution")
    assert [(r["band_from"], r["orders"], r["share"]) for r in result.rows] == [
        (D("10.00"), 1, D("100.00"))
    ]
    assert result.meta["average_order_value"] == D("17.25")


# --- orders/basket/ ---------------------------------------------------------------------------


def pairs(result) -> list[tuple]:
    return [
        (
            r["product_a"],
            r["product_b"],
            r["orders_together"],
            r["support"],
            r["confidence_ab"],
            r["confidence_ba"],
            r["lift"],
        )
        for r in result.rows
    ]


def test_basket_pairs_by_hand(baskets):
    result = orders_together_by_product_pair(filters=Filters(limit=20), scope=EVERYTHING)
    # N = 8. P1P2 in orders 1, 5, 6; P1P3 in 4, 5; P2P3 in 5; P3P4 in 7.
    # lift = together × 8 / (orders with A × orders with B); P1..P3 are in 4 orders, P4 in 2.
    assert pairs(result) == [
        ("P1", "P2", 3, D("37.50"), D("75.00"), D("75.00"), D("1.50")),
        ("P1", "P3", 2, D("25.00"), D("50.00"), D("50.00"), D("1.00")),
        ("P3", "P4", 1, D("12.50"), D("25.00"), D("50.00"), D("1.00")),  # lift 1.00
        ("P2", "P3", 1, D("12.50"), D("25.00"), D("25.00"), D("0.50")),  # before lift 0.50
    ]
    assert result.rows[0]["name_a"] == result.rows[0]["name_b"] == "Margherita"
    assert (result.rows[2]["name_a"], result.rows[2]["name_b"]) == ("Veggie", "Hawaiian")
    assert result.meta == {"orders": 8}


def test_basket_min_support_keeps_pairs_at_or_above_it(baskets):
    def kept(min_support):
        result = orders_together_by_product_pair(
            filters=Filters(), scope=EVERYTHING, min_support=min_support
        )
        return [(r["product_a"], r["product_b"]) for r in result.rows]

    assert kept(25) == [("P1", "P2"), ("P1", "P3")]  # P1P3 is exactly 25 %
    assert kept(25.01) == [("P1", "P2")]
    assert kept(40) == []


def test_basket_limit_keeps_the_strongest_pairs(baskets):
    result = orders_together_by_product_pair(filters=Filters(limit=1), scope=EVERYTHING)
    assert [r["product_a"] + r["product_b"] for r in result.rows] == ["P1P2"]


def test_basket_product_filter_selects_pairs_but_keeps_the_counts(baskets):
    result = orders_together_by_product_pair(filters=Filters(sku=("P4",)), scope=EVERYTHING)
    assert pairs(result) == [("P3", "P4", 1, D("12.50"), D("25.00"), D("50.00"), D("1.00"))]
    assert result.meta == {"orders": 8}


def test_basket_by_name_merges_the_sizes_of_a_pizza(baskets):
    result = orders_together_by_product_pair(filters=Filters(), scope=EVERYTHING, by="name")
    # Margherita (P1 or P2) is in orders 1, 2, 4, 5, 6; Veggie in 3, 4, 5, 7; Hawaiian in 7, 8.
    # Margherita + Veggie: orders 4 and 5 (order 5 counts once); Hawaiian + Veggie: order 7.
    assert pairs(result) == [
        ("Margherita", "Veggie", 2, D("25.00"), D("40.00"), D("50.00"), D("0.80")),
        ("Hawaiian", "Veggie", 1, D("12.50"), D("50.00"), D("25.00"), D("1.00")),
    ]


def test_basket_stays_in_the_scope(baskets, make_user):
    # S2 holds orders 3 {P3} and 7 {P3, P4}.
    result = orders_together_by_product_pair(filters=Filters(), scope=manager_of(make_user, "S2"))
    assert pairs(result) == [("P3", "P4", 1, D("50.00"), D("50.00"), D("100.00"), D("1.00"))]


def test_basket_reads_three_aggregates(baskets, django_assert_num_queries):
    with django_assert_num_queries(4):  # rollups built?, N, orders per product, pairs
        orders_together_by_product_pair(filters=Filters(), scope=EVERYTHING)


def test_basket_from_the_pair_rollup_reads_a_few_small_queries(baskets, django_assert_num_queries):
    from analytics import rollups

    slow = orders_together_by_product_pair(filters=Filters(), scope=EVERYTHING)
    rollups.rebuild()
    # rollups built? (twice), N, orders per product, pairs, the pairs' product names
    with django_assert_num_queries(6):
        fast = orders_together_by_product_pair(filters=Filters(), scope=EVERYTHING)
    assert fast.rows == slow.rows and fast.rows


def test_basket_without_data_is_empty(tiny_chain):
    filters = Filters(date_from=dt.date(2030, 1, 1))
    result = orders_together_by_product_pair(filters=filters, scope=EVERYTHING, min_support=50)
    assert (result.rows, result.meta) == ([], {"orders": 0})
