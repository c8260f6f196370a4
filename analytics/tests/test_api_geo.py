"""The geographic endpoints over HTTP on the geo test chain: JSON numbers by hand, what a store
manager sees, empty periods. What every endpoint promises is in test_api_contract.py."""

from statistics import mean

import pytest

from accounts.models import User
from analytics.tests.services.test_geo import AT, STORE_AT, build_geo_chain, km_between

pytestmark = pytest.mark.django_db

DISTANCE = "/api/geo/distance/"
ASSIGNMENT = "/api/geo/assignment/"
WHITE_SPOT = "/api/geo/white_spot/"
PENETRATION = "/api/geo/low_penetration/"
SITES = "/api/geo/potential_locations/"
ALL = (DISTANCE, ASSIGNMENT, WHITE_SPOT, PENETRATION, SITES)


@pytest.fixture(autouse=True)
def geo_chain(db) -> None:
    build_geo_chain()


def test_distance_json(api):
    body = api().get(DISTANCE, {"state": "UT"}).json()
    # U1 5 km from SC, G1 and G2 40 km: one order each.
    assert body["results"] == [
        {
            "state": "UT",
            "orders": 3,
            "customers": 3,
            "avg_order_distance_km": pytest.approx(85 / 3, abs=1e-6),
            "avg_customer_distance_km": pytest.approx(85 / 3, abs=1e-6),
            "avg_nearest_store_km": pytest.approx(85 / 3, abs=1e-6),
        }
    ]
    assert (body["meta"]["orders"], body["meta"]["customers"]) == (3, 3)


def test_assignment_json(api):
    body = api().get(ASSIGNMENT, {"store": "SC"}).json()
    assert body["results"] == [
        {
            "store": "SC",
            "city": "Salt Lake City",
            "state": "UT",
            "customers_main": 3,
            "nearest_here": 3,
            "main_is_nearest": 3,
            "main_elsewhere": 0,
            "share_matching": "100.00",
        }
    ]
    assert body["meta"] == {
        "customers": 3,
        "differing": 0,
        "share_differing_pct": "0.00",
        "avg_extra_km": None,
    }


def test_white_spot_json(api):
    body = api().get(WHITE_SPOT, {"min_customers": "2", "radius_km": "45"}).json()
    assert body["params"] == {"min_customers": 2, "radius_km": 45.0, "cell_km": 10.0}
    f_lat = AT["F1"][0]
    f_lon = mean([AT["F1"][1], AT["F2"][1], AT["F3"][1]])
    assert body["results"] == [
        {
            "lat": pytest.approx(f_lat, abs=1e-6),
            "lon": pytest.approx(f_lon, abs=1e-6),
            "customers": 3,
            "orders": 4,
            "revenue": "89.00",
            "nearest_store": "SA",
            "nearest_store_km": pytest.approx(km_between((f_lat, f_lon), STORE_AT["SA"]), abs=1e-3),
        }
    ]


def test_low_penetration_json(api):
    body = api().get(PENETRATION, {"min_penetration_pct": "70", "min_orders_per_customer": "1"})
    assert [
        (r["store"], r["penetration_pct"], r["orders_per_ordering_customer"], r["flag"])
        for r in body.json()["results"]
    ] == [
        ("SB", "66.67", "1.00", True),
        ("SA", "75.00", "1.17", False),
        ("SC", "75.00", "1.00", False),
    ]


def test_potential_locations_json(api):
    body = api().get(SITES, {"sites": "2"}).json()
    assert body["params"] == {"sites": 2, "radius_km": 25.0, "min_saving_km": 5.0, "cell_km": 10.0}
    assert [
        (r["rank"], r["nearest_city"], r["customers_won"], r["orders"], r["revenue_at_stake"])
        for r in body["results"]
    ] == [(1, "Pahrump", 4, 5, "99.00"), (2, "Brigham City", 2, 2, "17.25")]
    assert body["results"][1]["avg_distance_now_km"] == pytest.approx(40.0, abs=1e-6)
    assert body["results"][1]["distance_saved_km"] == pytest.approx(80.0, abs=1e-6)


def test_a_store_manager_sees_only_their_store(api):
    client = api(User.Role.STORE_MANAGER, stores=["SB"])
    assert [r["orders"] for r in client.get(DISTANCE).json()["results"]] == [4]
    assert [r["store"] for r in client.get(ASSIGNMENT).json()["results"]] == ["SB"]
    assert [r["store"] for r in client.get(PENETRATION).json()["results"]] == ["SB"]
    spots = client.get(WHITE_SPOT, {"min_customers": "1"}).json()["results"]
    assert [(s["revenue"], s["nearest_store"]) for s in spots] == [("14.50", None)]
    sites = client.get(SITES).json()["results"]
    assert [(s["customers_won"], s["revenue_at_stake"]) for s in sites] == [(1, "14.50")]


@pytest.mark.parametrize("path", ALL)
def test_an_empty_date_range_is_not_an_error(api, path):
    response = api().get(path, {"date_from": "2030-01-01", "date_to": "2030-12-31"})
    assert response.status_code == 200
    rows = response.json()["results"]
    if path == ASSIGNMENT:  # one row per store (state, city, ID), at zero
        assert [r["customers_main"] for r in rows] == [0, 0, 0]
    elif path == PENETRATION:  # one row per store, penetration 0.00 for all: by store ID
        assert [(r["store"], r["penetration_pct"]) for r in rows] == [
            ("SA", "0.00"),
            ("SB", "0.00"),
            ("SC", "0.00"),
        ]
    else:
        assert rows == []
