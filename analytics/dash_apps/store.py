"""A store's own page (`/dashboard/stores/<storeID>/`): one store against the chain.

The view fixes the store (page data `{"fixed": {"store": [id]}}`, checked against the user's
scope in every callback, like any store in the payload) and hides the place controls. Key
figures; revenue per period with orders, against the average store when the analysis compares
it with others (a click on a period zooms in); how much of its catchment it reaches; how far
its customers come from; its best products (a click opens the product's page); where its
customers live, on a map with the store marked.
"""

from __future__ import annotations

import plotly.graph_objects as go

from accounts.scope import Scope
from analytics.dash_apps.kit import (
    NOTHING_MATCHES,
    Chart,
    bubble_sizes,
    build,
    clear_of_modebar,
    drill_period,
    figure,
    floats,
    geo_figure,
    message,
    new_app,
    open_product,
    period_labels,
    product_label,
    radio,
    ranking,
    revenue_and_orders,
)
from analytics.filters import Filters
from analytics.registry import all_analyses
from analytics.services.base import Result

APP_NAME = "store"
TOP_PRODUCTS = 15
RADII_KM = (5, 10, 25)  # choices for "orders placed within ... km"
app = new_app(APP_NAME)


def store_rows(result: Result, filters: Filters) -> list[dict]:
    """The rows of the page's store (all rows when the filters name no store)."""
    return [r for r in result.rows if not filters.store or r["store"] in filters.store]


# Trend -----------------------------------------------------------------------------------------


def draw_trend(result: Result, filters: Filters) -> go.Figure:
    """The store's revenue (bars) and orders (line) per period, and the average store's
    revenue when the analysis averaged over more stores than this one."""
    rows = store_rows(result, filters)
    if not rows:
        return message(NOTHING_MATCHES)
    stores = result.meta.get("stores", 1)
    average = go.Scatter(
        x=period_labels(rows, filters.granularity),
        y=floats(rows, "chain_average"),
        name=f"Average of {stores} stores (USD)",
        line={"color": "#212529", "dash": "dash"},
        hovertemplate="$%{y:,.2f}",
    )
    return revenue_and_orders(
        rows,
        filters.granularity,
        legend={"orientation": "h", "y": 1.12},
        revenue={
            "customdata": [
                [r["period"].isoformat(), float(r["vs_previous_pct"] or 0)] for r in rows
            ],
            "hovertemplate": "$%{y:,.2f} (%{customdata[1]:+.2f}% on the period before)",
        },
        orders={"hovertemplate": "%{y:,} orders"},
        between=(average,) if stores > 1 else (),
    )


# Reach and distance ----------------------------------------------------------------------------


def draw_reach(result: Result, filters: Filters) -> go.Figure:
    """The share of the catchment that ordered, as a gauge, with the counts behind it."""
    rows = store_rows(result, filters)
    row = rows[0] if rows else {"catchment_customers": 0, "customers": 0}
    if not row["catchment_customers"]:  # reach is undefined: say where its customers live
        customers = f"<br>Its customers: {row['customers']:,}, all living nearer another store"
        return message(
            "No customer lives nearest this store" + (customers if row["customers"] else "")
        )
    fig = figure()
    fig.update_layout(margin={"l": 40, "r": 40, "t": 30})  # the gauge's end labels
    fig.add_indicator(
        mode="gauge+number",
        value=float(row["reach_pct"]),
        number={"suffix": "%", "valueformat": ".1f"},
        title={"text": "of its catchment ordered", "font": {"size": 14}},
        gauge={"axis": {"range": [0, 100], "ticksuffix": "%"}, "bar": {"color": "#0d6efd"}},
        domain={"x": [0, 1], "y": [0.3, 1]},
    )
    lines = (
        f"{row['catchment_customers_ordering']:,} of {row['catchment_customers']:,} customers "
        "living nearest this store ordered",
        f"Its customers: {row['customers']:,}, of whom "
        f"{row['customers_from_outside_catchment']:,} live nearer another store",
    )
    for i, text in enumerate(lines):
        fig.add_annotation(
            text=text, x=0.5, y=0.16 - i * 0.13, xref="paper", yref="paper", showarrow=False
        )
    return fig


def draw_distance(result: Result, filters: Filters) -> go.Figure:
    """Mean distance per customer and per order, and the share of orders placed nearby."""
    rows = store_rows(result, filters)
    if not rows or rows[0]["avg_customer_distance_km"] is None:
        return message("No orders in this selection")
    row, share = rows[0], result.columns[-1]  # share_within_<km>km, named after the radius
    figures = (
        ("km per customer", row["avg_customer_distance_km"], ""),
        ("km per order", row["avg_distance_km"], ""),
        (f"of orders within {result.meta['within_km']:g} km", float(row[share]), "%"),
    )
    fig = figure()
    fig.update_layout(margin_t=30)
    for i, (title, value, suffix) in enumerate(figures):
        fig.add_indicator(
            mode="number",
            value=value,
            number={"suffix": suffix, "valueformat": ".1f", "font": {"size": 30}},
            title={"text": title, "font": {"size": 13}},
            domain={"x": [0, 1], "y": [1 - (i + 1) / 3, 1 - i / 3]},  # one under another
        )
    return fig


RADIUS = radio("distance", "within_km", {km: f"{km} km" for km in RADII_KM}, 10, small_labels=True)


# Products --------------------------------------------------------------------------------------


def draw_products(result: Result, filters: Filters) -> go.Figure:
    rows = store_rows(result, filters)
    labels = [product_label(r) for r in rows]
    data = [[r["product"], r["quantity"], float(r["share_of_store_revenue"] or 0)] for r in rows]
    fig = ranking(labels, floats(rows, "revenue"), customdata=data)
    fig.update_traces(
        marker_color="#0d6efd",
        hovertemplate="<b>%{y}</b> · %{customdata[0]}<br>$%{x:,.2f}, %{customdata[2]:.2f}% of "
        "the store's revenue<br>%{customdata[1]:,} sold<extra></extra>",
    )
    fig.update_xaxes(title="Revenue (USD)")
    return clear_of_modebar(fig)


# Customers on a map ----------------------------------------------------------------------------


def store_location(filters: Filters) -> list[dict]:
    """The page's store (name and place) from the stores analysis, for the map's marker.

    Its scope is exactly the stores of `filters`, which the kit checked against the user's
    scope before any chart is drawn: the call can show nothing the user may not see."""
    if not filters.store:
        return []
    mine = Scope(everything=False, store_ids=frozenset(filters.store))
    stores = all_analyses()["sales_by_store"].run(filters=filters, scope=mine).rows
    return [s for s in stores if s["latitude"] is not None]


def draw_customer_map(result: Result, filters: Filters) -> go.Figure:
    """Grid cells of the store's customers' homes, sized by customers, and the store."""
    cells, stores = result.rows, store_location(filters)
    lats = [c["lat"] for c in cells] + [s["latitude"] for s in stores]
    lons = [c["lon"] for c in cells] + [s["longitude"] for s in stores]
    fig = geo_figure(lats, lons, legend={"orientation": "h", "y": 1.0, "x": 0, "title": None})
    fig.add_scattergeo(
        name="Customers' homes",
        lat=[c["lat"] for c in cells],
        lon=[c["lon"] for c in cells],
        customdata=[[c["customers"], c["orders"], float(c["revenue"])] for c in cells],
        marker={
            "size": bubble_sizes([c["customers"] for c in cells], biggest=30),
            "color": "#0d6efd",
            "opacity": 0.5,
            "line": {"width": 0},
        },
        hovertemplate="%{customdata[0]:,} customers, %{customdata[1]:,} orders<br>"
        "$%{customdata[2]:,.2f}<extra></extra>",
    )
    for store in stores:
        fig.add_scattergeo(
            name=f"Store {store['store']}",
            lat=[store["latitude"]],
            lon=[store["longitude"]],
            marker={"size": 16, "symbol": "star", "color": "#dc3545", "line": {"width": 1}},
            hovertemplate=f"<b>Store {store['store']}</b> · {store['city']}, {store['state']}"
            "<extra></extra>",
        )
    return fig


SIDE = "col-12 col-md-6 col-xl-3"  # reach and distance, beside the trend

CHARTS = (
    Chart(
        "trend",
        "Revenue and orders against the chain",
        "revenue_by_store_and_period",
        draw_trend,
        drill=drill_period,
        widen=("store",),  # the average over every store the user sees
        width="col-12 col-xl-6",
        hint="click a period to zoom in",
    ),
    Chart(
        "reach",
        "Customer reach",
        "customer_reach_by_store",
        draw_reach,
        width=SIDE,
        hint="catchment: customers living nearest",
    ),
    Chart(
        "distance",
        "How far customers come from",
        "customer_distance_by_store",
        draw_distance,
        controls=(RADIUS,),
        width=SIDE,
    ),
    Chart(
        "customer-map",
        "Where its customers live",
        "customers_by_grid_cell",
        draw_customer_map,
        params={"cell_deg": 0.05},
        height=420,
        hint="cells of about 5 km; the star is the store",
    ),
    Chart(
        "products",
        f"Top {TOP_PRODUCTS} products by revenue",
        "product_sales_by_store",
        draw_products,
        params={"limit": TOP_PRODUCTS},
        drill=open_product,
        height=420,
        hint="click a product to open it",
    ),
)
build(app, CHARTS, hide=("state", "city", "store"))
