"""Time the dashboards on a known data set: every page's HTML, each callback the page fires
on its first paint (through django-plotly-dash's update endpoint, the whole Django stack), and,
when Debian's Chromium is installed, the first paint in a real browser (navigation until every
chart has drawn and no callback is pending) against a live server in this process.
"""

from __future__ import annotations

import importlib
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test import Client, override_settings
from django.test.testcases import LiveServerThread

from analytics.benchmark import median_ms
from analytics.views import PAGES

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; never a downloaded browser
# Without the background-networking flags the closed network refuses Chromium's own calls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Ready: no Dash component loading, every graph rendered with traces or with its message (a
# chart that asks for a choice, "pick a state", carries an annotation and no trace).
READY_JS = """() => {
    const graphs = Array.from(document.querySelectorAll('.js-plotly-plot'));
    const loading = document.querySelectorAll(
        '[data-dash-is-loading="true"], ._dash-loading').length;
    const rows = document.querySelectorAll('.ag-center-cols-container .ag-row').length;
    const kpis = document.querySelectorAll('#kpis .card').length;
    const drawn = g => !!g._fullLayout && !!g.querySelector('.main-svg')
        && ((g.data || []).length > 0 || ((g.layout || {}).annotations || []).length > 0);
    return loading === 0 && graphs.every(drawn)
        && graphs.length + rows > 0 && (kpis > 0 || !document.getElementById('kpis'));
}"""


@dataclass
class PageTiming:
    path: str
    app: str
    html_ms: float
    callbacks: dict[str, float] = field(default_factory=dict)  # uncached
    cached_callbacks: dict[str, float] = field(default_factory=dict)
    first_paint_ms: float | None = None  # uncached
    cached_first_paint_ms: float | None = None


def page_paths() -> list[str]:
    """Every dashboard address, the store and product pages for the busiest store and the
    best-selling product."""
    from django.db.models import Count, Sum

    from orders.models import Order, OrderItem

    store = Order.objects.values("store").annotate(n=Count("id")).order_by("-n").first()
    sku = OrderItem.objects.values("product").annotate(q=Sum("quantity")).order_by("-q").first()
    paths = ["/dashboard/"]
    paths += [
        f"/dashboard/{slug}/" for slug in PAGES if slug not in ("overview", "store", "product")
    ]
    if store:
        paths.append(f"/dashboard/stores/{store['store']}/")
    if sku:
        paths.append(f"/dashboard/products/{sku['product']}/")
    return paths


def components(layout) -> dict:
    """Every component of a Dash layout with an id, by id."""
    found, stack = {}, [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if getattr(node, "id", None) is not None:
            found[node.id] = node
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str | int | float):
            stack.append(children)
        for prop in ("component",):  # Controls wrap a component inside a card header
            if hasattr(node, prop):
                stack.append(getattr(node, prop))
    return found


def payload(callback_set: dict, by_id: dict, initial: dict) -> dict:
    """The JSON the browser posts for one callback on first paint."""

    def value(dep):
        arg = initial.get(dep.component_id, {})
        if dep.component_property in arg:
            return arg[dep.component_property]
        return getattr(by_id.get(dep.component_id), dep.component_property, None)

    outputs = callback_set["output"]
    many = isinstance(outputs, list | tuple)
    outs = list(outputs) if many else [outputs]
    spec = [{"id": o.component_id, "property": o.component_property} for o in outs]
    text = ".." + "...".join(f"{o.component_id}.{o.component_property}" for o in outs) + ".."
    return {
        "output": text if many else f"{outs[0].component_id}.{outs[0].component_property}",
        "outputs": spec if many else spec[0],
        "inputs": [
            {"id": d.component_id, "property": d.component_property, "value": value(d)}
            for d in callback_set["inputs"]
        ],
        "state": [
            {"id": d.component_id, "property": d.component_property, "value": value(d)}
            for d in callback_set["state"]
        ],
        "changedPropIds": [],
    }


def first_paint_posts(client: Client, path: str) -> tuple[str, list[tuple[str, dict]]]:
    """The page's Dash app and every callback its first paint posts: (app, [(url, body)])."""
    response = client.get(path, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    slug = response.context["page"].slug
    module = importlib.import_module(f"analytics.dash_apps.{slug}")
    initial = response.context["initial"]
    by_id = components(module.app.layout)
    url = f"/django_plotly_dash/app/{module.APP_NAME}/_dash-update-component"
    posts = [
        (url, payload(callback_set, by_id, initial))
        for callback_set, _func in module.app._callback_sets
        if not callback_set.get("prevent_initial_call")  # clicks, downloads and the live poll
    ]
    return module.APP_NAME, posts


def time_page(client: Client, path: str, runs: int) -> PageTiming:
    """The page's HTML and each first-paint callback, median of `runs`."""
    app, posts = first_paint_posts(client, path)
    timing = PageTiming(path, app, median_ms(lambda: client.get(path, secure=True), runs))
    for url, body in posts:

        def post(url=url, body=body):
            answer = client.post(url, body, content_type="application/json", secure=True)
            if answer.status_code not in (200, 204):
                raise RuntimeError(f"{url} {body['output']} answered {answer.status_code}")

        name = body["output"].strip(".").split("...")[0]
        with override_settings(ANALYSIS_CACHE_SECONDS=0):
            post()  # warm-up
            timing.callbacks[name] = median_ms(post, runs)
        post()  # fills the cache
        timing.cached_callbacks[name] = median_ms(post, runs)
    return timing


class _SerialServer(WSGIServer):
    """One request at a time: an in-memory SQLite test database has one connection, shared
    with the server thread."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


def first_paints(
    paths: list[str], username: str, password: str, runs: int
) -> dict[str, tuple[float, float]]:
    """Median ms from navigation to every chart drawn, per page, in headless Chromium:
    (uncached, cached)."""
    if not CHROMIUM.exists():
        return {}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    server = start_live_server()
    base = f"http://{server.host}:{server.port}"
    result: dict[str, float] = {}
    try:
        result = _measure(base, paths, username, password, runs, sync_playwright)
    finally:
        server.terminate()
    return result


def start_live_server() -> LiveServerThread:
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = LiveServerThread(
        "127.0.0.1", StaticFilesHandler, connections_override=shared or None, port=0
    )
    if shared:
        thread.server_class = _SerialServer
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread


def _measure(base, paths, username, password, runs, sync_playwright) -> dict[str, float]:
    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for path in paths:
            with override_settings(ANALYSIS_CACHE_SECONDS=0):
                uncached = [_paint(page, base + path) for _ in range(runs)]
            cached = [_paint(page, base + path) for _ in range(runs + 1)][1:]  # first fills
            out[path] = (statistics.median(uncached), statistics.median(cached))
        browser.close()
    return out


def _paint(page, url: str, timeout_s: float = 60.0) -> float:
    start = time.perf_counter()
    page.goto(url)
    deadline = start + timeout_s
    while time.perf_counter() < deadline:
        frames = [f for f in page.frames if f != page.main_frame]
        if frames and all(_ready(f) for f in frames):
            return (time.perf_counter() - start) * 1000
        page.wait_for_timeout(20)
    states = [_state(f) for f in page.frames if f != page.main_frame]
    raise RuntimeError(
        f"{url}: charts not drawn within {timeout_s:.0f} s (at {page.url}); frames: {states}"
    )


STATE_JS = """() => ({
    loading: Array.from(document.querySelectorAll(
        '[data-dash-is-loading="true"], ._dash-loading')).map(e => e.id || e.className),
    graphs: Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => [
        (g.closest('[id]') || {}).id, (g.data || []).length,
        ((g.layout || {}).annotations || []).length]),
})"""


def _state(frame) -> object:
    try:
        return frame.evaluate(STATE_JS)
    except Exception as error:  # noqa: BLE001 - only for the message
        return str(error)


def _ready(frame) -> bool:
    try:
        return bool(frame.evaluate(READY_JS))
    except Exception:  # noqa: BLE001 - a frame still loading cannot be evaluated yet
        return False


def markdown(timings: list[PageTiming], runs: int) -> str:
    lines = [
        "",
        f"#### Dashboards (median of {runs})",
        "",
        "First paint: headless Chromium, from navigation until every chart has drawn and no "
        "callback is pending, against a live server in the benchmark process"
        + (" (one request at a time: in-memory SQLite)." if _serial() else ".")
        + " HTML: the page itself. Callbacks: each one the page fires on first paint, posted "
        "to django-plotly-dash's update endpoint through the test client.",
        "",
        "| page | first paint ms | cached first paint ms | HTML ms | callbacks "
        "| slowest callback | ms | cached ms |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for t in timings:
        slow = max(t.callbacks.items(), key=lambda kv: kv[1], default=("", 0.0))
        lines.append(
            f"| `{t.path}` | {_ms(t.first_paint_ms)} | {_ms(t.cached_first_paint_ms)} "
            f"| {t.html_ms:.1f} | {len(t.callbacks)} | `{slow[0]}` | {slow[1]:.1f} "
            f"| {t.cached_callbacks.get(slow[0], 0.0):.1f} |"
        )
    lines += [
        "",
        "<details><summary>Every callback</summary>",
        "",
        "| page | callback (first output) | ms | cached ms |",
        "| --- | --- | ---: | ---: |",
    ]
    for t in timings:
        for name, ms in sorted(t.callbacks.items(), key=lambda kv: -kv[1]):
            cached = t.cached_callbacks.get(name, 0.0)
            lines.append(f"| `{t.app}` | `{name}` | {ms:.1f} | {cached:.1f} |")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _serial() -> bool:
    return any(c.vendor == "sqlite" and c.is_in_memory_db() for c in connections.all())
