"""What the browser does for every page: the filter controls gathered into one store, the
address bar kept in step with the filters, drill-downs that open another page (all three in
the browser, no round trip), and the poll that redraws the charts when the data changed."""

from __future__ import annotations

import time

from dash import Input, Output, State, no_update
from django_plotly_dash import DjangoDash

from analytics.dash_apps.kit.spec import FILTER_INPUTS, FILTERS
from analytics.version import data_version


def register_live(app: DjangoDash) -> None:
    @app.callback(
        Output("version", "data"),
        Output("live-status", "children"),
        Input("tick", "n_intervals"),
        State("version", "data"),
        prevent_initial_call=True,
    )
    def poll(_n, seen, **kwargs):
        """Charts redraw only when the data version moved (a write through the admin, the API
        or an import); otherwise nothing is sent back and nothing redraws."""
        current = data_version()
        if current == seen:
            return no_update, no_update
        return current, f"Updated with new data at {time.strftime('%H:%M:%S')}"


FILTERS_JS = """
function(dateFrom, dateTo, state, city, store, category, size, granularity, previous) {
    const day = (v) => (typeof v === "string" && v ? v.split("T")[0] : null);
    const many = (v) => (Array.isArray(v) && v.length ? v
                                                      : (typeof v === "string" && v ? [v] : null));
    const next = {date_from: day(dateFrom), date_to: day(dateTo), state: many(state),
                  city: city || null, store: many(store), category: category || null,
                  size: size || null, granularity: granularity || "month"};
    if (previous && JSON.stringify(previous) === JSON.stringify(next)) {
        return window.dash_clientside.no_update;
    }
    return next;
}
"""

ADDRESS_JS = """
function(filters, page) {
    const values = Object.assign({}, filters || {});
    if (values.granularity === "month") { delete values.granularity; }
    const fixed = (page && page.fixed) || {};
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(values)) {
        if (name in fixed || value === null || value === undefined || value === "") continue;
        for (const v of [].concat(value)) query.append(name, String(v).split("T")[0]);
    }
    const text = query.toString();
    try {
        const top = window.parent;
        if (top !== window) {
            top.history.replaceState(null, "", top.location.pathname + (text ? "?" + text : ""));
            top.dispatchEvent(new CustomEvent("slice:filters", {detail: text}));
        }
    } catch (e) { /* not embedded in our page */ }
    return text;
}
"""

GOTO_JS = """
function(url) {
    if (url) { window.top.location.assign(url); }
    return url;
}
"""


def register_address(app: DjangoDash) -> None:
    """Filters written to the page's address (bookmarkable, shared, kept by the menu's links),
    and drill-downs that open another page; both in the browser, no round trip."""
    app.clientside_callback(
        FILTERS_JS, Output("filters", "data"), *FILTER_INPUTS, State("filters", "data")
    )
    app.clientside_callback(ADDRESS_JS, Output("address", "data"), FILTERS, State("page", "data"))
    app.clientside_callback(
        GOTO_JS, Output("nav-sink", "data"), Input("goto", "data"), prevent_initial_call=True
    )
