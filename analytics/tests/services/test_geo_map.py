"""The growth map (`opportunities_by_location`) on tiny_chain with homes and one far customer.

tiny_chain's customers live by the store they order from (C1 by S1 in Reno, C2 by S2 in Las
Vegas, C3 by S3 in Sacramento); C4 lives in Winnemucca (NV), 238 km from Reno's S1, and orders
twice at S1 (10.00 each). Catchments (nearest store): S1 {C1, C4}, S2 {C2}, S3 {C3}, S4 none.
Orders here per ordering customer: S1 4 / 2 = 2.00, S2 1.00, S3 1.00.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.geo import (
    market_penetration_by_store,
    potential_sites_by_rank,
    white_spots_by_cell,
)
from analytics.services.geo_map import COLUMNS_OPPORTUNITIES, opportunities_by_location

pytestmark = pytest.mark.django_db

WINNEMUCCA = (40.97, -117.74)
RENO_S1 = (39.5296, -119.8138)
DEFAULTS = {
    "min_customers": 20,
    "radius_km": 25.0,
    "cell_km": 10.0,
    "sites": 5,
    "min_saving_km": 5.0,
    "min_penetration_pct": 50.0,
    "min_orders_per_customer": 2.0,
}


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """An independent haversine (math, not the code under test), radius 6371.0088 km."""
    (p1, l1), (p2, l2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture
def far_customer(tiny_chain):
    """tiny_chain with nearest stores, and C4 in Winnemucca ordering twice at S1 in May 2022."""
    from customers.models import Customer
    from orders.models import Order, OrderItem

    homes = {"C1": ("S1", RENO_S1), "C2": ("S2", (36.1699, -115.1398))}
    homes["C3"] = ("S3", (38.5816, -121.4944))
    for customer in Customer.objects.all():
        store, at = homes[customer.id]
        customer.nearest_store_id = store
        customer.nearest_store_km = km_between((customer.latitude, customer.longitude), at)
        customer.save()
    Customer.objects.create(
        id="C4",
        latitude=WINNEMUCCA[0],
        longitude=WINNEMUCCA[1],
        city="Winnemucca",
        state_abbr="NV",
        nearest_store_id="S1",
        nearest_store_km=238.0,
    )
    for day in (2, 3):
        order = Order.objects.create(
            id=200 + day,
            customer_id="C4",
            store_id="S1",
            n_items=1,
            total=Decimal("10.00"),
            ordered_at=dt.datetime(2022, 5, day, 20, tzinfo=dt.UTC),
        )
        OrderItem.objects.create(
            order=order, product_id="P1", quantity=1, unit_price=Decimal("10.00")
        )
    return tiny_chain


def run(filters=Filters(), scope=EVERYTHING, **params):  # noqa: B008
    return opportunities_by_location(filters=filters, scope=scope, **{**DEFAULTS, **params})


def test_map_lists_stores_lowest_penetration_first_flagging_low_ones(far_customer):
    result = run(min_customers=1)
    stores = [r for r in result.rows if r["layer"] in ("store", "low_penetration")]
    # S4 has no catchment (0 %); S2 and S3 place 1.00 order per customer (< 2); S1 2.00.
    assert [(r["label"], r["layer"], r["penetration_pct"]) for r in stores] == [
        ("S4", "low_penetration", Decimal("0.00")),
        ("S1", "store", Decimal("100.00")),
        ("S2", "low_penetration", Decimal("100.00")),
        ("S3", "low_penetration", Decimal("100.00")),
    ]
    s1 = stores[1]
    assert (s1["lat"], s1["lon"], s1["city"], s1["state"]) == (*RENO_S1, "Reno", "NV")
    assert (s1["catchment_customers"], s1["customers"], s1["reason"]) == (2, 2, None)
    assert stores[2]["reason"] == "Customers who order here place 1.00 orders each, fewer than 2."
    assert result.meta["flagged_stores"] == 3


def test_map_thresholds_decide_which_stores_are_low(far_customer):
    result = run(min_penetration_pct=50, min_orders_per_customer=0)
    assert [r["label"] for r in result.rows if r["layer"] == "low_penetration"] == ["S4"]


def test_map_shows_the_far_customer_as_white_spot_and_site(far_customer):
    rows = run(min_customers=1).rows
    spot, site = rows[4:]
    assert spot == {
        **dict.fromkeys(COLUMNS_OPPORTUNITIES),
        "layer": "white_spot",
        "label": "White spot 1",
        "lat": WINNEMUCCA[0],
        "lon": WINNEMUCCA[1],
        "customers": 1,
        "orders": 2,
        "revenue": Decimal("20.00"),
        "nearest_store": "S1",
        "distance_now_km": pytest.approx(km_between(WINNEMUCCA, RENO_S1), abs=1e-5),
    }
    assert site == {
        **dict.fromkeys(COLUMNS_OPPORTUNITIES),
        "layer": "site",
        "label": "Site 1",
        "lat": WINNEMUCCA[0],
        "lon": WINNEMUCCA[1],
        "city": "Winnemucca",
        "state": "NV",
        "customers": 1,
        "orders": 2,
        "revenue": Decimal("20.00"),
        "distance_now_km": 238.0,
        "distance_new_km": 0.0,
    }


def test_map_meta_counts_each_layer(far_customer):
    assert run(min_customers=1).meta == {
        "flagged_stores": 3,
        "white_spots": 1,
        "white_spot_customers": 1,
        "sites": 1,
        "underserved_customers": 1,
    }
    # One customer per cell: none reaches the default 20, and 250 km leaves C4 served.
    assert run().meta["white_spots"] == 0
    assert run(min_customers=1, radius_km=250).meta | {"flagged_stores": 0} == {
        "flagged_stores": 0,
        "white_spots": 0,
        "white_spot_customers": 0,
        "sites": 0,
        "underserved_customers": 0,
    }


def test_map_rows_agree_with_the_three_analyses(far_customer):
    rows = run(min_customers=1).rows
    every = {"filters": Filters(), "scope": EVERYTHING}
    stores = market_penetration_by_store(
        **every, min_penetration_pct=50.0, min_orders_per_customer=2.0
    )
    spots = white_spots_by_cell(**every, min_customers=1, radius_km=25.0, cell_km=10.0)
    sites = potential_sites_by_rank(
        **every, sites=5, radius_km=25.0, min_saving_km=5.0, cell_km=10.0
    )
    assert [r["label"] for r in rows] == [
        *(r["store"] for r in stores.rows),
        *(f"White spot {i}" for i, _ in enumerate(spots.rows, 1)),
        *(f"Site {r['rank']}" for r in sites.rows),
    ]
    assert [r["penetration_pct"] for r in rows[:4]] == [r["penetration_pct"] for r in stores.rows]


def test_map_of_a_store_manager_holds_only_their_store_and_customers(far_customer, make_user):
    scope = scope_for(make_user("boss", User.Role.STORE_MANAGER, stores=["S2"]))
    result = run(scope=scope, min_customers=1)
    assert [(r["layer"], r["label"]) for r in result.rows] == [("low_penetration", "S2")]
    own = run(scope=scope, min_customers=1, radius_km=0)  # every customer is now underserved
    assert [r["label"] for r in own.rows] == ["S2", "White spot 1"]
    assert own.rows[1]["nearest_store"] == "S2" and own.rows[1]["customers"] == 1


def test_map_honours_the_date_range(far_customer):
    may = Filters(date_from=dt.date(2022, 5, 1), date_to=dt.date(2022, 5, 31))
    rows = run(filters=may, min_customers=1).rows
    # In May only C4 orders: S1's catchment of 2 has 1 ordering here (50 %).
    s1 = next(r for r in rows if r["label"] == "S1")
    assert (s1["customers"], s1["penetration_pct"]) == (1, Decimal("50.00"))
    assert [r["layer"] for r in rows].count("site") == 1


def test_map_from_the_stored_totals_reads_the_cells_once_and_gives_the_same_rows(far_customer):
    """Built rollups: the white spots and the sites share one read of the customers' cells
    from CustomerTotals, and the map is row for row the one from the base tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analytics import rollups

    from_base = run(min_customers=1)
    rollups.rebuild()
    with CaptureQueriesContext(connection) as queries:
        stored = run(min_customers=1)
    cells = [
        q["sql"]
        for q in queries.captured_queries
        if "analytics_customertotals" in q["sql"] and "cell_row" in q["sql"]
    ]
    assert len(cells) == 1
    assert stored.rows == from_base.rows
    assert (
        stored.meta
        == from_base.meta
        == {
            "flagged_stores": 3,
            "white_spots": 1,
            "white_spot_customers": 1,
            "sites": 1,
            "underserved_customers": 1,
        }
    )
