"""The customer endpoints over HTTP on `tiny_chain`: JSON numbers, CSV, scope, bad input."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

DENSITY = "/api/customers/density/"
DISTRIBUTION = "/api/customers/distribution/"
TOP = "/api/customers/top/"
AVG_ORDER = "/api/customers/avg_order/"
RECURRING = "/api/customers/recurring/"
ALL = (DENSITY, DISTRIBUTION, TOP, AVG_ORDER, RECURRING)


@pytest.fixture
def api(tiny_chain, make_user):
    from customers.models import Customer

    Customer.objects.filter(id__in=["C1", "C3"]).update(city="Reno", state_abbr="NV")
    Customer.objects.filter(id="C2").update(city="Henderson", state_abbr="NV")

    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"u-{role}", role, **assignments))
        return client

    return client_for


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def as_text(rows: list[dict]) -> list[dict]:
    return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]


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
    ("path", "params"),
    [
        (DENSITY, {"level": "city", "by": "home"}),
        (DISTRIBUTION, {}),
        (TOP, {}),
        (AVG_ORDER, {}),
        (RECURRING, {}),
    ],
)
def test_csv_output_equals_json_output(api, path, params):
    client = api()
    as_json = client.get(path, params).json()
    as_csv = client.get(path, {**params, "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    assert as_json["results"]
    assert csv_rows(as_csv) == as_text(as_json["results"])


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


def test_asking_for_a_store_outside_the_scope_is_403(api):
    response = api(User.Role.STORE_MANAGER, stores=["S2"]).get(TOP, {"store": "S1"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        (DENSITY, {"level": "county"}, "level"),
        (DENSITY, {"by": "mail"}, "by"),
        (DISTRIBUTION, {"cell_deg": "0.001"}, "cell_deg"),
        (DISTRIBUTION, {"cell_deg": "wide"}, "cell_deg"),
        (TOP, {"limit": "0"}, "limit"),
        (AVG_ORDER, {"min_orders": "0"}, "min_orders"),
        (AVG_ORDER, {"min_orders": "two"}, "min_orders"),
        (RECURRING, {"granularity": "hour"}, "granularity"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(api, path, params, name):
    response = api().get(path, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


@pytest.mark.parametrize("path", ALL)
def test_an_empty_date_range_is_an_empty_answer(api, path):
    response = api().get(path, {"date_from": "2021-01-01", "date_to": "2021-01-31"})
    assert response.status_code == 200
    rows = response.json()["results"]
    if path == RECURRING:  # the one month is there, with zeros
        assert [(r["period"], r["active_customers"]) for r in rows] == [("2021-01-01", 0)]
    else:
        assert rows == []


@pytest.mark.parametrize("path", ALL)
def test_no_data_at_all_is_not_an_error(db, make_user, path):
    client = APIClient()
    client.force_authenticate(make_user("exec", User.Role.EXECUTIVE))
    response = client.get(path, {"format": "csv"})
    assert response.status_code == 200
    assert csv_rows(response) == []


def test_schema_documents_the_own_parameters(api):
    paths = api().get("/api/schema/", {"format": "json"}).json()["paths"]
    names = {
        path: {p["name"] for p in paths[f"/api/{path}"]["get"]["parameters"]}
        for path in ("customers/density/", "customers/distribution/", "customers/avg_order/")
    }
    assert {"level", "by", "state", "city"} <= names["customers/density/"]
    assert "cell_deg" in names["customers/distribution/"]
    assert {"min_orders", "limit"} <= names["customers/avg_order/"]
    description = paths["/api/customers/density/"]["get"]["description"]
    assert "by=home" in description and "by=store" in description
