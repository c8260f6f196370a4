"""stores/sales_by_city/ on `tiny_chain`, every figure counted by hand.

tiny_chain: S1 Reno NV (orders 1 and 2 by C1, March 2022: 35.50 + 15.50), S2 Las Vegas NV
(order 3 by C2, 2022-04-01 local: 21.75), S3 Sacramento CA (order 4 by C3, 2023-01-15: 17.25),
S4 Salt Lake City UT (no order). Chain total 90.00.
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.stores import sales_by_city
from analytics.tests.conftest import assert_csv_matches_json, pick

pytestmark = pytest.mark.django_db
D = Decimal
ALL = Filters()


@pytest.fixture
def twin_cities(tiny_chain):
    """A second Reno store, S5, where C1 (already S1's customer) spends 10.00 in May 2022, and
    S6 in Las Vegas, New Mexico: the same city name in another state, no orders."""
    from orders.models import Order
    from stores.models import Store

    common = {"zipcode": "00000", "distance": 1.0, "latitude": 35.6, "longitude": -105.2}
    Store.objects.create(id="S5", city="Reno", state="Nevada", state_abbr="NV", **common)
    Store.objects.create(id="S6", city="Las Vegas", state="New Mexico", state_abbr="NM", **common)
    Order.objects.create(
        id=50,
        customer_id="C1",
        store_id="S5",
        n_items=1,
        total=D("10.00"),
        ordered_at=dt.datetime(2022, 5, 3, 19, tzinfo=dt.UTC),
    )
    return tiny_chain


def test_sales_by_city_lists_every_city_with_its_state(tiny_chain):
    result = sales_by_city(filters=ALL, scope=EVERYTHING)
    assert result.columns == [
        "state",
        "city",
        "stores",
        "orders",
        "revenue",
        "average_order_value",
        "customers",
        "revenue_per_store",
        "share",
    ]
    assert [list(r.values()) for r in result.rows] == [
        # Reno: 35.50 + 15.50 = 51.00 of 90.00 = 56.67 %, one customer (C1) twice.
        ["NV", "Reno", 1, 2, D("51.00"), D("25.50"), 1, D("51.00"), D("56.67")],
        # Las Vegas: 21.75 / 90 = 24.1666 %.
        ["NV", "Las Vegas", 1, 1, D("21.75"), D("21.75"), 1, D("21.75"), D("24.17")],
        ["CA", "Sacramento", 1, 1, D("17.25"), D("17.25"), 1, D("17.25"), D("19.17")],
        # A city whose store sold nothing is listed with zeros.
        ["UT", "Salt Lake City", 1, 0, D("0.00"), D("0.00"), 0, D("0.00"), D("0.00")],
    ]
    assert result.meta == {"revenue": D("90.00")}


def test_sales_by_city_counts_stores_and_customers_once_per_city(twin_cities):
    rows = sales_by_city(filters=ALL, scope=EVERYTHING).rows
    # Reno now: S1 51.00 + S5 10.00 = 61.00 over 2 stores = 30.50; 3 orders, all by C1.
    # Las Vegas NM is its own city, apart from Las Vegas NV. Total 100.00.
    assert pick(rows, "state", "city", "stores", "orders", "revenue", "customers") == [
        ("NV", "Reno", 2, 3, D("61.00"), 1),
        ("NV", "Las Vegas", 1, 1, D("21.75"), 1),
        ("CA", "Sacramento", 1, 1, D("17.25"), 1),
        ("NM", "Las Vegas", 1, 0, D("0.00"), 0),
        ("UT", "Salt Lake City", 1, 0, D("0.00"), 0),
    ]
    assert pick(rows[:1], "average_order_value", "revenue_per_store", "share") == [
        (D("20.33"), D("30.50"), D("61.00"))  # 61 / 3 = 20.333; 61 / 100
    ]


def test_sales_by_city_of_one_state(tiny_chain):
    rows = sales_by_city(filters=Filters(state=("NV",)), scope=EVERYTHING).rows
    # The shares are of the listed cities' revenue: 72.75.
    assert pick(rows, "city", "revenue", "share") == [
        ("Reno", D("51.00"), D("70.10")),  # 51 / 72.75 = 70.103 %
        ("Las Vegas", D("21.75"), D("29.90")),
    ]


def test_sales_by_city_of_one_city_and_a_date_range(tiny_chain):
    march = Filters(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 3, 31))
    assert pick(sales_by_city(filters=march, scope=EVERYTHING).rows, "city", "orders") == [
        ("Reno", 2),
        # Equal revenues in state, then city order: CA, NV, UT. Order 3 (2022-04-02 02:15 UTC)
        # is April 1st in the chain's zone: not in March.
        ("Sacramento", 0),
        ("Las Vegas", 0),
        ("Salt Lake City", 0),
    ]
    reno = Filters(city="reno")  # the city filter ignores case, as everywhere
    assert pick(sales_by_city(filters=reno, scope=EVERYTHING).rows, "city", "revenue") == [
        ("Reno", D("51.00"))
    ]


def test_sales_by_city_with_a_product_filter(tiny_chain):
    rows = sales_by_city(filters=Filters(size="small"), scope=EVERYTHING).rows
    # Small = P1 and P3. Reno: order 1's 2×P1 = 20.00; Las Vegas: order 3's 3×P3 = 21.75;
    # Sacramento: order 4's P1 + P3 = 17.25. Total 59.00.
    assert pick(rows, "city", "orders", "revenue", "customers", "share") == [
        ("Las Vegas", 1, D("21.75"), 1, D("36.86")),  # 21.75 / 59 = 36.864 %
        ("Reno", 1, D("20.00"), 1, D("33.90")),
        ("Sacramento", 1, D("17.25"), 1, D("29.24")),
        ("Salt Lake City", 0, D("0.00"), 0, D("0.00")),
    ]


def test_sales_by_city_stays_in_the_scope(tiny_chain, make_user):
    scope = scope_for(make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"]))
    rows = sales_by_city(filters=ALL, scope=scope).rows
    assert pick(rows, "city", "revenue", "share") == [
        ("Reno", D("51.00"), D("70.10")),
        ("Las Vegas", D("21.75"), D("29.90")),
    ]
    manager = scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=["S2"]))
    assert pick(sales_by_city(filters=ALL, scope=manager).rows, "city", "share") == [
        ("Las Vegas", D("100.00"))
    ]


def test_sales_by_city_without_sales_has_no_share(tiny_chain):
    rows = sales_by_city(filters=Filters(date_from=dt.date(2030, 1, 1)), scope=EVERYTHING).rows
    assert {r["share"] for r in rows} == {None} and len(rows) == 4


def test_sales_by_city_runs_two_queries(tiny_chain, django_assert_num_queries):
    # Sales per city and the cities' stores (the total is their sum), and whether the rollups
    # are built.
    with django_assert_num_queries(3):
        sales_by_city(filters=Filters(size="small"), scope=EVERYTHING)


def test_sales_by_city_api_answers_json_and_the_same_csv(api, tiny_chain):
    body = assert_csv_matches_json(api(), "/api/stores/sales_by_city/", {"state": "NV"})
    assert pick(body["results"], "city", "revenue") == [("Reno", "51.00"), ("Las Vegas", "21.75")]
    assert body["meta"] == {"revenue": "72.75"}
