"""The dashboard kit: drill-down, breadcrumb, live refresh, address and tables, on tiny_chain."""

from decimal import Decimal

import pytest
from dash import no_update

from accounts.models import User
from analytics.dash_apps import overview
from analytics.dash_apps.kit import (
    callback_for,
    drill_period,
    open_product,
    open_store,
    period_drill,
)
from analytics.dash_apps.kit.callbacks import (
    crumb_changes,
    crumb_labels,
    filter_query,
    goto_url,
    initial_arguments,
    table_columns,
)
from analytics.dash_apps.kit.spec import FILTER_NAMES, Drill
from analytics.filters import Filters, parse_filters
from analytics.tests.dash.conftest import changed, drill_outputs, filter_store
from analytics.version import bump_data_version, data_version


@pytest.mark.django_db
def test_a_click_on_a_category_bar_filters_the_page(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    click = {"points": [{"x": "Vegetarian", "y": 29.0}]}
    assert changed(drill_outputs(overview.app, "by-category", click, user, {})) == {
        "category": "Vegetarian"
    }


@pytest.mark.django_db
def test_a_click_on_a_store_opens_its_page_with_the_other_filters(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    click = {"points": [{"customdata": ["S2"]}]}
    filters = {"state": ["NV"], "date_from": "2022-03-01", "category": "Classic"}
    out = changed(drill_outputs(overview.app, "top-stores", click, user, filters))
    assert out == {"goto": "/dashboard/stores/S2/?date_from=2022-03-01&category=Classic"}


@pytest.mark.django_db
def test_a_click_is_ignored_when_the_filters_are_outside_scope(tiny_chain, make_user):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    click = {"points": [{"x": "Classic"}]}
    assert changed(drill_outputs(overview.app, "by-category", click, user, {"store": ["S3"]})) == {}


@pytest.mark.django_db
def test_clear_and_breadcrumb_clicks_reset_their_levels(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    filters = {
        "state": ["NV"],
        "city": "Reno",
        "store": ["S1"],
        "date_from": "2022-03-01",
        "date_to": "2022-03-31",
        "granularity": "day",
    }
    cleared = changed(drill_outputs(overview.app, "clear-filters", 1, user, filters))
    assert cleared == {**{n: None for n in FILTER_NAMES}, "granularity": "month"}
    assert changed(drill_outputs(overview.app, "crumb-state", 1, user, filters)) == {
        "city": None,
        "store": None,
    }
    assert changed(drill_outputs(overview.app, "crumb-year", 1, user, filters)) == {
        "date_from": "2022-01-01",
        "date_to": "2022-12-31",
        "granularity": "month",
    }


def test_breadcrumb_shows_the_levels_above_where_the_user_stands():
    labels = crumb_labels({"state": ["NV"], "city": "Reno", "store": ["S1"]})
    assert labels == {
        "crumb-places": "All stores",
        "crumb-state": "NV",
        "crumb-city": "Reno",
        "here": "S1",
    }
    labels = crumb_labels(
        {"date_from": "2022-03-01", "date_to": "2022-03-31", "category": "Classic"}
    )
    assert labels == {
        "crumb-products": "All products",
        "crumb-time": "All time",
        "crumb-year": "2022",
        "here": "Classic · 2022-03-01 to 2022-03-31",
    }
    assert crumb_labels({}) == {"here": ""}
    assert crumb_changes("crumb-places", {}) == {"state": None, "city": None, "store": None}


def test_a_clicked_period_zooms_into_it():
    point = {"customdata": "2022-03-01", "x": "2022-03"}
    step = drill_period(point, Filters(granularity="month"))
    assert step == Drill(
        set={"date_from": "2022-03-01", "date_to": "2022-03-31", "granularity": "day"}
    )
    year = drill_period({"customdata": "2022-01-01"}, Filters(granularity="year"))
    assert year.set == {"date_from": "2022-01-01", "date_to": "2022-12-31", "granularity": "month"}
    assert drill_period({"customdata": "2022-03-05"}, Filters(granularity="day")) is None


def test_drills_read_every_shape_of_click_and_ignore_forged_ones():
    month = Filters(granularity="month")
    assert drill_period({"customdata": ["2022-03-01", 2]}, month).set["date_to"] == "2022-03-31"
    for forged in ("March", ["2022-13-01"], 25.0, [], None):
        assert drill_period({"customdata": forged}, month) is None
    s2 = Drill(goto="/dashboard/stores/S2/")
    assert open_store({"customdata": ["S2", 21.75]}, month) == s2  # a bar, line or map point
    assert open_store({"store": "S2", "city": "Las Vegas"}, month) == s2  # a table row
    assert open_store({"x": "2022", "y": "S2", "z": 19.59}, month) == s2  # a heat map cell
    for nothing in ({"customdata": [None]}, {"customdata": [""]}, {"x": 3}, {"store": 7}):
        assert open_store(nothing, month) is None
    p1 = Drill(goto="/dashboard/products/P1/")
    assert (
        open_product({"customdata": ["P1"]}, month) == open_product({"product": "P1"}, month) == p1
    )
    assert open_product({"x": "2022", "y": "P1", "z": 2}, month) is None


def test_periods_drill_to_the_next_finer_level():
    assert period_drill("2023-12-01", "month") == Drill(
        set={"date_from": "2023-12-01", "date_to": "2023-12-31", "granularity": "day"}
    )
    assert period_drill("2024-02-01", "month").set["date_to"] == "2024-02-29"
    assert period_drill("2023-10-01", "quarter").set == {
        "date_from": "2023-10-01",
        "date_to": "2023-12-31",
        "granularity": "month",
    }
    assert period_drill("2023-01-02", "week").set["date_to"] == "2023-01-08"
    assert period_drill("2023-01-02", "day") is None


def test_goto_drops_what_the_target_page_fixes():
    current = {"state": ["NV"], "store": ["S1"], "category": "Classic", "size": "Large"}
    assert goto_url("/dashboard/stores/S1/", current) == (
        "/dashboard/stores/S1/?category=Classic&size=Large"
    )
    assert goto_url("/dashboard/products/P1/", current) == (
        "/dashboard/products/P1/?state=NV&store=S1"
    )


def test_a_pages_fixed_filters_override_the_controls():
    values = filter_store({"store": ["S3"], "date_from": "2022-03-01T00:00:00"})
    assert filter_query(values, {"fixed": {"store": ["S1"]}}) == {
        "store": ["S1"],
        "date_from": "2022-03-01",
        "granularity": "month",
    }


@pytest.mark.django_db
def test_initial_arguments_carry_the_address_filters_and_the_data_version(tiny_chain):
    filters = parse_filters({"state": "NV", "date_from": "2022-03-01", "granularity": "week"})
    options = {n: [] for n in ("state", "city", "store", "category", "size")}
    args = initial_arguments(filters, options, {"path": "/dashboard/", "fixed": {}})
    assert args["state"] == {"options": [], "value": ["NV"]}
    assert args["date_from"] == {"date": "2022-03-01"}
    assert args["granularity"] == {"value": "week"}
    assert args["version"] == {"data": data_version()}
    fixed = initial_arguments(parse_filters({"store": "S1"}), options, {"fixed": {"store": ["S1"]}})
    assert "value" not in fixed["store"]


@pytest.mark.django_db
def test_live_refresh_answers_only_when_the_data_changed(
    tiny_chain, make_user, django_capture_on_commit_callbacks
):
    poll = callback_for(overview.app, "version.data")
    user = make_user("exec", User.Role.EXECUTIVE)
    seen = data_version()
    assert poll(1, seen, user=user) == (no_update, no_update)
    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version()
    version, status = poll(2, seen, user=user)
    assert version == seen + 1 and status.startswith("Updated with new data at")


def test_table_columns_sort_numbers_as_numbers():
    rows = [{"store": "S1", "orders": 2, "revenue": Decimal("51.00")}]
    specs = {c["field"]: c for c in table_columns(["store", "orders", "revenue"], rows)}
    assert "filter" not in specs["store"]
    assert specs["orders"]["filter"] == "agNumberColumnFilter"
    assert "',.2f'" in specs["revenue"]["valueFormatter"]["function"]
    assert "',')" in specs["orders"]["valueFormatter"]["function"]


def test_filters_default_granularity_is_the_controls_default():
    assert Filters().granularity == "month"


@pytest.mark.django_db
def test_a_click_on_a_unified_hover_trend_zooms_whichever_trace_comes_first(tiny_chain, make_user):
    """Plotly sends every trace's point at the clicked x; the Orders line's may come first."""
    user = make_user("exec", User.Role.EXECUTIVE)
    fig = callback_for(overview.app, "trend.figure")(
        filter_store({"date_from": "2022-03-01", "date_to": "2022-04-30"}), 0, {}, user=user
    )
    assert [list(t.customdata) for t in fig.data] == [["2022-03-01", "2022-04-01"]] * 2
    line_first = {
        "points": [
            {"curveNumber": 1, "x": "2022-03", "y": 2},
            {"curveNumber": 0, "x": "2022-03", "customdata": "2022-03-01"},
        ]
    }
    assert changed(drill_outputs(overview.app, "trend", line_first, user)) == {
        "date_from": "2022-03-01",
        "date_to": "2022-03-31",
        "granularity": "day",
    }


def test_charts_reach_the_browser_with_the_plotly_white_template():
    import json

    import plotly.io as pio
    from dash._utils import to_json  # how Dash serialises a callback's output

    from analytics.dash_apps.kit.figures import figure, message

    white = json.loads(to_json(pio.templates["plotly_white"]))
    assert white["layout"]["plot_bgcolor"] == "white"
    for fig in (figure(showlegend=False), message("Nothing here.")):
        sent = json.loads(to_json(fig))
        assert sent["layout"]["template"] == white
        assert sent["layout"]["margin"]["l"] == 10
