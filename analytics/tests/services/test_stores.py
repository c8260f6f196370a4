"""Store analyses on `tiny_chain`, every figure counted by hand.

tiny_chain: S1 Reno NV (orders 1 and 2 by C1, March 2022: 35.50 + 15.50), S2 Las Vegas NV
(order 3 by C2, 2022-04-01 local: 21.75), S3 Sacramento CA (order 4 by C3, 2023-01-15: 17.25),
S4 Salt Lake City UT (no order). Chain total 90.00. Distances are checked against a haversine
computed here with the math module.
"""

import datetime as dt
import math
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Value

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.base import distance_km
from analytics.services.stores import (
    customer_distance_by_store,
    customer_reach_by_store,
    product_sales_by_store,
    revenue_by_store_and_period,
    sales_by_state,
    sales_by_store,
)

pytestmark = pytest.mark.django_db
D = Decimal
UTC = ZoneInfo("UTC")
ALL = Filters(limit=100)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius 6371.0088 km, written independently."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def km(customer: str, store: str) -> float:
    points = {
        "C1": (39.53, -119.81),
        "C2": (36.17, -115.14),
        "C3": (38.58, -121.49),
        "S1": (39.5296, -119.8138),
        "S2": (36.1699, -115.1398),
        "S3": (38.5816, -121.4944),
    }
    return haversine(*points[customer], *points[store])


def manager_of(make_user, *stores):
    return scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=stores))


def regional(make_user, *states):
    return scope_for(make_user("reg", User.Role.REGIONAL_MANAGER, states=states))


def pick(rows, *keys):
    return [tuple(r[k] for k in keys) for r in rows]


@pytest.fixture
def catchments(tiny_chain):
    """Nearest stores as the importer derives them, two more customers and a fifth order.

    C1 → S1, C2 → S2, C3 → S3; C4 (near Reno, never orders) → S1; C5 (Salt Lake City) → S4.
    Order 5: C3, who lives by Sacramento, orders one P2 (15.50) at S1 Reno on 2022-05-10.
    """
    from customers.models import Customer
    from orders.models import Order, OrderItem

    for cid, store in [("C1", "S1"), ("C2", "S2"), ("C3", "S3")]:
        Customer.objects.filter(id=cid).update(nearest_store_id=store)
    Customer.objects.create(id="C4", latitude=39.6, longitude=-119.9, nearest_store_id="S1")
    Customer.objects.create(id="C5", latitude=40.7, longitude=-111.9, nearest_store_id="S4")
    Order.objects.create(
        id=5,
        customer_id="C3",
        store_id="S1",
        n_items=1,
        total=D("15.50"),
        ordered_at=datetime(2022, 5, 10, 18, 0, tzinfo=UTC),
    )
    OrderItem.objects.create(order_id=5, product_id="P2", quantity=1, unit_price=D("15.50"))
    return tiny_chain


# stores/sales/


def test_sales_by_store_lists_every_store_with_share_and_rank(tiny_chain):
    result = sales_by_store(filters=ALL, scope=EVERYTHING)
    assert result.columns == [
        "store",
        "city",
        "state",
        "orders",
        "revenue",
        "average_order_value",
        "customers",
        "items",
        "share_of_revenue",
        "rank",
        "latitude",
        "longitude",
    ]
    assert [list(r.values())[:-2] for r in result.rows] == [
        ["S1", "Reno", "NV", 2, D("51.00"), D("25.50"), 1, 4, D("56.67"), 1],  # 51/90
        ["S2", "Las Vegas", "NV", 1, D("21.75"), D("21.75"), 1, 3, D("24.17"), 2],  # 21.75/90
        ["S3", "Sacramento", "CA", 1, D("17.25"), D("17.25"), 1, 2, D("19.17"), 3],
        ["S4", "Salt Lake City", "UT", 0, D("0.00"), D("0.00"), 0, 0, D("0.00"), 4],
    ]
    assert result.meta == {"revenue": D("90.00")}
    assert [(r["latitude"], r["longitude"]) for r in result.rows][:1] == [(39.5296, -119.8138)]


def test_sales_by_store_with_a_product_filter_counts_the_matching_items(tiny_chain):
    rows = sales_by_store(filters=Filters(category="Classic", limit=100), scope=EVERYTHING).rows
    # S1: 2×10.00 + 15.50 (order 1) + 15.50 (order 2), 4 units; S3: order 4's P1, 10.00.
    assert pick(rows, "store", "orders", "revenue", "items", "share_of_revenue", "rank") == [
        ("S1", 2, D("51.00"), 4, D("83.61"), 1),  # 51/61
        ("S3", 1, D("10.00"), 1, D("16.39"), 2),
        ("S2", 0, D("0.00"), 0, D("0.00"), 3),  # equal revenues share a rank,
        ("S4", 0, D("0.00"), 0, D("0.00"), 3),  # ordered by store ID
    ]


def test_sales_by_store_limit_keeps_the_top_rows_and_shares_of_the_whole(tiny_chain):
    result = sales_by_store(filters=Filters(limit=2), scope=EVERYTHING)
    assert pick(result.rows, "store", "share_of_revenue") == [
        ("S1", D("56.67")),
        ("S2", D("24.17")),
    ]
    assert result.meta["revenue"] == D("90.00")


def test_sales_by_store_without_orders_in_the_range_ties_every_store(tiny_chain):
    filters = Filters(date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 12, 31), limit=100)
    rows = sales_by_store(filters=filters, scope=EVERYTHING).rows
    assert pick(rows, "store", "orders", "revenue", "share_of_revenue", "rank") == [
        (s, 0, D("0.00"), None, 1) for s in ("S1", "S2", "S3", "S4")
    ]


def test_sales_by_store_applies_store_filters_and_local_dates(tiny_chain):
    # Order 3 is 2022-04-02 02:15 UTC, April 1st in Los Angeles.
    april_first = Filters(date_from=dt.date(2022, 4, 1), date_to=dt.date(2022, 4, 1), state=("NV",))
    rows = sales_by_store(filters=april_first, scope=EVERYTHING).rows
    assert pick(rows, "store", "orders", "revenue", "share_of_revenue") == [
        ("S2", 1, D("21.75"), D("100.00")),
        ("S1", 0, D("0.00"), D("0.00")),
    ]


def test_sales_by_store_stays_in_the_scope(tiny_chain, make_user):
    rows = sales_by_store(filters=ALL, scope=manager_of(make_user, "S2")).rows
    assert pick(rows, "store", "revenue", "share_of_revenue", "rank") == [
        ("S2", D("21.75"), D("100.00"), 1)
    ]


def test_sales_by_store_is_three_queries_whatever_the_number_of_stores(
    tiny_chain, django_assert_num_queries
):
    # whether the rollups are built (for the stored customer counts, then the rollups), the
    # sales, the stores
    with django_assert_num_queries(4):
        sales_by_store(filters=ALL, scope=EVERYTHING)


def test_sales_by_store_from_rollups_by_hand(tiny_chain):
    from analytics import rollups

    rollups.rebuild()
    rows = {r["store"]: r for r in sales_by_store(filters=ALL, scope=EVERYTHING).rows}
    # S1: orders 1 and 2 of C1 (35.50 + 15.50, 3 + 1 items); S2: order 3 of C2; S4: none
    assert (rows["S1"]["orders"], rows["S1"]["revenue"], rows["S1"]["customers"]) == (
        2,
        Decimal("51.00"),
        1,
    )
    assert rows["S1"]["items"] == 4 and rows["S1"]["rank"] == 1
    assert (rows["S2"]["revenue"], rows["S2"]["customers"]) == (Decimal("21.75"), 1)
    assert (rows["S4"]["orders"], rows["S4"]["customers"]) == (0, 0)


# stores/sales_trend/

TREND_KEYS = ("store", "period", "revenue", "orders", "chain_average", "vs_chain_pct")
PREVIOUS_KEYS = ("store", "period", "previous_revenue", "vs_previous_pct")


def test_trend_compares_each_store_with_the_chain_average_per_month(tiny_chain):
    spring = Filters(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 4, 30))
    result = revenue_by_store_and_period(filters=spring, scope=EVERYTHING)
    march, april = dt.date(2022, 3, 1), dt.date(2022, 4, 1)
    # March: 51.00 over 4 stores = 12.75; April: 21.75 / 4 = 5.4375.
    assert pick(result.rows, *TREND_KEYS) == [
        ("S1", march, D("51.00"), 2, D("12.75"), D("300.00")),
        ("S1", april, D("0.00"), 0, D("5.44"), D("-100.00")),
        ("S2", march, D("0.00"), 0, D("12.75"), D("-100.00")),
        ("S2", april, D("21.75"), 1, D("5.44"), D("300.00")),
        ("S3", march, D("0.00"), 0, D("12.75"), D("-100.00")),
        ("S3", april, D("0.00"), 0, D("5.44"), D("-100.00")),
        ("S4", march, D("0.00"), 0, D("12.75"), D("-100.00")),
        ("S4", april, D("0.00"), 0, D("5.44"), D("-100.00")),
    ]
    assert pick(result.rows[:4], *PREVIOUS_KEYS) == [
        ("S1", march, D("0.00"), None),  # nothing in February: no percentage
        ("S1", april, D("51.00"), D("-100.00")),
        ("S2", march, D("0.00"), None),
        ("S2", april, D("0.00"), None),
    ]
    assert result.meta == {"stores": 4}


def test_trend_takes_the_previous_period_from_before_date_from(tiny_chain):
    # April holds nothing of S1; March, before the range, is its previous period.
    april = Filters(date_from=dt.date(2022, 4, 1), date_to=dt.date(2022, 4, 30), store=("S1",))
    rows = revenue_by_store_and_period(filters=april, scope=EVERYTHING).rows
    assert pick(rows, *PREVIOUS_KEYS) == [("S1", dt.date(2022, 4, 1), D("51.00"), D("-100.00"))]
    mid_march = Filters(date_from=dt.date(2022, 3, 5), date_to=dt.date(2022, 3, 31), store=("S1",))
    rows = revenue_by_store_and_period(filters=mid_march, scope=EVERYTHING).rows
    # Order 1 (March 1st) is before the range; February, the period before, is empty.
    assert pick(rows, "revenue", "previous_revenue", "vs_previous_pct") == [
        (D("15.50"), D("0.00"), None)
    ]


def test_trend_by_year_fills_the_series_from_the_data(tiny_chain):
    rows = revenue_by_store_and_period(filters=Filters(granularity="year"), scope=EVERYTHING).rows
    y22, y23 = dt.date(2022, 1, 1), dt.date(2023, 1, 1)
    # 2022: 72.75 / 4 = 18.1875; S1 (51×4 - 72.75) / 72.75 = +180.41 %, S2 (87 - 72.75) / 72.75.
    # 2023: 17.25 / 4 = 4.3125.
    assert pick(rows, "store", "period", "chain_average", "vs_chain_pct", "vs_previous_pct") == [
        ("S1", y22, D("18.19"), D("180.41"), None),
        ("S1", y23, D("4.31"), D("-100.00"), D("-100.00")),
        ("S2", y22, D("18.19"), D("19.59"), None),
        ("S2", y23, D("4.31"), D("-100.00"), D("-100.00")),
        ("S3", y22, D("18.19"), D("-100.00"), None),
        ("S3", y23, D("4.31"), D("300.00"), None),
        ("S4", y22, D("18.19"), D("-100.00"), None),
        ("S4", y23, D("4.31"), D("-100.00"), None),
    ]


def test_trend_chain_average_covers_only_the_stores_in_scope(tiny_chain, make_user):
    result = revenue_by_store_and_period(
        filters=Filters(granularity="year"), scope=regional(make_user, "NV")
    )
    y22 = dt.date(2022, 1, 1)
    # Two stores: 72.75 / 2 = 36.375; S1 (51 - 36.375) / 36.375 = +40.21 %.
    assert pick(result.rows, "store", "period", "chain_average", "vs_chain_pct") == [
        ("S1", y22, D("36.38"), D("40.21")),
        ("S2", y22, D("36.38"), D("-40.21")),
    ]
    assert result.meta == {"stores": 2}


def test_trend_over_an_empty_range_is_all_zeros_and_without_data_empty(tiny_chain, make_user):
    empty = Filters(date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 1, 31), store=("S4",))
    rows = revenue_by_store_and_period(filters=empty, scope=EVERYTHING).rows
    assert rows == [
        {
            "store": "S4",
            "period": dt.date(2021, 1, 1),
            "revenue": D("0.00"),
            "orders": 0,
            "chain_average": D("0.00"),
            "vs_chain_pct": None,
            "previous_revenue": D("0.00"),
            "vs_previous_pct": None,
        }
    ]
    assert revenue_by_store_and_period(filters=ALL, scope=manager_of(make_user, "S4")).rows == []


# stores/sales_by_state/


def test_sales_by_state_counts_stores_with_and_without_orders(tiny_chain):
    result = sales_by_state(filters=ALL, scope=EVERYTHING)
    assert [list(r.values()) for r in result.rows] == [
        # NV: 3 orders of 2 customers, 72.75 over 2 stores = 36.375
        ["NV", 2, 3, D("72.75"), D("24.25"), 2, D("36.38"), D("80.83")],
        ["CA", 1, 1, D("17.25"), D("17.25"), 1, D("17.25"), D("19.17")],
        ["UT", 1, 0, D("0.00"), D("0.00"), 0, D("0.00"), D("0.00")],
    ]
    assert result.meta == {"revenue": D("90.00")}


def test_sales_by_state_with_a_product_filter(tiny_chain):
    rows = sales_by_state(filters=Filters(size="small"), scope=EVERYTHING).rows
    # Small: P1 and P3. NV: order 1's 2×P1 (20.00) + order 3's 3×P3 (21.75); CA: order 4.
    assert pick(rows, "state", "orders", "revenue", "average_order_value", "share") == [
        ("NV", 2, D("41.75"), D("20.88"), D("70.76")),  # 41.75 / 59.00
        ("CA", 1, D("17.25"), D("17.25"), D("29.24")),
        ("UT", 0, D("0.00"), D("0.00"), D("0.00")),
    ]


def test_sales_by_state_stays_in_the_scope(tiny_chain, make_user):
    rows = sales_by_state(filters=ALL, scope=regional(make_user, "CA")).rows
    assert pick(rows, "state", "stores", "revenue", "share") == [("CA", 1, D("17.25"), D("100.00"))]


# stores/customer_reach/


def test_customer_reach_compares_customers_with_the_catchment(catchments):
    rows = customer_reach_by_store(filters=ALL, scope=EVERYTHING).rows
    assert [list(r.values()) for r in rows] == [
        # S1: C1 and C3 order there; catchment C1, C4; C3 comes from S3's catchment.
        [
            "S1",
            "Reno",
            "NV",
            2,
            2,
            1,
            D("50.00"),
            1,
            round((km("C1", "S1") + km("C3", "S1")) / 2, 3),
        ],
        ["S2", "Las Vegas", "NV", 1, 1, 1, D("100.00"), 0, round(km("C2", "S2"), 3)],
        ["S3", "Sacramento", "CA", 1, 1, 1, D("100.00"), 0, round(km("C3", "S3"), 3)],
        ["S4", "Salt Lake City", "UT", 0, 1, 0, D("0.00"), 0, None],
    ]


def test_customer_reach_counts_only_orders_in_the_range(catchments):
    filters = Filters(date_to=dt.date(2022, 12, 31), store=("S3",))
    rows = customer_reach_by_store(filters=filters, scope=EVERYTHING).rows
    assert pick(rows, "store", "customers", "catchment_customers", "reach_pct") == [
        ("S3", 0, 1, D("0.00"))
    ]


def test_customer_reach_with_a_product_filter_and_an_empty_catchment(tiny_chain):
    # tiny_chain alone has no nearest stores: every catchment is empty.
    rows = customer_reach_by_store(filters=Filters(sku=("P3",)), scope=EVERYTHING).rows
    assert pick(rows, "store", "customers", "catchment_customers", "reach_pct") == [
        ("S1", 0, 0, None),
        ("S2", 1, 0, None),
        ("S3", 1, 0, None),
        ("S4", 0, 0, None),
    ]
    assert rows[1]["customers_from_outside_catchment"] == 1


def test_customer_reach_stays_in_the_scope(catchments, make_user, django_assert_num_queries):
    scope = manager_of(make_user, "S1")
    with django_assert_num_queries(2):  # whether the rollups are built, then the stores
        rows = customer_reach_by_store(filters=ALL, scope=scope).rows
    assert pick(rows, "store", "customers", "catchment_customers_ordering") == [("S1", 2, 1)]


# stores/avg_distance/


def test_distance_expression_matches_an_independent_haversine(catchments):
    from customers.models import Customer

    reno = distance_km("latitude", "longitude", Value(39.5296), Value(-119.8138))
    got = dict(Customer.objects.annotate(d=reno).values_list("id", "d"))
    for cid, (lat, lon) in {"C1": (39.53, -119.81), "C2": (36.17, -115.14)}.items():
        assert got[cid] == pytest.approx(haversine(lat, lon, 39.5296, -119.8138), abs=1e-6)
    assert got["C2"] == pytest.approx(555, abs=1)  # Las Vegas to Reno: about 345 miles


def test_distance_by_store_weighs_orders_and_customers(catchments):
    result = customer_distance_by_store(filters=ALL, scope=EVERYTHING, within_km=10.0)
    assert result.columns[-1] == "share_within_10km"
    near, far = km("C1", "S1"), km("C3", "S1")
    assert near < 10 < far
    # S1: orders 1 and 2 by C1 (near), order 5 by C3 (from Sacramento).
    assert [list(r.values()) for r in result.rows] == [
        [
            "S1",
            "Reno",
            "NV",
            3,
            2,
            round((2 * near + far) / 3, 3),
            round((near + far) / 2, 3),
            D("66.67"),
        ],
        [
            "S2",
            "Las Vegas",
            "NV",
            1,
            1,
            round(km("C2", "S2"), 3),
            round(km("C2", "S2"), 3),
            D("100.00"),
        ],
        [
            "S3",
            "Sacramento",
            "CA",
            1,
            1,
            round(km("C3", "S3"), 3),
            round(km("C3", "S3"), 3),
            D("100.00"),
        ],
        ["S4", "Salt Lake City", "UT", 0, 0, None, None, None],
    ]


def test_distance_by_store_within_km_sets_the_radius(catchments):
    far = km("C3", "S1")  # about 180 km
    assert 150 < far < 200
    for radius, share in [(150.0, D("66.67")), (200.0, D("100.00"))]:
        result = customer_distance_by_store(
            filters=Filters(store=("S1",)), scope=EVERYTHING, within_km=radius
        )
        column = f"share_within_{radius:g}km"
        assert result.columns[-1] == column
        assert result.rows[0][column] == share


def test_distance_by_store_with_a_product_filter_and_scope(catchments, make_user):
    rows = customer_distance_by_store(
        filters=Filters(sku=("P2",)), scope=manager_of(make_user, "S1"), within_km=10.0
    ).rows
    # P2 is in orders 1, 2 and 5, all at S1.
    assert pick(rows, "store", "orders", "customers", "share_within_10km") == [
        ("S1", 3, 2, D("66.67"))
    ]


# stores/product_sales/


def test_product_sales_by_store_with_shares_of_the_store(tiny_chain):
    result = product_sales_by_store(filters=ALL, scope=EVERYTHING)
    assert [list(r.values()) for r in result.rows] == [
        ["S1", "P2", "Margherita", "Large", "Classic", 2, D("31.00"), D("60.78")],  # 31/51
        ["S1", "P1", "Margherita", "Small", "Classic", 2, D("20.00"), D("39.22")],
        ["S2", "P3", "Veggie", "Small", "Vegetarian", 3, D("21.75"), D("100.00")],
        ["S3", "P1", "Margherita", "Small", "Classic", 1, D("10.00"), D("57.97")],  # 10/17.25
        ["S3", "P3", "Veggie", "Small", "Vegetarian", 1, D("7.25"), D("42.03")],
    ]


def test_product_sales_by_store_limit_applies_per_store(tiny_chain):
    rows = product_sales_by_store(filters=Filters(limit=1), scope=EVERYTHING).rows
    assert pick(rows, "store", "product") == [("S1", "P2"), ("S2", "P3"), ("S3", "P1")]


def test_product_sales_by_store_share_is_of_the_whole_store_revenue(tiny_chain):
    rows = product_sales_by_store(filters=Filters(sku=("P1",)), scope=EVERYTHING).rows
    assert pick(rows, "store", "product", "revenue", "share_of_store_revenue") == [
        ("S1", "P1", D("20.00"), D("39.22")),
        ("S3", "P1", D("10.00"), D("57.97")),
    ]


def test_product_sales_by_store_stays_in_the_scope(tiny_chain, make_user):
    rows = product_sales_by_store(filters=ALL, scope=manager_of(make_user, "S3")).rows
    assert pick(rows, "store", "product", "quantity") == [("S3", "P1", 1), ("S3", "P3", 1)]


def test_trend_queries_do_not_grow_with_stores_or_periods(tiny_chain, django_assert_num_queries):
    spring = Filters(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 12, 31))
    # store × period sales, period totals, the stores, the period before date_from, and before
    # each of the three sales queries whether the rollups are built
    with django_assert_num_queries(7):
        revenue_by_store_and_period(filters=spring, scope=EVERYTHING)


def test_product_sales_by_store_is_two_queries(tiny_chain, django_assert_num_queries):
    with django_assert_num_queries(3):  # rollups built?, the ranked rows, each store's revenue
        product_sales_by_store(filters=ALL, scope=EVERYTHING)
