"""The customer endpoints over HTTP on `tiny_chain` with home addresses: JSON numbers by hand,
what a store manager sees, empty answers. What every endpoint promises is in
test_api_contract.py."""

import pytest

from accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("customer_homes")]

DENSITY = "/api/customers/density/"
DISTRIBUTION = "/api/customers/distribution/"
TOP = "/api/customers/top/"
AVG_ORDER = "/api/customers/avg_order/"
RECURRING = "/api/customers/recurring/"
ALL = (DENSITY, DISTRIBUTION, TOP, AVG_ORDER, RECURRING)


def test_density_by_home_state_json(api):
    body = api().get(DENSITY).json()
    assert body["params"] == {"level": "state", "by": "home"}
    assert body["results"] == [
        {
            "state": "NV",
            "customers": 3,
            "orders": 4,
            "revenue": "90.00",
            "customer_share": "100.00",
            "customers_per_store": "1.50",
        }
    ]
    assert body["meta"] == {"customers": 3}


def test_density_by_store_city_json(api):
    body = api().get(DENSITY, {"level": "city", "by": "store", "state": "NV"}).json()
    assert [
        (r["city"], r["customers"], r["revenue"], r["customer_share"]) for r in body["results"]
    ] == [
        ("Las Vegas", 1, "21.75", "50.00"),
        ("Reno", 1, "51.00", "50.00"),
    ]


def test_distribution_json(api):
    body = api().get(DISTRIBUTION, {"cell_deg": "5"}).json()
    assert body["params"] == {"cell_deg": 5.0}
    assert body["results"] == [
        {"lat": 37.5, "lon": -122.5, "customers": 1, "orders": 1, "revenue": "17.25"},
        {"lat": 37.5, "lon": -117.5, "customers": 2, "orders": 3, "revenue": "72.75"},
    ]


def test_top_customers_json(api):
    body = api().get(TOP, {"limit": "1"}).json()
    assert body["results"] == [
        {
            "customer": "C1",
            "orders": 2,
            "revenue": "51.00",
            "average_order_value": "25.50",
            "first_order": "2022-03-01",
            "last_order": "2022-03-08",
            "home_city": "Reno",
            "home_state": "NV",
        }
    ]


def test_avg_order_json_defaults_to_50_rows_and_gives_the_summary(api):
    body = api().get(AVG_ORDER).json()
    assert body["filters"] == {"limit": 50}
    assert [(r["customer"], r["average_order_value"]) for r in body["results"]] == [
        ("C1", "25.50"),
        ("C2", "21.75"),
        ("C3", "17.25"),
    ]
    assert body["meta"] == {
        "customers": 3,
        "mean_customer_aov": "21.50",
        "median_customer_aov": "21.75",
        "order_weighted_aov": "22.50",
    }


def test_avg_order_min_orders_over_http(api):
    body = api().get(AVG_ORDER, {"min_orders": "2"}).json()
    assert [r["customer"] for r in body["results"]] == ["C1"]
    assert body["meta"]["customers"] == 1


def test_recurring_json(api):
    body = api().get(RECURRING, {"granularity": "year"}).json()
    assert body["results"] == [
        {
            "period": "2022-01-01",
            "active_customers": 2,
            "new_customers": 2,
            "returning_customers": 0,
            "repeat_rate": "50.00",
        },
        {
            "period": "2023-01-01",
            "active_customers": 1,
            "new_customers": 1,
            "returning_customers": 0,
            "repeat_rate": "0.00",
        },
    ]
    assert body["meta"] == {
        "customers": 3,
        "recurring_customers": 1,
        "recurring_share": "33.33",
    }


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        (DENSITY, {"by": "store"}, [("NV", 1, "21.75")]),
        (DISTRIBUTION, {"cell_deg": "5"}, [(37.5, 1, "21.75")]),
        (TOP, {}, [("C2", 1, "21.75")]),
        (AVG_ORDER, {}, [("C2", 1, "21.75")]),
    ],
)
def test_a_store_manager_sees_only_their_store(api, path, params, expected):
    body = api(User.Role.STORE_MANAGER, stores=["S2"]).get(path, params).json()
    first_key = body["columns"][0]
    assert [(r[first_key], r["orders"], r["revenue"]) for r in body["results"]] == expected


def test_a_store_manager_sees_only_their_recurring_customers(api):
    body = api(User.Role.STORE_MANAGER, stores=["S2"]).get(RECURRING).json()
    assert [(r["period"], r["active_customers"]) for r in body["results"]] == [("2022-04-01", 1)]
    assert body["meta"]["customers"] == 1


@pytest.mark.parametrize("path", ALL)
def test_an_empty_date_range_is_an_empty_answer(api, path):
    response = api().get(path, {"date_from": "2021-01-01", "date_to": "2021-01-31"})
    assert response.status_code == 200
    rows = response.json()["results"]
    if path == RECURRING:  # the one month is there, with zeros
        assert [(r["period"], r["active_customers"]) for r in rows] == [("2021-01-01", 0)]
    else:
        assert rows == []


def test_schema_explains_home_and_store_density(api):
    op = api().get("/api/schema/", {"format": "json"}).json()["paths"][DENSITY]["get"]
    assert "by=home" in op["description"] and "by=store" in op["description"]
