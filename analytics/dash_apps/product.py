"""The Product dashboard page: key figures and its analyses (being filled in)."""

from __future__ import annotations

from analytics.dash_apps.kit import Chart, build, new_app

APP_NAME = "product"
app = new_app(APP_NAME)

CHARTS = (
    Chart(
        "product-main",
        "quantity by month since launch",
        "quantity_by_month_since_launch",
        width="col-12",
    ),
)
build(app, CHARTS)
