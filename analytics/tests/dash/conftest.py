"""Calling dashboard callbacks as django-plotly-dash does: positional control values in the
order of the layout, and the signed-in user as a keyword. Also the helpers every page's tests
share: users, a click on a chart, what an empty chart says, a component of a layout."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import SimpleNamespace

import pytest
from dash import no_update

from accounts.models import User
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


@pytest.fixture
def executive(make_user):
    """An executive: the whole chain."""
    return make_user("exec", User.Role.EXECUTIVE)


@pytest.fixture
def manager(make_user):
    """S1's store manager."""
    return make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])


# Clicks -------------------------------------------------------------------------------------------


def drill_outputs(
    app, source: str, value, user, filters: Mapping | None = None, page: Mapping | None = None
) -> list:
    """Run the page's drill-down callback as django-plotly-dash does after `source` changed
    (a chart's clickData or selectedRows, a breadcrumb's or the clear button's n_clicks): its
    outputs, the filter bar's values then `goto`, `no_update` where nothing changes."""
    func = callback_for(app, "date_from.date")
    (callback_set,) = [c for c, f in app._callback_sets if f is func]
    inputs = [f"{i.component_id}.{i.component_property}" for i in callback_set["inputs"]]
    prop = next(i for i in inputs if i.startswith(f"{source}."))
    args = [value if i == prop else None for i in inputs]
    context = SimpleNamespace(triggered=[{"prop_id": prop, "value": value}])
    return func(*args, *filter_values(filters), page or {}, user=user, callback_context=context)


def changed(outputs: Sequence) -> dict:
    """The drill-down's outputs that change something, by name (None clears a filter)."""
    names = [*FILTER_NAMES, "goto"]
    return {n: v for n, v in zip(names, outputs, strict=True) if v is not no_update}


def click(
    app, chart_id: str, value, user, filters: Mapping | None = None, page: Mapping | None = None
) -> dict:
    """A click on `chart_id` (clickData for graphs, selectedRows for tables): every filter it
    sets (None when it clears one) and the page it opens (`goto`, None when it opens none)."""
    out = changed(drill_outputs(app, chart_id, value, user, filters, page))
    return out | {"goto": out.get("goto")}


# Reading what a page shows ----------------------------------------------------------------------


def find(component, ident: str):
    """The component with id `ident` anywhere in a Dash component tree (or list of them)."""
    if isinstance(component, list | tuple):
        return next((f for c in component if (f := find(c, ident)) is not None), None)
    if getattr(component, "id", None) == ident:
        return component
    children = getattr(component, "children", None)
    return None if children is None or isinstance(children, str) else find(children, ident)


def said(fig) -> str:
    """The message of a figure that draws nothing ("" when it draws data)."""
    if fig.data:
        return ""
    return " ".join(a.text for a in fig.layout.annotations)


def shown(cards, kpi: str) -> str:
    """The value a KPI card shows, as text."""
    return find(cards, f"kpi-{kpi}-value").children


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius 6371.0088 km, written independently of
    the code under test."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def assert_every_chart_has_its_tooltip_csv_button_and_controls(app, charts) -> None:
    """Each chart's card holds its CSV button, its tooltip and its own controls."""
    for chart in charts:
        assert find(app.layout, f"{chart.id}-csv") is not None
        assert find(app.layout, f"{chart.id}-info").title
        for control in chart.controls:
            assert find(app.layout, chart.control_id(control.param)) is not None
