"""The Overview (`/dashboard/`): KPI cards, revenue and orders trend, stores on a map sized by
revenue, sales by category, top stores and products. Clicking a period drills into it, a
category filters by it, a store or product opens its own page."""

from __future__ import annotations

from analytics.dash_apps.kit import (
    Chart,
    Drill,
    build,
    figure,
    floats,
    new_app,
    period_drill,
    period_label,
    ranking,
)
from analytics.dash_apps.kit.figures import bubble_sizes, geo_figure
from analytics.filters import Filters
from analytics.services.base import Result

APP_NAME = "overview"
TOP = 10
app = new_app(APP_NAME)


def draw_trend(result: Result, filters: Filters):
    rows = result.rows
    x = [period_label(r["period"], filters.granularity) for r in rows]
    fig = figure(legend={"orientation": "h", "y": 1.12}, hovermode="x unified")
    fig.add_bar(
        x=x,
        y=floats(rows, "revenue"),
        name="Revenue (USD)",
        marker_color="#0d6efd",
        customdata=[r["period"].isoformat() for r in rows],
    )
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
            "tickformat": ",d",
            "tickmode": "auto",  # not aligned to the revenue axis's grid (odd tick values)
        },
    )
    return fig


def drill_period(point: dict, filters: Filters) -> Drill | None:
    start = point.get("customdata")
    return period_drill(start, filters.granularity) if isinstance(start, str) else None


def draw_store_map(result: Result, filters: Filters):
    rows = result.rows
    revenue = floats(rows, "revenue")
    lats, lons = [r["latitude"] for r in rows], [r["longitude"] for r in rows]
    fig = geo_figure(lats, lons, showlegend=False)
    fig.add_scattergeo(
        lat=lats,
        lon=lons,
        customdata=[[r["store"], r["city"], r["state"], r["orders"]] for r in rows],
        marker={
            "size": bubble_sizes(revenue),
            "color": "#0d6efd",
            "opacity": 0.6,
            "line": {"width": 1, "color": "#084298"},
        },
        text=[f"${v:,.2f}" for v in revenue],
        hovertemplate="%{customdata[0]} · %{customdata[1]}, %{customdata[2]}<br>"
        "%{text}, %{customdata[3]:,} orders<extra></extra>",
    )
    return fig


def open_store(point: dict, filters: Filters) -> Drill | None:
    data = point.get("customdata")
    store = data[0] if isinstance(data, list) and data else None
    return Drill(goto=f"/dashboard/stores/{store}/") if isinstance(store, str) else None


def draw_categories(result: Result, filters: Filters):
    rows = result.rows
    fig = figure(showlegend=False)
    fig.add_bar(
        x=[r["category"] for r in rows],
        y=floats(rows, "revenue"),
        customdata=[[float(r["share"] or 0), r["quantity"]] for r in rows],
        hovertemplate="%{x}<br>$%{y:,.2f} (%{customdata[0]:.2f}%)<br>"
        "%{customdata[1]:,} units<extra></extra>",
    )
    fig.update_yaxes(tickprefix="$")
    fig.update_xaxes(type="category")
    return fig


def filter_category(point: dict, filters: Filters) -> Drill | None:
    category = point.get("x")
    return Drill(set={"category": category}) if isinstance(category, str) else None


def draw_top_stores(result: Result, filters: Filters):
    rows = result.rows
    labels = [f"{r['store']} · {r['city']}, {r['state']}" for r in rows]
    return ranking(labels, floats(rows, "revenue"), customdata=[[r["store"]] for r in rows])


def draw_top_products(result: Result, filters: Filters):
    rows = result.rows
    labels = [f"{r['name']} ({r['size']})" for r in rows]
    fig = ranking(labels, [r["quantity"] for r in rows], [[r["product"]] for r in rows], unit="")
    fig.update_xaxes(title="Units sold")
    return fig


def open_product(point: dict, filters: Filters) -> Drill | None:
    data = point.get("customdata")
    sku = data[0] if isinstance(data, list) and data else None
    return Drill(goto=f"/dashboard/products/{sku}/") if isinstance(sku, str) else None


CHARTS = (
    Chart(
        "trend",
        "Revenue and orders",
        "sales_by_period",
        draw_trend,
        drill=drill_period,
        hint="click a period to zoom in",
    ),
    Chart(
        "store-map",
        "Stores by revenue",
        "sales_by_store",
        draw_store_map,
        params={"limit": 1000},
        drill=open_store,
        hint="click a store to open it",
    ),
    Chart(
        "by-category",
        "Sales by category",
        "sales_by_product",
        draw_categories,
        params={"level": "category"},
        drill=filter_category,
        hint="click to filter",
    ),
    Chart(
        "top-stores",
        f"Top {TOP} stores by revenue",
        "sales_by_store",
        draw_top_stores,
        params={"limit": TOP},
        drill=open_store,
    ),
    Chart(
        "top-products",
        f"Top {TOP} products by units sold",
        "top_products_by_quantity",
        draw_top_products,
        params={"limit": TOP},
        drill=open_product,
    ),
)
build(app, CHARTS)
