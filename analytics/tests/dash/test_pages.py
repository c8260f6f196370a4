"""The dashboard pages as Django serves them: addresses, landing pages, scope, login."""

import pytest
from django.urls import reverse

from accounts.models import User
from analytics.tests.dash.conftest import filter_store

pytestmark = pytest.mark.django_db

PAGES = [
    "/dashboard/",
    "/dashboard/customers/",
    "/dashboard/stores/",
    "/dashboard/stores/S1/",
    "/dashboard/products/",
    "/dashboard/products/P1/",
    "/dashboard/orders/",
    "/dashboard/geo/",
    "/dashboard/trends/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_embeds_its_app_with_the_address_filters(client, tiny_chain, make_user, path):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    response = client.get(path, {"state": "NV", "date_from": "2022-03-01"})
    assert response.status_code == 200
    slug = path.strip("/").split("/")
    app = {1: "overview", 2: slug[-1]}.get(len(slug)) or slug[1][:-1]  # stores/S1 -> store
    assert f"/django_plotly_dash/app/{app}/initial/" in response.content.decode()
    initial = response.context["initial"]
    assert initial["date_from"] == {"date": "2022-03-01"}
    fixed = initial["page"]["data"]["fixed"]
    expected = {"store": {"store": ["S1"]}, "product": {"sku": ["P1"]}}.get(app, {})
    assert fixed == expected
    if app != "store":
        assert initial["state"]["value"] == ["NV"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_login(client, tiny_chain, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_store_page_outside_the_users_scope_is_refused(client, tiny_chain, make_user):
    client.force_login(make_user("boss", User.Role.STORE_MANAGER, stores=["S1"]))
    assert client.get("/dashboard/stores/S1/").status_code == 200
    refused = client.get("/dashboard/stores/S3/")
    assert refused.status_code == 403
    assert "store S3 is outside your stores." in refused.content.decode()  # our page, says why
    assert client.get("/dashboard/stores/NOPE/").status_code == 404
    assert client.get("/dashboard/products/NOPE/").status_code == 404
    assert client.get("/dashboard/", {"store": "S3"}).status_code == 403


def test_a_regional_manager_is_refused_a_state_outside_their_region(client, tiny_chain, make_user):
    client.force_login(make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"]))
    assert client.get("/dashboard/stores/", {"state": "NV"}).status_code == 200
    assert client.get("/dashboard/stores/", {"state": "CA"}).status_code == 403
    assert client.get("/dashboard/stores/S3/").status_code == 403


def test_invalid_address_filters_are_ignored_with_a_warning(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    response = client.get(reverse("dashboard-orders"), {"date_from": "soon"})
    assert response.status_code == 200
    assert "Some filters in the address were ignored" in response.content.decode()


def test_store_and_product_pages_show_where_they_sit(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    store = client.get("/dashboard/stores/S1/").content.decode()
    assert "Store S1 · Reno, NV" in store
    assert 'href="/dashboard/stores/?state=NV"' in store
    assert 'href="/dashboard/stores/?state=NV&amp;city=Reno"' in store
    product = client.get("/dashboard/products/P1/").content.decode()
    assert 'href="/dashboard/products/?category=Classic"' in product


@pytest.mark.parametrize(
    ("role", "extra", "lands_on"),
    [
        (User.Role.EXECUTIVE, {}, "/dashboard/"),
        (User.Role.ANALYST, {}, "/dashboard/"),
        (User.Role.REGIONAL_MANAGER, {"states": ["NV"]}, "/dashboard/"),
        (User.Role.STORE_MANAGER, {"stores": ["S2"]}, "/dashboard/stores/S2/"),
        (User.Role.STORE_MANAGER, {"stores": ["S1", "S2"]}, "/dashboard/stores/"),
    ],
)
def test_home_sends_each_role_to_its_landing_page(
    client, tiny_chain, make_user, role, extra, lands_on
):
    client.force_login(make_user("u", role, **extra))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == lands_on


def test_dash_endpoints_need_a_login(client, tiny_chain):
    base = "/django_plotly_dash/app/overview/"
    update = client.post(
        base + "_dash-update-component",
        data={"output": "kpis.children", "inputs": [], "changedPropIds": []},
        content_type="application/json",
    )
    assert update.status_code == 302 and update["Location"].startswith(reverse("login"))
    assert client.get(base + "_dash-layout").status_code == 302


def kpi_payload(**filters) -> dict:
    """What the page posts to the update endpoint for the KPI callback."""
    page = filters.pop("page", {})
    inputs = [
        {"id": "filters", "property": "data", "value": filter_store(filters)},
        {"id": "version", "property": "data", "value": 0},
    ]
    outputs = [
        {"id": i, "property": p}
        for i, p in (("filter-error", "children"), ("kpis", "children"), ("kpi-period", "children"))
    ]
    output = "..filter-error.children...kpis.children...kpi-period.children.."
    state = [{"id": "page", "property": "data", "value": page}]
    return {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "state": state,
        "changedPropIds": [],
    }


def test_update_endpoint_scopes_a_forged_payload(client, tiny_chain, make_user):
    client.force_login(make_user("boss", User.Role.STORE_MANAGER, stores=["S1"]))
    url = "/django_plotly_dash/app/overview/_dash-update-component"
    forged = client.post(url, kpi_payload(store=["S3"]), content_type="application/json")
    assert forged.status_code == 200
    body = forged.content.decode()
    assert "S3 is outside your stores" in body and "$17.25" not in body
    url = "/django_plotly_dash/app/store/_dash-update-component"
    page = {"fixed": {"store": ["S3"]}}
    forged = client.post(url, kpi_payload(page=page), content_type="application/json")
    assert "S3 is outside your stores" in forged.content.decode()
    own = client.post(url, kpi_payload(), content_type="application/json").content.decode()
    assert "$51.00" in own and "$90.00" not in own


def test_the_browsers_favicon_request_finds_our_icon_without_a_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"


def test_a_product_page_ignores_a_category_or_size_carried_in_its_address(
    client, tiny_chain, make_user
):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    initial = client.get(
        "/dashboard/products/P1/", {"category": "Vegetarian", "size": "Large", "state": "NV"}
    ).context["initial"]
    assert "value" not in initial["category"] and "value" not in initial["size"]
    assert initial["state"]["value"] == ["NV"]
    store = client.get("/dashboard/stores/S1/", {"state": "CA", "city": "Sacramento"})
    assert store.status_code == 200
    assert "value" not in store.context["initial"]["state"]


def test_an_apps_page_loads_its_scripts_from_the_static_files(client, tiny_chain, make_user):
    """No script goes through django-plotly-dash's redirecting component-suites address: each
    one names a file our static files hold."""
    import re

    from django.contrib.staticfiles import finders

    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    page = client.get("/dashboard/customers/")
    app_url = page.context["app_url"]()  # the template calls it
    document = client.get(app_url).content.decode()
    sources = re.findall(r'<script src="([^"]+)"', document)
    assert len(sources) >= 10 and "_dash-component-suites" not in document
    for src in sources:
        assert src.startswith("/static/"), src
        assert finders.find(src.removeprefix("/static/").split("?")[0]), src
    assert any(s.endswith("/dash/dcc/dash_core_components.js") for s in sources)
