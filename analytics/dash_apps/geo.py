"""The Geo dashboard page: key figures and its analyses (being filled in)."""

from __future__ import annotations

from analytics.dash_apps.kit import Chart, build, new_app

APP_NAME = "geo"
app = new_app(APP_NAME)

CHARTS = (
    Chart(
        "geo-main", "customer assignment by store", "customer_assignment_by_store", width="col-12"
    ),
)
build(app, CHARTS)
