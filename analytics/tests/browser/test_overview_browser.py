"""The Overview in headless Chromium against a live server holding the 20,000-order export:
each demo role lands where it should, every chart draws with a clean console, the Revenue card
follows the State filter to the figure the API gives and the ORM computes, a chart's CSV
matches the API, and a store's bar opens that store's page and back.

Run alone with `pytest -m browser`. Skips when Debian's Chromium (/usr/bin/chromium) is not
installed; never downloads a browser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db.models import Max, Sum

from analytics.tests.browser.helpers import (
    api_json,
    api_rows,
    assert_clean,
    choose,
    click_point,
    download,
    money,
    open_dashboard,
    screenshot,
    selected,
    settle,
    text,
    wait_for_text_change,
)

pytestmark = [pytest.mark.browser]

GRAPHS = 5  # trend, store map, by category, top stores, top products
REVENUE = "#kpi-revenue-value"
# The state each role picks: one of the regional manager's own for them.
PICKS = {"executive": "CA", "regional": "UT", "analyst": "NV"}


def last_30_days_revenue(states: Iterable[str]) -> Decimal:
    """Order totals of `states`' stores over the 30 local days ending on the last day with an
    order there: the Revenue card's default period, computed here with a plain ORM sum."""
    from orders.models import Order

    zone = ZoneInfo(settings.TIME_ZONE)
    orders = Order.objects.filter(store__state_abbr__in=list(states))
    last_day = orders.aggregate(last=Max("ordered_at"))["last"].astimezone(zone).date()
    start = dt.datetime.combine(last_day - dt.timedelta(days=29), dt.time(), zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), zone)
    in_period = orders.filter(ordered_at__gte=start, ordered_at__lt=end)
    # SQLite sums decimals as floats: back to the cent, as the card shows them.
    return in_period.aggregate(revenue=Sum("total"))["revenue"].quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def expected(demo, slice_server) -> dict[str, Decimal]:
    """Revenue per role's whole scope (key: role) and per picked state (key: state)."""
    scopes = {"executive": demo.states, "regional": demo.regional_states, "analyst": demo.states}
    with slice_server.orm():
        figures = {role: last_30_days_revenue(states) for role, states in scopes.items()}
        figures |= {state: last_30_days_revenue([state]) for state in PICKS.values()}
    return figures


@pytest.mark.parametrize("role", ["admin", "executive", "regional", "storemanager", "analyst"])
def test_each_demo_role_lands_on_its_start_page(page_as, demo, role):
    landing = {
        "admin": "/",  # staff without a role: who they are and which stores they see
        "storemanager": f"/dashboard/stores/{demo.manager_store}/",
    }.get(role, "/dashboard/")
    assert page_as.landing(role) == landing


@pytest.mark.parametrize("role", list(PICKS))
def test_overview_draws_and_revenue_follows_the_state_filter(page_as, demo, expected, role):
    page = page_as(role)
    first_paint = open_dashboard(page, "/dashboard/", min_graphs=GRAPHS)

    before = text(page, REVENUE)
    shown = money(before)
    api = kpi(api_json(page, "/api/kpis/"), "revenue")
    assert shown == Decimal(api) == expected[role]

    state = PICKS[role]
    choose(page, "state", state)
    after = money(wait_for_text_change(page, REVENUE, old=before))
    assert selected(page, "state") == state
    api = kpi(api_json(page, "/api/kpis/", {"state": state}), "revenue")
    assert after == Decimal(api) == expected[state] != shown

    screenshot(page, f"overview-{role}")

    csv = download(page, "#top-stores-csv")
    assert csv.filename == "stores-sales.csv"
    assert csv.rows == api_rows(page, "/api/stores/sales/", {"state": state, "limit": 10})
    assert {row["state"] for row in csv.rows} == {state}
    assert_clean(page)
    print(f"\n{role}: overview first paint {first_paint:.2f}s, {state} revenue {after}")


def test_overview_top_store_bar_opens_that_store_and_back(page_as):
    page = page_as("executive")
    open_dashboard(page, "/dashboard/", min_graphs=GRAPHS)
    top = api_json(page, "/api/stores/sales/", {"limit": 1})["results"][0]["store"]

    click_point(page, "top-stores", 0)  # the ranking's first bar, drawn on top
    page.wait_for_url(f"**/dashboard/stores/{top}/**")
    open_first_paint = settle(page, min_graphs=1)
    assert top in text(page, "h1")

    page.go_back()
    settle(page, min_graphs=GRAPHS)
    assert urlparse(page.url).path == "/dashboard/"
    assert_clean(page)
    print(f"\nstore page drawn {open_first_paint:.2f}s after the click's navigation")


def kpi(body: dict, name: str) -> str:
    return next(row["value"] for row in body["results"] if row["kpi"] == name)
