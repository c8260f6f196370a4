"""Helpers for the browser tests: open a dashboard and wait until it has drawn, read and change
its controls, call the API with the page's session, capture downloads, take screenshots.

Every helper takes a Playwright `Page` made by the `page_as` fixture (conftest.py), which
records console errors and failed requests from the moment it opens. The Dash apps live in
iframes, so helpers look through every frame of the page (`frame_with`).
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from django.conf import settings
from playwright.sync_api import APIResponse, ConsoleMessage, Frame, Page, Request, Response
from playwright.sync_api import Error as PlaywrightError

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
TIMEOUT = 30.0  # seconds a page may take to draw on a loaded 2-core machine
QUIET = 0.3  # seconds without a request in flight before the page counts as idle
POLL_MS = 50
STUCK = 5.0  # seconds a drawn page may stay unchanged and silent before settle gives up

# One JS round trip per frame: every Plotly graph and Dash's own loading markers.
SNAPSHOT_JS = """() => ({
  graphs: Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
    id: (el.closest('[id]') || {}).id || '',
    traces: (el.data || []).length,
    notes: ((el.layout || {}).annotations || []).length,
    svg: !!el._fullLayout && !!el.querySelector('.main-svg'),
  })),
  tables: Array.from(document.querySelectorAll('.ag-root-wrapper')).map(el => ({
    id: (el.closest('[id]') || {}).id || '',
    rows: el.querySelectorAll('.ag-center-cols-container .ag-row').length,
  })),
  loading: document.querySelectorAll('[data-dash-is-loading="true"], ._dash-loading').length,
})"""


SIDEWAYS_JS = """() => {
  const root = document.documentElement, client = root.clientWidth, out = [];
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  if (root.scrollWidth > client) {
    for (const el of document.body.querySelectorAll('*')) {
      if (out.length >= 5) break;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > client + 0.5 && !el.closest('svg') && !clipped(el)) {
        const cls = typeof el.className === 'string' ? el.className.split(' ')[0] : '';
        out.push(`${el.tagName.toLowerCase()}#${el.id}.${cls} [${r.left | 0}-${r.right | 0}]`);
      }
    }
  }
  return {scroll: root.scrollWidth, client: client, sticking_out: out};
}"""


# What a page did: console errors, failed requests, requests in flight --------------------------


@dataclass
class PageLog:
    """Everything `assert_clean` judges, and the request counter `settle` waits on."""

    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # failed requests and HTTP >= 400
    aborted: list[str] = field(default_factory=list)  # cancelled by a navigation: not failures
    inflight: set[Request] = field(default_factory=set)
    last_activity: float = field(default_factory=time.monotonic)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":  # with its source: "Failed to load resource" names none
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def started(self, request: Request) -> None:
        self.inflight.add(request)
        self.last_activity = time.monotonic()

    def finished(self, request: Request) -> None:
        self.inflight.discard(request)
        self.last_activity = time.monotonic()

    def request_failed(self, request: Request) -> None:
        self.finished(request)
        line = f"{request.method} {request.url} {request.failure}"
        (self.aborted if request.failure == "net::ERR_ABORTED" else self.failed).append(line)

    def responded(self, response: Response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.request.method} {response.url} {response.status}")

    def quiet_for(self) -> float:
        """Seconds since the last request started or ended; 0 while one is in flight."""
        return 0.0 if self.inflight else time.monotonic() - self.last_activity

    def clear(self) -> None:
        """Forget recorded errors (after a step that fails on purpose, e.g. an expected 403)."""
        self.console_errors.clear()
        self.failed.clear()
        self.aborted.clear()


_LOGS: WeakKeyDictionary[Page, PageLog] = WeakKeyDictionary()


def record(page: Page) -> PageLog:
    """Start recording `page`'s console errors, uncaught exceptions and failed requests."""
    log = PageLog()
    page.on("console", log.console)
    page.on("pageerror", lambda exc: log.console_errors.append(f"uncaught: {exc.stack or exc}"))
    page.on("request", log.started)
    page.on("requestfinished", log.finished)
    page.on("requestfailed", log.request_failed)
    page.on("response", log.responded)
    _LOGS[page] = log
    return log


def page_log(page: Page) -> PageLog:
    return _LOGS[page]


def assert_clean(page: Page, *, ignore: Iterable[str] = ()) -> None:
    """Fail with every console error and failed request recorded on `page` so far, except
    those matching one of the `ignore` regular expressions."""
    patterns = [re.compile(p) for p in ignore]
    log = page_log(page)
    problems = [
        f"{kind}: {line}"
        for kind, lines in (("console", log.console_errors), ("request", log.failed))
        for line in lines
        if not any(p.search(line) for p in patterns)
    ]
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


# Waiting for a dashboard to draw ----------------------------------------------------------


@dataclass(frozen=True)
class Graph:
    """One Plotly graph as the browser holds it: `traces` drawn, `notes` (annotations: the
    "no data" message figures carry one and no trace), `svg` whether Plotly rendered it."""

    frame: str
    id: str
    traces: int
    notes: int
    svg: bool

    def drawn(self, empty_ok: bool = False) -> bool:
        return self.svg and (self.traces > 0 or (empty_ok and self.notes > 0))


@dataclass(frozen=True)
class Table:
    """One AG Grid table: `rows` rendered on its current page."""

    frame: str
    id: str
    rows: int


@dataclass(frozen=True)
class Snapshot:
    graphs: list[Graph]
    tables: list[Table]
    loading: int  # Dash components loading, plus frames that could not be read


def _snapshot(page: Page) -> Snapshot:
    """Every graph and table in every frame, and how many Dash components are loading."""
    found = Snapshot([], [], 0)
    for frame in page.frames:
        try:
            state = frame.evaluate(SNAPSHOT_JS)
        except PlaywrightError:  # the frame navigated or detached meanwhile: look again
            found = replace(found, loading=found.loading + 1)
            continue
        found.graphs.extend(Graph(frame=frame.url, **g) for g in state["graphs"])
        found.tables.extend(Table(frame=frame.url, **t) for t in state["tables"])
        found = replace(found, loading=found.loading + state["loading"])
    return found


def graphs(page: Page) -> list[Graph]:
    """The Plotly graphs in every frame of `page`, in document order."""
    return _snapshot(page).graphs


def tables(page: Page) -> list[Table]:
    """The AG Grid tables in every frame of `page`, in document order."""
    return _snapshot(page).tables


def settle(
    page: Page,
    *,
    min_graphs: int = 0,
    empty_ok: bool = False,
    timeout: float = TIMEOUT,
    since: float | None = None,
) -> float:
    """Wait until at least `min_graphs` Plotly graphs exist and every one has drawn traces
    (or, with `empty_ok`, a "no data" message), no Dash component is loading and no request
    has been in flight for `QUIET` seconds. Returns the seconds from `since` (default: now)
    until the graphs had drawn: the time to first paint when `since` is the navigation.
    A graph showing only a message ("pick a state") has notes and no traces: it counts as
    drawn only with `empty_ok`. Fails at `timeout`, or as soon as the page has sat unchanged
    and silent for `STUCK` seconds without being ready."""
    since = time.monotonic() if since is None else since
    deadline, drawn_at, log = time.monotonic() + timeout, None, page_log(page)
    last, changed = None, time.monotonic()
    while True:
        now, state = time.monotonic(), _snapshot(page)
        found = state.graphs
        ready = len(found) >= min_graphs and all(g.drawn(empty_ok) for g in found)
        if ready and drawn_at is None:
            drawn_at = now
        if ready and not state.loading and log.quiet_for() >= QUIET:
            return drawn_at - since
        if state != last:
            last, changed = state, now
        # A page that has stopped changing and asking will not mend: fail now, not at timeout.
        frozen = min(now - changed, log.quiet_for()) > STUCK and (found or log.console_errors)
        if now > deadline or frozen:
            undrawn = [
                f"#{g.id} ({g.traces} traces, {g.notes} notes)"
                for g in found
                if not g.drawn(empty_ok)
            ]
            raise AssertionError(
                f"{page.url} not settled after {now - since:.1f}s: {len(found)} graphs "
                f"(want {min_graphs}), not drawn: {undrawn or 'none'}; {state.loading} loading, "
                f"{len(log.inflight)} requests in flight; console {log.console_errors}; "
                f"failed {log.failed}"
            )
        page.wait_for_timeout(POLL_MS)  # lets Playwright deliver the page's events meanwhile


def open_dashboard(page: Page, path: str, min_graphs: int = 1, **settle_args) -> float:
    """Go to `path` (relative to the live server), wait until it has settled with at least
    `min_graphs` drawn graphs (see `settle`) and return the time to first paint in seconds."""
    started = time.monotonic()
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    return settle(page, min_graphs=min_graphs, since=started, **settle_args)


# Reading and changing controls ------------------------------------------------------------


def frame_with(page: Page, selector: str, timeout: float = 10.0) -> Frame:
    """The first frame (the page itself or one of its Dash iframes) holding `selector`."""
    deadline = time.monotonic() + timeout
    while True:
        for frame in page.frames:
            try:
                if frame.query_selector(selector):
                    return frame
            except PlaywrightError:  # navigating: try the others, then again
                continue
        if time.monotonic() > deadline:
            raise AssertionError(f"no frame of {page.url} holds {selector!r}")
        page.wait_for_timeout(POLL_MS)


def text(page: Page, selector: str) -> str:
    """The visible text of `selector`, in whichever frame holds it."""
    return frame_with(page, selector).inner_text(selector).strip()


def wait_for_text_change(page: Page, selector: str, old: str, timeout: float = TIMEOUT) -> str:
    """Wait until `selector`'s text differs from `old`, then until the page settles; the new
    text. For a KPI after a filter change: the card re-renders when its callback answers."""
    deadline = time.monotonic() + timeout
    while _text_or_none(page, selector) in (None, old):
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} still reads {old!r} after {timeout}s")
        page.wait_for_timeout(POLL_MS)
    settle(page, timeout=timeout)
    return text(page, selector)


def _text_or_none(page: Page, selector: str) -> str | None:
    for frame in page.frames:
        try:
            if element := frame.query_selector(selector):
                return element.inner_text().strip()
        except PlaywrightError:
            continue
    return None


def choose(page: Page, control_id: str, *values: str) -> None:
    """Pick the options with these `values` (the option values, as in the address: "NV", a
    store id) in the dcc.Dropdown `control_id`, then close it. Does not wait for the
    callbacks: follow with `settle` or `wait_for_text_change`."""
    frame = frame_with(page, f"#{control_id}")
    for value in values:
        if frame.get_attribute(f"#{control_id}", "aria-expanded") != "true":
            frame.click(f"#{control_id}")
        menu = frame.locator(f"[id='{frame.get_attribute(f'#{control_id}', 'aria-controls')}']")
        # Searching by value narrows long lists (stores) whatever their labels read.
        menu.locator(".dash-dropdown-search").fill(value)
        menu.locator(".dash-dropdown-option", has=frame.locator(f'input[value="{value}"]')).click()
    if frame.get_attribute(f"#{control_id}", "aria-expanded") == "true":
        frame.press(f"#{control_id}", "Escape")


def selected(page: Page, control_id: str) -> str:
    """What the dcc.Dropdown `control_id` shows as chosen ("All" when nothing is)."""
    return text(page, f"#{control_id}-value")


def options(page: Page, control_id: str) -> list[str]:
    """The option values the dcc.Dropdown `control_id` offers (as in the address: "NV", a store
    id), read from its open menu, which is closed again."""
    frame = frame_with(page, f"#{control_id}")
    if frame.get_attribute(f"#{control_id}", "aria-expanded") != "true":
        frame.click(f"#{control_id}")
    menu = frame.locator(f"[id='{frame.get_attribute(f'#{control_id}', 'aria-controls')}']")
    menu.locator(".dash-dropdown-option").first.wait_for()
    values = menu.locator(".dash-dropdown-option input").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )
    frame.press(f"#{control_id}", "Escape")
    frame.evaluate("() => document.activeElement && document.activeElement.blur()")  # no halo
    return values


def sideways(page: Page) -> dict[str, dict]:
    """Every frame whose document is wider than its viewport (it scrolls sideways), by frame
    URL: its `scroll` and `client` widths (CSS px) and the first elements sticking out on the
    right (`tag#id.class [left-right]`; shapes inside an SVG are the SVG's own affair)."""
    wide = {}
    for frame in page.frames:
        try:
            found = frame.evaluate(SIDEWAYS_JS)
        except PlaywrightError:  # a frame detached meanwhile has no width to judge
            continue
        if found["scroll"] > found["client"]:
            wide[frame.url] = found
    return wide


# Where on a point to click, as fractions of its box: the centre first, then its edges (the
# graph's mode bar covers the top right corner, often the top bar's centre).
SPOTS = ((0.5, 0.5), (0.1, 0.5), (0.5, 0.9), (0.9, 0.5), (0.5, 0.1))
FREE_SPOT_JS = """([el, spots, graph]) => {
  const r = el.getBoundingClientRect();
  for (const [fx, fy] of spots) {
    const x = r.left + r.width * fx, y = r.top + r.height * fy;
    const hit = document.elementFromPoint(x, y);
    if (hit && hit.closest('#' + graph) && !hit.closest('.modebar')) return [fx, fy];
  }
  return null;
}"""


def click_point(page: Page, graph_id: str, index: int = 0) -> None:
    """Click the `index`-th drawn point (bar, marker, pie slice) of the Plotly graph
    `graph_id` as a user would: Plotly reports the point under the mouse, so the mouse goes
    to a spot of the point that nothing covers. For a drill-down, follow with
    `page.wait_for_url` (another page) or `settle` (filters changed in place)."""
    frame = frame_with(page, f"#{graph_id} .main-svg")
    point = frame.locator(f"#{graph_id} .point, #{graph_id} .slice").nth(index)
    point.scroll_into_view_if_needed()
    spot = frame.evaluate(FREE_SPOT_JS, [point.element_handle(), SPOTS, graph_id])
    box = point.bounding_box()  # in the top page's coordinates, iframes included
    assert spot and box, f"point {index} of #{graph_id} is covered or off screen"
    x, y = box["x"] + box["width"] * spot[0], box["y"] + box["height"] * spot[1]
    page.mouse.move(x, y)  # Plotly's hover picks the point the click then reports
    page.mouse.click(x, y)


def money(shown: str) -> Decimal:
    """A figure as the page formats it ("$1,234.56", "1,234", "12.50%") as a Decimal."""
    return Decimal(re.sub(r"[^\d.\-]", "", shown))


# The API with the page's session ------------------------------------------------------------


def api_get(page: Page, path: str, params: dict | None = None) -> APIResponse:
    """GET `path` with the page's cookies (its user's session). Repeated parameters as lists:
    `{"state": ["NV", "UT"]}`."""
    query = urlencode(params or {}, doseq=True)
    return page.request.get(f"{path}?{query}" if query else path)


def api_json(page: Page, path: str, params: dict | None = None) -> dict:
    """The JSON body of a successful GET (fails on any other status)."""
    response = api_get(page, path, params)
    assert response.ok, f"{response.url}: {response.status} {response.text()[:300]}"
    return response.json()


def api_rows(page: Page, path: str, params: dict | None = None) -> list[dict[str, str]]:
    """The `?format=csv` answer of an analysis as rows of text, for comparing with a
    downloaded CSV."""
    response = api_get(page, path, {**(params or {}), "format": "csv"})
    assert response.ok, f"{response.url}: {response.status} {response.text()[:300]}"
    return list(csv.DictReader(io.StringIO(response.text())))


# Downloads and screenshots ----------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """A file the page saved: its suggested name, its text, and its rows read as CSV."""

    filename: str
    text: str

    @property
    def rows(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.text)))


def download(page: Page, selector: str, timeout: float = TIMEOUT) -> Download:
    """Click `selector` (a button feeding a dcc.Download, in any frame) and capture the file."""
    frame = frame_with(page, selector)
    with page.expect_download(timeout=timeout * 1000) as info:
        frame.click(selector)
    saved = info.value
    failure = saved.failure()
    assert failure is None, f"download from {selector} failed: {failure}"
    text = Path(saved.path()).read_text(encoding="utf-8-sig")
    return Download(filename=saved.suggested_filename, text=text)


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page (its iframes included) as docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
