"""The Stores page (`/dashboard/stores/`): sales, reach and distance per state, city and store.

Key figures; the drill-down by place, in three linked steps: revenue by state (a click picks
the state), by city of the picked state (a click picks the city) and by store of the picked
city (a click opens the store's page); the stores on a map sized by revenue; each store's
revenue per period against the average store; how much of its catchment each store reaches,
and how far its customers come from; every store in a table. A store opens its own page
(`/dashboard/stores/<storeID>/`).
"""

from __future__ import annotations

import plotly.graph_objects as go

from analytics.dash_apps.kit import (
    COLOURS,
    Chart,
    Drill,
    bubble_sizes,
    build,
    clear_of_modebar,
    figure,
    floats,
    geo_figure,
    message,
    new_app,
    open_store,
    period_label,
    period_labels,
    store_label,
    top_down,
)
from analytics.filters import Filters
from analytics.services.base import Result

APP_NAME = "stores"
ALL_STORES = {"limit": 1000}  # more than the chain will ever have: every store in scope
LINES_UP_TO = 6  # stores drawn as lines against the average; more become a heat map
app = new_app(APP_NAME)

MONEY_HOVER = "$%{x:,.2f}"
TOP_LEGEND = {"orientation": "h", "x": 0, "y": 1.01, "yanchor": "bottom"}  # above the plot
# A state keeps its colour on every chart, whatever else is shown: the chain's states fixed,
# any other by its name.
STATE_COLOURS = {"CA": COLOURS[0], "NV": COLOURS[1], "AZ": COLOURS[2], "UT": COLOURS[3]}


def state_colour(state: str) -> str:
    return STATE_COLOURS.get(state) or COLOURS[sum(map(ord, state)) % len(COLOURS)]


def bars(labels: list[str], rows: list[dict], customdata: list, hover: str) -> go.Figure:
    """Revenue as horizontal bars, highest on top; `hover` continues the revenue line."""
    fig = clear_of_modebar(figure(showlegend=False))
    fig.add_bar(
        x=floats(rows, "revenue"),
        y=labels,
        orientation="h",
        customdata=customdata,
        marker_color=[state_colour(r["state"]) for r in rows],
        hovertemplate="<b>%{y}</b><br>" + MONEY_HOVER + hover + "<extra></extra>",
    )
    fig.update_yaxes(automargin=True, type="category")
    fig.update_xaxes(title="Revenue (USD)", tickprefix="$", rangemode="tozero")
    return top_down(fig, len(rows), 4)


# Sales by place: state → city → store ----------------------------------------------------------

STORE_HOVER = (
    " (%{customdata[1]:.2f}% of the listed)<br>%{customdata[2]:,} orders, "
    "%{customdata[3]:,} customers"
)
PLACE_HOVER = STORE_HOVER + "<br>%{customdata[4]} store(s)"


def place_data(row: dict, key: str) -> list:
    return [row[key], float(row["share"] or 0), row["orders"], row["customers"], row["stores"]]


def draw_states(result: Result, filters: Filters) -> go.Figure:
    rows = result.rows
    data = [place_data(r, "state") for r in rows]
    return bars([r["state"] for r in rows], rows, data, PLACE_HOVER)


def pick_state(point: dict, filters: Filters) -> Drill | None:
    state = (point.get("customdata") or [None])[0]
    if not isinstance(state, str):
        return None
    return Drill(set={"state": [state], "city": None, "store": None})


def draw_cities(result: Result, filters: Filters) -> go.Figure:
    """The cities of the picked state(s); before one is picked, a word on how to get there."""
    if not filters.state and not filters.city:
        return message("Click a state to see its cities")
    rows = result.rows
    data = [[r["city"], *place_data(r, "state")[1:], r["state"]] for r in rows]
    return bars([f"{r['city']}, {r['state']}" for r in rows], rows, data, PLACE_HOVER)


def pick_city(point: dict, filters: Filters) -> Drill | None:
    data = point.get("customdata") or []
    if len(data) < 6 or not all(isinstance(v, str) for v in (data[0], data[5])):
        return None
    return Drill(set={"state": [data[5]], "city": data[0], "store": None})


def draw_place_stores(result: Result, filters: Filters) -> go.Figure:
    """The stores of the picked city (or the picked stores)."""
    if not filters.city and not filters.store:
        return message("Click a city to see its stores")
    rows = result.rows
    data = [
        [r["store"], float(r["share_of_revenue"] or 0), r["orders"], r["customers"]] for r in rows
    ]
    return bars([store_label(r) for r in rows], rows, data, STORE_HOVER)


# The map ----------------------------------------------------------------------------------------


def draw_store_map(result: Result, filters: Filters) -> go.Figure:
    rows = [r for r in result.rows if r["latitude"] is not None]
    if not rows:
        return message("These stores have no coordinates")
    sizes = dict(
        zip((r["store"] for r in rows), bubble_sizes(floats(rows, "revenue")), strict=True)
    )
    lats, lons = [r["latitude"] for r in rows], [r["longitude"] for r in rows]
    fig = geo_figure(lats, lons, legend={"orientation": "h", "y": 1.0, "x": 0, "title": None})
    for state in sorted({r["state"] for r in rows}):
        mine = [r for r in rows if r["state"] == state]
        fig.add_scattergeo(
            name=state,
            lat=[r["latitude"] for r in mine],
            lon=[r["longitude"] for r in mine],
            customdata=[[r["store"], r["city"], r["orders"], r["customers"]] for r in mine],
            text=[f"${float(r['revenue']):,.2f}" for r in mine],
            marker={
                "size": [sizes[r["store"]] for r in mine],
                "color": state_colour(state),
                "opacity": 0.65,
                "line": {"width": 1, "color": "#343a40"},
            },
            hovertemplate="<b>%{customdata[0]} · %{customdata[1]}</b><br>%{text} revenue<br>"
            "%{customdata[2]:,} orders, %{customdata[3]:,} customers<extra>" + state + "</extra>",
        )
    return fig


# Revenue per store against the average store -----------------------------------------------


def draw_trend(result: Result, filters: Filters) -> go.Figure:
    """A few stores: a line each and the average store's; many: a heat map of the gap."""
    stores = list(dict.fromkeys(r["store"] for r in result.rows))
    if len(stores) <= LINES_UP_TO:
        return trend_lines(result, filters, stores)
    return trend_heatmap(result, filters, stores)


def trend_lines(result: Result, filters: Filters, stores: list[str]) -> go.Figure:
    fig = figure(legend={"orientation": "h", "y": 1.12}, hovermode="x unified")
    for i, store in enumerate(stores):
        rows = [r for r in result.rows if r["store"] == store]
        fig.add_scatter(
            x=period_labels(rows, filters.granularity),
            y=floats(rows, "revenue"),
            name=store,
            line_color=COLOURS[i % len(COLOURS)],
            customdata=[[store, float(r["vs_chain_pct"] or 0)] for r in rows],
            hovertemplate="$%{y:,.2f} (%{customdata[1]:+.2f}% against the average)",
        )
    averaged = result.meta.get("stores", len(stores))
    if averaged > 1:  # the average of one store is that store
        first = [r for r in result.rows if r["store"] == stores[0]]
        fig.add_scatter(
            x=period_labels(first, filters.granularity),
            y=floats(first, "chain_average"),
            name=f"Average of {averaged} stores",
            line={"color": "#212529", "dash": "dash", "width": 3},
            hovertemplate="$%{y:,.2f}",
        )
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Revenue (USD)", tickprefix="$", rangemode="tozero")
    return fig


def trend_heatmap(result: Result, filters: Filters, stores: list[str]) -> go.Figure:
    periods = list(dict.fromkeys(r["period"] for r in result.rows))
    cells = {(r["store"], r["period"]): r for r in result.rows}
    grid = [[cells[(s, p)] for p in periods] for s in stores]

    def gap(row: dict) -> float | None:
        """% against the average; blank without sales (mostly a store not yet open)."""
        pct = row["vs_chain_pct"]
        return float(pct) if row["revenue"] and pct is not None else None

    def cell(row: dict) -> list:
        return [row["store"], float(row["revenue"]), float(row["chain_average"])]

    fig = figure()
    fig.add_heatmap(
        x=[period_label(p, filters.granularity) for p in periods],
        y=stores,
        z=[[gap(c) for c in row] for row in grid],
        customdata=[[cell(c) for c in row] for row in grid],
        colorscale="RdBu",
        zmid=0,
        zmin=-100,
        zmax=100,
        colorbar={"title": {"text": "% vs<br>average", "side": "top"}, "ticksuffix": "%"},
        hovertemplate="<b>%{y}</b> · %{x}<br>$%{customdata[1]:,.2f} against $%{customdata[2]:,.2f}"
        "<br>%{z:+.2f}%<extra></extra>",
        xgap=1,
        ygap=1,
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(
        type="category", autorange="reversed", automargin=True, dtick=1, tickfont_size=10
    )
    return fig


# Reach and distance ----------------------------------------------------------------------------


def draw_reach(result: Result, filters: Filters) -> go.Figure:
    """Each store's catchment split by who ordered, and its customers from outside it."""
    rows = sorted(result.rows, key=lambda r: (-(r["reach_pct"] or 0), r["store"]))
    labels = [store_label(r) for r in rows]
    parts = (
        ("Catchment, ordered", "catchment_customers_ordering", "#0d6efd"),
        ("Catchment, did not order", None, "#cfe2ff"),
        ("From outside the catchment", "customers_from_outside_catchment", "#fd7e14"),
    )
    fig = figure(barmode="stack", legend=TOP_LEGEND)
    fig.update_layout(margin_t=40)
    for name, key, colour in parts:
        values = [
            r[key] if key else r["catchment_customers"] - r["catchment_customers_ordering"]
            for r in rows
        ]
        fig.add_bar(
            x=values,
            y=labels,
            name=name,
            orientation="h",
            marker_color=colour,
            customdata=[[r["store"], float(r["reach_pct"] or 0)] for r in rows],
            hovertemplate="<b>%{y}</b><br>" + name + ": %{x:,} customers"
            "<br>reach %{customdata[1]:.2f}%<extra></extra>",
        )
    fig.update_yaxes(automargin=True, type="category", dtick=1)
    fig.update_xaxes(title="Customers", tickformat=",d")
    return top_down(fig, len(rows), 12)


def draw_distance(result: Result, filters: Filters) -> go.Figure:
    """Mean distance per customer (bar) and per order (dot), nearest stores on top."""
    rows = [r for r in result.rows if r["avg_customer_distance_km"] is not None]
    if not rows:
        return message("No customers in this selection")
    rows.sort(key=lambda r: (r["avg_customer_distance_km"], r["store"]))
    labels = [store_label(r) for r in rows]
    share = result.columns[-1]  # share_within_<km>km, named after the radius
    data = [[r["store"], float(r[share] or 0), r["customers"], r["orders"]] for r in rows]
    fig = figure(legend=TOP_LEGEND)
    fig.update_layout(margin_t=40)
    fig.add_bar(
        x=[r["avg_customer_distance_km"] for r in rows],
        y=labels,
        orientation="h",
        name="Per customer",
        marker_color="#20c997",
        customdata=data,
        hovertemplate="<b>%{y}</b><br>%{x:,.1f} km per customer (%{customdata[2]:,})<br>"
        f"%{{customdata[1]:.2f}}% of orders within {result.meta['within_km']:g} km"
        "<extra></extra>",
    )
    fig.add_scatter(
        x=[r["avg_distance_km"] for r in rows],
        y=labels,
        mode="markers",
        name="Per order",
        marker={"color": "#212529", "symbol": "diamond", "size": 8},
        customdata=data,
        hovertemplate="%{x:,.1f} km per order (%{customdata[3]:,})<extra></extra>",
    )
    fig.update_yaxes(automargin=True, type="category", dtick=1)
    fig.update_xaxes(title="Average distance (km)", rangemode="tozero")
    return top_down(fig, len(rows), 12)


STEP = "col-12 col-lg-4"
TALL = 560  # every store of the chain in one bar chart, labels readable

CHARTS = (
    Chart(
        "by-state",
        "1 · Revenue by state",
        "sales_by_state",
        draw_states,
        drill=pick_state,
        width=STEP,
        height=300,
        hint="click a state",
    ),
    Chart(
        "by-city",
        "2 · Revenue by city",
        "sales_by_city",
        draw_cities,
        drill=pick_city,
        width=STEP,
        height=300,
        hint="click a city",
    ),
    Chart(
        "by-store",
        "3 · Revenue by store",
        "sales_by_store",
        draw_place_stores,
        params=ALL_STORES,
        drill=open_store,
        width=STEP,
        height=300,
        hint="click a store to open it",
    ),
    Chart(
        "store-map",
        "Stores by revenue",
        "sales_by_store",
        draw_store_map,
        params=ALL_STORES,
        drill=open_store,
        height=460,
        hint="bubble area = revenue; click a store to open it",
    ),
    Chart(
        "trend",
        "Revenue per store against the average",
        "revenue_by_store_and_period",
        draw_trend,
        drill=open_store,
        height=460,
        hint="the average of the stores shown",
    ),
    Chart(
        "reach",
        "Customer reach per store",
        "customer_reach_by_store",
        draw_reach,
        drill=open_store,
        height=TALL,
        hint="catchment: customers living nearest",
    ),
    Chart(
        "distance",
        "How far customers come from",
        "customer_distance_by_store",
        draw_distance,
        drill=open_store,
        height=TALL,
        hint="nearest on top",
    ),
    Chart(
        "stores-table",
        "Every store",
        "sales_by_store",
        params=ALL_STORES,
        drill=open_store,
        columns=(
            "store",
            "city",
            "state",
            "orders",
            "revenue",
            "average_order_value",
            "customers",
            "items",
            "share_of_revenue",
            "rank",
        ),
        width="col-12",
        hint="click a row to open the store",
    ),
)
build(app, CHARTS)
