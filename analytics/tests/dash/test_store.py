"""A store's own page (`/dashboard/stores/<storeID>/`): its callbacks with the page's fixed
store, called as django-plotly-dash does, on `tiny_chain`.

S1 Reno NV (39.5296, -119.8138): order 1 by C1 (2×P1 Margherita Small 10.00 + 1×P2
Margherita Large 15.50 = 35.50, 2022-03-01) and order 2 by C1 (1×P2, 15.50, 2022-03-08);
C1 lives at (39.53, -119.81). S3 Sacramento CA: order 4, 17.25.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import User
from analytics.dash_apps import store
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters
from analytics.services.base import Result
from analytics.tests.dash.conftest import ALL_TIME, filter_store, haversine, said, shown

pytestmark = pytest.mark.django_db
S1 = {"path": "/dashboard/stores/S1/", "fixed": {"store": ["S1"]}}
S3 = {"path": "/dashboard/stores/S3/", "fixed": {"store": ["S3"]}}
YEARS = {**ALL_TIME, "granularity": "year"}
GRAPHS = ("trend", "reach", "distance", "customer-map", "products")
CONTROLS = {"distance": [10]}  # the chart's own radio: orders within 10 km


@pytest.fixture
def cb(callbacks):
    return callbacks(store.app)


def chart(cb, chart_id: str, user, filters=ALL_TIME, page=S1):
    return cb.chart(chart_id, user, filters, controls=CONTROLS.get(chart_id, ()), page=page)


def km_c1_s1() -> float:
    """C1's home to S1."""
    return haversine(39.53, -119.81, 39.5296, -119.8138)


def test_kpi_cards_are_the_stores(tiny_chain, manager, cb):
    error, cards, _ = cb.kpis(manager, ALL_TIME, page=S1)
    assert error is None
    # Orders 1 and 2: 35.50 + 15.50; average 25.50; 4 items over 2 orders.
    assert [shown(cards, k) for k in ("revenue", "orders", "average_order_value")] == [
        "$51.00",
        "2",
        "$25.50",
    ]
    assert shown(cards, "items_per_order") == "2.00"


def test_trend_draws_the_stores_revenue_and_orders_per_period(tiny_chain, executive, cb):
    fig = chart(cb, "trend", executive, YEARS)
    bars, average, orders = fig.data
    assert (bars.name, orders.name) == ("Revenue (USD)", "Orders")
    assert list(bars.x) == ["2022", "2023"]
    assert list(bars.y) == [51.0, 0.0]
    assert list(orders.y) == [2, 0]
    # The chain's four stores: 2022 (51.00 + 21.75 + 0 + 0) / 4, 2023 17.25 / 4.
    assert list(average.y) == [18.19, 4.31]
    # 2023 against 2022: -100 %.
    assert [list(c) for c in bars.customdata] == [["2022-01-01", 0.0], ["2023-01-01", -100.0]]


def test_trend_adds_the_average_store_when_the_analysis_compares_several():
    """Rows of several stores (the chain's answer): the page's store against their average."""
    rows = [
        {
            "store": s,
            "period": dt.date(2022, 1, 1),
            "revenue": Decimal(v),
            "orders": 1,
            "chain_average": Decimal("36.38"),
            "vs_previous_pct": None,
        }
        for s, v in (("S1", "51.00"), ("S2", "21.75"))
    ]
    fig = store.draw_trend(Result([], rows, {"stores": 2}), Filters(store=("S2",)))
    assert [t.name for t in fig.data] == ["Revenue (USD)", "Average of 2 stores (USD)", "Orders"]
    assert (list(fig.data[0].y), list(fig.data[1].y)) == ([21.75], [36.38])


def test_a_click_on_a_period_zooms_into_it(tiny_chain):
    point = {"customdata": ["2022-01-01", 0.0]}
    assert store.drill_period(point, Filters(granularity="year")) == Drill(
        set={"date_from": "2022-01-01", "date_to": "2022-12-31", "granularity": "month"}
    )


def test_products_rank_by_revenue_and_open_their_page(tiny_chain, manager, cb):
    bars = chart(cb, "products", manager).data[0]
    # P2: 15.50 + 15.50 = 31.00 (60.78 % of 51.00); P1: 2 × 10.00 = 20.00 (39.22 %).
    assert list(bars.y) == ["Margherita (Large)", "Margherita (Small)"]
    assert list(bars.x) == [31.0, 20.0]
    assert [list(c) for c in bars.customdata] == [["P2", 2, 60.78], ["P1", 2, 39.22]]
    assert store.open_product({"customdata": ["P2", 2, 60.78]}, Filters()) == Drill(
        goto="/dashboard/products/P2/"
    )


def test_customer_map_bins_homes_and_marks_the_store(tiny_chain, manager, cb):
    homes, marker = chart(cb, "customer-map", manager).data
    # C1 at (39.53, -119.81) in 0.05° cells: floor(790.6) = 790 and floor(-2396.2) = -2397,
    # centre (790.5 × 0.05, -2396.5 × 0.05).
    assert (list(homes.lat), list(homes.lon)) == ([39.525], [-119.825])
    assert [list(c) for c in homes.customdata] == [[1, 2, 51.0]]  # customers, orders, USD
    assert marker.name == "Store S1"
    assert (list(marker.lat), list(marker.lon)) == ([39.5296], [-119.8138])


def test_store_location_needs_a_store_in_the_filters(tiny_chain):
    assert store.store_location(Filters()) == []
    assert [s["city"] for s in store.store_location(Filters(store=("S4",)))] == ["Salt Lake City"]


def test_reach_gauges_the_catchment_that_ordered(tiny_chain, manager, cb):
    from customers.models import Customer

    assert said(chart(cb, "reach", manager)) == (
        "No customer lives nearest this store<br>Its customers: 1, all living nearer another store"
    )
    # C1 (orders at S1) and C2 (orders at S2 only) live nearest S1: 1 of 2 ordered here.
    Customer.objects.filter(id__in=["C1", "C2"]).update(nearest_store_id="S1")
    fig = chart(cb, "reach", manager)
    assert fig.data[0].value == 50.0
    assert [a.text for a in fig.layout.annotations] == [
        "1 of 2 customers living nearest this store ordered",
        "Its customers: 1, of whom 0 live nearer another store",
    ]


def test_distance_figures_per_customer_per_order_and_nearby(tiny_chain, manager, cb):
    fig = chart(cb, "distance", manager)
    per_customer, per_order, nearby = (t.value for t in fig.data)
    assert per_customer == per_order == pytest.approx(round(km_c1_s1(), 3), abs=1e-9)
    assert nearby == 100.0  # both orders from 0.33 km
    far = cb.chart("distance", manager, ALL_TIME, controls=[5], page=S1)
    assert far.data[2].title.text == "of orders within 5 km"


def test_csv_download_is_the_apis_csv_for_the_store(tiny_chain, manager, cb, client):
    download = cb.download("products", manager, ALL_TIME, page=S1)
    client.force_login(manager)
    query = {**ALL_TIME, "store": "S1", "limit": store.TOP_PRODUCTS, "granularity": "month"}
    api = client.get("/api/stores/product_sales/", {**query, "format": "csv"})
    assert download["content"] == api.content.decode()
    assert download["content"].count("\n") == 3  # header and two products


def test_a_tampered_page_store_is_refused_and_shows_none_of_its_numbers(tiny_chain, manager, cb):
    error, cards, period = cb.kpis(manager, ALL_TIME, page=S3)
    assert "store S3 is outside your stores" in error.children
    assert (cards, period) == ([], "")
    for chart_id in GRAPHS:
        fig = chart(cb, chart_id, manager, page=S3)
        assert said(fig) == "Check the filters above.", chart_id
        assert "17.25" not in fig.to_json()
    assert cb.download("products", manager, ALL_TIME, page=S3).__class__.__name__ == "NoUpdate"


def test_the_update_endpoint_refuses_a_forged_page_store(tiny_chain, manager, client):
    """The same forgery over HTTP, as a browser would post it: S3's page data."""
    client.force_login(manager)
    url = "/django_plotly_dash/app/store/_dash-update-component"

    def post(page: dict) -> str:
        inputs = [{"id": "filters", "property": "data", "value": filter_store(ALL_TIME)}]
        body = {
            "output": "trend.figure",
            "outputs": {"id": "trend", "property": "figure"},
            "inputs": [*inputs, {"id": "version", "property": "data", "value": 0}],
            "state": [{"id": "page", "property": "data", "value": page}],
            "changedPropIds": [],
        }
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 200
        return response.content.decode()

    forged = post(S3)
    assert "Check the filters above." in forged and "17.25" not in forged
    own = post(S1)
    assert "51.0" in own and "Check the filters above." not in own  # March 2022: 51.00


def test_the_page_opens_for_the_managers_store_only(tiny_chain, manager, client):
    client.force_login(manager)
    assert client.get("/").url == "/dashboard/stores/S1/"  # their landing page
    page = client.get("/dashboard/stores/S1/")
    assert page.status_code == 200
    assert page.context["initial"]["page"]["data"]["fixed"] == {"store": ["S1"]}
    assert client.get("/dashboard/stores/S3/").status_code == 403


def test_every_chart_draws_without_data(tiny_chain, manager, cb):
    later = {"date_from": "2030-01-01", "date_to": "2030-03-31"}
    for chart_id in GRAPHS:
        fig = chart(cb, chart_id, manager, later)
        assert fig.data or said(fig), chart_id
    assert said(chart(cb, "distance", manager, later)) == "No orders in this selection"
    assert said(chart(cb, "products", manager, later)) == "Nothing matches these filters."
    nobody = manager.__class__.objects.create_user("nobody", password="x")  # no role, no stores
    for chart_id in GRAPHS:
        assert said(chart(cb, chart_id, nobody)) == "Check the filters above.", chart_id


def test_the_trend_compares_the_store_with_the_average_store_the_user_sees(
    tiny_chain, make_user, callbacks
):
    page = {"fixed": {"store": ["S1"]}}
    march = {"date_from": "2022-03-01", "date_to": "2022-03-31"}
    executive = make_user("exec", User.Role.EXECUTIVE)
    revenue, average, orders = callbacks(store.app).chart("trend", executive, march, page=page).data
    # March 2022: S1 sold 35.50 + 15.50 = 51.00; the four stores average 51.00 / 4 = 12.75.
    assert (list(revenue.y), list(average.y), list(orders.y)) == ([51.0], [12.75], [2])
    assert average.name == "Average of 4 stores (USD)"
    # A store manager's "chain" is what they may see: their one store, so no average line.
    boss = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    traces = callbacks(store.app).chart("trend", boss, march, page=page).data
    assert [t.name for t in traces] == ["Revenue (USD)", "Orders"]
    forged = callbacks(store.app).chart("trend", boss, march, page={"fixed": {"store": ["S3"]}})
    assert forged.data == ()
