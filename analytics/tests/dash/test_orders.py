"""The Orders page's callbacks, called as django-plotly-dash does, on `tiny_chain`.

tiny_chain by hand (local times, America/Los_Angeles): order 1 at S1 (Reno, NV), Tuesday
2022-03-01 11:00, 35.50, items P1×2 + P2×1; order 2 at S1, Tuesday 2022-03-08 12:30, 15.50, P2×1;
order 3 at S2 (Las Vegas, NV), Friday 2022-04-01 19:15, 21.75, P3×3; order 4 at S3
(Sacramento, CA), Sunday 2023-01-15 15:59, 17.25, P1×1 + P3×1. S4 (UT) has no orders.
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import User
from analytics.dash_apps import orders
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters
from analytics.tests.dash.conftest import (
    ALL_TIME,
    assert_every_chart_has_its_tooltip_csv_button_and_controls,
    find,
    said,
)

pytestmark = pytest.mark.django_db

NOTHING = "Nothing matches these filters."
MARCH = {"date_from": "2022-03-01", "date_to": "2022-03-31"}
YEARS = {"granularity": "year"}


@pytest.fixture
def cb(callbacks):
    return callbacks(orders.app)


def notes(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def lines(fig) -> list[tuple[str, float]]:
    """Dotted reference lines: ("h", y) or ("v", x)."""
    return [("h", s.y0) if s.y0 == s.y1 else ("v", s.x0) for s in fig.layout.shapes]


# Trend ------------------------------------------------------------------------------------------


def test_trend_charts_revenue_and_orders_per_month(tiny_chain, executive, cb):
    revenue, count = cb.chart("trend", executive, ALL_TIME).data
    assert len(revenue.x) == 24 and revenue.x[2] == "2022-03"
    # March 2022: orders 1 and 2 (51.00); April: order 3; January 2023: order 4.
    assert {revenue.x[i]: revenue.y[i] for i in (2, 3, 12)} == {
        "2022-03": 51.0,
        "2022-04": 21.75,
        "2023-01": 17.25,
    }
    assert sum(revenue.y) == 90.0
    assert [count.y[i] for i in (2, 3, 12)] == [2, 1, 1] and sum(count.y) == 4
    assert revenue.customdata[2] == "2022-03-01"


def test_trend_by_year_drills_into_months_then_days(tiny_chain, executive, cb):
    revenue, count = cb.chart("trend", executive, YEARS).data
    assert (list(revenue.x), list(revenue.y), list(count.y)) == (
        ["2022", "2023"],
        [72.75, 17.25],
        [3, 1],
    )
    year = orders.drill_period({"customdata": "2022-01-01"}, Filters(granularity="year"))
    assert year == Drill(
        set={"date_from": "2022-01-01", "date_to": "2022-12-31", "granularity": "month"}
    )
    month = orders.drill_period({"customdata": ["2022-03-01", 2]}, Filters(granularity="month"))
    assert month.set == {"date_from": "2022-03-01", "date_to": "2022-03-31", "granularity": "day"}
    assert orders.drill_period({"customdata": "2022-03-01"}, Filters(granularity="day")) is None
    assert orders.drill_period({"customdata": 25.0}, Filters()) is None  # a histogram bar


# Seasonal pattern -------------------------------------------------------------------------------


def test_season_month_by_year_heatmap(tiny_chain, executive, cb):
    cells = cb.chart("season", executive, ALL_TIME, controls=("month_by_year",)).data[0]
    assert list(cells.y) == ["2022", "2023"] and list(cells.x) == list(orders.MONTHS)
    revenue = [list(row) for row in cells.z]
    assert (revenue[0][2], revenue[0][3], revenue[1][0]) == (51.0, 21.75, 17.25)
    assert sum(map(sum, revenue)) == 90.0
    assert [list(row) for row in cells.text][0][2] == 2  # orders in March 2022


def test_clicking_a_month_of_the_season_map_drills_into_its_days(tiny_chain):
    assert orders.drill_month({"x": "Mar", "y": "2022"}, Filters()) == Drill(
        set={"date_from": "2022-03-01", "date_to": "2022-03-31", "granularity": "day"}
    )
    assert orders.drill_month({"x": "Feb", "y": 2024}, Filters()).set["date_to"] == "2024-02-29"
    assert orders.drill_month({"x": 11, "y": "Tue"}, Filters()) is None  # the weekday map


def test_season_weekday_by_hour_averages_orders_per_weekday(tiny_chain, executive, cb):
    cells = cb.chart("season", executive, MARCH, controls=("weekday_by_hour",)).data[0]
    assert list(cells.y) == list(orders.WEEKDAYS) and list(cells.x) == list(range(24))
    average = [list(row) for row in cells.z]
    # March 2022 has five Tuesdays; orders 1 (11:00) and 2 (12:30) fell on two of them.
    assert (average[1][11], average[1][12]) == (0.2, 0.2)
    assert sum(map(sum, average)) == 0.4
    assert [list(row) for row in cells.text][1][11] == 1


def test_season_without_orders_says_so(tiny_chain, executive, cb):
    for view in ("month_by_year", "weekday_by_hour"):
        fig = cb.chart("season", executive, {**MARCH, "store": ["S4"]}, controls=(view,))
        assert said(fig) == orders.NO_ORDERS


# Items and value per order --------------------------------------------------------------------


def test_items_per_order_per_month_leaves_empty_months_out(tiny_chain, executive, cb):
    fig = cb.chart("items", executive, ALL_TIME, controls=("trend",))
    line = fig.data[0]
    # March: (3 + 1) items / 2 orders; April: 3 / 1; January 2023: 2 / 1.
    assert [line.y[i] for i in (2, 3, 12)] == [2.0, 3.0, 2.0]
    assert line.y[0] is None and line.y[23] is None
    # Overall 9 items / 4 orders.
    assert lines(fig) == [("h", 2.25)] and notes(fig) == ["overall 2.25"]
    assert list(line.customdata[2]) == ["2022-03-01", 2]


def test_items_per_order_distribution(tiny_chain, executive, cb):
    fig = cb.chart("items", executive, ALL_TIME, controls=("distribution",))
    bars = fig.data[0]
    # Order 2 holds 1 item, order 4 2, orders 1 and 3 3 each.
    assert (list(bars.x), list(bars.y)) == ([1, 2, 3], [1, 1, 2])
    assert list(bars.customdata) == [25.0, 25.0, 50.0]
    assert lines(fig) == [("v", 2.25)] and notes(fig) == ["average 2.25 items"]


def test_average_order_value_per_month(tiny_chain, executive, cb):
    fig = cb.chart("value", executive, ALL_TIME, controls=("trend",))
    line = fig.data[0]
    # March: 51.00 / 2; April 21.75; January 2023 17.25; overall 90.00 / 4.
    assert [line.y[i] for i in (2, 3, 12)] == [25.5, 21.75, 17.25]
    assert line.y[1] is None
    assert lines(fig) == [("h", 22.5)] and notes(fig) == ["overall $22.50"]


def test_order_value_distribution_in_ten_dollar_bands(tiny_chain, executive, cb):
    fig = cb.chart("value", executive, ALL_TIME, controls=("distribution",))
    bars = fig.data[0]
    # 15.50 and 17.25 in [10, 20), 21.75 in [20, 30), 35.50 in [30, 40).
    assert (list(bars.x), list(bars.y)) == ([15.0, 25.0, 35.0], [2, 1, 1])
    assert bars.width == 10.0
    assert [list(c) for c in bars.customdata] == [
        [50.0, 10.0, 20.0],
        [25.0, 20.0, 30.0],
        [25.0, 30.0, 40.0],
    ]
    assert lines(fig) == [("v", 22.5)]


# Volatility -----------------------------------------------------------------------------------


def test_volatility_ranks_stores_by_variation_of_weekly_revenue(tiny_chain, executive, cb):
    bars = cb.chart("volatility", executive, ALL_TIME, controls=("stores",)).data[0]
    # S1: weeks of Feb 28 (35.50) and March 7 (15.50): mean 25.50, population std 10.00,
    # 10 / 25.5 = 39.22 %. S2 and S3 sold in one week each: no variation.
    assert list(bars.y) == ["S1 · Reno, NV", "S2 · Las Vegas, NV", "S3 · Sacramento, CA"]
    assert list(bars.x) == [39.22, 0.0, 0.0]
    assert list(bars.customdata[0]) == ["S1", 25.5, 10.0, 15.5, 35.5, 2]
    step = orders.open_store({"customdata": list(bars.customdata[0])}, Filters())
    assert step == Drill(goto="/dashboard/stores/S1/")


def test_outlier_view_plots_orders_beyond_the_fences(tiny_chain, executive, cb):
    from orders.models import Order

    Order.objects.create(
        id=5,
        customer_id="C2",
        store_id="S2",
        n_items=0,
        total=Decimal("200.00"),
        ordered_at=dt.datetime(2022, 5, 10, 18, 0, tzinfo=dt.UTC),
    )
    fig = cb.chart("volatility", executive, ALL_TIME, controls=("outliers",))
    dots = fig.data[0]
    # Totals 15.50, 17.25, 21.75, 35.50, 200.00: Q1 17.25, Q3 35.50, IQR 18.25; fences
    # 17.25 - 27.375 (below zero: no line) and 35.50 + 27.375 = 62.875 (62.88 to the cent).
    assert list(dots.y) == [200.0]
    assert list(dots.x) == ["2022-05-10 11:00:00"]  # local (PDT) time
    assert list(dots.customdata[0]) == ["S2", 5, "C2", 9.01]  # (200 - 35.50) / 18.25
    assert lines(fig) == [("h", 62.88)]
    assert notes(fig) == ["1 outlier among 5 orders"]
    assert orders.open_store({"customdata": list(dots.customdata[0])}, Filters()) == Drill(
        goto="/dashboard/stores/S2/"
    )


def test_outlier_view_without_outliers_says_so(tiny_chain, executive, cb):
    # Totals 15.50, 17.25, 21.75, 35.50: upper fence 25.19 + 1.5 × 8.375 = 37.75.
    fig = cb.chart("volatility", executive, ALL_TIME, controls=("outliers",))
    assert said(fig) == NOTHING


# Baskets ----------------------------------------------------------------------------------------


def test_pairs_table_and_its_click_to_the_first_product(tiny_chain, executive, cb):
    rows, columns = cb.chart("pairs", executive, ALL_TIME)
    assert [c["field"] for c in columns] == list(orders.PAIR_COLUMNS)
    # Order 1 holds P1 and P2, order 4 P1 and P3; each product is in 2 of the 4 orders:
    # confidence 1 / 2 = 50 %, lift 1 × 4 / (2 × 2) = 1.
    assert rows == [
        {
            "product_a": "P1",
            "name_a": "Margherita",
            "product_b": "P2",
            "name_b": "Margherita",
            "orders_together": 1,
            "confidence_ab": 50.0,
            "lift": 1.0,
        },
        {
            "product_a": "P1",
            "name_a": "Margherita",
            "product_b": "P3",
            "name_b": "Veggie",
            "orders_together": 1,
            "confidence_ab": 50.0,
            "lift": 1.0,
        },
    ]
    assert orders.open_first_product(rows[1], Filters()) == Drill(goto="/dashboard/products/P1/")
    assert orders.open_first_product({}, Filters()) is None


# Scope, empty data, CSV, layout -------------------------------------------------------------


def test_store_manager_sees_only_their_store(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    revenue, _ = cb.chart("trend", user, YEARS).data
    assert (list(revenue.x), list(revenue.y)) == (["2022"], [51.0])
    bars = cb.chart("volatility", user, ALL_TIME, controls=("stores",)).data[0]
    assert list(bars.y) == ["S1 · Reno, NV"]
    rows, _ = cb.chart("pairs", user, ALL_TIME)
    # S1's orders 1 and 2: P1 in 1 of them, P2 in both; 1 × 2 / (1 × 2) = 1.
    assert [(r["product_b"], r["confidence_ab"], r["lift"]) for r in rows] == [("P2", 100.0, 1.0)]
    cells = cb.chart("season", user, ALL_TIME, controls=("month_by_year",)).data[0]
    assert sum(map(sum, cells.z)) == 51.0


def test_another_store_in_the_payload_gets_nothing(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    other = {**ALL_TIME, "store": ["S3"]}
    views = {"season": ("month_by_year",), "items": ("trend",), "value": ("trend",)}
    views["volatility"] = ("stores",)
    for chart in ("trend", "season", "items", "value", "volatility"):
        fig = cb.chart(chart, user, other, controls=views.get(chart, ()))
        assert fig.data == () and said(fig) == "Check the filters above."
    assert cb.chart("pairs", user, other) == ([], [])


def test_every_chart_draws_a_message_on_empty_data(tiny_chain, executive, cb):
    empty = {"store": ["S4"]}  # no orders, no date range: every analysis answers no rows
    for chart in orders.CHARTS:
        controls = tuple(c.component.value for c in chart.controls)  # the page's defaults
        result = cb.chart(chart.id, executive, empty, controls=controls)
        if chart.is_table:
            assert result[0] == []
        else:
            assert said(result) in (NOTHING, orders.NO_ORDERS)


def test_csv_download_is_the_apis_csv(tiny_chain, make_user, cb, client):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    client.force_login(user)
    download = cb.download("volatility", user, ALL_TIME, controls=("stores",))
    api = client.get(
        "/api/orders/volatility/", {**ALL_TIME, "limit": 200, "view": "stores", "format": "csv"}
    )
    assert download["content"] == api.content.decode()
    assert download["filename"] == "orders-volatility.csv"
    assert download["content"].splitlines()[1] == "S1,Reno,NV,2,25.50,10.00,39.22,15.50,35.50"
    pairs = cb.download("pairs", user, ALL_TIME)
    api = client.get("/api/orders/basket/", {**ALL_TIME, "limit": 50, "format": "csv"})
    assert pairs["content"] == api.content.decode()
    # NV's orders 1 to 3: the pair P1-P2 in order 1 only; P1 in 1 order, P2 in 2, N = 3.
    assert pairs["content"].splitlines()[1:] == [
        "P1,Margherita,P2,Margherita,1,33.33,100.00,50.00,1.50"
    ]


def test_every_chart_has_its_tooltip_csv_button_and_controls():
    assert_every_chart_has_its_tooltip_csv_button_and_controls(orders.app, orders.CHARTS)
    assert find(orders.app.layout, "season-info").title.startswith("Seasonal pattern")
    assert len(orders.CHARTS) <= 8
