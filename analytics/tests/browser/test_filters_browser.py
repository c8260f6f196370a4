"""A filter changed in the browser on pages other than the Overview: the Revenue and Orders
cards follow it to the figures the API gives and a plain ORM query computes, and a chart's CSV
(a graph on one page, a table on the other) is exactly the API's CSV for the same filters.

Run alone with `pytest -m browser`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db.models import F, Max, Sum

from analytics.tests.browser.helpers import (
    api_json,
    api_rows,
    assert_clean,
    choose,
    download,
    money,
    open_dashboard,
    selected,
    text,
    wait_for_text_change,
)

pytestmark = [pytest.mark.browser]

REVENUE, ORDERS = "#kpi-revenue-value", "#kpi-orders-value"
DAYS = 30  # the cards' default period: the 30 local days ending on the last day with an order


@dataclass(frozen=True)
class Case:
    """A page, who opens it, the filter picked in its bar and the chart whose CSV is checked
    (with the API path and fixed parameters that chart asks for)."""

    path: str
    role: str
    graphs: int
    control: str
    value: str
    csv_chart: str
    csv_api: str
    csv_params: dict


CASES = {
    "products-by-category": Case(
        "/dashboard/products/",
        "analyst",
        6,
        "category",
        "Vegetarian",
        "top-products",  # a graph
        "/api/products/top/",
        {"limit": 10},
    ),
    "orders-by-state": Case(
        "/dashboard/orders/",
        "regional",
        5,
        "state",
        "NV",
        "pairs",  # a table
        "/api/orders/basket/",
        {"limit": 50},
    ),
}


def last_30_days(filter_name: str, value: str) -> tuple[Decimal, int]:
    """Revenue (USD) and orders over the 30 local days ending on the last day with a matching
    order, computed with plain ORM queries. With a category: the quantity × unit price of its
    items, in the orders holding one; with a state: order totals at its stores."""
    from orders.models import Order, OrderItem

    zone = ZoneInfo(settings.TIME_ZONE)
    if filter_name == "category":
        orders = Order.objects.filter(items__product__category=value).distinct()
    else:
        orders = Order.objects.filter(store__state_abbr=value)
    last = Order.objects.filter(pk__in=orders.values("pk")).aggregate(last=Max("ordered_at"))
    last_day = last["last"].astimezone(zone).date()
    start = dt.datetime.combine(last_day - dt.timedelta(days=DAYS - 1), dt.time(), zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), zone)
    window = {"ordered_at__gte": start, "ordered_at__lt": end}
    count = Order.objects.filter(pk__in=orders.values("pk"), **window).count()
    if filter_name == "category":
        items = OrderItem.objects.filter(
            product__category=value, **{f"order__{k}": v for k, v in window.items()}
        )
        revenue = items.aggregate(r=Sum(F("quantity") * F("unit_price")))["r"]
    else:
        revenue = orders.filter(**window).aggregate(r=Sum("total"))["r"]
    # SQLite sums decimals as floats: back to the cent, as the card shows them.
    return Decimal(revenue).quantize(Decimal("0.01")), count


@pytest.fixture(scope="module")
def expected(slice_server) -> dict[str, tuple[Decimal, int]]:
    with slice_server.orm():
        return {name: last_30_days(c.control, c.value) for name, c in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_kpis_follow_a_filter_and_csv_matches_the_api(page_as, expected, name):
    case = CASES[name]
    page = page_as(case.role)
    open_dashboard(page, case.path, min_graphs=case.graphs)
    before = text(page, REVENUE)

    choose(page, case.control, case.value)
    revenue = money(wait_for_text_change(page, REVENUE, old=before))
    orders = int(money(text(page, ORDERS)))
    assert selected(page, case.control) == case.value
    assert f"{case.control}={case.value}" in page.url  # the address follows: bookmarkable
    api = {
        row["kpi"]: row["value"]
        for row in api_json(page, "/api/kpis/", {case.control: case.value})["results"]
    }
    assert (revenue, orders) == (Decimal(api["revenue"]), api["orders"]) == expected[name]
    assert revenue != money(before)

    csv = download(page, f"#{case.csv_chart}-csv")
    query = {case.control: case.value, **case.csv_params}
    assert csv.filename == case.csv_api.strip("/").removeprefix("api/").replace("/", "-") + ".csv"
    assert csv.rows and csv.rows == api_rows(page, case.csv_api, query)
    assert_clean(page)
    print(f"\n{name}: {case.control}={case.value} revenue {revenue}, {orders} orders")
