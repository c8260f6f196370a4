"""Drilling down in headless Chromium against the 20,000-order export: on the Stores page state
→ city → store by clicking bars, landing on the store's page, and back up by its breadcrumb and
the app's; on the Orders trend year → month → day. The address carries the filters at every
step (reopening it shows the same view) and the menu's links take them to the next page.

Run alone with `pytest -m browser`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from analytics.tests.browser.helpers import (
    api_json,
    assert_clean,
    choose,
    click_point,
    frame_with,
    graphs,
    money,
    open_dashboard,
    selected,
    settle,
    text,
)

pytestmark = [pytest.mark.browser]

STORES_GRAPHS = 7  # by state, city and store, map, trend, reach, distance
ORDERS_GRAPHS = 5  # trend, items, value, season, volatility
REVENUE = "#kpi-revenue-value"


def query(page) -> dict[str, list[str]]:
    """The filters in the page's address bar."""
    return parse_qs(urlparse(page.url).query)


def wait_for_query(page, expected: dict[str, list[str]], timeout: float = 15.0) -> None:
    """Wait until the address bar's query is exactly `expected` (the app rewrites it in place
    with history.replaceState: no navigation to wait for)."""
    deadline = time.monotonic() + timeout
    while query(page) != expected:
        assert time.monotonic() < deadline, f"address {page.url}, want {expected}"
        page.wait_for_timeout(50)


def traces_of(page, graph_id: str) -> int:
    return next(g.traces for g in graphs(page) if g.id == graph_id)


def bars_of(page, graph_id: str) -> int:
    """Points drawn by the graph's first trace (the bars of a bar chart)."""
    frame = frame_with(page, f"#{graph_id} .main-svg")
    return frame.locator(f"#{graph_id} .trace.bars").first.locator(".point").count()


def test_stores_drill_state_city_store_and_back_up(page_as):
    page = page_as("executive")
    open_dashboard(page, "/dashboard/stores/", min_graphs=STORES_GRAPHS, empty_ok=True)
    assert traces_of(page, "by-city") == traces_of(page, "by-store") == 0  # "click a state"

    state = api_json(page, "/api/stores/sales_by_state/")["results"][0]["state"]
    click_point(page, "by-state", 0)  # the highest revenue, drawn on top
    wait_for_query(page, {"state": [state]})
    settle(page, min_graphs=STORES_GRAPHS, empty_ok=True)
    cities = api_json(page, "/api/stores/sales_by_city/", {"state": state})["results"]
    assert selected(page, "state") == state
    assert bars_of(page, "by-city") == len(cities) and traces_of(page, "by-store") == 0

    city = cities[0]["city"]
    click_point(page, "by-city", 0)
    wait_for_query(page, {"state": [state], "city": [city]})
    settle(page, min_graphs=STORES_GRAPHS)  # every chart drawn now
    params = {"state": state, "city": city, "limit": 1000}
    stores = api_json(page, "/api/stores/sales/", params)["results"]
    assert bars_of(page, "by-store") == len(stores)

    store = stores[0]["store"]
    click_point(page, "by-store", 0)
    page.wait_for_url(f"**/dashboard/stores/{store}/")
    settle(page, min_graphs=1, empty_ok=True)
    assert text(page, "h1").startswith(f"Store {store}")
    crumbs = page.locator("a.page-crumb")
    assert crumbs.all_inner_texts() == ["Stores", state, city]

    crumbs.nth(2).click()  # the city: back to the Stores page, narrowed to it
    page.wait_for_url("**/dashboard/stores/?*city=*")
    assert query(page) == {"state": [state], "city": [city]}
    settle(page, min_graphs=STORES_GRAPHS)
    assert selected(page, "state") == state
    assert selected(page, "city").startswith(city)  # labelled "<city>, <state>"
    assert bars_of(page, "by-store") == len(stores)

    frame_with(page, "#crumb-state").click("#crumb-state")  # the app's breadcrumb: "NV ›"
    wait_for_query(page, {"state": [state]})
    settle(page, min_graphs=STORES_GRAPHS, empty_ok=True)
    assert traces_of(page, "by-store") == 0 and bars_of(page, "by-city") == len(cities)
    assert_clean(page)


def test_orders_trend_drills_year_month_day_and_the_filters_travel(page_as):
    page = page_as("executive")
    open_dashboard(page, "/dashboard/orders/", min_graphs=ORDERS_GRAPHS)
    choose(page, "granularity", "year")
    wait_for_query(page, {"granularity": ["year"]})
    settle(page, min_graphs=ORDERS_GRAPHS)
    years = api_json(page, "/api/orders/trend/", {"granularity": "year"})["results"]
    assert bars_of(page, "trend") == len(years) >= 2
    year = dt.date.fromisoformat(years[0]["period"][:10]).year

    click_point(page, "trend", 0)  # the first year: its months
    wait_for_query(page, {"date_from": [f"{year}-01-01"], "date_to": [f"{year}-12-31"]})
    settle(page, min_graphs=ORDERS_GRAPHS)
    assert bars_of(page, "trend") == 12 and selected(page, "granularity") == "Month"

    click_point(page, "trend", 1)  # February: its days
    days = calendar.monthrange(year, 2)[1]
    month = {"date_from": [f"{year}-02-01"], "date_to": [f"{year}-02-{days}"]}
    wait_for_query(page, {**month, "granularity": ["day"]})
    settle(page, min_graphs=ORDERS_GRAPHS)
    assert bars_of(page, "trend") == days
    period = {"date_from": f"{year}-02-01", "date_to": f"{year}-02-{days}"}
    revenue = kpi(api_json(page, "/api/kpis/", period), "revenue")
    assert money(text(page, REVENUE)) == revenue
    assert_clean(page)

    bookmark = page_as("executive")  # the address, opened afresh, shows the same view
    open_dashboard(bookmark, page.url, min_graphs=ORDERS_GRAPHS)
    assert bars_of(bookmark, "trend") == days and money(text(bookmark, REVENUE)) == revenue
    assert selected(bookmark, "granularity") == "Day"

    products = page.locator("a.nav-link", has_text="Products")
    assert query_of(products.get_attribute("href")) == {**month, "granularity": ["day"]}
    products.click()
    page.wait_for_url("**/dashboard/products/?*")
    assert query(page) == {**month, "granularity": ["day"]}
    settle(page, min_graphs=1)
    assert frame_with(page, "#date_from").input_value("#date_from") == f"{year}-02-01"
    assert money(text(page, REVENUE)) == revenue  # the same cards over the same days
    assert_clean(page)
    assert_clean(bookmark)


def query_of(href: str | None) -> dict[str, list[str]]:
    return parse_qs(urlparse(href or "").query)


def kpi(body: dict, name: str) -> Decimal:
    return Decimal(next(row["value"] for row in body["results"] if row["kpi"] == name))
