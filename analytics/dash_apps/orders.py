"""The Orders dashboard page: key figures and its analyses (being filled in)."""

from __future__ import annotations

from analytics.dash_apps.kit import Chart, build, new_app

APP_NAME = "orders"
app = new_app(APP_NAME)

CHARTS = (Chart("orders-main", "sales by period", "sales_by_period", width="col-12"),)
build(app, CHARTS)
