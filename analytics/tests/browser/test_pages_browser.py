"""Every dashboard page as every demo role, in headless Chromium against a live server holding
the 20,000-order export: each page opens, every chart its module declares draws (graphs have
traces, tables the rows the API gives), the console stays clean and no request fails; the
filter options are the role's scope; a store manager reaches their store and no other. The
executive's pages are saved to docs/screenshots/<page>.png, and each page is checked at phone
width (390 px: nothing scrolls sideways) and saved as <page>-phone.png.

Run alone with `pytest -m browser`.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass

import pytest
from django.db.models import Sum

from analytics.dash_apps.kit import Chart
from analytics.registry import all_analyses
from analytics.tests.browser.helpers import (
    api_json,
    assert_clean,
    graphs,
    options,
    page_log,
    screenshot,
    settle,
    sideways,
    tables,
    text,
)

pytestmark = [pytest.mark.browser]

ROLES = ("executive", "regional", "storemanager", "analyst")
OTHER_ROLES = ROLES[1:]
SLUGS = ("overview", "customers", "stores", "store", "products", "product", "orders", "geo")
SLUGS += ("trends",)
PAGE_SIZE = 10  # rows per page of every table (the kit's AG Grid pagination)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}  # page_as's viewport
# Charts that legitimately show a message instead of traces on a page opened without filters:
# the Stores page's cities and stores wait for a state, then a city, to be clicked.
EMPTY_OK = {"stores": {"by-city", "by-store"}}
FIRST_PAINTS: dict[tuple[str, str], float] = {}  # (role, page) -> seconds, for the summary


@dataclass(frozen=True)
class Subjects:
    """The store page and product page each role opens: a store in the role's scope (the
    store manager's own store; one of the regional manager's states' for them) and the
    chain's best-selling product by units."""

    store: dict[str, str]
    sku: str


@pytest.fixture(scope="module")
def subjects(demo, slice_server) -> Subjects:
    from orders.models import OrderItem

    with slice_server.orm():
        top = (
            OrderItem.objects.values("product_id")
            .annotate(units=Sum("quantity"))
            .order_by("-units", "product_id")
            .first()
        )
    regional_store = demo.stores_by_state[demo.regional_states[0]][0]
    store = {role: demo.manager_store for role in ROLES} | {"regional": regional_store}
    return Subjects(store=store, sku=top["product_id"])


def path_for(slug: str, role: str, subjects: Subjects) -> str:
    if slug == "overview":
        return "/dashboard/"
    if slug == "store":
        return f"/dashboard/stores/{subjects.store[role]}/"
    if slug == "product":
        return f"/dashboard/products/{subjects.sku}/"
    return f"/dashboard/{slug}/"


def charts(slug: str) -> tuple[Chart, ...]:
    return importlib.import_module(f"analytics.dash_apps.{slug}").CHARTS


def fixed_filters(slug: str, role: str, subjects: Subjects) -> dict:
    """The filters a page fixes itself (a store page's store, a product page's SKU)."""
    return {"store": {"store": subjects.store[role]}, "product": {"sku": subjects.sku}}.get(
        slug, {}
    )


def table_query(chart: Chart, fixed: dict) -> dict:
    """The API query a table chart shows on a page opened without filters: the page's fixed
    filters, the chart's parameters and its own controls' initial values."""
    own = {c.param: c.component.value for c in chart.controls}
    return {**fixed, **chart.params, **own}


@pytest.fixture(scope="module")
def role_page(module_page_as):
    """One page per role for the whole module, going from dashboard to dashboard as a user
    would (its browser cache keeps the static files), its log cleared for each test."""
    pages = {}

    def get(role: str, clear: bool = True):
        if role not in pages:
            pages[role] = module_page_as(role)
        if clear:
            page_log(pages[role]).clear()
        return pages[role]

    return get


@pytest.mark.parametrize("slug", SLUGS)
def test_page_draws_for_the_executive_and_fits_a_phone(role_page, db, subjects, slug):
    """Alone in the browser, so its first paint is the page's own; then saved, at desktop
    and phone width."""
    page = role_page("executive")
    started = time.monotonic()
    response = page.goto(path_for(slug, "executive", subjects))
    assert response is not None and response.ok
    check_page(page, db, subjects, "executive", slug, started)
    screenshot(page, slug)
    try:
        assert_fits_a_phone(page, slug)
    finally:
        page.set_viewport_size(DESKTOP)
    assert_clean(page)


@pytest.mark.parametrize("slug", SLUGS)
def test_page_draws_for_the_other_roles(role_page, db, subjects, slug):
    """The regional manager, store manager and analyst open the page at the same moment (as
    several users would; it keeps the suite short) and each is judged in full. Their first
    paints are measured under that load."""
    started, failures = {}, []
    for role in OTHER_ROLES:
        started[role] = time.monotonic()
        response = role_page(role).goto(path_for(slug, role, subjects), wait_until="commit")
        assert response is not None and response.ok, f"{role}: {response and response.status}"
    for role in OTHER_ROLES:
        try:
            check_page(role_page(role, clear=False), db, subjects, role, slug, started[role])
        except AssertionError as exc:  # judge every role before failing
            failures.append(f"{role}: {exc}")
    assert not failures, "\n\n".join(failures)


def check_page(page, demo, subjects: Subjects, role: str, slug: str, started: float) -> None:
    """`page`, navigated to the dashboard `slug` at `started`, draws every chart of its module
    (graphs with traces, unless the page says a message is fine there), its tables show the
    API's rows, the filter options are the role's, and nothing failed."""
    specs = charts(slug)
    want = [c.id for c in specs if not c.is_table]
    empty_ok = EMPTY_OK.get(slug, set())
    FIRST_PAINTS[(role, slug)] = settle(
        page, min_graphs=len(want), empty_ok=bool(empty_ok), since=started
    )
    drawn = {g.id: g for g in graphs(page)}
    assert sorted(drawn) == sorted(want)
    assert [i for i, g in drawn.items() if g.traces == 0 and i not in empty_ok] == []
    fixed = fixed_filters(slug, role, subjects)
    assert_tables_show_the_api_rows(page, specs, fixed, nonempty=role == "executive")
    assert_role_sees_its_scope(page, demo, role, slug)
    assert_clean(page)


def assert_tables_show_the_api_rows(
    page, specs: tuple[Chart, ...], fixed: dict, *, nonempty: bool
) -> None:
    """Each table shows the first page of the rows the API answers for the same query; with
    `nonempty` (the whole chain: every table has something to show) at least one row."""
    shown = {t.id: t.rows for t in tables(page)}
    assert sorted(shown) == sorted(c.id for c in specs if c.is_table)
    for chart in (c for c in specs if c.is_table):
        path = "/api/" + all_analyses()[chart.analysis].path
        expected = len(api_json(page, path, table_query(chart, fixed))["results"])
        assert shown[chart.id] == min(expected, PAGE_SIZE), chart.id
        assert expected > 0 or not nonempty, f"{chart.id} has no rows"


def assert_role_sees_its_scope(page, demo, role: str, slug: str) -> None:
    """The State filter offers exactly the role's states (the store page hides it; the whole
    chain's are checked on the Overview only); the store manager's Stores page lists their
    store alone."""
    if slug == "store" or (role in ("executive", "analyst") and slug != "overview"):
        return
    states = {
        "regional": demo.regional_states,
        "storemanager": [s for s, ids in demo.stores_by_state.items() if demo.manager_store in ids],
    }.get(role, demo.states)
    assert sorted(options(page, "state")) == sorted(states)
    if role == "storemanager":
        assert options(page, "store") == [demo.manager_store]
    if role == "storemanager" and slug == "stores":
        assert next(t.rows for t in tables(page) if t.id == "stores-table") == 1
        assert demo.manager_store in text(page, "#stores-table .ag-center-cols-container")


def assert_fits_a_phone(page, slug: str) -> None:
    """At 390 px wide the charts redraw to fit and neither the page nor its app scrolls
    sideways: each frame's document is no wider than its viewport (the page's is 390 px).
    Saved as <page>-phone.png first, so that a failure can be seen."""
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)  # Plotly redraws responsive graphs on the frame's resize event
    settle(page, min_graphs=1, empty_ok=True)
    screenshot(page, f"{slug}-phone")
    assert len(page.frames) >= 2  # the page and its Dash app
    assert not sideways(page), sideways(page)


def test_store_manager_cannot_open_another_store(page_as, demo):
    page = page_as("storemanager")
    response = page.goto(f"/dashboard/stores/{demo.other_store}/")
    assert response is not None and response.status == 403
    assert text(page, "h1") == "Not allowed"
    assert demo.other_store in text(page, "main")  # our page, saying which store
    assert page.query_selector("iframe") is None  # no app, no numbers
    refused = f"/dashboard/stores/{demo.other_store}/"
    # The refusal itself, as the request log and the console report it: nothing else.
    assert_clean(page, ignore=[rf"GET \S+{refused} 403$", rf"status of 403 .*\(\S+{refused}\)$"])


@pytest.fixture(scope="module", autouse=True)
def _first_paints_summary(request):
    """After the module: every page's first paint per role, on the terminal (even without -s;
    output is captured during a fixture's teardown, so capturing is suspended for it)."""
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if not FIRST_PAINTS or reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("\nfirst paint (s; the executive alone, the others three at a time)")
        reporter.write_line(" " * 16 + " ".join(f"{r[:12]:>12}" for r in ROLES))
        for slug in SLUGS:
            seconds = (FIRST_PAINTS.get((role, slug)) for role in ROLES)
            cells = " ".join(f"{s:12.2f}" if s is not None else f"{'-':>12}" for s in seconds)
            reporter.write_line(f"{slug:16} {cells}")
