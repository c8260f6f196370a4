"""The Stores page's callbacks, called as django-plotly-dash does, on `tiny_chain`.

tiny_chain: S1 Reno NV (orders 1 and 2 by C1, March 2022: 35.50 + 15.50 = 51.00), S2 Las
Vegas NV (order 3 by C2, 2022-04-01 local: 21.75), S3 Sacramento CA (order 4 by C3,
2023-01-15: 17.25), S4 Salt Lake City UT (no order). Chain total 90.00.
"""

from __future__ import annotations

import math

import pytest

from accounts.models import User
from analytics.dash_apps import stores
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters
from analytics.tests.dash.conftest import ALL_TIME, click, haversine, said

pytestmark = pytest.mark.django_db
NV = {**ALL_TIME, "state": ["NV"]}
RENO = {**NV, "city": "Reno"}
GRAPHS = ("by-state", "by-city", "by-store", "store-map", "trend", "reach", "distance")


@pytest.fixture
def cb(callbacks):
    return callbacks(stores.app)


# Sales by place: state → city → store ---------------------------------------------------------


def test_states_rank_by_revenue_with_share_orders_and_stores(tiny_chain, executive, cb):
    bars = cb.chart("by-state", executive, ALL_TIME).data[0]
    assert list(bars.y) == ["NV", "CA", "UT"]
    assert list(bars.x) == [72.75, 17.25, 0.0]
    # [state, share of 90.00, orders, customers, stores]
    assert [list(c) for c in bars.customdata] == [
        ["NV", 80.83, 3, 2, 2],
        ["CA", 19.17, 1, 1, 1],
        ["UT", 0.0, 0, 0, 1],
    ]


def test_a_click_on_a_state_picks_it_and_clears_city_and_store(tiny_chain, executive):
    point = {"points": [{"y": "NV", "customdata": ["NV", 80.83, 3, 2, 2]}]}
    sacramento = {"city": "Sacramento", "store": ["S3"]}
    assert click(stores.app, "by-state", point, executive, sacramento) == {
        "state": ["NV"],
        "city": None,
        "store": None,
        "goto": None,
    }


def test_cities_wait_for_a_state_then_rank_its_cities(tiny_chain, executive, cb):
    assert said(cb.chart("by-city", executive, ALL_TIME)) == "Click a state to see its cities"
    bars = cb.chart("by-city", executive, NV).data[0]
    assert list(bars.y) == ["Reno, NV", "Las Vegas, NV"]
    assert list(bars.x) == [51.0, 21.75]
    # Shares of Nevada's 72.75: 51 / 72.75 = 70.10 %.
    assert [c[:2] for c in bars.customdata] == [["Reno", 70.1], ["Las Vegas", 29.9]]


def test_a_click_on_a_city_picks_it_within_its_state(tiny_chain, executive, cb):
    reno = list(cb.chart("by-city", executive, NV).data[0].customdata[0])
    assert click(stores.app, "by-city", {"points": [{"customdata": reno}]}, executive, NV) == {
        "state": ["NV"],
        "city": "Reno",
        "store": None,
        "goto": None,
    }


def test_stores_wait_for_a_city_then_open_on_click(tiny_chain, executive, cb):
    assert said(cb.chart("by-store", executive, NV)) == "Click a city to see its stores"
    bars = cb.chart("by-store", executive, RENO).data[0]
    assert list(bars.y) == ["S1 · Reno, NV"]
    assert list(bars.x) == [51.0]
    assert list(bars.customdata[0]) == ["S1", 100.0, 2, 1]
    opened = click(stores.app, "by-store", {"points": [{"customdata": ["S1"]}]}, executive, RENO)
    # The store page fixes the place: state and city stay behind, the dates follow.
    assert opened == {"goto": "/dashboard/stores/S1/?date_from=2022-01-01&date_to=2023-12-31"}


def test_a_click_without_a_store_opens_nothing():
    assert stores.open_store({"x": 51.0}, Filters()) is None
    assert stores.pick_state({"customdata": [None]}, Filters()) is None
    assert stores.pick_city({"customdata": ["Reno"]}, Filters()) is None


# Map, trend, reach, distance, table -------------------------------------------------------------


def test_map_sizes_each_store_by_revenue_coloured_by_state(tiny_chain, executive, cb):
    fig = cb.chart("store-map", executive, ALL_TIME)
    assert [t.name for t in fig.data] == ["CA", "NV", "UT"]
    nevada = fig.data[1]
    assert [c[0] for c in nevada.customdata] == ["S1", "S2"]
    assert (list(nevada.lat), list(nevada.lon)) == ([39.5296, 36.1699], [-119.8138, -115.1398])
    # Areas proportional to revenue: diameters 6 + 40 × √(revenue / 51.00).
    assert list(nevada.marker.size) == pytest.approx([46.0, 6 + 40 * math.sqrt(21.75 / 51)])
    assert list(fig.data[2].marker.size) == [6]  # S4 sold nothing
    assert stores.open_store({"customdata": ["S2", "Las Vegas"]}, Filters()) == Drill(
        goto="/dashboard/stores/S2/"
    )


def test_trend_draws_each_store_against_the_average_store(tiny_chain, executive, cb):
    fig = cb.chart("trend", executive, {**ALL_TIME, "granularity": "year"})
    assert [t.name for t in fig.data] == ["S1", "S2", "S3", "S4", "Average of 4 stores"]
    assert list(fig.data[0].x) == ["2022", "2023"]
    assert list(fig.data[0].y) == [51.0, 0.0]
    assert list(fig.data[2].y) == [0.0, 17.25]
    # 2022: 72.75 / 4 = 18.1875; 2023: 17.25 / 4 = 4.3125 (to the cent).
    assert list(fig.data[4].y) == [18.19, 4.31]
    # S1 in 2022: (51 × 4 - 72.75) / 72.75 = +180.41 %.
    assert list(fig.data[0].customdata[0]) == ["S1", 180.41]


def test_trend_of_many_stores_is_a_heat_map_of_the_gap(tiny_chain, executive, cb, monkeypatch):
    monkeypatch.setattr(stores, "LINES_UP_TO", 3)
    heat = cb.chart("trend", executive, {**ALL_TIME, "granularity": "year"}).data[0]
    assert heat.type == "heatmap"
    assert (list(heat.y), list(heat.x)) == (["S1", "S2", "S3", "S4"], ["2022", "2023"])
    # S2 2022: (21.75 × 4 - 72.75) / 72.75 = +19.59 %; S3 2023: (17.25 × 4 - 17.25) / 17.25.
    # A period without sales is blank, not -100 %.
    assert [list(row) for row in heat.z] == [
        [180.41, None],
        [19.59, None],
        [None, 300.0],
        [None, None],
    ]
    assert list(heat.customdata[0][0]) == ["S1", 51.0, 18.19]
    # A heat map cell's click carries its row, not its customdata.
    point = {"curveNumber": 0, "x": "2023", "y": "S3", "z": 300.0}
    assert click(stores.app, "trend", {"points": [point]}, executive, ALL_TIME)["goto"].startswith(
        "/dashboard/stores/S3/?"
    )


def test_reach_splits_each_catchment_and_counts_outsiders(tiny_chain, executive, cb):
    from customers.models import Customer

    # C1 lives nearest S2 but orders at S1; C2 nearest S2, C3 nearest S3, both order there.
    Customer.objects.filter(id__in=["C1", "C2"]).update(nearest_store_id="S2")
    Customer.objects.filter(id="C3").update(nearest_store_id="S3")
    ordered, idle, outside = cb.chart("reach", executive, ALL_TIME).data
    # By reach: S3 1 of 1 (100 %), S2 1 of 2 (50 %), then S1 and S4 without a catchment.
    assert list(ordered.y) == [
        "S3 · Sacramento, CA",
        "S2 · Las Vegas, NV",
        "S1 · Reno, NV",
        "S4 · Salt Lake City, UT",
    ]
    assert (list(ordered.x), list(idle.x), list(outside.x)) == (
        [1, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
    )
    assert [list(c) for c in ordered.customdata] == [
        ["S3", 100.0],
        ["S2", 50.0],
        ["S1", 0.0],
        ["S4", 0.0],
    ]


def test_distance_per_customer_and_per_order_nearest_first(tiny_chain, executive, cb):
    bars, dots = cb.chart("distance", executive, ALL_TIME).data
    km = {
        "S1": haversine(39.53, -119.81, 39.5296, -119.8138),
        "S2": haversine(36.17, -115.14, 36.1699, -115.1398),
        "S3": haversine(38.58, -121.49, 38.5816, -121.4944),
    }
    nearest = sorted(km, key=km.get)
    assert [c[0] for c in bars.customdata] == nearest  # S4 has no customer: not drawn
    assert list(bars.x) == pytest.approx([round(km[s], 3) for s in nearest], abs=1e-9)
    # One customer per store: the mean per order equals the mean per customer.
    assert list(dots.x) == list(bars.x)
    assert [c[1] for c in bars.customdata] == [100.0, 100.0, 100.0]  # all within 10 km


def test_table_lists_every_store_and_a_row_opens_it(tiny_chain, executive, cb):
    rows, columns = cb.chart("stores-table", executive, ALL_TIME)
    assert [c["field"] for c in columns] == list(stores.CHARTS[-1].columns)
    assert [(r["store"], r["revenue"], r["share_of_revenue"], r["rank"]) for r in rows] == [
        ("S1", 51.0, 56.67, 1),
        ("S2", 21.75, 24.17, 2),
        ("S3", 17.25, 19.17, 3),
        ("S4", 0.0, 0.0, 4),
    ]
    assert click(stores.app, "stores-table", [rows[1]], executive, ALL_TIME)["goto"].startswith(
        "/dashboard/stores/S2/?"
    )


# CSV, scope, empty data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chart", "path", "extra"),
    [
        ("by-city", "/api/stores/sales_by_city/", {}),
        ("stores-table", "/api/stores/sales/", {"limit": 1000}),
        ("distance", "/api/stores/avg_distance/", {}),
    ],
)
def test_csv_download_is_the_apis_csv(tiny_chain, make_user, cb, client, chart, path, extra):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    download = cb.download(chart, user, NV)
    client.force_login(user)
    api = client.get(path, {**NV, **extra, "granularity": "month", "format": "csv"})
    assert download["content"] == api.content.decode()
    assert "Reno" in download["content"] and "Sacramento" not in download["content"]


def test_a_store_manager_sees_only_their_store(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    bars = cb.chart("by-state", user, ALL_TIME).data[0]
    assert (list(bars.y), list(bars.x)) == (["NV"], [51.0])
    rows, _ = cb.chart("stores-table", user, ALL_TIME)
    assert [(r["store"], r["share_of_revenue"]) for r in rows] == [("S1", 100.0)]
    fig = cb.chart("store-map", user, ALL_TIME)
    assert [c[0] for t in fig.data for c in t.customdata] == ["S1"]
    trend = cb.chart("trend", user, {**ALL_TIME, "granularity": "year"})
    assert [t.name for t in trend.data] == ["S1"]  # the average of one store is itself


def test_a_store_manager_asking_for_another_store_gets_a_message(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    for filters in ({**ALL_TIME, "store": ["S3"]}, {**ALL_TIME, "state": ["CA"]}):
        for chart in GRAPHS:
            assert said(cb.chart(chart, user, filters)) == "Check the filters above.", chart
        assert cb.chart("stores-table", user, filters) == ([], [])
        error, cards, _ = cb.kpis(user, filters)
        assert "outside your stores" in str(error.children) or "none of your" in str(error.children)
        assert cards == []


def test_every_chart_draws_without_data(tiny_chain, make_user, cb):
    nobody = make_user("nobody")  # no role: no stores
    for chart in GRAPHS:
        assert said(cb.chart(chart, nobody, ALL_TIME)) == "Nothing matches these filters.", chart
    assert cb.chart("stores-table", nobody, ALL_TIME)[0] == []
    executive = make_user("exec", User.Role.EXECUTIVE)
    later = {"date_from": "2030-01-01", "date_to": "2030-03-31", "state": ["NV"], "city": "Reno"}
    for chart in GRAPHS:  # stores without sales: zeros, or a word where nothing can be drawn
        fig = cb.chart(chart, executive, later)
        assert fig.data or said(fig), chart
    assert said(cb.chart("distance", executive, later)) == "No customers in this selection"
