"""The Products dashboard page: key figures and its analyses (being filled in)."""

from __future__ import annotations

from analytics.dash_apps.kit import Chart, build, new_app

APP_NAME = "products"
app = new_app(APP_NAME)

CHARTS = (Chart("products-main", "sales by product", "sales_by_product", width="col-12"),)
build(app, CHARTS)
