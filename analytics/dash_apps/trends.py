"""The Trends dashboard page: key figures and its analyses (being filled in)."""

from __future__ import annotations

from analytics.dash_apps.kit import Chart, build, new_app

APP_NAME = "trends"
app = new_app(APP_NAME)

CHARTS = (Chart("trends-main", "growth by period", "growth_by_period", width="col-12"),)
build(app, CHARTS)
