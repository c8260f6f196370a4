"""The Customers dashboard page: key figures and its analyses (being filled in)."""

from __future__ import annotations

from analytics.dash_apps.kit import Chart, build, new_app

APP_NAME = "customers"
app = new_app(APP_NAME)

CHARTS = (
    Chart("customers-main", "customers by location", "customers_by_location", width="col-12"),
)
build(app, CHARTS)
