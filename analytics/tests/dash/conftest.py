"""Calling dashboard callbacks as django-plotly-dash does: positional control values in the
order of the layout, and the signed-in user as a keyword."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from analytics.dash_apps.kit import callback_for
from analytics.dash_apps.kit.spec import FILTER_NAMES

ALL_TIME = {"date_from": "2022-01-01", "date_to": "2023-12-31"}


def filter_values(filters: Mapping | None = None) -> list:
    """The filter bar's controls' values in layout order; granularity defaults to month."""
    filters = {"granularity": "month", **(filters or {})}
    return [filters.get(name) for name in FILTER_NAMES]


def filter_store(filters: Mapping | None = None) -> dict:
    """The `filters` store the browser fills from the controls, which charts follow."""
    return dict(zip(FILTER_NAMES, filter_values(filters), strict=True))


class Callbacks:
    def __init__(self, app):
        self.app = app

    def chart(
        self,
        chart_id: str,
        user,
        filters: Mapping | None = None,
        controls: Sequence = (),
        page: Mapping | None = None,
        version=0,
    ):
        """A chart's figure (or a table's (rows, columns)) for these filters."""
        func = (
            callback_for(self.app, f"{chart_id}.figure")
            if self._graph(chart_id)
            else (callback_for(self.app, f"{chart_id}.rowData"))
        )
        return func(filter_store(filters), version, *controls, page or {}, user=user)

    def kpis(self, user, filters: Mapping | None = None, page: Mapping | None = None):
        func = callback_for(self.app, "filter-error.children")
        return func(filter_store(filters), 0, page or {}, user=user)

    def download(
        self,
        chart_id: str,
        user,
        filters: Mapping | None = None,
        controls: Sequence = (),
        page: Mapping | None = None,
    ) -> dict:
        func = callback_for(self.app, f"{chart_id}-download.data")
        return func(1, filter_store(filters), *controls, page or {}, user=user)

    def _graph(self, chart_id: str) -> bool:
        try:
            callback_for(self.app, f"{chart_id}.figure")
        except KeyError:
            return False
        return True


@pytest.fixture
def callbacks():
    """`callbacks(app)` → helpers calling that app's chart, KPI and download callbacks."""
    return Callbacks
