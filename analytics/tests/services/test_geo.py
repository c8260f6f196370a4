"""Geographic analyses on a small chain whose customers sit at known distances from the stores.

Three stores: SA (Las Vegas, NV), SB 0.5° east of it (Henderson, NV), SC (Salt Lake City, UT).
Customers are placed by moving along a meridian, so "5 km north of SA" is exactly 5 km away:
- N1, N2, N3 and Z3 5 km north of SA; F1, F2 50 km south of SA, F3 0.01° east of them, F4
  0.135° west of them (about 12 km, another 10-km grid cell);
- M1, X1 and Z1 5 km north of SB; U1 5 km south of SC, Z2 3 km north of SC; G1, G2 40 km
  north of SC. The Z customers never order.
Expected kilometres are computed here with `math` (an independent haversine), never with the
code under test; counts and money are counted by hand from ORDERS.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from statistics import mean

import pytest
from django.db.models import F, Value

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.base import distance_km
from analytics.services.geo import (
    customer_assignment_by_store,
    customer_distance_by_state,
    market_penetration_by_store,
    potential_sites_by_rank,
    white_spots_by_cell,
)

pytestmark = pytest.mark.django_db

RADIUS = 6371.0088
KM_PER_DEGREE = RADIUS * math.pi / 180


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance in km, written out with `math`."""
    phi1, phi2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * RADIUS * math.asin(math.sqrt(h))


def north(point: tuple[float, float], km: float) -> tuple[float, float]:
    return (point[0] + km / KM_PER_DEGREE, point[1])


STORES = {
    "SA": ("Las Vegas", "NV", "Nevada", (37.0, -115.0)),
    "SB": ("Henderson", "NV", "Nevada", (37.0, -114.5)),
    "SC": ("Salt Lake City", "UT", "Utah", (40.76, -111.89)),
}
STORE_AT = {sid: s[3] for sid, s in STORES.items()}
_F = north(STORE_AT["SA"], -50)
CUSTOMERS = {
    "N1": (north(STORE_AT["SA"], 5), "Las Vegas", "NV"),
    "N2": (north(STORE_AT["SA"], 5), "Las Vegas", "NV"),
    "N3": (north(STORE_AT["SA"], 5), "Las Vegas", "NV"),
    "Z3": (north(STORE_AT["SA"], 5), "Las Vegas", "NV"),
    "F1": (_F, "Pahrump", "NV"),
    "F2": (_F, "Pahrump", "NV"),
    "F3": ((_F[0], _F[1] + 0.01), "Pahrump", "NV"),
    "F4": ((_F[0], _F[1] - 0.135), "Amargosa Valley", "NV"),
    "M1": (north(STORE_AT["SB"], 5), "Henderson", "NV"),
    "X1": (north(STORE_AT["SB"], 5), "Henderson", "NV"),
    "Z1": (north(STORE_AT["SB"], 5), "Henderson", "NV"),
    "U1": (north(STORE_AT["SC"], -5), "Salt Lake City", "UT"),
    "Z2": (north(STORE_AT["SC"], 3), "Salt Lake City", "UT"),
    "G1": (north(STORE_AT["SC"], 40), "Ogden", "UT"),
    "G2": (north(STORE_AT["SC"], 40), "Brigham City", "UT"),
}
AT = {cid: c[0] for cid, c in CUSTOMERS.items()}
PRICES = {"P1": Decimal("10.00"), "P2": Decimal("7.25")}  # P1 Classic, P2 Vegetarian
# (order id, customer, store, local day, product, quantity); totals = quantity x price.
ORDERS = [
    (1, "N1", "SA", dt.date(2022, 1, 10), "P1", 2),  # 20.00
    (2, "N1", "SA", dt.date(2022, 2, 10), "P1", 1),  # 10.00
    (3, "N2", "SA", dt.date(2022, 1, 11), "P2", 1),  # 7.25
    (4, "N3", "SB", dt.date(2022, 3, 1), "P1", 3),  # 30.00
    (5, "F1", "SA", dt.date(2022, 1, 12), "P1", 4),  # 40.00
    (6, "F2", "SA", dt.date(2022, 1, 13), "P1", 2),  # 20.00
    (7, "F2", "SB", dt.date(2022, 2, 13), "P2", 2),  # 14.50
    (8, "F3", "SA", dt.date(2022, 2, 14), "P2", 2),  # 14.50
    (9, "F4", "SA", dt.date(2022, 3, 15), "P1", 1),  # 10.00
    (10, "M1", "SA", dt.date(2022, 1, 20), "P1", 1),  # 10.00
    (11, "M1", "SA", dt.date(2022, 2, 20), "P1", 1),  # 10.00
    (12, "M1", "SB", dt.date(2022, 3, 20), "P2", 1),  # 7.25
    (13, "X1", "SB", dt.date(2022, 1, 25), "P1", 1),  # 10.00
    (14, "X1", "SA", dt.date(2022, 1, 26), "P1", 1),  # 10.00
    (15, "U1", "SC", dt.date(2022, 1, 5), "P1", 2),  # 20.00
    (16, "G1", "SC", dt.date(2022, 2, 5), "P1", 1),  # 10.00
    (17, "G2", "SC", dt.date(2022, 2, 6), "P2", 1),  # 7.25
    (18, "U1", "SA", dt.date(2022, 4, 5), "P2", 1),  # 7.25
]


def nearest(cid: str) -> tuple[str, float]:
    return min(((sid, km_between(AT[cid], at)) for sid, at in STORE_AT.items()), key=lambda x: x[1])


def build_geo_chain() -> None:
    """Write STORES, CUSTOMERS and ORDERS (20:00 UTC, noon in Los Angeles) to the database."""
    from customers.models import Customer
    from orders.models import Order, OrderItem
    from products.models import Product
    from stores.models import Store

    Store.objects.bulk_create(
        Store(
            id=sid,
            zipcode="00000",
            city=city,
            state_abbr=abbr,
            state=state,
            latitude=lat,
            longitude=lon,
        )
        for sid, (city, abbr, state, (lat, lon)) in STORES.items()
    )
    Product.objects.bulk_create(
        Product(
            id=pid,
            name=pid,
            price=price,
            category="Classic" if pid == "P1" else "Vegetarian",
            size="Small",
            launch_date=dt.date(2020, 1, 1),
        )
        for pid, price in PRICES.items()
    )
    Customer.objects.bulk_create(
        Customer(
            id=cid,
            latitude=lat,
            longitude=lon,
            city=city,
            state_abbr=abbr,
            nearest_store_id=nearest(cid)[0],
            nearest_store_km=nearest(cid)[1],
        )
        for cid, ((lat, lon), city, abbr) in CUSTOMERS.items()
    )
    Order.objects.bulk_create(
        Order(
            id=oid,
            customer_id=cid,
            store_id=sid,
            n_items=qty,
            total=qty * PRICES[pid],
            ordered_at=dt.datetime.combine(day, dt.time(20), tzinfo=dt.UTC),
        )
        for oid, cid, sid, day, pid, qty in ORDERS
    )
    OrderItem.objects.bulk_create(
        OrderItem(order_id=oid, product_id=pid, quantity=qty, unit_price=PRICES[pid])
        for oid, _, _, _, pid, qty in ORDERS
    )


@pytest.fixture
def geo_chain(db) -> None:
    build_geo_chain()


def manager_of(make_user, *stores: str):
    return scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=list(stores)))


def approx(value: float, tol: float = 1e-6):
    return pytest.approx(value, abs=tol)


# --- the database haversine -------------------------------------------------------------------


def test_database_haversine_gives_the_distance_along_a_meridian(geo_chain):
    from customers.models import Customer

    sa = STORE_AT["SA"]
    kms = dict(
        Customer.objects.annotate(
            km=distance_km(F("latitude"), F("longitude"), Value(sa[0]), Value(sa[1]))
        ).values_list("id", "km")
    )
    assert kms["N1"] == approx(5.0, 1e-9)
    assert kms["F1"] == approx(50.0, 1e-9)
    assert kms["F4"] == approx(km_between(AT["F4"], sa), 1e-9)


# --- geo/distance/ ----------------------------------------------------------------------------


def expected_distance(orders: list[tuple]) -> dict:
    """The figures of one distance row, computed from the ORDERS list with `math`."""
    pairs = {(cid, sid) for _, cid, sid, *_ in orders}
    customers = {cid for _, cid, *_ in orders}
    return {
        "orders": len(orders),
        "customers": len(customers),
        "avg_order_distance_km": approx(mean(km_between(AT[o[1]], STORE_AT[o[2]]) for o in orders)),
        "avg_customer_distance_km": approx(mean(km_between(AT[c], STORE_AT[s]) for c, s in pairs)),
        "avg_nearest_store_km": approx(mean(nearest(c)[1] for c in customers)),
    }


def test_distance_by_state_averages_orders_pairs_and_customers(geo_chain):
    result = customer_distance_by_state(filters=Filters(), scope=EVERYTHING)
    nv = [o for o in ORDERS if STORES[o[2]][1] == "NV"]
    ut = [o for o in ORDERS if STORES[o[2]][1] == "UT"]
    assert result.columns == [
        "state",
        "orders",
        "customers",
        "avg_order_distance_km",
        "avg_customer_distance_km",
        "avg_nearest_store_km",
    ]
    assert result.rows == [
        {"state": "NV", **expected_distance(nv)},
        {"state": "UT", **expected_distance(ut)},
    ]
    assert (result.rows[0]["orders"], result.rows[0]["customers"]) == (15, 10)
    assert (result.rows[1]["orders"], result.rows[1]["customers"]) == (3, 3)


def test_distance_meta_counts_a_customer_who_ordered_in_two_states_once(geo_chain):
    meta = customer_distance_by_state(filters=Filters(), scope=EVERYTHING).meta
    # U1 ordered in Utah (SC) and in Nevada (SA): 13 row-customers, 12 customers overall.
    assert meta == expected_distance(ORDERS)
    assert meta["customers"] == 12
    f3, f4 = (km_between(AT[c], STORE_AT["SA"]) for c in ("F3", "F4"))
    # N1-N3, M1, X1, U1 5 km; F1, F2 50 km; G1, G2 40 km.
    assert meta["avg_nearest_store_km"] == approx((6 * 5 + 2 * 50 + f3 + f4 + 2 * 40) / 12)


def test_distance_honours_the_date_and_product_filters(geo_chain):
    january = Filters(date_from=dt.date(2022, 1, 1), date_to=dt.date(2022, 1, 31))
    rows = customer_distance_by_state(filters=january, scope=EVERYTHING).rows
    in_january = [o for o in ORDERS if o[3].month == 1]
    assert rows == [
        {"state": "NV", **expected_distance([o for o in in_january if o[2] != "SC"])},
        {"state": "UT", **expected_distance([o for o in in_january if o[2] == "SC"])},
    ]
    veggie = customer_distance_by_state(filters=Filters(category="Vegetarian"), scope=EVERYTHING)
    assert [(r["state"], r["orders"]) for r in veggie.rows] == [("NV", 5), ("UT", 1)]


def test_distance_for_a_store_manager_uses_only_their_orders(geo_chain, make_user):
    result = customer_distance_by_state(filters=Filters(), scope=manager_of(make_user, "SB"))
    at_sb = [o for o in ORDERS if o[2] == "SB"]  # N3, F2, M1, X1
    assert result.rows == [{"state": "NV", **expected_distance(at_sb)}]
    assert result.meta["orders"] == 4


def test_distance_without_orders_is_an_empty_table(geo_chain):
    result = customer_distance_by_state(
        filters=Filters(date_from=dt.date(2030, 1, 1)), scope=EVERYTHING
    )
    assert result.rows == []
    assert result.meta == {
        "orders": 0,
        "customers": 0,
        "avg_order_distance_km": None,
        "avg_customer_distance_km": None,
        "avg_nearest_store_km": None,
    }


# --- geo/assignment/ --------------------------------------------------------------------------


def test_assignment_compares_main_and_nearest_store(geo_chain):
    result = customer_assignment_by_store(filters=Filters(), scope=EVERYTHING)
    # Main stores: N1 N2 F1 F3 F4 M1 at SA by order count; F2 SA (1 order each, 20.00 > 14.50);
    # X1 SA (1 order and 10.00 each: lower store ID); U1 SC (20.00 > 7.25); N3 SB; G1 G2 SC.
    # Nearest: N* F* SA, M1 X1 SB, U1 G* SC.
    assert result.rows == [
        {
            "store": "SB",
            "city": "Henderson",
            "state": "NV",
            "customers_main": 1,
            "nearest_here": 2,
            "main_is_nearest": 0,
            "main_elsewhere": 1,
            "share_matching": Decimal("0.00"),
        },
        {
            "store": "SA",
            "city": "Las Vegas",
            "state": "NV",
            "customers_main": 8,
            "nearest_here": 7,
            "main_is_nearest": 6,
            "main_elsewhere": 2,
            "share_matching": Decimal("75.00"),
        },
        {
            "store": "SC",
            "city": "Salt Lake City",
            "state": "UT",
            "customers_main": 3,
            "nearest_here": 3,
            "main_is_nearest": 3,
            "main_elsewhere": 0,
            "share_matching": Decimal("100.00"),
        },
    ]
    n_extra = km_between(AT["N3"], STORE_AT["SB"]) - 5
    m_extra = km_between(AT["M1"], STORE_AT["SA"]) - 5
    assert result.meta == {
        "customers": 12,
        "differing": 3,  # N3, M1, X1
        "share_differing_pct": Decimal("25.00"),
        "avg_extra_km": approx((n_extra + 2 * m_extra) / 3),
    }


def test_assignment_decides_the_main_store_from_the_orders_in_range(geo_chain):
    # In February M1 ordered only at SA and F2 only at SB.
    feb = Filters(date_from=dt.date(2022, 2, 1), date_to=dt.date(2022, 2, 28))
    result = customer_assignment_by_store(filters=feb, scope=EVERYTHING)
    by_store = {r["store"]: r for r in result.rows}
    assert (by_store["SA"]["customers_main"], by_store["SA"]["main_elsewhere"]) == (3, 1)
    assert (by_store["SB"]["customers_main"], by_store["SB"]["main_elsewhere"]) == (1, 1)
    assert result.meta["customers"] == 6  # N1, F2, F3, M1, G1, G2
    f2_extra = km_between(AT["F2"], STORE_AT["SB"]) - 50
    m_extra = km_between(AT["M1"], STORE_AT["SA"]) - 5
    assert result.meta["avg_extra_km"] == approx((f2_extra + m_extra) / 2)


def test_assignment_for_a_store_manager_sees_only_their_store(geo_chain, make_user):
    result = customer_assignment_by_store(filters=Filters(), scope=manager_of(make_user, "SB"))
    # Within SB's orders every customer's main store is SB; M1 and X1 live nearest to it.
    assert [(r["store"], r["customers_main"], r["main_is_nearest"]) for r in result.rows] == [
        ("SB", 4, 2)
    ]
    assert result.rows[0]["share_matching"] == Decimal("50.00")
    assert result.meta["differing"] == 2  # N3 and F2 live nearest to SA


def test_assignment_with_a_product_filter_uses_the_matching_orders(geo_chain):
    result = customer_assignment_by_store(filters=Filters(category="Vegetarian"), scope=EVERYTHING)
    # Vegetarian orders: N2 SA, F2 SB, F3 SA, M1 SB, G2 SC, U1 SA.
    assert [
        (r["store"], r["customers_main"], r["nearest_here"], r["main_is_nearest"])
        for r in result.rows
    ] == [("SB", 2, 1, 1), ("SA", 3, 3, 2), ("SC", 1, 2, 1)]
    assert (result.meta["differing"], result.meta["share_differing_pct"]) == (
        2,
        Decimal("33.33"),
    )  # F2 (nearest SA) and U1 (nearest SC)


def test_assignment_without_orders_keeps_the_stores_at_zero(geo_chain):
    result = customer_assignment_by_store(
        filters=Filters(date_from=dt.date(2030, 1, 1)), scope=EVERYTHING
    )
    assert [r["customers_main"] for r in result.rows] == [0, 0, 0]
    assert result.meta == {
        "customers": 0,
        "differing": 0,
        "share_differing_pct": Decimal("0.00"),
        "avg_extra_km": None,
    }


# --- geo/white_spot/ --------------------------------------------------------------------------


def white_spots(filters=Filters(), scope=EVERYTHING, **params):  # noqa: B008
    params = {"min_customers": 20, "radius_km": 25.0, "cell_km": 10.0, **params}
    return white_spots_by_cell(filters=filters, scope=scope, **params)


def centroid(*cids: str) -> tuple[float, float]:
    return (mean(AT[c][0] for c in cids), mean(AT[c][1] for c in cids))


def test_white_spots_need_min_customers_20_by_default(geo_chain):
    result = white_spots()
    assert result.rows == []
    assert result.meta == {"cells": 0, "white_spot_customers": 0}


def test_white_spots_are_cells_far_from_every_store(geo_chain):
    result = white_spots(min_customers=2)
    # Cells with >= 2 ordering customers: N (N1-N3), F (F1-F3; F4 is a cell west), M (M1, X1),
    # G (G1, G2). N and M lie 5 km from a store; F about 50 km from SA, G 40 km from SC.
    f_lat, f_lon = centroid("F1", "F2", "F3")
    assert result.rows == [
        {
            "lat": approx(f_lat, 1e-6),
            "lon": approx(f_lon, 1e-6),
            "customers": 3,
            "orders": 4,
            "revenue": Decimal("89.00"),  # 40.00 + 20.00 + 14.50 + 14.50
            "nearest_store": "SA",
            "nearest_store_km": approx(km_between((f_lat, f_lon), STORE_AT["SA"]), 1e-3),
        },
        {
            "lat": approx(AT["G1"][0]),
            "lon": approx(AT["G1"][1]),
            "customers": 2,
            "orders": 2,
            "revenue": Decimal("17.25"),
            "nearest_store": "SC",
            "nearest_store_km": approx(40.0),
        },
    ]
    assert result.meta == {"cells": 4, "white_spot_customers": 5}


def test_white_spots_min_customers_drops_smaller_cells(geo_chain):
    result = white_spots(min_customers=3)
    assert [(r["customers"], r["nearest_store"]) for r in result.rows] == [(3, "SA")]
    assert result.meta["cells"] == 2  # N and F


def test_white_spots_radius_km_keeps_only_farther_cells(geo_chain):
    assert [r["nearest_store"] for r in white_spots(min_customers=2, radius_km=45).rows] == ["SA"]
    assert white_spots(min_customers=2, radius_km=60).rows == []


def test_white_spots_cell_km_sets_the_grid(geo_chain):
    # 1000-km cells: every ordering customer (all between 36.0 and 45.0 N) in one cell.
    result = white_spots(min_customers=2, cell_km=1000)
    ordering = sorted({o[1] for o in ORDERS})
    lat, lon = centroid(*ordering)
    store, km = min(
        ((s, km_between((lat, lon), at)) for s, at in STORE_AT.items()), key=lambda x: x[1]
    )
    assert km > 25
    assert result.rows == [
        {
            "lat": approx(lat),
            "lon": approx(lon),
            "customers": 12,
            "orders": 18,
            "revenue": sum((q * PRICES[p] for *_, p, q in ORDERS), Decimal("0")),
            "nearest_store": store,
            "nearest_store_km": approx(km, 1e-3),
        }
    ]


def test_white_spots_of_a_store_manager_count_only_their_customers(geo_chain, make_user):
    result = white_spots(scope=manager_of(make_user, "SB"), min_customers=1)
    # SB's customers: N3 (5 km from SA), F2 (50 km from SA), M1 and X1 (5 km from SB).
    # SA is not one of the manager's stores: its ID is withheld, the distance is kept.
    assert result.rows == [
        {
            "lat": approx(AT["F2"][0]),
            "lon": approx(AT["F2"][1]),
            "customers": 1,
            "orders": 1,
            "revenue": Decimal("14.50"),
            "nearest_store": None,
            "nearest_store_km": approx(50.0),
        }
    ]


def test_white_spots_with_a_product_filter_count_matching_revenue(geo_chain):
    result = white_spots(filters=Filters(category="Vegetarian"), min_customers=2)
    # Vegetarian orders: N2, F2 (at SB), F3, M1, G2, U1: only F2 and F3 share a cell.
    assert [(r["customers"], r["orders"], r["revenue"]) for r in result.rows] == [
        (2, 2, Decimal("29.00"))
    ]


# --- geo/low_penetration/ ---------------------------------------------------------------------


def penetration(filters=Filters(), scope=EVERYTHING, **params):  # noqa: B008
    params = {"min_penetration_pct": 50.0, "min_orders_per_customer": 2.0, **params}
    return market_penetration_by_store(filters=filters, scope=scope, **params)


PENETRATION_SB = {
    "store": "SB",
    "city": "Henderson",
    "state": "NV",
    "catchment_customers": 3,  # M1, X1, Z1
    "ordering_customers": 2,
    "ordering_here": 2,
    "penetration_pct": Decimal("66.67"),
    "orders_per_ordering_customer": Decimal("1.00"),
    "revenue_per_catchment_customer": Decimal("5.75"),  # (7.25 + 10.00) / 3
}


def test_penetration_per_store_catchment(geo_chain):
    rows = penetration().rows
    few_orders = "Customers who order here place {} orders each, fewer than 2."
    assert rows == [
        {**PENETRATION_SB, "flag": True, "reason": few_orders.format("1.00")},
        {
            "store": "SA",
            "city": "Las Vegas",
            "state": "NV",
            "catchment_customers": 8,  # N1-N3, Z3, F1-F4
            "ordering_customers": 7,  # all but Z3; N3 orders at SB only
            "ordering_here": 6,
            "penetration_pct": Decimal("75.00"),
            "orders_per_ordering_customer": Decimal("1.17"),  # 7 / 6
            # (30.00 + 7.25 + 40.00 + 20.00 + 14.50 + 10.00) / 8 = 15.21875
            "revenue_per_catchment_customer": Decimal("15.22"),
            "flag": True,
            "reason": few_orders.format("1.17"),
        },
        {
            "store": "SC",
            "city": "Salt Lake City",
            "state": "UT",
            "catchment_customers": 4,  # U1, Z2, G1, G2
            "ordering_customers": 3,
            "ordering_here": 3,
            "penetration_pct": Decimal("75.00"),
            "orders_per_ordering_customer": Decimal("1.00"),
            "revenue_per_catchment_customer": Decimal("9.31"),  # 37.25 / 4 = 9.3125
            "flag": True,
            "reason": few_orders.format("1.00"),
        },
    ]


def test_penetration_min_orders_per_customer_sets_the_order_threshold(geo_chain):
    assert [r["flag"] for r in penetration(min_orders_per_customer=1).rows] == [False] * 3
    flagged = [r["store"] for r in penetration(min_orders_per_customer=1.1).rows if r["flag"]]
    assert flagged == ["SB", "SC"]


def test_penetration_min_penetration_pct_sets_the_share_threshold(geo_chain):
    rows = penetration(min_penetration_pct=70, min_orders_per_customer=1).rows
    assert [(r["store"], r["flag"]) for r in rows] == [("SB", True), ("SA", False), ("SC", False)]
    assert rows[0]["reason"] == (
        "Penetration 66.67% is below 70%: 2 of the 3 customers living nearest to this store "
        "order here."
    )
    assert rows[1]["reason"] == ""


def test_penetration_counts_orders_anywhere_whatever_the_store_filter(geo_chain):
    rows = penetration(filters=Filters(store=("SA",))).rows
    assert [(r["store"], r["ordering_customers"], r["ordering_here"]) for r in rows] == [
        ("SA", 7, 6)
    ]


def test_penetration_honours_the_date_range(geo_chain):
    january = Filters(date_from=dt.date(2022, 1, 1), date_to=dt.date(2022, 1, 31))
    by_store = {r["store"]: r for r in penetration(filters=january).rows}
    # January orders by catchment: SA N1, N2, F1, F2 (all at SA); SB X1 (at SB); SC U1.
    assert (by_store["SA"]["ordering_customers"], by_store["SA"]["ordering_here"]) == (4, 4)
    assert by_store["SA"]["revenue_per_catchment_customer"] == Decimal("10.91")  # 87.25 / 8
    assert (by_store["SB"]["ordering_customers"], by_store["SB"]["ordering_here"]) == (2, 1)
    assert by_store["SC"]["penetration_pct"] == Decimal("25.00")


def test_penetration_with_a_product_filter_counts_matching_orders(geo_chain):
    rows = penetration(filters=Filters(category="Vegetarian")).rows
    # Vegetarian orders: N2 SA, F2 SB, F3 SA, M1 SB, G2 SC, U1 SA (U1 lives nearest to SC).
    assert [
        (
            r["store"],
            r["ordering_customers"],
            r["ordering_here"],
            r["penetration_pct"],
            r["revenue_per_catchment_customer"],
        )
        for r in rows
    ] == [
        ("SA", 3, 2, Decimal("25.00"), Decimal("2.72")),  # (7.25 + 14.50) / 8
        ("SC", 2, 1, Decimal("25.00"), Decimal("1.81")),  # 7.25 / 4
        ("SB", 1, 1, Decimal("33.33"), Decimal("2.42")),  # 7.25 / 3
    ]


def test_penetration_for_a_store_manager_covers_only_their_store(geo_chain, make_user):
    rows = penetration(scope=manager_of(make_user, "SB")).rows
    assert [{k: r[k] for k in PENETRATION_SB} for r in rows] == [PENETRATION_SB]


def test_penetration_of_a_store_without_catchment_is_zero_and_flagged(geo_chain):
    from stores.models import Store

    Store.objects.create(
        id="SD",
        zipcode="0",
        city="Elko",
        state="Nevada",
        state_abbr="NV",
        latitude=40.83,
        longitude=-115.76,
    )
    row = penetration().rows[0]
    assert (row["store"], row["catchment_customers"], row["penetration_pct"]) == (
        "SD",
        0,
        Decimal("0.00"),
    )
    assert row["flag"] is True
    assert row["reason"].startswith("Penetration 0.00% is below 50%: 0 of the 0 customers")


# --- geo/potential_locations/ -----------------------------------------------------------------


def sites(filters=Filters(), scope=EVERYTHING, **params):  # noqa: B008
    params = {"sites": 5, "radius_km": 25.0, "min_saving_km": 5.0, "cell_km": 10.0, **params}
    return potential_sites_by_rank(filters=filters, scope=scope, **params)


def site_row(rank, at, won: dict[str, float], revenue: str, orders: int, place) -> dict:
    """The expected row of a site at `at` winning customers `won` (id -> km before)."""
    after = {c: km_between(AT[c], at) for c in won}
    return {
        "rank": rank,
        "lat": approx(at[0]),
        "lon": approx(at[1]),
        "nearest_city": place[0],
        "nearest_state": place[1],
        "customers_won": len(won),
        "orders": orders,
        "revenue_at_stake": Decimal(revenue),
        "avg_distance_now_km": approx(mean(won.values())),
        "avg_distance_new_km": approx(mean(after.values()), 1e-3),
        "distance_saved_km": approx(sum(won[c] - after[c] for c in won), 1e-3),
    }


F_CELL = centroid("F1", "F2", "F3")
NOW_F = {c: nearest(c)[1] for c in ("F1", "F2", "F3", "F4")}


def test_potential_sites_serve_the_biggest_underserved_cluster_first(geo_chain):
    result = sites()
    # Under-served (> 25 km): F1-F4 (about 50 km from SA) and G1, G2 (40 km from SC).
    # 1st: the F cell's centroid wins F1-F4 (99.00); the F4 cell would too, saving less.
    # 2nd: the G cell (17.25) beats the F4 cell, which now saves F4 only 12 km (10.00).
    # 3rd: the F4 cell, for F4 alone, now served 12 km away by site 1.
    f4_now = km_between(AT["F4"], F_CELL)
    assert f4_now == pytest.approx(12.36, abs=0.01)
    assert result.rows == [
        site_row(1, F_CELL, NOW_F, "99.00", 5, ("Pahrump", "NV")),
        site_row(2, AT["G1"], {"G1": 40.0, "G2": 40.0}, "17.25", 2, ("Brigham City", "UT")),
        site_row(3, AT["F4"], {"F4": f4_now}, "10.00", 1, ("Amargosa Valley", "NV")),
    ]
    # Cells of the 12 ordering customers: N, F, F4, M, U, G.
    assert result.meta == {"underserved_customers": 6, "candidates": 6}


def test_potential_sites_returns_at_most_sites_rows(geo_chain):
    assert [r["revenue_at_stake"] for r in sites(sites=1).rows] == [Decimal("99.00")]


def test_potential_sites_min_saving_km_decides_who_is_won(geo_chain):
    # Moving F4 from 12 km to 0 km saves less than 15 km: no third site.
    assert [r["rank"] for r in sites(min_saving_km=15).rows] == [1, 2]
    # Saving 45 km: no site can win G1 or G2 (40 km away now). The F cell wins F1-F3 (about
    # 50 km saved) but not F4 (51.4 -> 12.4 km); the F4 cell then wins F4 alone.
    rows = sites(min_saving_km=45).rows
    assert [(r["customers_won"], r["revenue_at_stake"]) for r in rows] == [
        (3, Decimal("89.00")),
        (1, Decimal("10.00")),
    ]


def test_potential_sites_radius_km_decides_who_is_underserved(geo_chain):
    result = sites(radius_km=45)
    assert [(r["lon"], r["customers_won"]) for r in result.rows] == [
        (approx(F_CELL[1]), 4),
        (approx(AT["F4"][1]), 1),
    ]
    assert result.meta["underserved_customers"] == 4


def test_potential_sites_cell_km_sets_the_candidates(geo_chain):
    # 1000-km cells: one candidate, the centroid of every ordering customer, about 100 km
    # from the F cluster and 350 km from the G one: it brings no under-served customer closer.
    site = centroid(*sorted({o[1] for o in ORDERS}))
    assert all(
        km_between(AT[c], site) > nearest(c)[1] - 5 for c in ("F1", "F2", "F3", "F4", "G1", "G2")
    )
    result = sites(cell_km=1000)
    assert result.rows == []
    assert result.meta == {"underserved_customers": 6, "candidates": 1}
    # 50-km cells around the same customers still propose the F cluster first.
    assert sites(cell_km=50).rows[0]["customers_won"] == 4


def test_potential_sites_of_a_store_manager_use_their_customers_only(geo_chain, make_user):
    result = sites(scope=manager_of(make_user, "SB"))
    # SB's customers: only F2 is under-served; revenue in view is F2's SB order.
    assert result.rows == [
        site_row(1, AT["F2"], {"F2": 50.0}, "14.50", 1, ("Pahrump", "NV")),
    ]


def test_potential_sites_with_a_product_filter_weigh_matching_revenue(geo_chain):
    result = sites(filters=Filters(category="Vegetarian"))
    # Vegetarian orders of under-served customers: F2 14.50 (at SB), F3 14.50, G2 7.25.
    assert [(r["customers_won"], r["revenue_at_stake"]) for r in result.rows] == [
        (2, Decimal("29.00")),
        (1, Decimal("7.25")),
    ]


def test_potential_sites_with_nobody_underserved_is_empty(geo_chain):
    result = sites(radius_km=100)
    assert result.rows == []
    assert result.meta == {"underserved_customers": 0, "candidates": 0}


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "params", "queries"),
    [
        # whether the rollups are built (stored customers, then pairs), states, overall
        (customer_distance_by_state, {}, 4),
        # whether the rollups are built (stored main stores, then pairs), the pairs, the stores
        (customer_assignment_by_store, {}, 4),
        (white_spots_by_cell, {"min_customers": 2, "radius_km": 25.0, "cell_km": 10.0}, 3),
        (
            market_penetration_by_store,
            {"min_penetration_pct": 50.0, "min_orders_per_customer": 2.0},
            # the rollups built? (stored totals, catchments, sales at home), catchments,
            # sales, stores
            6,
        ),
        (
            potential_sites_by_rank,
            {"sites": 5, "radius_km": 25.0, "min_saving_km": 5.0, "cell_km": 10.0},
            3,  # whether the rollups are built, the under-served customers, the cells
        ),
    ],
)
def test_each_analysis_runs_a_fixed_number_of_queries(
    geo_chain, django_assert_num_queries, service, params, queries
):
    with django_assert_num_queries(queries):
        service(filters=Filters(), scope=EVERYTHING, **params)


def test_assignment_leaves_out_a_customer_whose_nearest_distance_is_missing(tiny_chain):
    from accounts.scope import EVERYTHING
    from analytics.filters import Filters
    from analytics.services.geo import customer_assignment_by_store
    from customers.models import Customer

    Customer.objects.filter(id="C1").update(nearest_store_id="S1", nearest_store_km=None)
    Customer.objects.filter(id="C2").update(nearest_store_id="S2", nearest_store_km=0.5)
    result = customer_assignment_by_store(filters=Filters(), scope=EVERYTHING)
    assert result.meta["customers"] == 1
    assert {r["store"]: r["customers_main"] for r in result.rows if r["customers_main"]} == {
        "S2": 1
    }


def test_pairs_within_measure_only_close_sites_yet_find_every_pair_in_reach():
    """The latitude pre-filter against measuring every customer-site pair (numpy's
    haversine over the full matrix): the same pairs, in the same order, with the same km."""
    import numpy as np

    from analytics.services.geo import Underserved, _pairs_within
    from dataset.geo import haversine_km

    rng = np.random.default_rng(5)
    n, m = 700, 90
    lat, lon = rng.uniform(31, 42, n), rng.uniform(-124, -109, n)
    people = Underserved(
        lat=lat,
        lon=lon,
        km_now=rng.uniform(0, 120, n),
        orders=np.ones(n, dtype=np.int64),
        cents=np.ones(n, dtype=np.int64),
        places=[("", "")] * n,
    )
    at = zip(rng.uniform(31, 42, m), rng.uniform(-124, -109, m), strict=True)
    sites = [{"lat": a, "lon": b} for a, b in at]
    got = _pairs_within(people, sites, 5.0)
    s_lat = np.array([s["lat"] for s in sites])[None, :]
    s_lon = np.array([s["lon"] for s in sites])[None, :]
    km = haversine_km(lat[:, None], lon[:, None], s_lat, s_lon)
    i, j = np.nonzero(km <= (people.km_now - 5.0)[:, None])
    assert len(i) > 200  # enough pairs to mean something
    assert np.array_equal(got.customer, i) and np.array_equal(got.site, j)
    assert np.array_equal(got.km, km[i, j])
