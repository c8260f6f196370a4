"""The Overview's callbacks, called directly as django-plotly-dash would, on `tiny_chain`."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.scope import scope_for
from analytics.dash_apps import overview
from analytics.filters import Filters
from analytics.services.kpis import kpis_by_period

pytestmark = pytest.mark.django_db

# The controls, in callback order: date_from, date_to, state, city, store, category, size.
MARCH = ("2022-03-02", "2022-04-01", None, None, None, None, None)
MARCH_FILTERS = Filters(date_from=dt.date(2022, 3, 2), date_to=dt.date(2022, 4, 1))
ALL_TIME = ("2022-01-01", "2023-12-31", None, None, None, None, None)


def controls(base=ALL_TIME, **values) -> tuple:
    names = overview.FILTER_NAMES
    return tuple(values.get(name, default) for name, default in zip(names, base, strict=True))


def find(component, ident: str):
    """The component with id `ident` anywhere in a Dash component tree (or list of them)."""
    if isinstance(component, list | tuple):
        return next((f for c in component if (f := find(c, ident)) is not None), None)
    if getattr(component, "id", None) == ident:
        return component
    children = getattr(component, "children", None)
    return None if children is None or isinstance(children, str) else find(children, ident)


def shown(cards, kpi: str) -> str:
    return find(cards, f"kpi-{kpi}-value").children


def test_kpi_cards_show_the_services_figures(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    error, cards, period = overview.update_kpis(*MARCH, user=user)
    assert error is None
    assert (shown(cards, "revenue"), shown(cards, "orders")) == ("$37.25", "2")
    for row in kpis_by_period(filters=MARCH_FILTERS, scope=scope_for(user)).rows:
        assert shown(cards, row["kpi"]) == overview.format_value(row["value"], row["unit"])
    assert period == "2022-03-02 to 2022-04-01, against 2022-01-30 to 2022-03-01"


def test_kpi_cards_show_the_change_against_the_previous_period(tiny_chain, make_user):
    _, cards, _ = overview.update_kpis(*MARCH, user=make_user("exec", User.Role.EXECUTIVE))
    # Revenue 37.25 against 35.50 before: +4.93 %.
    assert find(cards, "kpi-revenue").children.children[2].children == "▲ 4.93%"


def test_store_manager_sees_only_their_store(tiny_chain, make_user):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    _, cards, _ = overview.update_kpis(*controls(), user=user)
    # Orders 1 and 2 at S1: 35.50 + 15.50; the chain's total is 90.00.
    assert (shown(cards, "revenue"), shown(cards, "orders")) == ("$51.00", "2")
    stores = overview.update_top_stores(*controls(), user=user)
    assert list(stores.data[0].y) == ["S1 · Reno, NV"]


def test_store_manager_asking_for_another_store_gets_a_message_not_its_numbers(
    tiny_chain, make_user
):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    error, cards, period = overview.update_kpis(*controls(store=["S3"]), user=user)
    assert "S3 is outside your stores" in error.children
    assert cards == [] and period == ""
    for update in (overview.update_top_stores, overview.update_by_category):
        assert update(*controls(store=["S3"]), user=user).data == ()
    trend = overview.update_trend(*controls(state=["CA"]), "month", user=user)
    assert trend.data == ()


def test_invalid_control_values_show_a_message_without_raising(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    error, cards, _ = overview.update_kpis(*controls(date_from="2022-13-45"), user=user)
    assert "date_from" in error.children and cards == []
    error, _, _ = overview.update_kpis(*controls(date_to="2021-01-01"), user=user)
    assert "must not be before date_from" in error.children
    assert overview.update_trend(*controls(), "fortnight", user=user).data == ()


def test_anonymous_user_sees_nothing(tiny_chain):
    from django.contrib.auth.models import AnonymousUser

    _, cards, _ = overview.update_kpis(*controls(), user=AnonymousUser())
    assert (shown(cards, "revenue"), shown(cards, "orders")) == ("$0.00", "0")


def test_trend_charts_revenue_and_orders_per_period(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    spring = controls(date_from="2022-03-01", date_to="2022-04-30")
    revenue, orders = overview.update_trend(*spring, "month", user=user).data
    # Order 3 (2022-04-02 02:15 UTC) is local April 1st.
    assert list(revenue.x) == ["2022-03", "2022-04"]
    assert list(revenue.y) == [51.0, 21.75]
    assert list(orders.y) == [2, 1]


def test_category_and_product_charts_rank_by_revenue(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    category = overview.update_by_category(*controls(), user=user).data[0]
    assert list(category.x) == ["Classic", "Vegetarian"]
    assert list(category.y) == [61.0, 29.0]
    products = overview.update_top_products(*controls(), user=user).data[0]
    assert list(products.y) == ["Margherita (Large)", "Margherita (Small)", "Veggie (Small)"]
    assert list(products.x) == [31.0, 30.0, 29.0]


def test_filter_options_stay_within_scope(tiny_chain, make_user):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    states, cities, stores, categories, sizes = overview.update_options(None, None, user=user)
    assert [o["value"] for o in states] == ["NV"]
    assert [o["value"] for o in cities] == ["Las Vegas", "Reno"]
    assert [o["value"] for o in stores] == ["S2", "S1"]
    assert [o["value"] for o in categories] == ["Classic", "Vegetarian"]
    # A state outside the scope in the payload offers nothing more.
    _, _, stores, _, _ = overview.update_options(["CA"], None, user=user)
    assert [o["value"] for o in stores] == ["S2", "S1"]


def test_every_chart_has_the_analysis_definition_as_tooltip():
    layout = overview.serve_layout()
    info = find(layout, "trend-info")
    assert info.title.startswith("Sales trend: orders, revenue and average order value")


def test_overview_page_passes_query_string_filters_as_initial_values(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    response = client.get(reverse("dashboard-overview"), {"state": "NV", "date_from": "2022-03-01"})
    assert response.status_code == 200
    initial = response.context["initial"]
    assert initial["state"]["value"] == ["NV"]
    assert initial["date_from"] == {"date": "2022-03-01"}
    assert "/django_plotly_dash/app/overview/initial/" in response.content.decode()


def test_overview_page_refuses_a_store_outside_scope(client, tiny_chain, make_user):
    client.force_login(make_user("boss", User.Role.STORE_MANAGER, stores=["S1"]))
    assert client.get(reverse("dashboard-overview"), {"store": "S3"}).status_code == 403


def test_overview_page_ignores_invalid_filters_with_a_warning(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    response = client.get(reverse("dashboard-overview"), {"date_from": "soon"})
    assert response.status_code == 200
    assert "Some filters in the address were ignored" in response.content.decode()


def test_dash_endpoints_need_a_login(client, tiny_chain):
    base = "/django_plotly_dash/app/overview/"
    update = client.post(
        base + "_dash-update-component",
        data={"output": "kpis.children", "inputs": [], "changedPropIds": []},
        content_type="application/json",
    )
    assert update.status_code == 302 and update["Location"].startswith(reverse("login"))
    assert client.get(base + "_dash-layout").status_code == 302
    assert client.get(reverse("dashboard-overview")).status_code == 302


def update_payload(**values) -> dict:
    """What the page posts to the update endpoint for the KPI callback."""
    inputs = [
        {"id": name, "property": "date" if name.startswith("date") else "value", "value": v}
        for name, v in zip(overview.FILTER_NAMES, controls(**values), strict=True)
    ]
    outputs = [
        {"id": i, "property": p}
        for i, p in (("filter-error", "children"), ("kpis", "children"), ("kpi-period", "children"))
    ]
    output = "..filter-error.children...kpis.children...kpi-period.children.."
    return {"output": output, "outputs": outputs, "inputs": inputs, "changedPropIds": []}


def test_update_endpoint_scopes_a_forged_payload(client, tiny_chain, make_user):
    client.force_login(make_user("boss", User.Role.STORE_MANAGER, stores=["S1"]))
    url = "/django_plotly_dash/app/overview/_dash-update-component"
    forged = client.post(url, update_payload(store=["S3"]), content_type="application/json")
    assert forged.status_code == 200
    body = forged.content.decode()
    assert "S3 is outside your stores" in body and "$17.25" not in body
    own = client.post(url, update_payload(), content_type="application/json").content.decode()
    assert "$51.00" in own and "$90.00" not in own


@pytest.mark.parametrize(
    ("role", "lands_on"),
    [
        (User.Role.EXECUTIVE, "/dashboard/"),
        (User.Role.ANALYST, "/dashboard/"),
        (User.Role.REGIONAL_MANAGER, "/dashboard/"),
    ],
)
def test_home_sends_overview_roles_to_the_dashboard(client, make_user, role, lands_on):
    client.force_login(make_user("u", role, states=["NV"] if role == "regional_manager" else ()))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == lands_on
