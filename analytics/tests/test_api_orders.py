"""The order endpoints over HTTP on `tiny_chain` (its orders' local times are in conftest.py):
JSON numbers by hand and what a store manager sees. What every endpoint promises is in
test_api_contract.py."""

import pytest

from accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tiny_chain")]

SEASONAL = "/api/orders/seasonal/"
VOLATILITY = "/api/orders/volatility/"
AVG_ITEMS = "/api/orders/avg_items/"
AVG_VALUE = "/api/orders/avg_value/"
BASKET = "/api/orders/basket/"


def test_seasonal_month_by_year_json(api):
    body = api().get(SEASONAL, {"date_from": "2022-03-01", "date_to": "2022-04-30"}).json()
    assert body["params"] == {"view": "month_by_year"}
    assert body["columns"] == ["year", "month", "orders", "revenue"]
    assert len(body["results"]) == 12
    assert body["results"][2:4] == [
        {"year": 2022, "month": 3, "orders": 2, "revenue": "51.00"},
        {"year": 2022, "month": 4, "orders": 1, "revenue": "21.75"},
    ]


def test_seasonal_weekday_by_hour_json(api):
    params = {"view": "weekday_by_hour", "date_from": "2022-03-01", "date_to": "2022-03-14"}
    body = api().get(SEASONAL, params).json()
    assert len(body["results"]) == 168
    assert [r for r in body["results"] if r["orders"]] == [
        {
            "weekday": 2,
            "weekday_name": "Tuesday",
            "hour": 11,
            "orders": 1,
            "revenue": "35.50",
            "average_orders": "0.50",
        },
        {
            "weekday": 2,
            "weekday_name": "Tuesday",
            "hour": 12,
            "orders": 1,
            "revenue": "15.50",
            "average_orders": "0.50",
        },
    ]
    assert body["meta"] == {"first_day": "2022-03-01", "last_day": "2022-03-14"}


def test_volatility_by_store_json(api):
    body = api().get(VOLATILITY).json()
    assert body["results"][0] == {
        "store": "S1",
        "city": "Reno",
        "state": "NV",
        "weeks": 2,
        "mean_weekly_revenue": "25.50",
        "std_weekly_revenue": "10.00",
        "coefficient_of_variation": "39.22",
        "min_week": "15.50",
        "max_week": "35.50",
    }
    assert [r["store"] for r in body["results"]] == ["S1", "S2", "S3"]


def test_volatility_outliers_json(api):
    body = api().get(VOLATILITY, {"view": "outliers", "iqr_k": "1"}).json()
    assert body["params"] == {"view": "outliers", "iqr_k": 1.0}
    assert body["filters"] == {"limit": 50}
    assert body["results"] == [
        {
            "order": 1,
            "store": "S1",
            "customer": "C1",
            "ordered_at": "2022-03-01T11:00:00-08:00",
            "total": "35.50",
            "score": "1.23",
        }
    ]
    assert body["meta"]["upper_fence"] == "33.56"  # 25.1875 + 8.375 = 33.5625


def test_avg_items_json(api):
    client = api()
    body = client.get(AVG_ITEMS, {"granularity": "year"}).json()
    assert body["results"] == [
        {"period": "2022-01-01", "orders": 3, "items": 7, "items_per_order": "2.33"},
        {"period": "2023-01-01", "orders": 1, "items": 2, "items_per_order": "2.00"},
    ]
    assert body["meta"] == {"orders": 4, "items": 9, "items_per_order": "2.25"}
    spread = client.get(AVG_ITEMS, {"view": "distribution"}).json()
    assert [(r["n_items"], r["orders"], r["share"]) for r in spread["results"]] == [
        (1, 1, "25.00"),
        (2, 1, "25.00"),
        (3, 2, "50.00"),
    ]


def test_avg_value_json(api):
    client = api()
    body = client.get(AVG_VALUE, {"granularity": "year"}).json()
    assert [(r["period"], r["average_order_value"]) for r in body["results"]] == [
        ("2022-01-01", "24.25"),  # 72.75 / 3
        ("2023-01-01", "17.25"),
    ]
    assert body["meta"] == {"orders": 4, "revenue": "90.00", "average_order_value": "22.50"}
    bands = client.get(AVG_VALUE, {"view": "distribution", "band": "20"}).json()
    assert bands["results"] == [
        {"band_from": "0.00", "band_to": "20.00", "orders": 2, "share": "50.00"},
        {"band_from": "20.00", "band_to": "40.00", "orders": 2, "share": "50.00"},
    ]


def test_basket_json(api):
    body = api().get(BASKET).json()
    assert body["params"] == {"min_support": 0.0, "by": "sku"}
    # Four orders; P1, P2, P3 each in two. P1+P2 in order 1, P1+P3 in order 4.
    assert body["results"] == [
        {
            "product_a": "P1",
            "name_a": "Margherita",
            "product_b": "P2",
            "name_b": "Margherita",
            "orders_together": 1,
            "support": "25.00",
            "confidence_ab": "50.00",
            "confidence_ba": "50.00",
            "lift": "1.00",
        },
        {
            "product_a": "P1",
            "name_a": "Margherita",
            "product_b": "P3",
            "name_b": "Veggie",
            "orders_together": 1,
            "support": "25.00",
            "confidence_ab": "50.00",
            "confidence_ba": "50.00",
            "lift": "1.00",
        },
    ]
    assert body["meta"] == {"orders": 4}


def test_a_store_manager_sees_only_their_store(api):
    client = api(User.Role.STORE_MANAGER, stores=["S1"])
    seasonal = client.get(SEASONAL).json()["results"]
    assert [(r["month"], r["orders"], r["revenue"]) for r in seasonal if r["orders"]] == [
        (3, 2, "51.00")
    ]
    assert [r["store"] for r in client.get(VOLATILITY).json()["results"]] == ["S1"]
    items = client.get(AVG_ITEMS, {"granularity": "year"}).json()
    assert items["meta"] == {"orders": 2, "items": 4, "items_per_order": "2.00"}
    value = client.get(AVG_VALUE, {"granularity": "year"}).json()
    assert value["meta"]["revenue"] == "51.00"
    basket = client.get(BASKET).json()
    assert [(r["product_a"], r["product_b"], r["support"]) for r in basket["results"]] == [
        ("P1", "P2", "50.00")
    ]
