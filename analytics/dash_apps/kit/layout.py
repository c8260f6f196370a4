"""The parts every dashboard page shares: filter bar, breadcrumb, KPI cards, chart and table
cards (tooltip, CSV button, loading state), and the hidden stores that carry page state."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html
from dash.fingerprint import check_fingerprint
from django.conf import settings
from django_plotly_dash import DjangoDash

from analytics.dash_apps.kit.figures import format_change, format_value
from analytics.dash_apps.kit.spec import Chart
from analytics.filters import Granularity
from analytics.registry import all_analyses

# Unhashed static names: apps are built at import, possibly before collectstatic has written
# the manifest (tests, DEBUG); whitenoise serves the unhashed copies as well.
STATIC = "/" + settings.STATIC_URL.strip("/") + "/"
TOPOJSON_URL = STATIC + "vendor/plotly-topojson/"
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "topojsonURL": TOPOJSON_URL}
LIVE_INTERVAL_MS = 10_000  # new data shows within this (plus one callback), well under 30 s
CRUMBS = {  # breadcrumb buttons: id -> the filters a click clears
    "crumb-places": ("state", "city", "store"),
    "crumb-state": ("city", "store"),
    "crumb-city": ("store",),
    "crumb-products": ("category", "size"),
    "crumb-category": ("size",),
    "crumb-time": ("date_from", "date_to"),
    "crumb-year": (),
}


PLOTLY_JS = "dash/component/plotly/package_data/plotly.min.js"  # django-plotly-dash's copy


class SliceDash(DjangoDash):
    """A DjangoDash whose Dash instance for callbacks is built once per process.

    django-plotly-dash builds a new Dash instance for every request (about 10 ms: Flask
    stand-ins, every callback registered again); a callback post (`cache_id` None) needs
    nothing of it that differs between requests: the dispatch reads the callback map and
    writes nothing on the instance. Pages with initial arguments (`cache_id`) still get their
    own, since their address is part of it."""

    def as_dash_instance(self, cache_id=None):
        if cache_id is not None:
            return _static_scripts(super().as_dash_instance(cache_id=cache_id))
        instance = self.__dict__.get("_callbacks_instance")
        if instance is None:  # first callback: every callback of the app is registered by now
            instance = self._callbacks_instance = _static_scripts(super().as_dash_instance())
        return instance


SUITES = "_dash-component-suites/"


def _static_scripts(instance):
    """The instance's page with its component scripts at their static addresses.

    Dash names each script under the app's address (`.../_dash-component-suites/<package>/
    <file with a version in its name>`), and django-plotly-dash answers every one of them
    with a redirect to the static copy: a dozen round trips through Django, in two waves (the
    scripts, then the chunks they load), before the first chart. The static address is the
    one it redirects to."""
    collect = instance._collect_and_register_resources

    def collect_static(resources, *args, **kwargs):
        return [_static_src(src) for src in collect(resources, *args, **kwargs)]

    instance._collect_and_register_resources = collect_static
    return instance


def _static_src(src):
    if not isinstance(src, str) or SUITES not in src:
        return src
    path, _has_version = check_fingerprint(src.split(SUITES, 1)[1].split("?", 1)[0])
    return f"{STATIC}dash/component/{path}"


def _scan_dash_hooks_once() -> None:
    """Dash scans every installed distribution's entry points for `dash_hooks` plugins in each
    Dash() (about 5 ms): `HooksManager.register_setuptools` checks a "registered" flag that
    nothing sets (dash 4.4.0). Scan once now, then set it."""
    from dash._hooks import HooksManager

    HooksManager.register_setuptools()
    HooksManager._registered = True


_scan_dash_hooks_once()


def new_app(name: str) -> SliceDash:
    return SliceDash(
        name,
        serve_locally=True,
        # Plotly.js (dcc.Graph loads it only once the layout has arrived) from the start, in
        # parallel with Dash's own scripts; run after the page is parsed, before any graph.
        external_scripts=[{"src": STATIC + PLOTLY_JS, "defer": "defer"}],
        external_stylesheets=[
            STATIC + "vendor/bootstrap/bootstrap.min.css",
            STATIC + "css/slice.css",
        ],
    )


def describe(analysis: str) -> str:
    """The first paragraph of an analysis's docstring: the tooltip, as in the API docs."""
    return all_analyses()[analysis].description.split("\n\n", 1)[0].replace("\n", " ")


def _control(label: str, control, hidden: bool) -> html.Div:
    return html.Div(
        [html.Label(label, className="form-label small mb-1", htmlFor=control.id), control],
        className="col",
        style={"display": "none"} if hidden else None,
    )


def filter_bar(hide: tuple[str, ...] = ()) -> html.Div:
    """Date range, state, city, store, category, size and period; `hide` keeps a control in the
    layout (callbacks read it) but out of sight, e.g. the store on a store's own page."""

    # Every prop the page may set is declared (even as None): django-plotly-dash's initial
    # arguments only replace props present in the layout.
    def dropdown(name: str) -> dcc.Dropdown:
        return dcc.Dropdown(
            id=name, options=[], value=None, multi=name in ("state", "store"), placeholder="All"
        )

    def date(name: str) -> dcc.DatePickerSingle:
        return dcc.DatePickerSingle(
            id=name, date=None, display_format="YYYY-MM-DD", clearable=True, placeholder="Any"
        )

    granularity = dcc.Dropdown(
        id="granularity",
        options=[{"label": g.label, "value": g.value} for g in Granularity],
        value=Granularity.MONTH.value,
        clearable=False,
    )
    controls = [
        ("From", date("date_from")),
        ("To", date("date_to")),
        ("State", dropdown("state")),
        ("City", dropdown("city")),
        ("Store", dropdown("store")),
        ("Category", dropdown("category")),
        ("Size", dropdown("size")),
        ("Period", granularity),
    ]
    return html.Div(
        className="row row-cols-2 row-cols-md-4 row-cols-xxl-8 g-2 mb-2 filter-bar",
        children=[_control(label, c, c.id in hide) for label, c in controls],
    )


def breadcrumb() -> html.Nav:
    """Where the drill-down stands (places › state › city, products › category, time › year);
    a click on a level goes back up to it. Labels and visibility come from a callback."""
    items = [
        html.Button(
            id=crumb,
            n_clicks=0,
            className="btn btn-link btn-sm p-0 me-1 crumb",
            style={"display": "none"},
        )
        for crumb in CRUMBS
    ]
    return html.Nav(
        [*items, html.Span(id="crumb-here", className="small text-body-secondary")],
        className="d-flex flex-wrap align-items-center gap-1 small mb-2",
        **{"aria-label": "breadcrumb"},
    )


def toolbar() -> html.Div:
    return html.Div(
        className="d-flex justify-content-between align-items-center flex-wrap gap-2 mb-2",
        children=[
            breadcrumb(),
            html.Div(
                [
                    html.Small(id="live-status", className="text-body-secondary me-2"),
                    html.Button(
                        "Clear filters",
                        id="clear-filters",
                        n_clicks=0,
                        className="btn btn-outline-secondary btn-sm",
                    ),
                ]
            ),
        ],
    )


def hidden_state() -> list:
    return [
        dcc.Store(id="page", data={}),  # fixed filters (a store's page) and the page's path
        dcc.Store(id="filters", data=None),  # the filter bar's values, set in the browser
        dcc.Store(id="version", data=None),  # the data version the charts were drawn from
        dcc.Interval(id="tick", interval=LIVE_INTERVAL_MS),
        dcc.Store(id="goto", data=None),  # a drill-down to another page
        dcc.Store(id="address", data=None),  # the query string, mirrored in the address bar
        dcc.Store(id="nav-sink", data=None),  # the last URL opened by a drill-down
    ]


def info(tooltip: str, target: str) -> html.Span:
    return html.Span(
        "i",
        title=tooltip,
        id=f"{target}-info",
        className="badge rounded-pill border text-body-secondary info",
    )


def chart_card(chart: Chart) -> html.Div:
    tooltip = describe(chart.analysis)
    header = html.Div(
        className="card-header d-flex flex-wrap justify-content-between align-items-center gap-2",
        children=[
            html.Span(
                [
                    html.Span(chart.title, className="fw-semibold", title=tooltip),
                    html.Small(f" {chart.hint}", className="text-body-secondary")
                    if chart.hint
                    else None,
                ]
            ),
            html.Div(
                className="d-flex flex-wrap align-items-center gap-2",
                children=[
                    *(c.component for c in chart.controls),
                    html.Button(
                        "CSV",
                        id=f"{chart.id}-csv",
                        n_clicks=0,
                        title="Download these rows as CSV (the API's columns)",
                        className="btn btn-outline-secondary btn-sm py-0",
                    ),
                    dcc.Download(id=f"{chart.id}-download"),
                    info(tooltip, chart.id),
                ],
            ),
        ],
    )
    return html.Div(
        className=chart.width,
        children=html.Div(
            className="card h-100",
            children=[
                header,
                html.Div(dcc.Loading(_body(chart), delay_show=150), className="card-body p-1"),
            ],
        ),
    )


def _body(chart: Chart):
    if not chart.is_table:
        return dcc.Graph(id=chart.id, config=GRAPH_CONFIG, style={"height": f"{chart.height}px"})
    return dag.AgGrid(
        id=chart.id,
        columnDefs=[],
        rowData=[],
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            "minWidth": 90,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": 10,
            "paginationPageSizeSelector": [10, 25, 100],
            "domLayout": "autoHeight",
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
        },
        selectedRows=[],
        columnSize="responsiveSizeToFit",
        className="ag-theme-quartz",
        style={"width": "100%"},
    )


def kpi_section() -> list:
    return [
        html.Div(
            className="d-flex justify-content-between align-items-baseline flex-wrap",
            children=[
                html.H2("Key figures", className="h6 mb-2", title=describe("kpis_by_period")),
                html.Small(id="kpi-period", className="text-body-secondary"),
            ],
        ),
        dcc.Loading(
            html.Div(id="kpis", className="row row-cols-2 row-cols-md-4 g-2 mb-3"), delay_show=150
        ),
    ]


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


def page_layout(
    charts: tuple[Chart, ...], *, kpis: bool, hide: tuple[str, ...] = (), intro=None
) -> html.Div:
    return html.Div(
        className="container-fluid py-2",
        children=[
            *hidden_state(),
            filter_bar(hide),
            toolbar(),
            html.Div(id="filter-error", role="alert"),
            intro,
            *(kpi_section() if kpis else []),
            html.Div(className="row g-3", children=[chart_card(c) for c in charts]),
        ],
    )
