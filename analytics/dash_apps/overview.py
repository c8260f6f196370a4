"""The Overview (`/dashboard/`): KPI cards, revenue and orders trend, stores on a map sized by
revenue, sales by category, top stores and products. Clicking a period drills into it, a
category filters by it, a store or product opens its own page."""

from __future__ import annotations

from analytics.dash_apps.kit import (
    Chart,
    bubble_sizes,
    build,
    drill_period,
    figure,
    filter_category,
    floats,
    geo_figure,
    new_app,
    open_product,
    open_store,
    period_starts,
    product_label,
    ranking,
    revenue_and_orders,
    store_label,
)
from analytics.filters import Filters
from analytics.services.base import Result

APP_NAME = "overview"
TOP = 10
app = new_app(APP_NAME)


def draw_trend(result: Result, filters: Filters):
    rows = result.rows
    return revenue_and_orders(
        rows,
        filters.granularity,
        legend={"orientation": "h", "y": 1.12},
        revenue={"customdata": period_starts(rows)},
        round_order_ticks=True,
    )


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


def draw_top_stores(result: Result, filters: Filters):
    rows = result.rows
    labels = [store_label(r) for r in rows]
    return ranking(labels, floats(rows, "revenue"), customdata=[[r["store"]] for r in rows])


def draw_top_products(result: Result, filters: Filters):
    rows = result.rows
    labels = [product_label(r) for r in rows]
    fig = ranking(labels, [r["quantity"] for r in rows], [[r["product"]] for r in rows], unit="")
    fig.update_xaxes(title="Units sold")
    return fig


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
