"""The Customers page's callbacks, called as django-plotly-dash does, on `tiny_chain`.

tiny_chain by hand (local times, America/Los_Angeles): C1 ordered at S1 (Reno, NV) on
2022-03-01 (35.50) and 2022-03-08 (15.50); C2 at S2 (Las Vegas, NV) on 2022-04-01 (21.75); C3
at S3 (Sacramento, CA) on 2023-01-15 (17.25). S4 (Salt Lake City, UT) has no orders. The
customers' homes have no city or state (the importer derives them; the fixture does not).
"""

import pytest

from accounts.models import User
from analytics.dash_apps import customers
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters
from analytics.tests.dash.conftest import (
    ALL_TIME,
    assert_every_chart_has_its_tooltip_csv_button_and_controls,
    click,
    find,
    said,
)

pytestmark = pytest.mark.django_db

NOTHING = "Nothing matches these filters."


@pytest.fixture
def cb(callbacks):
    return callbacks(customers.app)


# Density ---------------------------------------------------------------------------------------


def test_states_by_store_count_each_states_customers(tiny_chain, executive, cb):
    bars = cb.chart("by-state", executive, ALL_TIME, controls=("store",)).data[0]
    # NV: C1 and C2 (3 orders, 35.50 + 15.50 + 21.75), 2 of 3 customers, 2 NV stores;
    # CA: C3 (17.25), 1 CA store. UT's store sold nothing.
    assert list(bars.x) == ["NV", "CA"]
    assert list(bars.y) == [2, 1]
    assert [list(c) for c in bars.customdata] == [
        [66.67, 3, 72.75, "1.00"],
        [33.33, 1, 17.25, "1.00"],
    ]
    assert list(bars.text) == ["66.7%", "33.3%"]


def test_states_by_home_show_unplaced_customers_as_unknown(tiny_chain, executive, cb):
    bars = cb.chart("by-state", executive, ALL_TIME, controls=("home",)).data[0]
    assert (list(bars.x), list(bars.y)) == (["Unknown"], [3])
    assert list(bars.customdata[0]) == [100.0, 4, 90.0, "—"]


def test_clicking_a_state_filters_by_it(tiny_chain):
    assert customers.filter_state({"x": "NV"}, Filters()) == Drill(
        set={"state": ["NV"], "city": None}
    )
    assert customers.filter_state({"x": "Unknown"}, Filters()) is None


def test_cities_rank_by_customers_and_click_through_to_their_stores(tiny_chain, executive, cb):
    bars = cb.chart("by-city", executive, ALL_TIME, controls=("store",)).data[0]
    # One customer each; ties by state, then city.
    assert list(bars.y) == ["Sacramento, CA", "Las Vegas, NV", "Reno, NV"]
    assert list(bars.x) == [1, 1, 1]
    assert list(bars.customdata[2]) == [33.33, 2, 51.0, "1.00", "NV", "Reno"]
    step = customers.filter_city({"customdata": list(bars.customdata[2])}, Filters())
    assert step == Drill(set={"state": ["NV"], "city": "Reno"})
    # A home city without a store of the chain would filter to nothing: no drill.
    home = cb.chart("by-city", executive, ALL_TIME, controls=("home",)).data[0]
    assert list(home.y) == ["Unknown"]
    assert customers.filter_city({"customdata": list(home.customdata[0])}, Filters()) is None


# Map --------------------------------------------------------------------------------------------


def test_map_puts_a_bubble_on_each_customers_grid_cell(tiny_chain, executive, cb):
    trace = cb.chart("map", executive, ALL_TIME, controls=(0.1,)).data[0]
    # Cells of 0.1°: C2 (36.17, -115.14) → centre (36.15, -115.15), C3 (38.58, -121.49) →
    # (38.55, -121.45), C1 (39.53, -119.81) → (39.55, -119.85); south to north.
    assert list(trace.lat) == [36.15, 38.55, 39.55]
    assert list(trace.lon) == [-115.15, -121.45, -119.85]
    assert [list(c) for c in trace.customdata] == [[1, 1, 21.75], [1, 1, 17.25], [1, 2, 51.0]]
    assert list(trace.marker.size) == [30.0, 30.0, 30.0]  # 6 + 24 × √(1/1) each


def test_map_with_larger_cells_groups_neighbours(tiny_chain, executive, cb):
    trace = cb.chart("map", executive, ALL_TIME, controls=(5,)).data[0]
    # Cells of 5°: C3 at lon -121.49 in [-125, -120); C1 and C2 both in [35, 40) × [-120, -115).
    assert (list(trace.lat), list(trace.lon)) == ([37.5, 37.5], [-122.5, -117.5])
    assert [list(c) for c in trace.customdata] == [[1, 1, 17.25], [2, 3, 72.75]]
    small, big = trace.marker.size
    assert big == 30.0 and small == pytest.approx(6 + 24 * 0.5**0.5)


# New and returning customers ------------------------------------------------------------------


def test_recurring_counts_new_customers_per_month(tiny_chain, executive, cb):
    new, returning, rate = cb.chart("recurring", executive, ALL_TIME).data
    assert list(new.x)[:4] == ["2022-01", "2022-02", "2022-03", "2022-04"]
    assert len(new.x) == 24  # every month of the range, empty ones included
    # C1 first orders in March 2022, C2 in April 2022, C3 in January 2023.
    assert [i for i, v in enumerate(new.y) if v] == [2, 3, 12]
    assert set(returning.y) == {0}
    # C1 ordered twice in March: 1 of 1 active customers repeats.
    assert rate.y[2] == 100.0 and rate.y[3] == 0.0
    assert new.customdata[2] == "2022-03-01"


def test_recurring_by_week_sees_a_customer_come_back(tiny_chain, executive, cb):
    weeks = {"date_from": "2022-02-28", "date_to": "2022-03-13", "granularity": "week"}
    new, returning, rate = cb.chart("recurring", executive, weeks).data
    # C1: new in the week of Feb 28 (order 1), returning in the week of March 7 (order 2).
    assert list(new.x) == ["2022-02-28", "2022-03-07"]
    assert (list(new.y), list(returning.y), list(rate.y)) == ([1, 0], [0, 1], [0.0, 0.0])


def test_recurring_by_year(tiny_chain, executive, cb):
    new, returning, rate = cb.chart("recurring", executive, {"granularity": "year"}).data
    # 2022: C1 and C2 new, C1 with two orders (1 of 2 = 50 %); 2023: C3.
    assert (list(new.x), list(new.y), list(rate.y)) == (["2022", "2023"], [2, 1], [50.0, 0.0])


def test_clicking_a_period_drills_into_it(tiny_chain, executive):
    march, january = ({"points": [{"customdata": d}]} for d in ("2022-03-01", "2022-01-01"))
    assert click(customers.app, "recurring", march, executive) == {
        "date_from": "2022-03-01",
        "date_to": "2022-03-31",
        "granularity": "day",
        "goto": None,
    }
    year = click(customers.app, "recurring", january, executive, {"granularity": "year"})
    assert year == {
        "date_from": "2022-01-01",
        "date_to": "2022-12-31",
        "granularity": "month",
        "goto": None,
    }
    assert click(customers.app, "recurring", march, executive, {"granularity": "day"}) == {
        "goto": None
    }


# Tables -----------------------------------------------------------------------------------------


def test_most_frequent_customers_table(tiny_chain, executive, cb):
    rows, columns = cb.chart("top-customers", executive, ALL_TIME)
    assert [c["field"] for c in columns] == list(customers.TOP_COLUMNS)
    # C1: 2 orders, 51.00, 25.50 each, last on March 8; C2 21.75 ranks above C3 17.25.
    assert rows[0] == {
        "customer": "C1",
        "orders": 2,
        "revenue": 51.0,
        "average_order_value": 25.5,
        "last_order": "2022-03-08",
        "home_city": None,
        "home_state": None,
    }
    assert [(r["customer"], r["revenue"]) for r in rows[1:]] == [("C2", 21.75), ("C3", 17.25)]


def test_average_order_value_table_follows_its_minimum_orders(tiny_chain, executive, cb):
    rows, _ = cb.chart("top-aov", executive, ALL_TIME, controls=(1,))
    assert [(r["customer"], r["orders"], r["average_order_value"]) for r in rows] == [
        ("C1", 2, 25.5),
        ("C2", 1, 21.75),
        ("C3", 1, 17.25),
    ]
    rows, _ = cb.chart("top-aov", executive, ALL_TIME, controls=(2,))
    assert [r["customer"] for r in rows] == ["C1"]
    assert find(customers.app.layout, "top-aov--min_orders").value == 2


# Scope, empty data, CSV, layout -------------------------------------------------------------


def test_store_manager_sees_only_their_stores_customers(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    states = cb.chart("by-state", user, ALL_TIME, controls=("store",)).data[0]
    assert (list(states.x), list(states.y)) == (["NV"], [1])
    assert list(states.customdata[0]) == [100.0, 2, 51.0, "1.00"]  # S1 is NV's only store here
    assert list(cb.chart("map", user, ALL_TIME, controls=(0.1,)).data[0].lat) == [39.55]
    rows, _ = cb.chart("top-customers", user, ALL_TIME)
    assert [r["customer"] for r in rows] == ["C1"]
    new = cb.chart("recurring", user, ALL_TIME).data[0]
    assert sum(new.y) == 1


def test_another_store_in_the_payload_gets_nothing(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    other = {**ALL_TIME, "store": ["S3"]}
    for chart in ("by-state", "by-city", "map", "recurring"):
        control = {"by-state": ("store",), "by-city": ("store",), "map": (0.1,)}.get(chart, ())
        fig = cb.chart(chart, user, other, controls=control)
        assert fig.data == () and said(fig) == "Check the filters above."
    assert cb.chart("top-customers", user, other) == ([], [])
    assert cb.chart("top-aov", user, other, controls=(1,)) == ([], [])


def test_every_chart_draws_a_message_on_empty_data(tiny_chain, executive, cb):
    empty = {"store": ["S4"]}  # no orders, no date range: every analysis answers no rows
    controls = {"by-state": ("home",), "by-city": ("home",), "map": (0.1,), "top-aov": (2,)}
    for chart in customers.CHARTS:
        result = cb.chart(chart.id, executive, empty, controls=controls.get(chart.id, ()))
        if chart.is_table:
            assert result[0] == []
        else:
            assert said(result) == NOTHING


def test_csv_download_is_the_apis_csv(tiny_chain, make_user, cb, client):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    client.force_login(user)
    download = cb.download("top-aov", user, ALL_TIME, controls=(1,))
    api = client.get(
        "/api/customers/avg_order/", {**ALL_TIME, "limit": 50, "min_orders": 1, "format": "csv"}
    )
    assert download["content"] == api.content.decode()
    assert download["filename"] == "customers-avg_order.csv"
    # NV only: C1 (25.50) and C2 (21.75).
    assert download["content"].splitlines()[1:] == ["C1,2,51.00,25.50", "C2,1,21.75,21.75"]
    by_state = cb.download("by-state", user, ALL_TIME, controls=("store",))
    api = client.get(
        "/api/customers/density/", {**ALL_TIME, "level": "state", "by": "store", "format": "csv"}
    )
    assert by_state["content"] == api.content.decode()
    assert by_state["content"].splitlines()[1] == "NV,2,3,72.75,100.00,1.00"


def test_every_chart_has_its_tooltip_csv_button_and_controls():
    assert_every_chart_has_its_tooltip_csv_button_and_controls(customers.app, customers.CHARTS)
    assert find(customers.app.layout, "recurring-info").title.startswith("Recurring customers")
    assert len(customers.CHARTS) <= 8
