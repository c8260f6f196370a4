"""The Store dashboard page: key figures and its analyses (being filled in)."""

from __future__ import annotations

from analytics.dash_apps.kit import Chart, build, new_app

APP_NAME = "store"
app = new_app(APP_NAME)

CHARTS = (
    Chart(
        "store-main", "revenue by store and period", "revenue_by_store_and_period", width="col-12"
    ),
)
build(app, CHARTS, hide=("state", "city", "store"))
