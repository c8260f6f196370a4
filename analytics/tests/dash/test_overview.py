"""The Overview's callbacks, called as django-plotly-dash does, on `tiny_chain`."""

import csv
import io

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.scope import scope_for
from analytics.dash_apps import overview
from analytics.dash_apps.kit import callback_for, format_value
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters, parse_filters
from analytics.services.kpis import kpis_by_period
from analytics.tests.dash.conftest import ALL_TIME, find, shown

pytestmark = pytest.mark.django_db

MARCH = {"date_from": "2022-03-02", "date_to": "2022-04-01"}


@pytest.fixture
def cb(callbacks):
    return callbacks(overview.app)


def test_kpi_cards_show_the_services_figures(tiny_chain, make_user, cb):
    user = make_user("exec", User.Role.EXECUTIVE)
    error, cards, period = cb.kpis(user, MARCH)
    assert error is None
    assert (shown(cards, "revenue"), shown(cards, "orders")) == ("$37.25", "2")
    filters = parse_filters(MARCH)
    for row in kpis_by_period(filters=filters, scope=scope_for(user)).rows:
        assert shown(cards, row["kpi"]) == format_value(row["value"], row["unit"])
    assert period == "2022-03-02 to 2022-04-01, against 2022-01-30 to 2022-03-01"
    # Revenue 37.25 against 35.50 before: +4.93 %.
    assert find(cards, "kpi-revenue").children.children[2].children == "▲ 4.93%"


def test_store_manager_sees_only_their_store(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    _, cards, _ = cb.kpis(user, ALL_TIME)
    # Orders 1 and 2 at S1: 35.50 + 15.50; the chain's total is 90.00.
    assert (shown(cards, "revenue"), shown(cards, "orders")) == ("$51.00", "2")
    assert list(cb.chart("top-stores", user, ALL_TIME).data[0].y) == ["S1 · Reno, NV"]
    assert [p for p in cb.chart("store-map", user, ALL_TIME).data[0].customdata] == [
        ["S1", "Reno", "NV", 2]
    ]


def test_another_store_in_the_payload_gets_a_message_not_its_numbers(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    error, cards, period = cb.kpis(user, {**ALL_TIME, "store": ["S3"]})
    assert "S3 is outside your stores" in error.children
    assert cards == [] and period == ""
    for chart in ("top-stores", "by-category", "trend", "store-map", "top-products"):
        assert cb.chart(chart, user, {**ALL_TIME, "store": ["S3"]}).data == ()
    # A store page's fixed store is checked the same way.
    assert cb.chart("trend", user, ALL_TIME, page={"fixed": {"store": ["S3"]}}).data == ()


def test_invalid_control_values_show_a_message_without_raising(tiny_chain, make_user, cb):
    user = make_user("exec", User.Role.EXECUTIVE)
    error, cards, _ = cb.kpis(user, {"date_from": "2022-13-45"})
    assert "date_from" in error.children and cards == []
    error, _, _ = cb.kpis(user, {"date_from": "2022-01-02", "date_to": "2021-01-01"})
    assert "must not be before date_from" in error.children
    assert cb.chart("trend", user, {"granularity": "fortnight"}).data == ()


def test_anonymous_user_sees_nothing(tiny_chain, cb):
    _, cards, _ = cb.kpis(AnonymousUser(), ALL_TIME)
    assert (shown(cards, "revenue"), shown(cards, "orders")) == ("$0.00", "0")


def test_trend_charts_revenue_and_orders_per_period(tiny_chain, make_user, cb):
    user = make_user("exec", User.Role.EXECUTIVE)
    spring = {"date_from": "2022-03-01", "date_to": "2022-04-30"}
    revenue, orders = cb.chart("trend", user, spring).data
    # Order 3 (2022-04-02 02:15 UTC) is local April 1st.
    assert list(revenue.x) == ["2022-03", "2022-04"]
    assert list(revenue.y) == [51.0, 21.75]
    assert list(orders.y) == [2, 1]
    assert list(revenue.customdata) == ["2022-03-01", "2022-04-01"]


def test_category_and_product_charts(tiny_chain, make_user, cb):
    user = make_user("exec", User.Role.EXECUTIVE)
    category = cb.chart("by-category", user, ALL_TIME).data[0]
    assert list(category.x) == ["Classic", "Vegetarian"]
    assert list(category.y) == [61.0, 29.0]
    products = cb.chart("top-products", user, ALL_TIME).data[0]
    # Units: Margherita Large 2 (order 1: 1, order 3: 1)... ranked by units, then revenue.
    assert [row[0] for row in products.customdata] == [r for r in _top_skus(user)]
    assert overview.filter_category({"x": "Classic"}, Filters()) == Drill(
        set={"category": "Classic"}
    )
    assert overview.open_product({"customdata": ["P1"]}, Filters()) == Drill(
        goto="/dashboard/products/P1/"
    )


def _top_skus(user) -> list[str]:
    from analytics.services.products import top_products_by_quantity

    rows = top_products_by_quantity(
        filters=parse_filters({**ALL_TIME, "limit": 10}), scope=scope_for(user)
    ).rows
    return [r["product"] for r in rows]


def test_map_sizes_stores_by_revenue_and_opens_them(tiny_chain, make_user, cb):
    user = make_user("exec", User.Role.EXECUTIVE)
    trace = cb.chart("store-map", user, ALL_TIME).data[0]
    assert [c[0] for c in trace.customdata] == ["S1", "S2", "S3", "S4"]
    assert list(trace.lat)[:1] == [39.5296]
    sizes = list(trace.marker.size)
    assert sizes[0] > sizes[1] > sizes[2] > sizes[3] == 6  # 51.00 > 21.75 > 17.25 > 0
    assert overview.open_store({"customdata": ["S2", "Las Vegas"]}, Filters()) == Drill(
        goto="/dashboard/stores/S2/"
    )


def test_csv_download_is_the_apis_csv(tiny_chain, make_user, cb, client):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    download = cb.download("top-stores", user, {**ALL_TIME, "category": "Classic"})
    client.force_login(user)
    api = client.get(
        "/api/stores/sales/", {**ALL_TIME, "category": "Classic", "limit": 10, "format": "csv"}
    )
    assert download["content"] == api.content.decode()
    assert download["filename"] == "stores-sales.csv"
    rows = list(csv.DictReader(io.StringIO(download["content"])))
    # S1: order 1 (2×10.00 + 15.50) and order 2 (15.50) are all Classic; S2 sold Veggie only.
    assert [(r["store"], r["revenue"]) for r in rows] == [("S1", "51.00"), ("S2", "0.00")]


def test_filter_options_stay_within_scope(tiny_chain, make_user):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    options = callback_for(overview.app, "state.options")
    states, cities, stores, categories, sizes = options(None, None, {}, user=user)
    assert [o["value"] for o in states] == ["NV"]
    assert [o["value"] for o in cities] == ["Las Vegas", "Reno"]
    assert [o["value"] for o in stores] == ["S2", "S1"]
    assert [o["value"] for o in categories] == ["Classic", "Vegetarian"]
    # A state outside the scope in the payload offers nothing more.
    _, _, stores, _, _ = options(["CA"], None, {}, user=user)
    assert [o["value"] for o in stores] == ["S2", "S1"]


def test_every_chart_has_the_analysis_definition_as_tooltip():
    info = find(overview.app.layout, "trend-info")
    assert info.title.startswith("Sales trend: orders, revenue and average order value")
    for chart in overview.CHARTS:
        assert find(overview.app.layout, f"{chart.id}-csv") is not None
