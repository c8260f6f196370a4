"""The API on the 20,000-order export agrees with a second, independent computation made
straight from the CSV files in Python (no ORM, no SQL)."""

import csv
import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")
UTC = ZoneInfo("UTC")


@pytest.fixture(scope="module")
def export(pizza_small_db):
    """Everything the checks need, computed from the files alone."""

    def rows(name):
        with open(pizza_small_db / name, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    orders = rows("orders.csv")
    items = rows("orderItems.csv")
    price = {p["SKU"]: Decimal(p["Price"]) for p in rows("products.csv")}
    by_store, by_month = defaultdict(Decimal), defaultdict(Decimal)
    for o in orders:
        local = dt.datetime.fromisoformat(o["orderDate"]).replace(tzinfo=UTC).astimezone(LA)
        by_store[o["storeID"]] += Decimal(o["total"])
        by_month[local.date().replace(day=1)] += Decimal(o["total"])
    skus_of = defaultdict(set)
    for i in items:
        skus_of[i["orderID"]].add(i["SKU"])
    pairs = Counter(p for skus in skus_of.values() for p in combinations(sorted(skus), 2))
    return {
        "total": sum(Decimal(o["total"]) for o in orders),
        "orders": len(orders),
        "by_store": by_store,
        "orders_by_store": Counter(o["storeID"] for o in orders),
        "by_month": by_month,
        "quantity": Counter(i["SKU"] for i in items),
        "item_revenue": sum(price[i["SKU"]] for i in items),
        "pairs": pairs,
    }


def test_total_revenue_and_orders_match_the_files(api, export):
    body = api().get("/api/orders/trend/", {"granularity": "year"}).json()
    assert sum(r["orders"] for r in body["results"]) == export["orders"] == 20_000
    assert sum(Decimal(r["revenue"]) for r in body["results"]) == export["total"]


def test_revenue_per_local_month_matches_the_files(api, export):
    body = api().get("/api/orders/trend/", {"granularity": "month"}).json()
    got = {dt.date.fromisoformat(r["period"]): Decimal(r["revenue"]) for r in body["results"]}
    assert {k: v for k, v in got.items() if v} == dict(export["by_month"])


def test_revenue_per_store_matches_the_files(api, export):
    body = api().get("/api/stores/sales/").json()
    got = {r["store"]: (r["orders"], Decimal(r["revenue"])) for r in body["results"]}
    expected = {s: (export["orders_by_store"][s], v) for s, v in export["by_store"].items()}
    assert got == expected


def test_top_products_by_quantity_match_the_files(api, export):
    client = api()
    body = client.get("/api/products/top/", {"limit": 36}).json()
    got = {r["product"]: r["quantity"] for r in body["results"]}
    assert got == dict(export["quantity"])
    top_ten = client.get("/api/products/top/").json()["results"]
    assert [r["quantity"] for r in top_ten] == sorted(export["quantity"].values(), reverse=True)[
        :10
    ]


def test_item_revenue_by_category_adds_up_to_the_files(api, export):
    body = api().get("/api/products/sales/", {"level": "category"}).json()
    assert sum(Decimal(r["revenue"]) for r in body["results"]) == export["item_revenue"]


def test_pairs_bought_together_match_the_files(api, export):
    body = api().get("/api/orders/basket/", {"limit": 20}).json()
    got = {(r["product_a"], r["product_b"]): r["orders_together"] for r in body["results"]}
    assert got == {pair: export["pairs"][pair] for pair in got}
    assert sorted(got.values(), reverse=True) == [n for _, n in export["pairs"].most_common(20)]


def test_kpis_for_all_time_match_the_files(api, export):
    body = api().get("/api/kpis/", {"date_from": "2019-01-01", "date_to": "2023-12-31"}).json()
    kpis = {r["kpi"]: r["value"] for r in body["results"]}
    assert Decimal(kpis["revenue"]) == export["total"]
    assert kpis["orders"] == export["orders"]


def test_a_store_manager_sees_only_their_store_on_the_big_set(api, export):
    store = max(export["by_store"], key=lambda s: export["by_store"][s])
    client = api(User.Role.STORE_MANAGER, stores=[store])
    body = client.get("/api/stores/sales/").json()
    assert [(r["store"], Decimal(r["revenue"])) for r in body["results"]] == [
        (store, export["by_store"][store])
    ]
    trend = client.get("/api/orders/trend/", {"granularity": "year"}).json()["results"]
    assert sum(Decimal(r["revenue"]) for r in trend) == export["by_store"][store]
    other = next(s for s in export["by_store"] if s != store)
    assert client.get("/api/stores/sales/", {"store": other}).status_code == 403
