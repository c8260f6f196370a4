"""The store endpoints over HTTP: JSON numbers by hand on `tiny_chain` (customers living nearest
the store they order from) and what a store manager sees. Definitions are tested in
services/test_stores.py; what every endpoint promises in test_api_contract.py."""

import pytest

from accounts.models import User
from analytics.tests.conftest import pick

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nearest_stores")]

SALES = "/api/stores/sales/"
TREND = "/api/stores/sales_trend/"
STATES = "/api/stores/sales_by_state/"
REACH = "/api/stores/customer_reach/"
PRODUCTS = "/api/stores/product_sales/"
DISTANCE = "/api/stores/avg_distance/"


def test_sales_by_store_json(api):
    body = api().get(SALES).json()
    assert body["analysis"] == "sales_by_store"
    assert body["results"][0] == {
        "store": "S1",
        "city": "Reno",
        "state": "NV",
        "orders": 2,
        "revenue": "51.00",
        "average_order_value": "25.50",
        "customers": 1,
        "items": 4,
        "share_of_revenue": "56.67",
        "rank": 1,
        "latitude": 39.5296,
        "longitude": -119.8138,
    }
    assert pick(body["results"], "store", "revenue", "rank") == [
        ("S1", "51.00", 1),
        ("S2", "21.75", 2),
        ("S3", "17.25", 3),
        ("S4", "0.00", 4),
    ]
    assert body["meta"] == {"revenue": "90.00"}


def test_sales_by_store_limit(api):
    body = api().get(SALES, {"limit": "1", "state": "NV"}).json()
    assert pick(body["results"], "store", "share_of_revenue") == [("S1", "70.10")]  # 51 / 72.75


def test_sales_trend_json(api):
    params = {"granularity": "quarter", "date_from": "2022-01-01", "date_to": "2022-06-30"}
    body = api().get(TREND, params).json()
    # Q1: S1 51.00 of 51.00 over 4 stores; Q2: S2 21.75.
    assert pick(body["results"][:2], "store", "period", "revenue", "chain_average") == [
        ("S1", "2022-01-01", "51.00", "12.75"),
        ("S1", "2022-04-01", "0.00", "5.44"),
    ]
    assert body["results"][1]["vs_previous_pct"] == "-100.00"
    assert len(body["results"]) == 8
    assert body["meta"] == {"stores": 4}


def test_sales_by_state_json(api):
    body = api().get(STATES).json()
    assert pick(body["results"], "state", "stores", "revenue", "revenue_per_store", "share") == [
        ("NV", 2, "72.75", "36.38", "80.83"),
        ("CA", 1, "17.25", "17.25", "19.17"),
        ("UT", 1, "0.00", "0.00", "0.00"),
    ]


def test_customer_reach_json(api):
    rows = api().get(REACH).json()["results"]
    assert pick(rows, "store", "customers", "catchment_customers", "reach_pct") == [
        ("S1", 1, 1, "100.00"),
        ("S2", 1, 1, "100.00"),
        ("S3", 1, 1, "100.00"),
        ("S4", 0, 0, None),
    ]
    assert rows[0]["avg_distance_km"] == 0.329  # C1 to Reno, see the service tests


def test_avg_distance_json_and_its_radius(api):
    client = api()
    body = client.get(DISTANCE, {"within_km": "0.3"}).json()
    assert body["params"] == {"within_km": 0.3}
    assert body["columns"][-1] == "share_within_0.3km"
    # C1 is 0.329 km from S1, C2 0.021 km from S2, C3 0.422 km from S3.
    assert pick(body["results"], "store", "orders", "avg_distance_km", "share_within_0.3km") == [
        ("S1", 2, 0.329, "0.00"),
        ("S2", 1, 0.021, "100.00"),
        ("S3", 1, 0.422, "0.00"),
        ("S4", 0, None, None),
    ]
    assert client.get(DISTANCE).json()["columns"][-1] == "share_within_10km"


def test_product_sales_json_with_a_limit_per_store(api):
    rows = api().get(PRODUCTS, {"limit": "1"}).json()["results"]
    assert pick(rows, "store", "product", "quantity", "revenue", "share_of_store_revenue") == [
        ("S1", "P2", 2, "31.00", "60.78"),
        ("S2", "P3", 3, "21.75", "100.00"),
        ("S3", "P1", 1, "10.00", "57.97"),
    ]


def test_a_store_manager_sees_their_numbers(api):
    client = api(User.Role.STORE_MANAGER, stores=["S2"])
    assert pick(client.get(SALES).json()["results"], "revenue", "share_of_revenue") == [
        ("21.75", "100.00")
    ]
    rows = client.get(STATES).json()["results"]
    assert pick(rows, "state", "stores", "revenue", "share") == [("NV", 1, "21.75", "100.00")]
