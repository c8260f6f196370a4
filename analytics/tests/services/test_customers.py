"""Customer analyses on `tiny_chain`, every figure counted by hand.

tiny_chain: C1 ordered twice at S1 (Reno NV) in March 2022 (35.50 + 15.50); C2 once at S2
(Las Vegas NV) on 2022-04-01 local (21.75); C3 once at S3 (Sacramento CA) on 2023-01-15
(17.25). The `homes` fixture gives them homes: C1 and C3 in Reno NV, C2 in Henderson NV.
"""

import datetime as dt
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.customers import (
    average_order_value_by_customer,
    customers_by_grid_cell,
    customers_by_location,
    recurring_customers_by_period,
    top_customers_by_orders,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def homes(tiny_chain):
    from customers.models import Customer

    Customer.objects.filter(id__in=["C1", "C3"]).update(city="Reno", state_abbr="NV")
    Customer.objects.filter(id="C2").update(city="Henderson", state_abbr="NV")
    return tiny_chain


@pytest.fixture
def c1_in_april(tiny_chain):
    """A third order by C1: S1, 2022-04-15 local, one P1 at 10.00."""
    from orders.models import Order, OrderItem

    Order.objects.create(
        id=5,
        customer_id="C1",
        store_id="S1",
        n_items=1,
        total=D("10.00"),
        ordered_at=datetime(2022, 4, 15, 18, 0, tzinfo=ZoneInfo("UTC")),
    )
    OrderItem.objects.create(order_id=5, product_id="P1", quantity=1, unit_price=D("10.00"))
    return tiny_chain


def manager_of(make_user, *stores):
    return scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=stores))


def rows_of(result, *keys):
    return [tuple(r[k] for k in keys) for r in result.rows]


# --- customers/density/ ----------------------------------------------------------------------

DENSITY = ("state", "customers", "orders", "revenue", "customer_share", "customers_per_store")


def density(filters=None, scope=EVERYTHING, level="state", by="home"):
    return customers_by_location(filters=filters or Filters(), scope=scope, level=level, by=by)


def test_density_by_home_state_counts_each_customer_once(homes):
    result = density()
    assert result.columns == list(DENSITY)
    # NV stores: S1 and S2, so 3 customers / 2 stores.
    assert rows_of(result, *DENSITY) == [("NV", 3, 4, D("90.00"), D("100.00"), D("1.50"))]
    assert result.meta == {"customers": 3}


def test_density_by_home_city_has_no_store_ratio_where_there_is_no_store(homes):
    result = density(level="city")
    assert result.columns == ["state", "city", *DENSITY[1:]]
    assert rows_of(result, "state", "city", *DENSITY[1:]) == [
        ("NV", "Reno", 2, 3, D("68.25"), D("66.67"), D("2.00")),  # C1, C3; S1 in Reno
        ("NV", "Henderson", 1, 1, D("21.75"), D("33.33"), None),
    ]


def test_density_by_store_state_places_customers_where_they_ordered(homes):
    assert rows_of(density(by="store"), *DENSITY) == [
        ("NV", 2, 3, D("72.75"), D("66.67"), D("1.00")),
        ("CA", 1, 1, D("17.25"), D("33.33"), D("1.00")),
    ]


def test_density_by_store_city_breaks_ties_by_state_then_city(homes):
    assert rows_of(density(level="city", by="store"), "state", "city", "customers", "revenue") == [
        ("CA", "Sacramento", 1, D("17.25")),
        ("NV", "Las Vegas", 1, D("21.75")),
        ("NV", "Reno", 1, D("51.00")),
    ]


def test_density_without_a_derived_home_reports_none(tiny_chain):
    assert rows_of(density(), "state", "customers", "customers_per_store") == [(None, 3, None)]


def test_density_with_a_product_filter_counts_matching_item_revenue(homes):
    result = density(Filters(category="Vegetarian"), by="store")
    assert rows_of(result, *DENSITY) == [
        ("CA", 1, 1, D("7.25"), D("50.00"), D("1.00")),
        ("NV", 1, 1, D("21.75"), D("50.00"), D("0.50")),
    ]


def test_density_state_filter_selects_stores(homes):
    result = density(Filters(state=("NV",)), by="store")
    assert rows_of(result, *DENSITY) == [("NV", 2, 3, D("72.75"), D("100.00"), D("1.00"))]


def test_density_date_filter(homes):
    result = density(Filters(date_from=dt.date(2022, 4, 1)), by="store")
    assert rows_of(result, "state", "customers", "revenue") == [
        ("CA", 1, D("17.25")),
        ("NV", 1, D("21.75")),
    ]


def test_density_stays_in_the_scope(homes, make_user):
    result = density(scope=manager_of(make_user, "S2"), by="store")
    # Only S2 is visible, so NV has one store for the ratio.
    assert rows_of(result, *DENSITY) == [("NV", 1, 1, D("21.75"), D("100.00"), D("1.00"))]


# --- customers/distribution/ -----------------------------------------------------------------

GRID = ("lat", "lon", "customers", "orders", "revenue")


def test_distribution_bins_customers_in_tenth_degree_cells(tiny_chain):
    result = customers_by_grid_cell(filters=Filters(), scope=EVERYTHING, cell_deg=0.1)
    assert result.columns == list(GRID)
    # C2 (36.17, -115.14), C3 (38.58, -121.49), C1 (39.53, -119.81): floor(x / 0.1) + 0.5.
    assert rows_of(result, *GRID) == [
        (36.15, -115.15, 1, 1, D("21.75")),
        (38.55, -121.45, 1, 1, D("17.25")),
        (39.55, -119.85, 1, 2, D("51.00")),
    ]


def test_distribution_cell_size_merges_nearby_customers(tiny_chain):
    result = customers_by_grid_cell(filters=Filters(), scope=EVERYTHING, cell_deg=5)
    # Latitudes all in [35, 40); longitudes -121.49 in [-125, -120), the others in [-120, -115).
    assert rows_of(result, *GRID) == [
        (37.5, -122.5, 1, 1, D("17.25")),
        (37.5, -117.5, 2, 3, D("72.75")),
    ]


def test_distribution_honours_product_filter_and_scope(tiny_chain, make_user):
    veggie = customers_by_grid_cell(
        filters=Filters(category="Vegetarian"), scope=EVERYTHING, cell_deg=5
    )
    assert rows_of(veggie, *GRID) == [
        (37.5, -122.5, 1, 1, D("7.25")),
        (37.5, -117.5, 1, 1, D("21.75")),
    ]
    mine = customers_by_grid_cell(filters=Filters(), scope=manager_of(make_user, "S1"), cell_deg=5)
    assert rows_of(mine, *GRID) == [(37.5, -117.5, 1, 2, D("51.00"))]


# --- customers/top/ --------------------------------------------------------------------------


def test_top_customers_rank_by_orders_then_revenue(homes):
    result = top_customers_by_orders(filters=Filters(), scope=EVERYTHING)
    assert result.rows == [
        {
            "customer": "C1",
            "orders": 2,
            "revenue": D("51.00"),
            "average_order_value": D("25.50"),
            "first_order": dt.date(2022, 3, 1),
            "last_order": dt.date(2022, 3, 8),
            "home_city": "Reno",
            "home_state": "NV",
        },
        {
            "customer": "C2",
            "orders": 1,
            "revenue": D("21.75"),
            "average_order_value": D("21.75"),
            # 2022-04-02 02:15 UTC is still April 1st in Los Angeles.
            "first_order": dt.date(2022, 4, 1),
            "last_order": dt.date(2022, 4, 1),
            "home_city": "Henderson",
            "home_state": "NV",
        },
        {
            "customer": "C3",
            "orders": 1,
            "revenue": D("17.25"),
            "average_order_value": D("17.25"),
            "first_order": dt.date(2023, 1, 15),
            "last_order": dt.date(2023, 1, 15),
            "home_city": "Reno",
            "home_state": "NV",
        },
    ]


def test_top_customers_limit(tiny_chain):
    result = top_customers_by_orders(filters=Filters(limit=2), scope=EVERYTHING)
    assert rows_of(result, "customer") == [("C1",), ("C2",)]


def test_top_customers_equal_orders_and_revenue_fall_back_to_customer_id(tiny_chain):
    from customers.models import Customer
    from orders.models import Order

    Customer.objects.create(id="C0", latitude=36.0, longitude=-115.0)
    Order.objects.create(
        id=6,
        customer_id="C0",
        store_id="S2",
        n_items=3,
        total=D("21.75"),
        ordered_at=datetime(2022, 5, 1, 12, 0, tzinfo=ZoneInfo("UTC")),
    )
    result = top_customers_by_orders(filters=Filters(), scope=EVERYTHING)
    assert rows_of(result, "customer", "orders", "revenue") == [
        ("C1", 2, D("51.00")),
        ("C0", 1, D("21.75")),
        ("C2", 1, D("21.75")),
        ("C3", 1, D("17.25")),
    ]


def test_top_customers_with_a_product_filter_count_matching_orders(tiny_chain):
    result = top_customers_by_orders(filters=Filters(sku=("P1",)), scope=EVERYTHING)
    # P1 is in order 1 (2 × 10.00) and order 4 (1 × 10.00).
    assert rows_of(result, "customer", "orders", "revenue", "first_order", "last_order") == [
        ("C1", 1, D("20.00"), dt.date(2022, 3, 1), dt.date(2022, 3, 1)),
        ("C3", 1, D("10.00"), dt.date(2023, 1, 15), dt.date(2023, 1, 15)),
    ]


def test_top_customers_stay_in_the_scope(tiny_chain, make_user):
    result = top_customers_by_orders(filters=Filters(), scope=manager_of(make_user, "S3"))
    assert rows_of(result, "customer", "orders", "revenue") == [("C3", 1, D("17.25"))]


# --- customers/avg_order/ --------------------------------------------------------------------

AOV = ("customer", "orders", "revenue", "average_order_value")


def aov(filters=None, scope=EVERYTHING, min_orders=1):
    return average_order_value_by_customer(
        filters=filters or Filters(limit=50), scope=scope, min_orders=min_orders
    )


def test_average_order_value_per_customer_and_summary(tiny_chain):
    result = aov()
    assert result.columns == list(AOV)
    assert rows_of(result, *AOV) == [
        ("C1", 2, D("51.00"), D("25.50")),
        ("C2", 1, D("21.75"), D("21.75")),
        ("C3", 1, D("17.25"), D("17.25")),
    ]
    assert result.meta == {
        "customers": 3,
        "mean_customer_aov": D("21.50"),  # (25.50 + 21.75 + 17.25) / 3
        "median_customer_aov": D("21.75"),
        "order_weighted_aov": D("22.50"),  # 90.00 / 4
    }


def test_average_order_value_min_orders_leaves_out_one_off_customers(tiny_chain):
    result = aov(min_orders=2)
    assert rows_of(result, *AOV) == [("C1", 2, D("51.00"), D("25.50"))]
    assert result.meta == {
        "customers": 1,
        "mean_customer_aov": D("25.50"),
        "median_customer_aov": D("25.50"),
        "order_weighted_aov": D("25.50"),
    }


def test_average_order_value_limit_cuts_rows_not_the_summary(tiny_chain):
    result = aov(Filters(limit=1))
    assert rows_of(result, "customer") == [("C1",)]
    assert result.meta["customers"] == 3
    assert result.meta["median_customer_aov"] == D("21.75")


def test_average_order_value_median_of_an_even_count_rounds_half_up(tiny_chain, make_user):
    scope = scope_for(make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"]))
    result = aov(scope=scope)
    assert rows_of(result, "customer") == [("C1",), ("C2",)]
    assert result.meta == {
        "customers": 2,
        "mean_customer_aov": D("23.63"),  # (25.50 + 21.75) / 2 = 23.625
        "median_customer_aov": D("23.63"),
        "order_weighted_aov": D("24.25"),  # 72.75 / 3
    }


def test_average_order_value_with_a_product_filter(tiny_chain):
    result = aov(Filters(category="Classic", limit=50))
    # Classic items: C1 20.00 + 15.50 + 15.50 in 2 orders; C3 10.00 in 1.
    assert rows_of(result, *AOV) == [
        ("C1", 2, D("51.00"), D("25.50")),
        ("C3", 1, D("10.00"), D("10.00")),
    ]
    assert result.meta["order_weighted_aov"] == D("20.33")  # 61.00 / 3


def test_average_order_value_without_customers_is_zero(tiny_chain):
    result = aov(Filters(date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 12, 31)))
    assert result.rows == []
    assert result.meta == {
        "customers": 0,
        "mean_customer_aov": D("0.00"),
        "median_customer_aov": D("0.00"),
        "order_weighted_aov": D("0.00"),
    }


# --- customers/recurring/ --------------------------------------------------------------------

RECURRING = ("period", "active_customers", "new_customers", "returning_customers", "repeat_rate")


def recurring(filters=None, scope=EVERYTHING):
    return recurring_customers_by_period(filters=filters or Filters(), scope=scope)


def test_recurring_by_month_fills_empty_months(tiny_chain):
    result = recurring()
    assert result.columns == list(RECURRING)
    assert len(result.rows) == 11  # March 2022 .. January 2023
    by_period = {r[0]: r[1:] for r in rows_of(result, *RECURRING)}
    assert by_period[dt.date(2022, 3, 1)] == (1, 1, 0, D("100.00"))  # C1 twice
    assert by_period[dt.date(2022, 4, 1)] == (1, 1, 0, D("0.00"))
    assert by_period[dt.date(2022, 5, 1)] == (0, 0, 0, D("0.00"))
    assert by_period[dt.date(2023, 1, 1)] == (1, 1, 0, D("0.00"))
    assert result.meta == {
        "customers": 3,
        "recurring_customers": 1,
        "recurring_share": D("33.33"),
    }


def test_recurring_by_week_sees_c1_return(tiny_chain):
    # Order 1 is Tuesday 2022-03-01, order 2 Tuesday 2022-03-08: two weeks.
    result = recurring(
        Filters(date_from=dt.date(2022, 2, 28), date_to=dt.date(2022, 3, 13), granularity="week")
    )
    assert rows_of(result, *RECURRING) == [
        (dt.date(2022, 2, 28), 1, 1, 0, D("0.00")),
        (dt.date(2022, 3, 7), 1, 0, 1, D("0.00")),
    ]


def test_recurring_by_year_repeat_rate(tiny_chain):
    result = recurring(Filters(granularity="year"))
    assert rows_of(result, *RECURRING) == [
        (dt.date(2022, 1, 1), 2, 2, 0, D("50.00")),  # C1 twice, C2 once
        (dt.date(2023, 1, 1), 1, 1, 0, D("0.00")),
    ]


def test_recurring_history_before_the_date_range_makes_a_customer_returning(c1_in_april):
    result = recurring(Filters(date_from=dt.date(2022, 4, 1), date_to=dt.date(2022, 4, 30)))
    # April: C2 (first order), C1 (first order in March, before the range).
    assert rows_of(result, *RECURRING) == [(dt.date(2022, 4, 1), 2, 1, 1, D("0.00"))]
    assert result.meta == {
        "customers": 2,
        "recurring_customers": 0,
        "recurring_share": D("0.00"),
    }


def test_recurring_with_a_product_filter_uses_matching_orders(c1_in_april):
    result = recurring(Filters(sku=("P1",), date_to=dt.date(2022, 4, 30)))
    # P1 orders: 1 (C1, March) and 5 (C1, April).
    assert rows_of(result, *RECURRING) == [
        (dt.date(2022, 3, 1), 1, 1, 0, D("0.00")),
        (dt.date(2022, 4, 1), 1, 0, 1, D("0.00")),
    ]
    assert result.meta["recurring_customers"] == 1


def test_recurring_stays_in_the_scope(c1_in_april, make_user):
    result = recurring(scope=manager_of(make_user, "S2"))
    assert rows_of(result, *RECURRING) == [(dt.date(2022, 4, 1), 1, 1, 0, D("0.00"))]
    assert result.meta == {
        "customers": 1,
        "recurring_customers": 0,
        "recurring_share": D("0.00"),
    }


def test_recurring_without_data_is_empty(tiny_chain):
    result = recurring(Filters(date_from=dt.date(2030, 1, 1)))
    assert result.rows == []
    assert result.meta == {"customers": 0, "recurring_customers": 0, "recurring_share": D("0.00")}


@pytest.mark.parametrize(
    ("service", "params", "queries"),
    [
        # each also asks once whether the rollups are built
        # rows, stores (the homes partition the customers: the total is the rows' sum)
        (customers_by_location, {"level": "city", "by": "home"}, 3),
        (customers_by_location, {"level": "city", "by": "store"}, 4),  # rows, total, stores
        (customers_by_grid_cell, {"cell_deg": 0.1}, 2),
        (top_customers_by_orders, {}, 3),  # ranking, the homes of the ranked
        (average_order_value_by_customer, {"min_orders": 1}, 2),  # rows and summary at once
        (recurring_customers_by_period, {}, 2),  # periods, summary
    ],
)
def test_customer_services_take_a_fixed_number_of_queries(
    homes, django_assert_num_queries, service, params, queries
):
    with django_assert_num_queries(queries):
        service(filters=Filters(category="Classic"), scope=EVERYTHING, **params)


def test_recurring_repeat_needs_both_orders_inside_the_date_range(tiny_chain):
    # C1 ordered on March 1st and March 8th; from March 2nd only the second is in the range:
    # one order in March, no repeat; still new in March (the first order ever is in March).
    # With the range opening on March 1st both orders count: a repeat.
    later = recurring(Filters(date_from=dt.date(2022, 3, 2), date_to=dt.date(2022, 3, 31)))
    assert rows_of(later, *RECURRING) == [(dt.date(2022, 3, 1), 1, 1, 0, D("0.00"))]
    whole = recurring(Filters(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 3, 31)))
    assert rows_of(whole, *RECURRING) == [(dt.date(2022, 3, 1), 1, 1, 0, D("100.00"))]
