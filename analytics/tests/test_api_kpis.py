"""The KPI endpoint over HTTP on `tiny_chain`: JSON numbers by hand, the default period, a store
manager's numbers, empty periods. What every endpoint promises is in test_api_contract.py."""

import pytest

from accounts.models import User
from analytics.tests.conftest import csv_rows

pytestmark = pytest.mark.django_db

KPIS = "/api/kpis/"
# 2022-03-02..2022-04-01: orders 2 (C1, 15.50) and 3 (C2, 21.75); the 31 days before: order 1.
PERIOD = {"date_from": "2022-03-02", "date_to": "2022-04-01"}


def test_kpis_json_by_hand(api, tiny_chain):
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


def test_kpis_without_dates_say_which_dates_they_used(api, tiny_chain):
    body = api().get(KPIS).json()
    assert body["filters"] == {}
    assert body["meta"] == {
        "date_from": "2022-12-17",
        "date_to": "2023-01-15",
        "previous_from": "2022-11-17",
        "previous_to": "2022-12-16",
    }
    assert body["results"][0]["value"] == "17.25"


def test_kpis_a_store_manager_sees_only_their_store(api, tiny_chain):
    body = api(User.Role.STORE_MANAGER, stores=["S2"]).get(KPIS, PERIOD).json()
    values = {r["kpi"]: r["value"] for r in body["results"]}
    assert (values["revenue"], values["orders"], values["customer_growth"]) == ("21.75", 1, None)


def test_kpis_of_an_empty_period_are_zero(api, tiny_chain):
    body = api().get(KPIS, {"date_from": "2021-06-01", "date_to": "2021-06-30"}).json()
    values = {r["kpi"]: r["value"] for r in body["results"]}
    assert (values["revenue"], values["orders"], values["average_order_value"]) == (
        "0.00",
        0,
        "0.00",
    )
    assert all(r["change_pct"] is None for r in body["results"])


def test_kpis_with_no_data_at_all_still_list_the_cards(api):
    response = api().get(KPIS, {"format": "csv"})
    assert [r["kpi"] for r in csv_rows(response)][:2] == ["revenue", "orders"]


def test_kpis_schema_explains_the_default_period(api):
    op = api().get("/api/schema/", {"format": "json"}).json()["paths"]["/api/kpis/"]["get"]
    assert op["summary"].startswith("KPI cards")
    assert "29 days before" in op["description"]


def test_kpis_refuse_dates_whose_previous_period_would_overflow(api):
    response = api().get(KPIS, {"date_from": "0001-01-01", "date_to": "0001-01-31"})
    assert response.status_code == 400
    assert set(response.json()) == {"date_from", "date_to"}
