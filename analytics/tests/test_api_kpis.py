"""The KPI endpoint over HTTP on `tiny_chain`: JSON numbers, CSV, scope, bad input."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

KPIS = "/api/kpis/"
# 2022-03-02..2022-04-01: orders 2 (C1, 15.50) and 3 (C2, 21.75); the 31 days before: order 1.
PERIOD = {"date_from": "2022-03-02", "date_to": "2022-04-01"}


@pytest.fixture
def api(tiny_chain, make_user):
    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"u-{role}", role, **assignments))
        return client

    return client_for


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_kpis_json_by_hand(api):
    body = api().get(KPIS, PERIOD).json()
    assert body["analysis"] == "kpis_by_period"
    assert [
        (r["kpi"], r["value"], r["previous"], r["change"], r["change_pct"], r["unit"])
        for r in body["results"]
    ] == [
        ("revenue", "37.25", "35.50", "1.75", "4.93", "USD"),
        ("orders", 2, 1, 1, "100.00", "count"),
        ("average_order_value", "18.63", "35.50", "-16.87", "-47.52", "USD"),
        ("active_customers", 2, 1, 1, "100.00", "count"),
        ("new_customers", 1, 1, 0, "0.00", "count"),
        ("customer_growth", "100.00", None, None, None, "%"),
        ("items_per_order", "2.00", "3.00", "-1.00", "-33.33", "items"),
        ("repeat_rate", "0.00", "0.00", "0.00", None, "%"),
    ]
    assert body["meta"] == {
        "date_from": "2022-03-02",
        "date_to": "2022-04-01",
        "previous_from": "2022-01-30",
        "previous_to": "2022-03-01",
    }


def test_kpis_without_dates_say_which_dates_they_used(api):
    body = api().get(KPIS).json()
    assert body["filters"] == {}
    assert body["meta"] == {
        "date_from": "2022-12-17",
        "date_to": "2023-01-15",
        "previous_from": "2022-11-17",
        "previous_to": "2022-12-16",
    }
    assert body["results"][0]["value"] == "17.25"


def test_kpis_csv_equals_json(api):
    client = api()
    as_json = client.get(KPIS, PERIOD).json()
    as_csv = client.get(KPIS, {**PERIOD, "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    expected = [{k: "" if v is None else str(v) for k, v in r.items()} for r in as_json["results"]]
    assert csv_rows(as_csv) == expected
    assert list(csv_rows(as_csv)[0]) == as_json["columns"]


def test_kpis_a_store_manager_sees_only_their_store(api):
    body = api(User.Role.STORE_MANAGER, stores=["S2"]).get(KPIS, PERIOD).json()
    values = {r["kpi"]: r["value"] for r in body["results"]}
    assert (values["revenue"], values["orders"], values["customer_growth"]) == ("21.75", 1, None)


def test_kpis_a_store_outside_the_scope_is_403(api):
    response = api(User.Role.STORE_MANAGER, stores=["S2"]).get(KPIS, {"store": "S3"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"date_from": "2022-13-01"}, "date_from"),
        ({"date_from": "2022-04-02", "date_to": "2022-04-01"}, "date_to"),
        ({"state": "Nevada"}, "state"),
    ],
)
def test_kpis_a_bad_parameter_is_400_naming_it(api, params, name):
    response = api().get(KPIS, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_kpis_of_an_empty_period_are_zero(api):
    body = api().get(KPIS, {"date_from": "2021-06-01", "date_to": "2021-06-30"}).json()
    values = {r["kpi"]: r["value"] for r in body["results"]}
    assert (values["revenue"], values["orders"], values["average_order_value"]) == (
        "0.00",
        0,
        "0.00",
    )
    assert all(r["change_pct"] is None for r in body["results"])


def test_kpis_with_no_data_at_all_are_not_an_error(db, make_user):
    client = APIClient()
    client.force_authenticate(make_user("exec", User.Role.EXECUTIVE))
    response = client.get(KPIS, {"format": "csv"})
    assert response.status_code == 200
    assert [r["kpi"] for r in csv_rows(response)][:2] == ["revenue", "orders"]


def test_kpis_schema_explains_the_default_period(api):
    op = api().get("/api/schema/", {"format": "json"}).json()["paths"]["/api/kpis/"]["get"]
    assert op["summary"].startswith("KPI cards")
    assert "29 days before" in op["description"]


def test_kpis_refuse_dates_outside_the_supported_window(api):
    client = api()
    response = client.get(KPIS, {"date_from": "0001-01-01", "date_to": "0001-01-31"})
    assert response.status_code == 400
    assert set(response.json()) == {"date_from", "date_to"}
    assert client.get(KPIS, {"date_to": "9999-12-31"}).status_code == 400
