"""Dashboard pages: Django templates hosting the Dash apps of `analytics/dash_apps/`.

The address's query string (`?state=NV&date_from=...`, the API's names) becomes the controls'
first values, and the app writes them back as they change, so a view can be bookmarked and
shared. Stores, states and products outside the user's scope are refused here (403) and again
in every callback.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django_plotly_dash import views as dash_views
from django_plotly_dash.dash_wrapper import get_local_stateless_by_name
from django_plotly_dash.models import DashApp
from django_plotly_dash.util import store_initial_arguments

from accounts.scope import scope_for
from analytics.cache import cached
from analytics.dash_apps.kit import initial_arguments
from analytics.filters import Filters, InvalidFilter, parse_filters
from analytics.services.options import filter_options
from products.models import Product
from stores.models import Store


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    lead: str  # one line under the title


PAGES = {
    page.slug: page
    for page in (
        Page("overview", "Overview", "The chain at a glance: key figures, trend, stores, menu."),
        Page("customers", "Customers", "Where customers live, who comes back, who spends most."),
        Page("stores", "Stores", "Sales, reach and distance per state, city and store."),
        Page("products", "Products", "What sells, since when, at what price, and with what."),
        Page("orders", "Orders", "Trend, seasonality, basket size and value, volatility."),
        Page("geo", "Geography", "White spots, penetration, candidate sites and assignment."),
        Page("trends", "Trends", "Seasons, growth year over year, peak times, early warnings."),
        Page("store", "Store", "One store against the chain."),
        Page("product", "Product", "One product since its launch."),
    )
}
NAV = ("overview", "customers", "stores", "products", "orders", "geo", "trends")


def overview(request: HttpRequest) -> HttpResponse:
    return dashboard(request, "overview")


def page(request: HttpRequest, slug: str) -> HttpResponse:
    return dashboard(request, slug)


def store_page(request: HttpRequest, store_id: str) -> HttpResponse:
    store = get_object_or_404(Store, pk=store_id)
    if not scope_for(request.user).allows(store.pk):
        raise PermissionDenied(f"store {store.pk} is outside your stores.")
    crumbs = [
        ("Stores", reverse("dashboard-stores")),
        (store.state_abbr, reverse("dashboard-stores") + f"?state={store.state_abbr}"),
        (
            store.city,
            reverse("dashboard-stores")
            + "?"
            + urlencode({"state": store.state_abbr, "city": store.city}),
        ),
    ]
    title = f"Store {store.pk} · {store.city}, {store.state_abbr}"
    fixed, ignore = {"store": [store.pk]}, ("state", "city")
    return dashboard(request, "store", fixed=fixed, ignore=ignore, title=title, crumbs=crumbs)


def product_page(request: HttpRequest, sku: str) -> HttpResponse:
    product = get_object_or_404(Product, pk=sku)
    products = reverse("dashboard-products")
    crumbs = [
        ("Products", products),
        (product.category, products + "?" + urlencode({"category": product.category})),
    ]
    title = f"{product.name} ({product.size}) · {product.pk}"
    fixed, ignore = {"sku": [product.pk]}, ("category", "size")
    return dashboard(request, "product", fixed=fixed, ignore=ignore, title=title, crumbs=crumbs)


def dashboard(
    request: HttpRequest,
    slug: str,
    *,
    fixed: dict | None = None,
    title: str = "",
    crumbs: list | None = None,
    ignore: tuple[str, ...] = (),
) -> HttpResponse:
    """Render page `slug`: its Dash app in an iframe, with the address's filters. `ignore`
    names filters the page's own subject makes meaningless (a product page's category): a link
    carrying them from another page must not empty every chart."""
    page = PAGES[slug]
    module = importlib.import_module(f"analytics.dash_apps.{slug}")
    scope, fixed = scope_for(request.user), fixed or {}
    query = {name: request.GET.getlist(name) for name in request.GET if name not in ignore}
    error = None
    try:
        filters = parse_filters({**query, **fixed}, scope=scope)
    except InvalidFilter as exc:  # PermissionDenied (a state outside scope) is a 403
        filters, error = parse_filters(fixed, scope=scope), str(exc)
    data = {"path": request.path, "fixed": fixed}
    initial = initial_arguments(filters, filter_options(filters=filters, scope=scope), data)
    context = {
        "page": page,
        "title": title or page.title,
        "crumbs": crumbs or [],
        "nav": [PAGES[s] for s in NAV],
        "initial": initial,
        "app_url": _app_url(request, module.APP_NAME, initial),
        "error": error,
    }
    return render(request, "dashboard/page.html", context)


def _app_url(request: HttpRequest, name: str, initial: dict) -> str:
    """The app's own address, with the initial arguments stored for it (django-plotly-dash
    keeps them in the cache under an id in the address)."""
    cache_id = store_initial_arguments(request, initial)
    _, app = DashApp.locate_item(name, stateless=True, cache_id=cache_id)
    return app.base_url


# Dash callbacks ---------------------------------------------------------------------------------

NOT_CACHED = ("version.data",)  # the live poll: it answers what changed since the client looked


@csrf_exempt
def dash_update(request: HttpRequest, ident: str, **kwargs) -> HttpResponse:
    """django-plotly-dash's callback endpoint, its answers cached like the analyses'.

    A callback's answer depends only on the posted inputs, the user's scope and the data:
    the key holds the app, the exact body, the scope and the data version (`analytics.cache`),
    so a chart drawn once is not drawn again until the data changes, and never for another
    scope. The live poll is never cached. A body django-plotly-dash could not dispatch (not
    JSON, an output the app does not have, inputs that are not a list of values) is a 400
    saying why, not its 500."""
    if request.method != "POST":
        return dash_views.update(request, ident, stateless=True)
    try:
        app = get_local_stateless_by_name(ident)
    except KeyError:
        return HttpResponseNotFound(f"No dashboard app named {ident!r}.")
    output, error = _callback_output(request.body, app.as_dash_instance().callback_map)
    if error:
        return HttpResponseBadRequest(f"Callback request: {error}.", content_type="text/plain")
    if any(name in output for name in NOT_CACHED):
        return dash_views.update(request, ident, stateless=True)

    def compute() -> tuple[int, str, bytes]:
        answer = dash_views.update(request, ident, stateless=True)
        return answer.status_code, answer["Content-Type"], answer.content

    body = hashlib.sha256(request.body).hexdigest()
    status, content_type, content = cached(
        f"dash:{ident}", Filters(), scope_for(request.user), {"body": body}, compute
    )
    return HttpResponse(content, status=status, content_type=content_type)


def _callback_output(raw: bytes, callbacks: dict) -> tuple[str, str | None]:
    """The posted callback's output, or why the body cannot be dispatched."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return "", "the body is not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return "", "the body names no output"
    if body["output"] not in callbacks:
        return "", f"this app has no callback for {body['output']!r}"
    for part in ("inputs", "state"):
        values = body.get(part, [])
        entries = (
            [v for e in values for v in (e if isinstance(e, list) else [e])]
            if (isinstance(values, list))
            else None
        )
        if entries is None or not all(isinstance(e, dict) for e in entries):
            return "", f"{part!r} is not a list of component values"
    return body["output"], None
