"""The geographic endpoints over HTTP on the geo test chain: JSON, CSV, scope, bad input."""

import csv
import io
from statistics import mean

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from analytics.tests.services.test_geo import AT, STORE_AT, build_geo_chain, km_between

pytestmark = pytest.mark.django_db

DISTANCE = "/api/geo/distance/"
ASSIGNMENT = "/api/geo/assignment/"
WHITE_SPOT = "/api/geo/white_spot/"
PENETRATION = "/api/geo/low_penetration/"
SITES = "/api/geo/potential_locations/"
ALL = (DISTANCE, ASSIGNMENT, WHITE_SPOT, PENETRATION, SITES)


@pytest.fixture
def api(db, make_user):
    build_geo_chain()

    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"u-{role}", role, **assignments))
        return client

    return client_for


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def as_csv_text(value) -> str:
    """A JSON value as the CSV renderer writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (DISTANCE, {}),
        (ASSIGNMENT, {}),
        (WHITE_SPOT, {"min_customers": "1"}),
        (PENETRATION, {}),
        (SITES, {}),
    ],
)
def test_csv_output_equals_json_output(api, path, params):
    client = api()
    as_json = client.get(path, params).json()
    as_csv = client.get(path, {**params, "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    assert as_json["results"]
    assert csv_rows(as_csv) == [
        {k: as_csv_text(v) for k, v in row.items()} for row in as_json["results"]
    ]


def test_a_store_manager_sees_only_their_store(api):
    client = api(User.Role.STORE_MANAGER, stores=["SB"])
    assert [r["orders"] for r in client.get(DISTANCE).json()["results"]] == [4]
    assert [r["store"] for r in client.get(ASSIGNMENT).json()["results"]] == ["SB"]
    assert [r["store"] for r in client.get(PENETRATION).json()["results"]] == ["SB"]
    spots = client.get(WHITE_SPOT, {"min_customers": "1"}).json()["results"]
    assert [(s["revenue"], s["nearest_store"]) for s in spots] == [("14.50", None)]
    sites = client.get(SITES).json()["results"]
    assert [(s["customers_won"], s["revenue_at_stake"]) for s in sites] == [(1, "14.50")]


def test_asking_for_a_store_outside_the_scope_is_403(api):
    client = api(User.Role.STORE_MANAGER, stores=["SB"])
    for path in ALL:
        assert client.get(path, {"store": "SA"}).status_code == 403


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        (WHITE_SPOT, "min_customers", "0"),
        (WHITE_SPOT, "radius_km", "far"),
        (WHITE_SPOT, "cell_km", "0.1"),
        (PENETRATION, "min_penetration_pct", "101"),
        (PENETRATION, "min_orders_per_customer", "-1"),
        (SITES, "sites", "51"),
        (SITES, "sites", "2.5"),
        (SITES, "min_saving_km", "nan"),
        (SITES, "radius_km", "-5"),
        (SITES, "cell_km", "inf"),
    ],
)
def test_a_bad_own_parameter_is_400_naming_it(api, path, name, value):
    response = api().get(path, {name: value})
    assert response.status_code == 400
    assert list(response.json()) == [name]


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


@pytest.mark.parametrize("path", ALL)
def test_an_empty_database_is_not_an_error(db, make_user, path):
    client = APIClient()
    client.force_authenticate(make_user("exec", User.Role.EXECUTIVE))
    response = client.get(path, {"min_customers": "1"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_schema_documents_the_geo_parameters(api):
    schema = api().get("/api/schema/", {"format": "json"}).json()
    op = schema["paths"]["/api/geo/potential_locations/"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"sites", "radius_km", "min_saving_km", "cell_km", "date_from", "store"} <= names
    assert op["summary"].startswith("Potential store locations")
