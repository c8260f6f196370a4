"""Dashboard pages: Django templates hosting the Dash apps of `analytics/dash_apps/`."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.scope import scope_for
from analytics.dash_apps import overview as overview_app
from analytics.filters import Filters, InvalidFilter, parse_filters
from analytics.services.options import filter_options


def overview(request: HttpRequest) -> HttpResponse:
    """The Overview; filters from the query string (`?state=NV&date_from=...`, the API's
    names) become the controls' first values. A store or state outside the user's scope is
    refused (403, from `parse_filters`)."""
    scope = scope_for(request.user)
    error = None
    try:
        filters = parse_filters(request.GET, scope=scope)
    except InvalidFilter as exc:
        filters, error = Filters(), str(exc)
    options = filter_options(filters=filters, scope=scope)
    context = {
        "app_name": overview_app.APP_NAME,
        "initial": overview_app.initial_arguments(filters, options),
        "error": error,
    }
    return render(request, "dashboard/overview.html", context)
