"""A product's page (`/dashboard/products/<SKU>/`): its callbacks with the page's fixed SKU,
called as django-plotly-dash does, on `tiny_chain` (hand numbers in test_products.py).

Orders holding P1 (Margherita Small, 10.00): order 1 at S1 (2 units, 20.00, local 2022-03-01)
and order 4 at S3 (1 unit, 10.00, local 2023-01-15). Pairs: P1+P2 in order 1, P1+P3 in
order 4; each product is in 2 of the 4 orders.
"""

from __future__ import annotations

import pytest

from accounts.models import User
from analytics.dash_apps import product
from analytics.dash_apps.kit import COLOURS
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters
from analytics.registry import all_analyses
from analytics.services.base import Result
from analytics.tests.dash.conftest import ALL_TIME, click, shown

pytestmark = pytest.mark.django_db

P1 = {"path": "/dashboard/products/P1/", "fixed": {"sku": ["P1"]}}
P2 = {"path": "/dashboard/products/P2/", "fixed": {"sku": ["P2"]}}


@pytest.fixture
def cb(callbacks):
    return callbacks(product.app)


def test_kpis_are_the_products_own(tiny_chain, executive, cb):
    error, cards, _ = cb.kpis(executive, ALL_TIME, page=P1)
    assert error is None
    # P1's items: 20.00 in order 1, 10.00 in order 4.
    assert (shown(cards, "revenue"), shown(cards, "orders")) == ("$30.00", "2")


def test_since_launch_bars_from_the_first_month_with_sales(tiny_chain, executive, cb):
    (bars,) = cb.chart("since-launch", executive, {}, page=P1).data
    # Launched 2020-01; first sale 2022-03 (month 26), last order 2023-01 (month 36).
    assert list(bars.x) == list(range(26, 37))
    assert list(bars.y) == [2] + [0] * 9 + [1]
    assert [c[2] for c in bars.customdata][::10] == ["2022-03", "2023-01"]
    assert bars.customdata[0][3] == 20.0


def test_trend_is_the_products_revenue_and_orders(tiny_chain, executive, cb):
    revenue, orders = cb.chart("trend", executive, {"granularity": "year"}, page=P1).data
    assert list(revenue.x) == ["2022", "2023"]
    assert list(revenue.y) == [20.0, 10.0]
    assert list(orders.y) == [1, 1]
    spring = {"date_from": "2022-03-01", "date_to": "2022-04-30"}
    revenue, orders = cb.chart("trend", executive, spring, page=P2).data
    assert (list(revenue.y), list(orders.y)) == ([31.0, 0.0], [2, 0])  # orders 1 and 2


def test_clicking_a_year_zooms_into_its_months(tiny_chain, executive):
    step = click(
        product.app,
        "trend",
        {"points": [{"x": "2022", "customdata": "2022-01-01"}]},
        executive,
        {"granularity": "year"},
        page=P1,
    )
    assert step == {
        "date_from": "2022-01-01",
        "date_to": "2022-12-31",
        "granularity": "month",
        "goto": None,
    }


def test_stores_chart_ranks_every_store_by_the_products_revenue(tiny_chain, executive, cb):
    (bars,) = cb.chart("by-store", executive, ALL_TIME, page=P1).data
    assert list(bars.y) == [
        "S1 · Reno, NV",
        "S3 · Sacramento, CA",
        "S2 · Las Vegas, NV",
        "S4 · Salt Lake City, UT",
    ]
    assert list(bars.x) == [20.0, 10.0, 0.0, 0.0]
    assert [list(c) for c in bars.customdata][:2] == [["S1", 2, 1], ["S3", 1, 1]]
    step = click(product.app, "by-store", {"points": [{"customdata": ["S3", 1, 1]}]}, executive)
    assert step["goto"] == "/dashboard/stores/S3/"


def test_store_manager_sees_only_their_store(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    (bars,) = cb.chart("by-store", user, ALL_TIME, page=P1).data
    assert (list(bars.y), list(bars.x)) == (["S1 · Reno, NV"], [20.0])
    error, cards, _ = cb.kpis(user, ALL_TIME, page=P1)
    assert shown(cards, "revenue") == "$20.00"
    refused = cb.chart("by-store", user, {**ALL_TIME, "store": ["S3"]}, page=P1)
    assert refused.data == ()


def test_bought_with_lists_the_other_product_of_each_pair(tiny_chain, executive, cb):
    (bars,) = cb.chart("bought-with", executive, ALL_TIME, page=P1).data
    assert list(bars.y) == ["Margherita · P2", "Veggie · P3"]
    # Each pair in 1 of P1's 2 orders; lift = 1 × 4 / (2 × 2) = 1.00, not above chance.
    assert list(bars.x) == [50.0, 50.0]
    assert [list(c) for c in bars.customdata] == [["P2", 1, 1.0], ["P3", 1, 1.0]]
    assert list(bars.marker.color) == ["#9ec5fe", "#9ec5fe"]
    step = click(
        product.app, "bought-with", {"points": [{"customdata": ["P3", 1, 1.0]}]}, executive
    )
    assert step["goto"] == "/dashboard/products/P3/"


def test_bought_with_reads_the_pair_from_this_products_side(tiny_chain, executive, cb):
    # At S1: P1 in order 1 only, P2 in orders 1 and 2; the pair (P1, P2) in order 1.
    at_s1 = {**ALL_TIME, "store": ["S1"]}
    (from_p2,) = cb.chart("bought-with", executive, at_s1, page=P2).data
    assert (list(from_p2.y), list(from_p2.x)) == (["Margherita · P1"], [50.0])  # 1 of 2
    (from_p1,) = cb.chart("bought-with", executive, at_s1, page=P1).data
    assert (list(from_p1.y), list(from_p1.x)) == (["Margherita · P2"], [100.0])  # 1 of 1


def test_bought_with_marks_pairs_above_chance():
    pair = {"product_a": "A", "name_a": "a", "product_b": "B", "name_b": "b"}
    rows = [
        pair | {"orders_together": 5, "confidence_ab": 40, "confidence_ba": 10, "lift": 1.5},
        pair | {"product_a": "C", "orders_together": 2} | _low(),
    ]
    fig = product.draw_partners(Result(columns=[], rows=rows), Filters(sku=("B",)))
    assert list(fig.data[0].y) == ["a · A", "a · C"]
    assert list(fig.data[0].x) == [10.0, 20.0]
    assert list(fig.data[0].marker.color) == [COLOURS[0], "#9ec5fe"]


def _low() -> dict:
    return {"confidence_ab": 5, "confidence_ba": 20, "lift": 0.8}


def test_every_chart_draws_a_message_on_empty_data(tiny_chain, executive, cb):
    empty = {"date_from": "2021-01-01", "date_to": "2021-01-31"}
    assert cb.chart("since-launch", executive, empty, page=P1).layout.annotations[0].text == (
        "No sales in these months."
    )
    assert cb.chart("bought-with", executive, empty, page=P1).data == ()
    (bars,) = cb.chart("by-store", executive, empty, page=P1).data
    assert list(bars.x) == [0.0, 0.0, 0.0, 0.0]
    revenue, _ = cb.chart("trend", executive, empty, page=P1).data
    assert list(revenue.y) == [0.0]


def test_bought_with_csv_is_the_apis_for_the_product(tiny_chain, executive, cb, client):
    download = cb.download("bought-with", executive, ALL_TIME, page=P1)
    client.force_login(executive)
    query = {**ALL_TIME, "sku": "P1", "limit": product.PARTNERS, "by": "sku", "format": "csv"}
    api = client.get("/api/" + all_analyses()["orders_together_by_product_pair"].path, query)
    assert download["content"] == api.content.decode()
    assert download["content"].splitlines()[1].startswith("P1,Margherita,P2,Margherita,1,25.00")


def test_product_page_hides_category_and_size(tiny_chain, executive, client):
    bar = next(
        c for c in product.app.layout.children if "filter-bar" in getattr(c, "className", "")
    )
    hidden = {c.children[1].id for c in bar.children if c.style}
    assert hidden == {"category", "size"}
    client.force_login(executive)
    response = client.get("/dashboard/products/P1/", {"state": "NV"})
    assert response.status_code == 200
    assert response.context["title"] == "Margherita (Small) · P1"


def test_open_product_and_store_ignore_points_without_an_id():
    assert product.open_store({"customdata": []}, Filters()) is None
    assert product.open_store({"customdata": ["S2"]}, Filters()) == Drill(
        goto="/dashboard/stores/S2/"
    )
