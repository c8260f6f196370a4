"""What a dashboard page is made of: charts (a graph or a table over one registered analysis),
their own controls, and what a click on them drills into."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
from dash import Input, Output, State
from dash.development.base_component import Component

from analytics.filters import Filters
from analytics.services.base import Result

# The filter bar: each control's id is its parameter name in the API's vocabulary.
FILTER_NAMES = ("date_from", "date_to", "state", "city", "store", "category", "size", "granularity")
DATE_NAMES = ("date_from", "date_to")
OPTION_NAMES = ("state", "city", "store", "category", "size")
MULTI = ("state", "store")


def filter_prop(name: str) -> str:
    """The property a filter control holds its value in."""
    return "date" if name in DATE_NAMES else "value"


FILTER_INPUTS = [Input(name, filter_prop(name)) for name in FILTER_NAMES]
FILTER_STATES = [State(name, filter_prop(name)) for name in FILTER_NAMES]
# The controls' values gathered in the browser into one store, which changes only when a value
# really changes (a date picker reports its empty value again once it has loaded): every chart
# follows this store, so nothing is fetched twice.
FILTERS = Input("filters", "data")
FILTER_OUTPUTS = [Output(name, filter_prop(name)) for name in FILTER_NAMES]


@dataclass(frozen=True)
class Drill:
    """Where a click leads: new filter values on the same page (`set`, names of FILTER_NAMES,
    None clears one) or another dashboard page (`goto`, a path; the page's filters follow)."""

    set: Mapping[str, Any] = field(default_factory=dict)
    goto: str | None = None


@dataclass(frozen=True)
class Control:
    """A chart's own control: its `value` becomes the analysis parameter `param`."""

    param: str
    component: Component  # its id must be f"{chart id}--{param}"


@dataclass(frozen=True)
class Chart:
    """One card on a page: an analysis drawn as a figure (`draw`) or shown as a table.

    `params` are fixed parameters, from the vocabulary (limit, granularity) or the analysis's
    own (level, view); `drill(point, filters)` turns a clicked point (graph) or row (table) into
    a Drill. Every chart gets the tooltip of its analysis and a CSV download of the same rows the
    API gives for the same filters and parameters."""

    id: str
    title: str
    analysis: str
    draw: Callable[[Result, Filters], go.Figure] | None = None  # None: a sortable table
    params: Mapping[str, Any] = field(default_factory=dict)
    controls: tuple[Control, ...] = ()
    drill: Callable[[dict, Filters], Drill | None] | None = None
    columns: tuple[str, ...] = ()  # a table's columns (default: all of the analysis's)
    width: str = "col-12 col-xl-6"
    height: int = 340
    hint: str = ""  # one line under the title, e.g. "click a state to drill down"
    # Fixed page filters this chart's analysis leaves out, so that it covers the user's whole
    # scope (a store page's trend against the chain); `draw` still gets the page's filters.
    widen: tuple[str, ...] = ()

    @property
    def is_table(self) -> bool:
        return self.draw is None

    def control_id(self, param: str) -> str:
        return f"{self.id}--{param}"

    def analysis_query(self, query: Mapping) -> dict:
        """The query its analysis answers: the page's query without the `widen` filters."""
        return {k: v for k, v in query.items() if k not in self.widen}
