"""Browser-test infrastructure: the 20,000-order export and the demo users behind a live
server, one headless Chromium, and a logged-in page per demo role.

Everything heavy is package-scoped: imported, started and launched once for all the tests
under analytics/tests/browser/, then torn down (database flushed) before any other package's
tests run, so they never see this data. `db` is overridden here to mean that shared data (no
per-test transaction); `transactional_db` and pytest-django's `live_server` would flush it, so
`_no_flushing_fixtures` refuses them. Helpers live in `helpers.py`.

SQLite: pytest-django's test database is in memory, reachable only through the main thread's
one connection, which the server thread borrows. Several requests on one connection at once
break each other's transactions, and Dash pages fire several callbacks at once, so the
application runs one request at a time there (`OneAtATimeWSGIServer`). PostgreSQL: a thread
(and a connection) per request.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.utils import override_settings

from analytics.benchmark_dash import CHROMIUM, CHROMIUM_ARGS  # the same browser, same flags
from analytics.tests.browser.helpers import record

VIEWPORT = {"width": 1366, "height": 900}
PIZZA_SMALL = Path(settings.BASE_DIR).parent / "shared" / "data" / "pizza-small"
HOST = "127.0.0.1"
IDLE = 10.0  # seconds the live server keeps an idle keep-alive connection open
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a browser test, marked or not (so `-m "not browser"` skips it)."""
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _no_flushing_fixtures(request: pytest.FixtureRequest) -> None:
    refused = {"transactional_db", "live_server"} & set(request.fixturenames)
    if refused:
        pytest.fail(f"browser tests share committed data; do not use {sorted(refused)}")


# Settings and data -------------------------------------------------------------------------


@pytest.fixture(scope="package")
def _server_settings() -> Iterator[None]:
    """Plain HTTP on localhost, cheap password hashes, static files from the finders (no
    collectstatic). Package-wide: the server builds its middleware once, at start, and the
    root conftest's per-test `settings` changes would come too late for it."""
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, HOST, "localhost"],
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield


@dataclass(frozen=True)
class Demo:
    """Facts about the loaded data the tests need, read before the browser starts.

    `users`: username per demo role (the usernames are the role names: `executive`, ...);
    `states`: every state with a store; `stores_by_state`: store ids per state;
    `regional_states`: the regional manager's states; `manager_store`: the store manager's
    store (the busiest); `other_store`: a store in another state, outside the manager's."""

    password: str
    users: tuple[str, ...]
    states: list[str]
    stores_by_state: dict[str, list[str]]
    regional_states: list[str]
    manager_store: str
    other_store: str
    import_seconds: float = field(compare=False)


@pytest.fixture(scope="package")
def demo(_server_settings, django_db_setup, django_db_blocker) -> Iterator[Demo]:
    """The pizza-small export (20,000 orders) and the demo users, committed once for the
    package and flushed afterwards. Database access stays unblocked for the live server's
    thread as long as this lasts."""
    from django.core.management import call_command

    from dataset.importer import import_dataset

    with django_db_blocker.unblock():
        _refuse_unless_test_database()
        try:
            started = time.monotonic()
            import_dataset(PIZZA_SMALL)
            yield _demo_facts(time.monotonic() - started)
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def db(demo: Demo) -> Demo:
    """Overrides pytest-django's `db` for browser tests: the shared, committed demo data, no
    per-test transaction (the server thread must see it, and logins must outlive a test).
    `page_as` requests it, which is also what tells pytest-django to create the test
    database at all: it sets up only databases some collected test asks for by name."""
    return demo


def _refuse_unless_test_database() -> None:
    """The import and the flush go to whatever database is configured: make sure it is the
    test database (in-memory SQLite, or PostgreSQL's test_<name>), never a real one."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        assert name.startswith("test_"), f"refusing to load and flush {name!r}: not a test db"


def _demo_facts(import_seconds: float) -> Demo:
    from accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo_users
    from accounts.models import User
    from stores.models import Store

    users = {spec.username: user for spec, user, _ in seed_demo_users(reset_passwords=True)}
    by_state: dict[str, list[str]] = {}
    for store_id, state in Store.objects.order_by("state_abbr", "id").values_list(
        "id", "state_abbr"
    ):
        by_state.setdefault(state, []).append(store_id)
    manager = users["storemanager"].stores.get()
    assert users["regional"].role == User.Role.REGIONAL_MANAGER
    other_state = next(s for s in by_state if s != manager.state_abbr)
    return Demo(
        password=DEMO_PASSWORD,
        users=tuple(spec.username for spec in DEMO_USERS),
        states=list(by_state),
        stores_by_state=by_state,
        regional_states=list(users["regional"].states),
        manager_store=manager.id,
        other_store=by_state[other_state][0],
        import_seconds=import_seconds,
    )


# The live server ---------------------------------------------------------------------------


class QueuedThreadedWSGIServer(ThreadedWSGIServer):
    """A thread per connection; a page's burst of callbacks waits in the backlog. Stopping
    waits for the connection threads (not daemons here), so none still holds a database
    connection when the test database is flushed or dropped; an idle keep-alive connection
    ends after `IDLE` seconds, so none can hold the stop up for long."""

    request_queue_size = 64
    daemon_threads = False
    block_on_close = True

    def process_request_thread(self, request, client_address) -> None:
        request.settimeout(IDLE)
        super().process_request_thread(request, client_address)

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], TimeoutError):  # an idle connection's end
            super().handle_error(request, client_address)


class OneAtATimeWSGIServer(QueuedThreadedWSGIServer):
    """Threads read and write the sockets, but one lock (`APP_LOCK`) lets a single request at
    a time run the application (and so use the borrowed connection). A server without
    threads would not do: it blocks on any connection Chromium opens ahead of need."""

    def set_app(self, application) -> None:
        super().set_app(_serialized(application))

    def _close_connections(self) -> None:
        # The one connection is the borrowed in-memory one, whose close() is a no-op; called
        # from a keep-alive thread that outlives the server, it would only raise.
        pass


APP_LOCK = threading.Lock()


def _serialized(application):
    def app(environ, start_response):
        with APP_LOCK:  # the whole body too: static files stream after the view returns
            result = application(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                if hasattr(result, "close"):
                    result.close()

    return app


@dataclass(frozen=True)
class Server:
    """The live server at `url` (http://127.0.0.1:<port>); `threaded` is False on SQLite,
    where requests take turns. Wrap every ORM call a test makes once the browser runs in
    `with slice_server.orm():` (see there)."""

    url: str
    threaded: bool

    @contextmanager
    def orm(self) -> Iterator[None]:
        """Lets the test's own thread query the database while Playwright runs.

        Playwright's sync API leaves its event loop marked running in this thread, so Django
        refuses the ORM here, and asgiref would hand out a second, never-closed connection
        (on PostgreSQL it keeps the test database from being dropped). The loop is hidden
        for the block: the call blocks it briefly, which is harmless in a test. On SQLite the
        block also holds the server still, since the server thread borrows this thread's
        connection and a closed page's last callbacks may still be running on it."""
        loop = asyncio._get_running_loop()
        asyncio._set_running_loop(None)
        try:
            with nullcontext() if self.threaded else APP_LOCK:
                yield
        finally:
            asyncio._set_running_loop(loop)


def _shares_in_memory_sqlite() -> bool:
    from django.db import connections

    return any(c.vendor == "sqlite" and c.is_in_memory_db() for c in connections.all())


@pytest.fixture(scope="package")
def slice_server(demo: Demo) -> Iterator[Server]:
    """A live server over the demo data at `Server.url` (http://127.0.0.1:<port>)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(HOST, start=False)
    threaded = not _shares_in_memory_sqlite()
    server.thread.server_class = QueuedThreadedWSGIServer if threaded else OneAtATimeWSGIServer
    server.start()
    try:
        yield Server(url=server.url, threaded=threaded)
    finally:
        server.stop()


# The browser and logged-in pages ----------------------------------------------------------


@pytest.fixture(scope="package")
def browser(slice_server: Server):
    """Debian's Chromium, headless, once for the package (skips where it is not installed).
    From here on the ORM needs `slice_server.orm()` in this thread."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@dataclass(frozen=True)
class Login:
    """A demo user's signed-in browser state and where the login form took them."""

    storage_state: dict
    landing: str  # path of the page the login ended on, e.g. "/dashboard/"
    seconds: float  # from submitting the form until the landing page answered


class PageFactory:
    """`page_as(role)`: a fresh page in a new browser context (1366×900), signed in as the
    demo user `role`, recording console errors and failed requests; at about:blank.

    The first call per role logs in through the login form and notes where it lands; later
    calls reuse that session's cookies. `fresh=True` logs in through the form again (for a
    test that logs out). `page_as.landing(role)` is the path the login landed on,
    `page_as.login(role)` the whole `Login`; `page_as.anonymous()` a page signed in as nobody.
    Every context closes when the test ends."""

    def __init__(self, browser, server: Server, demo: Demo, logins: dict[str, Login]):
        self._browser, self._server, self._demo, self._logins = browser, server, demo, logins
        self._contexts: list = []

    def __call__(self, role: str, *, fresh: bool = False):
        if fresh:
            self._logins[role] = self._log_in(role)
        return self._new_page(self.login(role).storage_state)

    def anonymous(self):
        return self._new_page(None)

    def landing(self, role: str) -> str:
        return self.login(role).landing

    def login(self, role: str) -> Login:
        if role not in self._logins:
            self._logins[role] = self._log_in(role)
        return self._logins[role]

    def _new_page(self, storage_state: dict | None):
        context = self._browser.new_context(
            viewport=VIEWPORT, base_url=self._server.url, storage_state=storage_state
        )
        self._contexts.append(context)
        page = context.new_page()
        record(page)
        return page

    def _log_in(self, role: str) -> Login:
        """Through the login form; the landing page is left as soon as it answers (its own
        tests judge it), so a broken page fails its test, not every login."""
        page = self._new_page(None)
        page.goto("/accounts/login/")
        page.fill("#id_username", role)
        page.fill("#id_password", self._demo.password)
        started = time.monotonic()
        with page.expect_navigation(wait_until="commit"):
            page.click("button[type=submit]")
        landing, seconds = urlparse(page.url).path, time.monotonic() - started
        assert landing != "/accounts/login/", f"{role} could not log in"
        page.goto("about:blank")  # stops the landing page's callbacks: no work left queued
        return Login(page.context.storage_state(), landing, seconds)

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()


@pytest.fixture(scope="package")
def _logins() -> dict[str, Login]:
    return {}


@pytest.fixture
def page_as(browser, slice_server: Server, db: Demo, _logins) -> Iterator[PageFactory]:
    factory = PageFactory(browser, slice_server, db, _logins)
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def module_page_as(browser, slice_server: Server, demo: Demo, _logins) -> Iterator[PageFactory]:
    """`page_as` for pages a module's tests share (say one per role, navigated from page to
    page, so the browser's cache spares the server the static files): contexts close when
    the module ends. Clear a shared page's log (`page_log(page).clear()`) before each use.
    Tests using it must request `db` themselves (page_as does it for theirs): that is what
    makes pytest-django create the test database."""
    factory = PageFactory(browser, slice_server, demo, _logins)
    yield factory
    factory.close()
