"""The Overview dashboard (`/dashboard/`): filter bar, KPI cards, trend, categories, top lists.

Every callback takes the user from django-plotly-dash's `user` keyword, builds the scope with
`scope_for`, validates the control values with `parse_filters` (the API's vocabulary: each
control's id is its parameter name) and calls one service. A store or state sent in the payload
outside the user's scope is refused with a message, never answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import plotly.graph_objects as go
from dash import Input, Output, dcc, html
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django_plotly_dash import DjangoDash

from accounts.scope import Scope, scope_for
from analytics.filters import Filters, Granularity, InvalidFilter, parse_filters
from analytics.registry import all_analyses
from analytics.services.kpis import kpis_by_period
from analytics.services.options import filter_options
from analytics.services.orders import sales_by_period
from analytics.services.products import sales_by_product
from analytics.services.stores import sales_by_store

APP_NAME = "overview"
FILTER_NAMES = ("date_from", "date_to", "state", "city", "store", "category", "size")
FILTER_INPUTS = [
    Input("date_from", "date"),
    Input("date_to", "date"),
    *(Input(name, "value") for name in FILTER_NAMES[2:]),
]
OPTION_NAMES = ("state", "city", "store", "category", "size")
TOP = 10
GRAPH_CONFIG = {"displaylogo": False, "responsive": True}

# Unhashed static names: the app is built at import, possibly before collectstatic has written
# the manifest (tests, DEBUG); whitenoise serves the unhashed copies as well.
STATIC = "/" + settings.STATIC_URL.strip("/") + "/"
app = DjangoDash(
    APP_NAME,
    serve_locally=True,
    external_stylesheets=[STATIC + "vendor/bootstrap/bootstrap.min.css", STATIC + "css/slice.css"],
)


def describe(analysis: str) -> str:
    """The first paragraph of an analysis's docstring: the chart's tooltip, as in the API docs."""
    return all_analyses()[analysis].description.split("\n\n", 1)[0].replace("\n", " ")


# Layout -------------------------------------------------------------------------------------


def _control(label: str, control) -> html.Div:
    return html.Div(
        [html.Label(label, className="form-label small mb-1"), control], className="col"
    )


def filter_bar() -> html.Div:
    # Every prop the page may set is declared (even as None): django-plotly-dash's initial
    # arguments only replace props present in the layout.
    def dropdown(name: str, multi: bool = False) -> dcc.Dropdown:
        return dcc.Dropdown(id=name, options=[], value=None, multi=multi, placeholder="All")

    def date(name: str) -> dcc.DatePickerSingle:
        return dcc.DatePickerSingle(id=name, date=None, display_format="YYYY-MM-DD", clearable=True)

    return html.Div(
        className="row row-cols-2 row-cols-md-4 row-cols-xl-7 g-2 mb-3",
        children=[
            _control("From", date("date_from")),
            _control("To", date("date_to")),
            _control("State", dropdown("state", multi=True)),
            _control("City", dropdown("city")),
            _control("Store", dropdown("store", multi=True)),
            _control("Category", dropdown("category")),
            _control("Size", dropdown("size")),
        ],
    )


def chart_card(graph_id: str, title: str, analysis: str, *extra) -> html.Div:
    tooltip = describe(analysis)
    header = html.Div(
        className="card-header d-flex justify-content-between align-items-center",
        children=[
            html.Span(title, title=tooltip),
            *extra,
            html.Span(
                "i",
                title=tooltip,
                id=f"{graph_id}-info",
                className="badge rounded-pill border text-body-secondary",
            ),
        ],
    )
    graph = dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": "320px"})
    return html.Div(
        className="col-12 col-lg-6",
        children=html.Div(
            className="card h-100",
            children=[header, html.Div(dcc.Loading(graph), className="card-body p-1")],
        ),
    )


def serve_layout() -> html.Div:
    granularity = dcc.RadioItems(
        id="granularity",
        options=[{"label": g.label, "value": g.value} for g in Granularity],
        value=Granularity.MONTH.value,
        inline=True,
        inputClassName="me-1",
        labelClassName="me-2 small",
    )
    return html.Div(
        className="container-fluid py-2",
        children=[
            filter_bar(),
            html.Div(id="filter-error", role="alert"),
            html.Div(
                className="d-flex justify-content-between align-items-baseline",
                children=[
                    html.H2("Key figures", className="h5 mb-2", title=describe("kpis_by_period")),
                    html.Small(id="kpi-period", className="text-body-secondary"),
                ],
            ),
            dcc.Loading(html.Div(id="kpis", className="row row-cols-2 row-cols-md-4 g-2 mb-3")),
            html.Div(
                className="row g-3",
                children=[
                    chart_card("trend", "Revenue and orders", "sales_by_period", granularity),
                    chart_card("by-category", "Sales by category", "sales_by_product"),
                    chart_card("top-stores", f"Top {TOP} stores by revenue", "sales_by_store"),
                    chart_card(
                        "top-products", f"Top {TOP} products by revenue", "sales_by_product"
                    ),
                ],
            ),
        ],
    )


app.layout = serve_layout()


def initial_arguments(filters: Filters, options: dict[str, list]) -> dict[str, dict]:
    """Control values (from the page's query string) and options for the first paint."""
    params = filters.as_params()
    args: dict[str, dict] = {name: {"options": options[name]} for name in OPTION_NAMES}
    for name in ("date_from", "date_to"):
        if name in params:
            args[name] = {"date": params[name]}
    for name in OPTION_NAMES:
        if name in params:
            args[name]["value"] = params[name]
    if "granularity" in params:
        args["granularity"] = {"value": params["granularity"]}
    return args


# Reading the controls -------------------------------------------------------------------------


def read_filters(values: Iterable, user, **extra) -> tuple[Filters | None, Scope, str | None]:
    """Validate control values within the user's scope: (filters, scope, None) or an error."""
    scope = scope_for(user)
    params = {
        name: value.split("T", 1)[0]
        if isinstance(value, str) and name.startswith("date")
        else value
        for name, value in zip(FILTER_NAMES, values, strict=True)
        if value not in (None, "", [])
    }
    try:
        return parse_filters({**params, **extra}, scope=scope), scope, None
    except (InvalidFilter, PermissionDenied) as exc:
        return None, scope, str(exc)


# Formatting ---------------------------------------------------------------------------------


def format_value(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "USD":
        return f"${value:,.2f}"
    if unit == "%":
        return f"{value:,.2f}%"
    if unit == "count":
        return f"{value:,}"
    return f"{value:,.2f}"


def format_change(row: dict) -> tuple[str, str]:
    """The change against the previous period and its Bootstrap text colour."""
    change, pct = row["change"], row["change_pct"]
    if change is None:
        return "no previous figure", "text-body-secondary"
    arrow, colour = ("▲", "text-success") if change > 0 else ("▼", "text-danger")
    if change == 0:
        arrow, colour = "=", "text-body-secondary"
    if row["unit"] == "%":
        return f"{arrow} {abs(change):,.2f} pp", colour
    return (f"{arrow} {abs(pct):,.2f}%" if pct is not None else f"{arrow} new"), colour


def kpi_card(row: dict) -> html.Div:
    change, colour = format_change(row)
    return html.Div(
        className="col",
        children=html.Div(
            className="card h-100",
            title=row["definition"],
            id=f"kpi-{row['kpi']}",
            children=html.Div(
                className="card-body py-2",
                children=[
                    html.Div(row["label"], className="small text-body-secondary"),
                    html.Div(
                        format_value(row["value"], row["unit"]),
                        id=f"kpi-{row['kpi']}-value",
                        className="fs-4 fw-semibold",
                    ),
                    html.Div(change, className=f"small {colour}"),
                ],
            ),
        ),
    )


def message(text: str) -> go.Figure:
    fig = go.Figure(layout=_layout())
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _layout(**extra) -> go.Layout:
    return go.Layout(template="plotly_white", margin={"l": 10, "r": 10, "t": 10, "b": 10}, **extra)


def floats(rows: list[dict], key: str) -> list[float]:
    return [float(r[key]) for r in rows]


# Callbacks ----------------------------------------------------------------------------------


@app.callback(
    [Output(name, "options") for name in OPTION_NAMES],
    Input("state", "value"),
    Input("city", "value"),
)
def update_options(state, city, **kwargs):
    filters, scope, error = read_filters(
        (None, None, state, city, None, None, None), kwargs["user"]
    )
    options = filter_options(filters=filters or Filters(), scope=scope)
    return [options[name] for name in OPTION_NAMES]


@app.callback(
    Output("filter-error", "children"),
    Output("kpis", "children"),
    Output("kpi-period", "children"),
    *FILTER_INPUTS,
)
def update_kpis(*values, **kwargs):
    filters, scope, error = read_filters(values, kwargs["user"])
    if error:
        return html.Div(error, className="alert alert-warning py-2"), [], ""
    result = kpis_by_period(filters=filters, scope=scope)
    meta = result.meta
    period = (
        f"{meta['date_from']} to {meta['date_to']}, "
        f"against {meta['previous_from']} to {meta['previous_to']}"
    )
    return None, [kpi_card(row) for row in result.rows], period


@app.callback(Output("trend", "figure"), *FILTER_INPUTS, Input("granularity", "value"))
def update_trend(*values, **kwargs):
    *controls, granularity = values
    filters, scope, error = read_filters(controls, kwargs["user"], granularity=granularity)
    if error:
        return message("Check the filters above.")
    rows = sales_by_period(filters=filters, scope=scope).rows
    if not rows:
        return message("No orders match these filters.")
    x = [period_label(r["period"], filters.granularity) for r in rows]
    fig = go.Figure(layout=_layout(legend={"orientation": "h", "y": 1.1}, hovermode="x unified"))
    fig.add_bar(x=x, y=floats(rows, "revenue"), name="Revenue (USD)", marker_color="#0d6efd")
    fig.add_scatter(
        x=x, y=[r["orders"] for r in rows], name="Orders", yaxis="y2", line_color="#fd7e14"
    )
    fig.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": "Revenue (USD)", "tickprefix": "$", "rangemode": "tozero"},
        yaxis2={
            "title": "Orders",
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "rangemode": "tozero",
            "tickformat": ",~r",
        },
    )
    return fig


def period_label(start: dt.date, granularity: str) -> str:
    """A period by its first day, as people name it: 2022-03, 2022 Q1, 2022."""
    if granularity == Granularity.MONTH:
        return start.strftime("%Y-%m")
    if granularity == Granularity.QUARTER:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if granularity == Granularity.YEAR:
        return str(start.year)
    return start.isoformat()


@app.callback(Output("by-category", "figure"), *FILTER_INPUTS)
def update_by_category(*values, **kwargs):
    filters, scope, error = read_filters(values, kwargs["user"])
    if error:
        return message("Check the filters above.")
    rows = sales_by_product(filters=filters, scope=scope, level="category").rows
    if not rows:
        return message("No sales match these filters.")
    fig = go.Figure(layout=_layout(showlegend=False))
    fig.add_bar(
        x=[r["category"] for r in rows],
        y=floats(rows, "revenue"),
        customdata=[[float(r["share"] or 0), r["quantity"]] for r in rows],
        hovertemplate="%{x}<br>$%{y:,.2f} (%{customdata[0]:.2f}%)<br>"
        "%{customdata[1]:,} units<extra></extra>",
    )
    fig.update_yaxes(tickprefix="$")
    return fig


@app.callback(Output("top-stores", "figure"), *FILTER_INPUTS)
def update_top_stores(*values, **kwargs):
    filters, scope, error = read_filters(values, kwargs["user"], limit=TOP)
    if error:
        return message("Check the filters above.")
    rows = sales_by_store(filters=filters, scope=scope).rows
    if not rows:
        return message("No stores match these filters.")
    return ranking([f"{r['store']} · {r['city']}, {r['state']}" for r in rows], rows)


@app.callback(Output("top-products", "figure"), *FILTER_INPUTS)
def update_top_products(*values, **kwargs):
    filters, scope, error = read_filters(values, kwargs["user"])
    if error:
        return message("Check the filters above.")
    rows = sales_by_product(filters=filters, scope=scope, level="product").rows[:TOP]
    if not rows:
        return message("No sales match these filters.")
    return ranking([f"{r['name']} ({r['size']})" for r in rows], rows)


def ranking(labels: list[str], rows: list[dict]) -> go.Figure:
    """A horizontal bar chart of revenue, highest on top."""
    fig = go.Figure(layout=_layout(showlegend=False))
    fig.add_bar(
        x=floats(rows, "revenue"),
        y=labels,
        orientation="h",
        hovertemplate="%{y}<br>$%{x:,.2f}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickprefix="$")
    return fig
