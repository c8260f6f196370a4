"""Live refresh in headless Chromium against the 20,000-order export: an open Overview polls
the data version and, while nothing changes, redraws nothing; an order placed through the API
shows in its Revenue card within 30 seconds, without a reload. The order is deleted through
the API afterwards, so the other tests see the export as it was.

Run alone with `pytest -m browser`.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from playwright.sync_api import Request

from analytics.tests.browser.helpers import (
    api_json,
    assert_clean,
    frame_with,
    money,
    open_dashboard,
    text,
    wait_for_text_change,
)

pytestmark = [pytest.mark.browser]

GRAPHS = 5
REVENUE = "#kpi-revenue-value"
LIVE_WITHIN = 30.0  # seconds: the promise for new data on an open page
IDLE = 12.0  # seconds watched without a change: more than one poll (every 10 s)
POLL_OUTPUT = "version.data"  # the poll callback's output; any other output is a redraw
# Marks each graph's current data array: Plotly.react swaps it when a figure is redrawn.
MARK_JS = "() => document.querySelectorAll('.js-plotly-plot').forEach(g => g._mark = g.data)"
REDRAWN_JS = (
    "() => [...document.querySelectorAll('.js-plotly-plot')].filter(g => g._mark !== "
    "g.data).map(g => g.closest('[id]').id)"
)


class Callbacks:
    """The Dash callback requests a page sends from now on, by output (e.g. "version.data",
    "..kpis.children..")."""

    def __init__(self, page) -> None:
        self.outputs: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if request.url.endswith("/_dash-update-component"):
            self.outputs.append(request.post_data_json["output"])

    def polls(self) -> int:
        return sum(POLL_OUTPUT in output for output in self.outputs)

    def redraws(self) -> list[str]:
        return [output for output in self.outputs if POLL_OUTPUT not in output]


@pytest.fixture
def admin_token(slice_server, db) -> str:
    """An API token of the demo admin (staff: the one demo user who writes)."""
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    with slice_server.orm():
        token, _ = Token.objects.get_or_create(user=User.objects.get(username="admin"))
        return token.key


def new_order(page, token: str) -> dict:
    """An order at the busiest store, placed at the instant of the latest order in the data
    (so the Revenue card's 30 days keep their end and gain its total), by that order's
    customer: two of the best-selling product. POSTed through the API as staff."""
    latest = api_json(page, "/api/orders/", {"page_size": 1})["results"][0]
    sku = api_json(page, "/api/products/top/", {"limit": 1})["results"][0]["product"]
    payload = {
        "customer": latest["customer"],
        "store": latest["store"],
        "ordered_at": latest["ordered_at"],
        "items": [{"product": sku, "quantity": 2}],
    }
    response = page.request.post(
        "/api/orders/", data=payload, headers={"Authorization": f"Token {token}"}
    )
    assert response.status == 201, response.text()[:300]
    return response.json()


def test_open_overview_shows_a_new_order_within_30s_and_idles_without_redrawing(
    page_as, admin_token
):
    page = page_as("executive")
    open_dashboard(page, "/dashboard/", min_graphs=GRAPHS)
    app = frame_with(page, "#kpis")
    callbacks = Callbacks(page)
    app.evaluate(MARK_JS)
    before = text(page, REVENUE)

    started = time.monotonic()
    while time.monotonic() - started < IDLE or not callbacks.polls():
        assert time.monotonic() - started < IDLE + 15, "the page never polled"
        page.wait_for_timeout(250)
    assert callbacks.redraws() == [] and app.evaluate(REDRAWN_JS) == []
    assert text(page, REVENUE) == before and text(page, "#live-status") == ""

    order = new_order(page, admin_token)
    try:
        placed = time.monotonic()
        after = money(wait_for_text_change(page, REVENUE, before, timeout=LIVE_WITHIN))
        seconds = time.monotonic() - placed
        assert after == money(before) + Decimal(order["total"]) > money(before)
        assert after == Decimal(kpi(api_json(page, "/api/kpis/"), "revenue"))
        assert text(page, "#live-status").startswith("Updated with new data")
        assert "trend" in app.evaluate(REDRAWN_JS)  # the charts redrew from the new data too
        assert_clean(page)
    finally:
        deleted = page.request.delete(
            f"/api/orders/{order['id']}/", headers={"Authorization": f"Token {admin_token}"}
        )
        assert deleted.status == 204, deleted.text()[:300]
    assert Decimal(kpi(api_json(page, "/api/kpis/"), "revenue")) == money(before)
    print(f"\nnew order shown after {seconds:.1f}s; {callbacks.polls()} polls")


def kpi(body: dict, name: str) -> str:
    return next(row["value"] for row in body["results"] if row["kpi"] == name)
