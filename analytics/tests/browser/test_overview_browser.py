"""The Overview in headless Chromium against a live server: every chart draws, offline, and
the revenue card shows what the API gives for the same filters.

Run alone with `pytest -m browser`. Skips when Debian's Chromium (/usr/bin/chromium) is not
installed; never downloads a browser.
"""

import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer

from accounts.models import User

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
FILTERS = {"date_from": "2022-03-02", "date_to": "2022-04-01"}
GRAPHS = 4  # trend, by category, top stores, top products
COUNT_DRAWN = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(el => (el.data || []).length)"""

pytestmark = [pytest.mark.browser]


class SerialWSGIServer(WSGIServer):
    """Django's WSGI server without threads; takes (and ignores) the threaded one's argument:
    requests run in the server thread, which already holds the shared connection."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture
def live_server_http(settings, transactional_db):
    """pytest-django's live server, started per test after the settings below.

    Its `live_server` fixture starts before conftest's settings fixture, so its middleware
    would keep the production HTTPS redirect; this one speaks plain HTTP. Static files come
    from the finders (StaticFilesHandler), so no collectstatic and no network are needed."""
    from pytest_django.live_server_helper import LiveServer

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    server = LiveServer("localhost", start=False)
    # One request at a time: the test database is in-memory SQLite, one connection shared with
    # the server thread, and concurrent callbacks on it break each other's savepoints.
    server.thread.server_class = SerialWSGIServer
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def executive(transactional_db, tiny_chain, make_user):
    # Before the browser: Playwright's sync API runs an event loop, where the ORM refuses to run.
    return make_user("exec", User.Role.EXECUTIVE)


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        try:
            yield page
        finally:
            browser.close()


def drawn_per_frame(page) -> list[int]:
    counts = []
    for frame in page.frames:
        counts.extend(frame.evaluate(COUNT_DRAWN))
    return counts


def wait_for_graphs(page, errors: list, failed: list, timeout: float = 30.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = drawn_per_frame(page)
        if len(counts) >= GRAPHS and all(counts):
            return counts
        page.wait_for_timeout(200)
    drawn = drawn_per_frame(page)
    raise AssertionError(f"graphs not drawn within {timeout}s: {drawn} {errors} {failed}")


def test_overview_draws_every_chart_and_matches_the_api(live_server_http, executive, browser_page):
    page, live_server = browser_page, live_server_http
    errors, failed = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: failed.append(f"{r.url} {r.status}") if r.status >= 400 else None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "exec")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")  # an executive lands on the Overview
    wait_for_graphs(page, errors, failed)
    page.wait_for_load_state("networkidle")

    query = "&".join(f"{k}={v}" for k, v in FILTERS.items())
    started = time.monotonic()
    page.goto(f"{live_server.url}/dashboard/?{query}")
    counts = wait_for_graphs(page, errors, failed)
    first_paint = time.monotonic() - started

    frame = next(f for f in page.frames if f.query_selector("#kpi-revenue-value"))
    shown = frame.inner_text("#kpi-revenue-value")
    api = page.request.get(f"{live_server.url}/api/kpis/", params=FILTERS).json()
    revenue = next(r for r in api["results"] if r["kpi"] == "revenue")["value"]
    assert Decimal(shown.replace("$", "").replace(",", "")) == Decimal(revenue) == Decimal("37.25")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)
    assert errors == [] and failed == [], (errors, failed)
    print(f"overview first paint: {first_paint:.2f}s, graphs drawn: {counts}")
