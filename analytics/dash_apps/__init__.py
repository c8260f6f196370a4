"""The dashboards' Dash apps, one module per page (analytics.views.PAGES)."""

import importlib


def register_all() -> None:
    """Import every page's app, which registers it with django-plotly-dash. A web process must
    know every app before its first callback: with several workers, a callback can reach a
    process that never rendered the page (django-plotly-dash would answer 500)."""
    from analytics.views import PAGES

    for slug in PAGES:
        importlib.import_module(f"analytics.dash_apps.{slug}")
