"""The product endpoints over HTTP: JSON numbers by hand on `tiny_chain` and what a store
manager sees. Definitions are tested in services/test_products.py; what every endpoint promises
in test_api_contract.py."""

import statistics

import pytest

from accounts.models import User
from analytics.tests.conftest import pick

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tiny_chain")]

TOP = "/api/products/top/"
SALES = "/api/products/sales/"
PERFORMANCE = "/api/products/performance/"
PRICES = "/api/products/avg_price/"
PRICE_SALES = "/api/products/price_sales/"


def test_top_products_json(api):
    body = api().get(TOP).json()
    assert body["results"][0] == {
        "product": "P3",
        "name": "Veggie",
        "size": "Small",
        "category": "Vegetarian",
        "quantity": 4,
        "orders": 2,
        "revenue": "29.00",
    }
    assert pick(body["results"], "product", "quantity") == [("P3", 4), ("P1", 3), ("P2", 2)]


def test_top_products_limit(api):
    rows = api().get(TOP, {"limit": "1", "size": "Large"}).json()["results"]
    assert pick(rows, "product", "quantity", "revenue") == [("P2", 2, "31.00")]


def test_sales_by_product_json_and_level(api):
    client = api()
    by_product = client.get(SALES).json()
    assert by_product["params"] == {"level": "product"}
    assert pick(by_product["results"], "product", "revenue", "share", "average_unit_price") == [
        ("P2", "31.00", "34.44", "15.50"),
        ("P1", "30.00", "33.33", "10.00"),
        ("P3", "29.00", "32.22", "7.25"),
    ]
    by_category = client.get(SALES, {"level": "category"}).json()
    assert by_category["columns"][:2] == ["category", "products"]
    assert pick(by_category["results"], "category", "products", "quantity", "revenue") == [
        ("Classic", 2, 5, "61.00"),
        ("Vegetarian", 1, 4, "29.00"),
    ]


def test_performance_json_and_months(api):
    body = api().get(PERFORMANCE, {"sku": "P3", "months": "12"}).json()
    assert body["params"] == {"months": 12}
    rows = body["results"]
    # P3 launched 2021-06-01; order 3 (2022-04-01 local) is month 10.
    assert [r["month_index"] for r in rows] == list(range(12))
    assert rows[10] == {
        "product": "P3",
        "name": "Veggie",
        "launch_date": "2021-06-01",
        "month_index": 10,
        "quantity": 3,
        "revenue": "21.75",
        "quantity_per_store": "0.75",  # 3 units over 4 stores
        "index": None,  # nothing sold in months 0-2
    }


def test_avg_price_json(api):
    rows = api().get(PRICES).json()["results"]
    assert rows == [
        {
            "category": "Classic",
            "products": 2,
            "list_price_avg": "12.75",
            "realized_price_avg": "12.20",  # 61.00 / 5 units
            "min_price": "10.00",
            "max_price": "15.50",
            "quantity": 5,
        },
        {
            "category": "Vegetarian",
            "products": 1,
            "list_price_avg": "7.25",
            "realized_price_avg": "7.25",
            "min_price": "7.25",
            "max_price": "7.25",
            "quantity": 4,
        },
    ]


def test_price_sales_json_and_measure(api):
    client = api()
    body = client.get(PRICE_SALES).json()
    assert pick(body["results"], "product", "price", "quantity") == [
        ("P3", "7.25", 4),
        ("P1", "10.00", 3),
        ("P2", "15.50", 2),
    ]
    expected = statistics.correlation([7.25, 10.0, 15.5], [4.0, 3.0, 2.0])
    assert body["meta"]["pearson"] == pytest.approx(expected, abs=1e-4)
    assert body["meta"]["spearman"] == -1.0
    assert body["meta"]["n"] == 3
    meta = client.get(PRICE_SALES, {"measure": "revenue"}).json()["meta"]
    expected = statistics.correlation([7.25, 10.0, 15.5], [29.0, 30.0, 31.0])
    assert meta["pearson"] == pytest.approx(expected, abs=1e-4)


def test_a_store_manager_gets_only_their_store(api):
    client = api(User.Role.STORE_MANAGER, stores=["S3"])
    # Order 4 only: one P1 (10.00) and one P3 (7.25).
    rows = client.get(TOP).json()["results"]
    assert pick(rows, "product", "quantity", "revenue") == [("P1", 1, "10.00"), ("P3", 1, "7.25")]
    rows = client.get(SALES, {"level": "category"}).json()["results"]
    assert pick(rows, "category", "revenue", "share") == [
        ("Classic", "10.00", "57.97"),
        ("Vegetarian", "7.25", "42.03"),
    ]
    rows = client.get(PRICES).json()["results"]
    assert pick(rows, "category", "quantity") == [("Classic", 1), ("Vegetarian", 1)]
    rows = client.get(PRICE_SALES).json()["results"]
    assert pick(rows, "product", "quantity") == [("P3", 1), ("P1", 1)]
    rows = client.get(PERFORMANCE, {"sku": "P3"}).json()["results"]
    # One store in scope; S3's last order (2023-01-15) is P3's month 19.
    assert pick(rows[-1:], "month_index", "quantity", "quantity_per_store") == [(19, 1, "1.00")]
    assert sum(r["quantity"] for r in rows) == 1
