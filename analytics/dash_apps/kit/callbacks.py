"""The callbacks every page shares, wired from its Chart specs by `build(app, charts)`.

Every callback takes the user from django-plotly-dash's `user` keyword, builds the scope with
`scope_for`, validates the control values with `parse_filters` (the API's vocabulary: a
control's id is its parameter name) and calls registered analyses. A store or state sent in
the payload outside the user's scope is refused with a message, never answered; so is a
tampered page store (the fixed store of a store page goes through the same check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from urllib.parse import urlencode

from dash import Input, Output, State, html, no_update
from django.core.exceptions import PermissionDenied
from django_plotly_dash import DjangoDash

from accounts.scope import Scope, scope_for
from analytics.answer import answer
from analytics.api.renderers import AnalysisCSVRenderer
from analytics.dash_apps.kit.browser import register_address, register_live
from analytics.dash_apps.kit.figures import CHECK_FILTERS, NOTHING_MATCHES, message
from analytics.dash_apps.kit.layout import CRUMBS, kpi_card, page_layout
from analytics.dash_apps.kit.spec import (
    DATE_NAMES,
    FILTER_NAMES,
    FILTER_OUTPUTS,
    FILTER_STATES,
    FILTERS,
    OPTION_NAMES,
    Chart,
    filter_prop,
)
from analytics.filters import Filters, Granularity, InvalidFilter, parse_filters
from analytics.registry import all_analyses
from analytics.services.options import filter_options
from analytics.version import data_version

N = len(FILTER_NAMES)


# Reading the controls ---------------------------------------------------------------------------


def filter_query(values: Mapping | None, page: Mapping | None) -> dict:
    """The filter bar's values (by name, as the page sends them) as API query parameters; the
    page's fixed filters (a store page's store) replace the controls'. Anything else a
    tampered payload sends is left to `parse_filters` to refuse."""
    values = values if isinstance(values, Mapping) else {}
    page = page if isinstance(page, Mapping) else {}
    query = {}
    for name in FILTER_NAMES:
        value = values.get(name)
        if value in (None, "", []):
            continue
        query[name] = (
            value.split("T", 1)[0] if name in DATE_NAMES and isinstance(value, str) else value
        )
    fixed = page.get("fixed")
    return {**query, **(fixed if isinstance(fixed, Mapping) else {})}


def read_filters(
    values: Mapping | None, user, page: Mapping | None = None, **extra
) -> tuple[Filters | None, Scope, str | None]:
    """Validate the filter bar within the user's scope: (filters, scope, None) or an error."""
    scope = scope_for(user)
    try:
        return parse_filters({**filter_query(values, page), **extra}, scope=scope), scope, None
    except (InvalidFilter, PermissionDenied) as exc:
        return None, scope, str(exc)


def chart_query(
    chart: Chart, values: Mapping | None, controls: Sequence, page: Mapping | None
) -> dict:
    own = {c.param: v for c, v in zip(chart.controls, controls, strict=True) if v is not None}
    return {**filter_query(values, page), **chart.params, **own}


def run_chart(chart: Chart, query: Mapping, user):
    """(filters, result) for a chart, or raise InvalidFilter / PermissionDenied. The whole
    query is checked against the user's scope even where the chart widens it."""
    analysis = all_analyses()[chart.analysis]
    scope = scope_for(user)
    filters = parse_filters(query, scope=scope, defaults=analysis.defaults)
    wide = chart.analysis_query(query)
    if wide != query:
        wide_filters = parse_filters(wide, scope=scope, defaults=analysis.defaults)
        return filters, analysis.run(
            filters=wide_filters, scope=scope, **analysis.parse_params(wide)
        )
    return filters, analysis.run(filters=filters, scope=scope, **analysis.parse_params(query))


# Tables -------------------------------------------------------------------------------------------


def table_cell(value):
    """Numbers stay numbers (so the table sorts them as numbers), dates become ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return str(value)
    return value


def table_columns(columns: Sequence[str], rows: Sequence[dict]) -> list[dict]:
    """AG Grid column definitions: numbers filter and sort as numbers, with thousands
    separators (two decimals for money and other decimals)."""

    def spec(col: str) -> dict:
        sample = next((r[col] for r in rows if r.get(col) is not None), None)
        numeric = isinstance(sample, int | float | Decimal) and not isinstance(sample, bool)
        out = {"field": col, "headerName": col.replace("_", " ")}
        if numeric:
            digits = ".2f" if isinstance(sample, Decimal | float) else ""
            out |= {
                "filter": "agNumberColumnFilter",
                "type": "rightAligned",
                "valueFormatter": {
                    "function": f"params.value == null ? '' : d3.format(',{digits}')(params.value)"
                },
            }
        return out

    return [spec(c) for c in columns]


# Registration ---------------------------------------------------------------------------------


def build(
    app: DjangoDash,
    charts: Sequence[Chart],
    *,
    kpis: bool = True,
    hide: tuple[str, ...] = (),
    intro=None,
) -> None:
    """Give `app` the page layout for `charts` and every callback the page needs."""
    app.layout = page_layout(tuple(charts), kpis=kpis, hide=hide, intro=intro)
    _options(app)
    _breadcrumb(app)
    _drill(app, charts)
    register_live(app)
    register_address(app)
    if kpis:
        _kpis(app)
    for chart in charts:
        _chart(app, chart)
        _download(app, chart)


def _options(app: DjangoDash) -> None:
    @app.callback(
        [Output(name, "options") for name in OPTION_NAMES],
        Input("state", "value"),
        Input("city", "value"),
        State("page", "data"),
    )
    def update_options(state, city, page, **kwargs):
        filters, scope, _ = read_filters({"state": state, "city": city}, kwargs["user"], page)
        options = filter_options(filters=filters or Filters(), scope=scope)
        return [options[name] for name in OPTION_NAMES]


def _kpis(app: DjangoDash) -> None:
    @app.callback(
        Output("filter-error", "children"),
        Output("kpis", "children"),
        Output("kpi-period", "children"),
        FILTERS,
        Input("version", "data"),
        State("page", "data"),
    )
    def update_kpis(values, _version, page, **kwargs):
        filters, scope, error = read_filters(values, kwargs["user"], page)
        if error:
            return html.Div(error, className="alert alert-warning py-2"), [], ""
        result = all_analyses()["kpis_by_period"].run(filters=filters, scope=scope)  # cached
        meta = result.meta
        period = (
            f"{meta['date_from']} to {meta['date_to']}, "
            f"against {meta['previous_from']} to {meta['previous_to']}"
        )
        return None, [kpi_card(row) for row in result.rows], period


def _chart(app: DjangoDash, chart: Chart) -> None:
    outputs = (
        [Output(chart.id, "rowData"), Output(chart.id, "columnDefs")]
        if chart.is_table
        else Output(chart.id, "figure")
    )
    controls = [Input(chart.control_id(c.param), "value") for c in chart.controls]

    @app.callback(outputs, FILTERS, Input("version", "data"), *controls, State("page", "data"))
    def update(values, _version, *rest, **kwargs):
        query = chart_query(chart, values, rest[:-1], rest[-1])
        try:
            filters, result = run_chart(chart, query, kwargs["user"])
        except (InvalidFilter, PermissionDenied):
            return ([], []) if chart.is_table else message(CHECK_FILTERS)
        if chart.is_table:
            columns = list(chart.columns or result.columns)
            rows = [{c: table_cell(r.get(c)) for c in columns} for r in result.rows]
            return rows, table_columns(columns, result.rows)
        if not result.rows:
            return message(NOTHING_MATCHES)
        return chart.draw(result, filters)

    update.__name__ = f"update_{chart.id.replace('-', '_')}"


def _download(app: DjangoDash, chart: Chart) -> None:
    controls = [State(chart.control_id(c.param), "value") for c in chart.controls]

    @app.callback(
        Output(f"{chart.id}-download", "data"),
        Input(f"{chart.id}-csv", "n_clicks"),
        State("filters", "data"),
        *controls,
        State("page", "data"),
        prevent_initial_call=True,
    )
    def download(n_clicks, values, *rest, **kwargs):
        """The chart's rows as the API's CSV for the same query (same columns, same text)."""
        if not n_clicks:
            return no_update
        analysis = all_analyses()[chart.analysis]
        query = chart_query(chart, values, rest[:-1], rest[-1])
        scope = scope_for(kwargs["user"])
        try:
            parse_filters(query, scope=scope)  # the page's own filters, widened or not
            payload = answer(analysis, chart.analysis_query(query), scope)
        except (InvalidFilter, PermissionDenied):
            return no_update
        content = AnalysisCSVRenderer().render(payload).decode("utf-8")
        name = analysis.path.strip("/").replace("/", "-")
        return {"content": content, "filename": f"{name}.csv", "type": "text/csv"}


# Drill-down, breadcrumb, clearing ---------------------------------------------------------------


def _drill(app: DjangoDash, charts: Sequence[Chart]) -> None:
    graphs = [c for c in charts if c.drill and not c.is_table]
    tables = [c for c in charts if c.drill and c.is_table]
    inputs = [
        *(Input(c.id, "clickData") for c in graphs),
        *(Input(c.id, "selectedRows") for c in tables),
        *(Input(crumb, "n_clicks") for crumb in CRUMBS),
        Input("clear-filters", "n_clicks"),
    ]
    states = [*FILTER_STATES, State("page", "data")]

    @app.callback(
        [*FILTER_OUTPUTS, Output("goto", "data")], *inputs, *states, prevent_initial_call=True
    )
    def drill(*args, **kwargs):
        triggered = kwargs["callback_context"].triggered or [{}]
        source, _, prop = (triggered[0].get("prop_id") or "").rpartition(".")
        n_in = len(inputs)
        values, page = list(args[n_in : n_in + N]), args[n_in + N]
        current = dict(zip(FILTER_NAMES, values, strict=True))
        if source == "clear-filters":
            return _changed(
                {n: None for n in FILTER_NAMES if n != "granularity"}
                | {"granularity": Granularity.MONTH.value},
            )
        if source in CRUMBS:
            return _changed(crumb_changes(source, current))
        chart = next((c for c in charts if c.id == source), None)
        point = _clicked(chart, args[[i.component_id for i in inputs].index(source)])
        filters, _, error = read_filters(current, kwargs["user"], page)
        if chart is None or point is None or error:
            return [no_update] * (N + 1)
        step = chart.drill(point, filters)
        if step is None:
            return [no_update] * (N + 1)
        if step.goto:
            return [no_update] * N + [goto_url(step.goto, current)]
        return _changed(step.set)


def _clicked(chart: Chart | None, value) -> dict | None:
    """The clicked point of a graph, or the selected row of a table."""
    if chart is None or not value:
        return None
    if chart.is_table:
        return value[0] if isinstance(value, list) and isinstance(value[0], dict) else None
    points = value.get("points") if isinstance(value, dict) else None
    if not isinstance(points, list) or not points:
        return None
    # A unified hover sends every trace's point at that x: the first carrying data wins.
    usable = [p for p in points if isinstance(p, dict)]
    return next(
        (p for p in usable if p.get("customdata") is not None), usable[0] if usable else None
    )


def _changed(changes: Mapping) -> list:
    out = [changes.get(n, no_update) for n in FILTER_NAMES]
    return [*out, no_update]


def goto_url(path: str, current: Mapping) -> str:
    """Another page, carrying the filters that still make sense there (not the place or the
    product that the target page fixes itself)."""
    fixed = ("state", "city", "store") if "/stores/" in path else ("category", "size")
    query = filter_query(current, None)
    kept = {k: v for k, v in query.items() if k not in fixed}
    if kept.get("granularity") == Granularity.MONTH:  # the default: keep the address short
        del kept["granularity"]
    return path + ("?" + urlencode(kept, doseq=True) if kept else "")


def crumb_changes(crumb: str, current: Mapping) -> dict:
    changes: dict = {name: None for name in CRUMBS[crumb]}
    if crumb == "crumb-time":
        changes["granularity"] = Granularity.MONTH.value
    if crumb == "crumb-year" and current.get("date_from"):
        year = str(current["date_from"])[:4]
        changes |= {
            "date_from": f"{year}-01-01",
            "date_to": f"{year}-12-31",
            "granularity": Granularity.MONTH.value,
        }
    return changes


def _breadcrumb(app: DjangoDash) -> None:
    outputs = []
    for crumb in CRUMBS:
        outputs += [Output(crumb, "children"), Output(crumb, "style")]

    @app.callback([*outputs, Output("crumb-here", "children")], FILTERS)
    def update_breadcrumb(values):
        labels = crumb_labels(values if isinstance(values, Mapping) else {})
        out = []
        for crumb in CRUMBS:
            label = labels.get(crumb)
            out += [f"{label} ›" if label else "", None if label else {"display": "none"}]
        return [*out, labels.get("here", "")]


def crumb_labels(current: Mapping) -> dict:
    """Visible breadcrumb levels for the current filters, and the deepest one ("here")."""
    states, city, stores = current.get("state") or [], current.get("city"), current.get("store")
    labels: dict[str, str] = {}
    here: list[str] = []
    if states or city or stores:
        labels["crumb-places"] = "All stores"
        if len(states) == 1 and (city or stores):
            labels["crumb-state"] = states[0]
        if city and stores:
            labels["crumb-city"] = city
        here.append(", ".join(stores or []) or city or ", ".join(states))
    if current.get("category") or current.get("size"):
        labels["crumb-products"] = "All products"
        if current.get("category") and current.get("size"):
            labels["crumb-category"] = current["category"]
        here.append(current.get("size") or current["category"])
    date_from, date_to = current.get("date_from"), current.get("date_to")
    if date_from or date_to:
        labels["crumb-time"] = "All time"
        if date_from and date_to and str(date_from)[:7] == str(date_to)[:7]:
            labels["crumb-year"] = str(date_from)[:4]
        here.append(f"{str(date_from or '…')[:10]} to {str(date_to or '…')[:10]}")
    labels["here"] = " · ".join(here)
    return labels


def initial_arguments(filters: Filters, options: Mapping[str, list], page: Mapping) -> dict:
    """Control values (from the page's query string), options and page state for the first
    paint; django-plotly-dash hands them to the app through the cache."""
    params = filters.as_params()
    args: dict[str, dict] = {name: {"options": options[name]} for name in OPTION_NAMES}
    for name in FILTER_NAMES:
        if name in params and name not in (page.get("fixed") or {}):
            args.setdefault(name, {})[filter_prop(name)] = params[name]
    args["page"] = {"data": dict(page)}
    args["version"] = {"data": data_version()}
    return args


def callback_for(app: DjangoDash, output: str):
    """The function registered for `output` ("<id>.<prop>", the first output of a callback with
    several): for tests and the benchmark, which call callbacks as django-plotly-dash does."""
    for callback_set, func in app._callback_sets:
        outputs = callback_set["output"]
        first = outputs[0] if isinstance(outputs, list | tuple) else outputs
        if f"{first.component_id}.{first.component_property}" == output:
            return func
    raise KeyError(output)
