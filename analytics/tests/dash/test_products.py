"""The Products page's callbacks, called as django-plotly-dash does, on `tiny_chain`.

Hand numbers (conftest.tiny_chain): P1 Margherita Small (Classic, 10.00, launched 2020-01),
P2 Margherita Large (Classic, 15.50, 2020-01), P3 Veggie Small (Vegetarian, 7.25, 2021-06).
Units and revenue: P1 3 (order 1: 2, order 4: 1) = 30.00; P2 2 (orders 1, 2) = 31.00;
P3 4 (order 3: 3, order 4: 1) = 29.00. Classic 5 units, 61.00; Vegetarian 4 units, 29.00;
chain 90.00. Local months (America/Los_Angeles): orders 1, 2 in 2022-03, order 3 in 2022-04,
order 4 in 2023-01.
"""

from __future__ import annotations

import csv
import io

import pytest

from accounts.models import User
from analytics.dash_apps import products
from analytics.dash_apps.kit import COLOURS
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters
from analytics.services.base import Result
from analytics.tests.dash.conftest import ALL_TIME, click

pytestmark = pytest.mark.django_db

EVERY_MONTH = 120  # the since-launch chart's own control: "all"


@pytest.fixture
def cb(callbacks):
    return callbacks(products.app)


def test_categories_chart_revenue_share_and_units(tiny_chain, executive, cb):
    bars = cb.chart("by-category", executive, ALL_TIME).data[0]
    assert list(bars.x) == ["Classic", "Vegetarian"]
    assert list(bars.y) == [61.0, 29.0]
    assert list(bars.text) == ["67.8%", "32.2%"]  # 61 / 90, 29 / 90
    # Units, products sold, average unit price (61.00 / 5 = 12.20).
    assert [list(c) for c in bars.customdata] == [[5, 2, 12.2], [4, 1, 7.25]]


def test_products_chart_ranks_by_revenue_coloured_by_category(tiny_chain, executive, cb):
    classic, vegetarian = cb.chart("by-product", executive, ALL_TIME).data
    assert (classic.name, vegetarian.name) == ("Classic", "Vegetarian")
    assert list(classic.y) == ["Margherita (Large)", "Margherita (Small)"]
    assert list(classic.x) == [31.0, 30.0]
    assert [c[0] for c in classic.customdata] == ["P2", "P1"]
    assert (list(vegetarian.y), list(vegetarian.x)) == (["Veggie (Small)"], [29.0])
    layout = cb.chart("by-product", executive, ALL_TIME).layout
    assert list(layout.yaxis.categoryarray) == [
        "Margherita (Large)",
        "Margherita (Small)",
        "Veggie (Small)",
    ]


def test_category_chosen_lists_only_its_products(tiny_chain, executive, cb):
    (bars,) = cb.chart("by-product", executive, {**ALL_TIME, "category": "Classic"}).data
    assert [c[0] for c in bars.customdata] == ["P2", "P1"]
    assert list(bars.x) == [31.0, 30.0]


def test_products_chart_says_when_it_shows_only_the_first_products():
    rows = [
        {"product": f"X{i:02}", "name": f"N{i}", "size": "S", "category": "C", "quantity": 1}
        | {"revenue": 100 - i, "share": 1}
        for i in range(products.PRODUCT_BARS + 5)
    ]
    fig = products.draw_products(Result(columns=[], rows=rows), Filters())
    assert len(fig.data[0].x) == products.PRODUCT_BARS
    assert fig.layout.xaxis.title.text == "Revenue, top 20 of 25 products"


def test_drill_category_then_product_then_product_page(tiny_chain, executive, cb, client):
    """The required path: a category bar filters the page, a product bar opens its page."""
    step = click(products.app, "by-category", {"points": [{"x": "Classic"}]}, executive, ALL_TIME)
    assert step == {"category": "Classic", "goto": None}
    chosen = {**ALL_TIME, "category": "Classic"}
    (bars,) = cb.chart("by-product", executive, chosen).data
    point = {"x": 31.0, "y": "Margherita (Large)", "customdata": list(bars.customdata[0])}
    step = click(products.app, "by-product", {"points": [point]}, executive, chosen)
    # The product page fixes the product: category and size do not follow, dates do.
    assert step == {"goto": "/dashboard/products/P2/?date_from=2022-01-01&date_to=2023-12-31"}
    client.force_login(executive)
    page = client.get(step["goto"])
    assert page.status_code == 200
    assert page.context["title"] == "Margherita (Large) · P2"


def test_every_product_chart_opens_the_product_page(tiny_chain, executive, cb):
    p2 = Drill(goto="/dashboard/products/P2/")
    assert products.open_product({"customdata": ["P2", 2, 34.44]}, Filters()) == p2
    assert products.open_product({"product": "P2", "name": "Margherita"}, Filters()) == p2
    assert products.open_product({"x": 3}, Filters()) is None
    top = cb.chart("top-products", executive, ALL_TIME).data[0]
    assert [c[0] for c in top.customdata] == ["P3", "P1", "P2"]  # 4, 3 and 2 units
    assert list(top.x) == [4, 3, 2]
    scatter = cb.chart("price-sales", executive, ALL_TIME, controls=["quantity"]).data
    assert [c[0] for t in scatter for c in t.customdata] == ["P1", "P2", "P3"]
    row = {"product": "P3", "name": "Veggie", "revenue": 29.0}
    step = click(products.app, "products-table", [row], executive, {})
    assert step["goto"] == "/dashboard/products/P3/"


def test_since_launch_draws_each_product_from_its_first_month_with_sales(tiny_chain, executive, cb):
    fig = cb.chart("since-launch", executive, {}, controls=[EVERY_MONTH])
    p1, p2, p3 = fig.data
    # P1 launched 2020-01: first sale 2022-03 = month 26, then 2023-01 = month 36.
    assert list(p1.x) == list(range(26, 37))
    assert list(p1.y) == [2] + [0] * 9 + [1]
    assert (p1.customdata[0][2], p1.customdata[-1][2]) == ("2022-03", "2023-01")
    assert list(p2.y) == [2] + [0] * 10  # orders 1 and 2, both March 2022
    # P3 launched 2021-06: 2022-04 is month 10 (3 units), 2023-01 month 19 (1 unit).
    assert list(p3.x) == list(range(10, 20))
    assert list(p3.y) == [3] + [0] * 8 + [1]
    # One legend entry per launch year; colours by launch year.
    assert [(t.name, t.showlegend) for t in fig.data] == [
        ("2020", True),
        ("2020", False),
        ("2021", True),
    ]
    assert [t.line.color for t in fig.data] == [COLOURS[0], COLOURS[0], COLOURS[1]]


def test_since_launch_first_year_only_shows_products_with_sales_in_it(tiny_chain, executive, cb):
    (p3,) = cb.chart("since-launch", executive, {}, controls=[12]).data
    assert [c[0] for c in p3.customdata] == ["P3", "P3"]
    assert (list(p3.x), list(p3.y)) == ([10, 11], [3, 0])
    nothing = cb.chart("since-launch", executive, {"category": "Classic"}, controls=[12])
    assert nothing.layout.annotations[0].text == "No sales in these months."


def test_prices_chart_sets_list_against_paid(tiny_chain, executive, cb):
    listed, paid = cb.chart("prices", executive, ALL_TIME).data
    assert list(listed.x) == ["Classic", "Vegetarian"]
    assert list(listed.y) == [12.75, 7.25]  # (10.00 + 15.50) / 2
    assert list(paid.y) == [12.2, 7.25]  # 61.00 / 5 units, 29.00 / 4 units
    assert [list(c) for c in listed.customdata] == [[10.0, 15.5, 2], [7.25, 7.25, 1]]
    step = click(products.app, "prices", {"points": [{"x": "Vegetarian"}]}, executive)
    assert step == {"category": "Vegetarian", "goto": None}


def test_price_sales_scatter_with_the_correlation(tiny_chain, executive, cb):
    fig = cb.chart("price-sales", executive, ALL_TIME, controls=["quantity"])
    classic, vegetarian = fig.data
    assert (list(classic.x), list(classic.y)) == ([10.0, 15.5], [3, 2])
    assert (list(vegetarian.x), list(vegetarian.y)) == ([7.25], [4])
    # Prices 7.25, 10, 15.5 against units 4, 3, 2: r = -8.25 / sqrt(35.2917 × 2) = -0.982.
    note = fig.layout.annotations[0].text
    assert note == "Pearson r = -0.98 · Spearman ρ = -1.00<br>over 3 products"
    revenue = cb.chart("price-sales", executive, ALL_TIME, controls=["revenue"])
    assert list(revenue.data[0].y) == [30.0, 31.0]
    assert revenue.layout.annotations[0].text.startswith("Pearson r = +0.98 · Spearman ρ = +1.00")


def test_correlation_text_without_a_coefficient():
    assert products.correlation_text({"pearson": None, "spearman": None, "n": 1}) == (
        "Pearson r = n/a · Spearman ρ = n/a<br>over 1 products"
    )


def test_products_table_lists_every_product(tiny_chain, executive, cb):
    rows, columns = cb.chart("products-table", executive, ALL_TIME)
    assert [(r["product"], r["quantity"], r["revenue"]) for r in rows] == [
        ("P2", 2, 31.0),
        ("P1", 3, 30.0),
        ("P3", 4, 29.0),
    ]
    assert [c["field"] for c in columns][:4] == ["product", "name", "size", "category"]


def test_store_manager_sees_only_their_store(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    # S1: order 1 (P1 2 × 10.00, P2 15.50) and order 2 (P2 15.50).
    classic = cb.chart("by-product", user, ALL_TIME).data
    assert [(t.name, list(t.x)) for t in classic] == [("Classic", [31.0, 20.0])]
    assert list(cb.chart("by-category", user, ALL_TIME).data[0].y) == [51.0]
    rows, _ = cb.chart("products-table", user, ALL_TIME)
    assert [r["revenue"] for r in rows] == [31.0, 20.0]
    other = cb.chart("by-product", user, {**ALL_TIME, "store": ["S3"]})
    assert other.data == () and other.layout.annotations[0].text == "Check the filters above."


def test_every_chart_draws_a_message_on_empty_data(tiny_chain, executive, cb):
    empty = {"date_from": "2021-01-01", "date_to": "2021-01-31"}
    for chart in products.CHARTS:
        controls = [c.component.value for c in chart.controls]
        drawn = cb.chart(chart.id, executive, empty, controls=controls)
        if chart.is_table:
            assert drawn[0] == []
        elif chart.id == "prices":  # the catalog's list prices, nothing paid
            assert list(drawn.data[1].y) == [None, None]
        else:
            assert drawn.data == (), chart.id
            assert drawn.layout.annotations[0].text in (
                "Nothing matches these filters.",
                "No sales in these months.",
            )


@pytest.mark.parametrize(
    ("chart_id", "controls", "query"),
    [
        ("by-category", [], {"level": "category"}),
        ("since-launch", [12], {"months": 12}),
        ("price-sales", ["revenue"], {"measure": "revenue"}),
        ("top-products", [], {"limit": products.TOP}),
    ],
)
def test_csv_download_is_the_apis_csv(tiny_chain, make_user, cb, client, chart_id, controls, query):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    filters = {**ALL_TIME, "category": "Classic"}
    download = cb.download(chart_id, user, filters, controls=controls)
    chart = next(c for c in products.CHARTS if c.id == chart_id)
    from analytics.registry import all_analyses

    path = "/api/" + all_analyses()[chart.analysis].path
    client.force_login(user)
    api = client.get(path, {**filters, **query, "granularity": "month", "format": "csv"})
    assert api.status_code == 200
    assert download["content"] == api.content.decode()


def test_csv_download_holds_the_hand_numbers(tiny_chain, make_user, cb):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    download = cb.download("by-category", user, ALL_TIME)
    rows = list(csv.DictReader(io.StringIO(download["content"])))
    # NV (S1, S2): Classic 51.00 (orders 1, 2), Vegetarian 21.75 (order 3); total 72.75.
    assert [(r["category"], r["revenue"], r["share"]) for r in rows] == [
        ("Classic", "51.00", "70.10"),
        ("Vegetarian", "21.75", "29.90"),
    ]
