"""The Stores dashboard page: key figures and its analyses (being filled in)."""

from __future__ import annotations

from analytics.dash_apps.kit import Chart, build, new_app

APP_NAME = "stores"
app = new_app(APP_NAME)

CHARTS = (Chart("stores-main", "sales by state", "sales_by_state", width="col-12"),)
build(app, CHARTS)
