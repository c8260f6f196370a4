"""The dashboard kit: drill-down, breadcrumb, live refresh, address and tables, on tiny_chain."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from dash import no_update

from accounts.models import User
from analytics.dash_apps import overview
from analytics.dash_apps.kit import callback_for, period_drill
from analytics.dash_apps.kit.callbacks import (
    crumb_changes,
    crumb_labels,
    filter_query,
    goto_url,
    initial_arguments,
    table_columns,
)
from analytics.dash_apps.kit.layout import CRUMBS
from analytics.dash_apps.kit.spec import FILTER_NAMES, Drill
from analytics.filters import Filters, parse_filters
from analytics.tests.dash.conftest import filter_store, filter_values
from analytics.version import bump_data_version, data_version


def drill(app, source: str, value, filters: dict, user, page=None):
    """Call the page's drill callback as django-plotly-dash does after a click on `source`."""
    func = callback_for(app, "date_from.date")
    charts = [c for c in overview.CHARTS if c.drill]
    inputs = [None] * len(charts) + [0] * len(CRUMBS) + [0]
    ids = [c.id for c in charts] + list(CRUMBS) + ["clear-filters"]
    inputs[ids.index(source)] = value
    context = SimpleNamespace(triggered=[{"prop_id": f"{source}.x", "value": value}])
    return func(*inputs, *filter_values(filters), page or {}, user=user, callback_context=context)


def changed(outputs) -> dict:
    names = [*FILTER_NAMES, "goto"]
    return {n: v for n, v in zip(names, outputs, strict=True) if v is not no_update}


@pytest.mark.django_db
def test_a_click_on_a_category_bar_filters_the_page(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    click = {"points": [{"x": "Vegetarian", "y": 29.0}]}
    assert changed(drill(overview.app, "by-category", click, {}, user)) == {
        "category": "Vegetarian"
    }


@pytest.mark.django_db
def test_a_click_on_a_store_opens_its_page_with_the_other_filters(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    click = {"points": [{"customdata": ["S2"]}]}
    filters = {"state": ["NV"], "date_from": "2022-03-01", "category": "Classic"}
    out = changed(drill(overview.app, "top-stores", click, filters, user))
    assert out == {"goto": "/dashboard/stores/S2/?date_from=2022-03-01&category=Classic"}


@pytest.mark.django_db
def test_a_click_is_ignored_when_the_filters_are_outside_scope(tiny_chain, make_user):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    click = {"points": [{"x": "Classic"}]}
    assert changed(drill(overview.app, "by-category", click, {"store": ["S3"]}, user)) == {}


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
    cleared = changed(drill(overview.app, "clear-filters", 1, filters, user))
    assert cleared == {**{n: None for n in FILTER_NAMES}, "granularity": "month"}
    assert changed(drill(overview.app, "crumb-state", 1, filters, user)) == {
        "city": None,
        "store": None,
    }
    assert changed(drill(overview.app, "crumb-year", 1, filters, user)) == {
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
