"""A product's own page (`/dashboard/products/<SKU>/`; the view fixes the filter `sku`).

Its key figures; units by month since its launch; its sales trend (a click zooms into the
period); its revenue per store (a click opens the store); the products bought in the same
orders (a click opens that product). The category and size controls are hidden: the product
fixes both.
"""

from __future__ import annotations

from analytics.dash_apps.kit import (
    COLOURS,
    Chart,
    build,
    clear_of_modebar,
    drill_period,
    figure,
    floats,
    message,
    new_app,
    open_product,
    open_store,
    period_starts,
    ranking,
    revenue_and_orders,
    store_label,
    top_down,
)
from analytics.dash_apps.products import (
    LAUNCH_HOVER,
    NO_SALES,
    launch_customdata,
    since_first_sale,
)
from analytics.filters import Filters
from analytics.services.base import Result

APP_NAME = "product"
PARTNERS = 15  # products listed as bought with this one
app = new_app(APP_NAME)


def draw_since_launch(result: Result, filters: Filters):
    """Units per month since launch, from the first month with sales (months before the order
    history begins read as zero)."""
    rows = since_first_sale(result.rows)
    if not rows:
        return message(NO_SALES)
    sku = rows[0]["product"]
    fig = figure(showlegend=False, hovermode="closest")
    fig.add_bar(
        x=[r["month_index"] for r in rows],
        y=[r["quantity"] for r in rows],
        marker_color=COLOURS[0],
        customdata=launch_customdata(sku, rows),
        hovertemplate=LAUNCH_HOVER,
    )
    fig.update_xaxes(title="Months since launch (0 = launch month)")
    fig.update_yaxes(title="Units sold", rangemode="tozero", tickformat=",d")
    return clear_of_modebar(fig)


def draw_trend(result: Result, filters: Filters):
    """Revenue of this product (bars) and the orders holding it (line) per period."""
    fig = revenue_and_orders(
        result.rows,
        filters.granularity,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        revenue={"customdata": period_starts(result.rows), "hovertemplate": "$%{y:,.2f}"},
        orders={"name": "Orders holding it", "hovertemplate": "%{y:,}"},
    )
    return clear_of_modebar(fig)


def draw_stores(result: Result, filters: Filters):
    """The product's revenue in each store in scope, highest on top (zeros included)."""
    rows = result.rows
    fig = ranking(
        [store_label(r) for r in rows],
        floats(rows, "revenue"),
        [[r["store"], r["items"], r["orders"]] for r in rows],
    )
    fig.update_traces(
        marker_color=COLOURS[0],
        hovertemplate="%{y}<br>$%{x:,.2f} · %{customdata[1]:,} units in "
        "%{customdata[2]:,} orders<extra></extra>",
    )
    fig.update_xaxes(title="Revenue from it")
    top_down(fig, len(rows), slots=12)
    return clear_of_modebar(fig)


def partners(result: Result, sku: str) -> list[dict]:
    """Each pair seen from this product: the other product, and the share of this product's
    orders that hold it (the pair's confidence from this side)."""
    out = []
    for r in result.rows:
        mine_first = r["product_a"] == sku
        out.append(
            {
                "product": r["product_b"] if mine_first else r["product_a"],
                "name": r["name_b"] if mine_first else r["name_a"],
                "confidence": float(r["confidence_ab"] if mine_first else r["confidence_ba"]),
                "orders": r["orders_together"],
                "lift": float(r["lift"]),
            }
        )
    return out


def draw_partners(result: Result, filters: Filters):
    """Products in the same orders, by the share of this product's orders holding them; bars
    in the darker colour are bought with it more often than chance (lift above 1)."""
    rows = partners(result, filters.sku[0]) if filters.sku else []
    if not rows:
        return message("Never bought with another product in these orders.")
    fig = ranking(
        [f"{r['name']} · {r['product']}" for r in rows],
        [r["confidence"] for r in rows],
        [[r["product"], r["orders"], r["lift"]] for r in rows],
        unit="",
    )
    fig.update_traces(
        marker_color=[COLOURS[0] if r["lift"] > 1 else "#9ec5fe" for r in rows],
        hovertemplate="%{y}<br>in %{x:.2f}% of this product's orders (%{customdata[1]:,})"
        "<br>lift %{customdata[2]:.2f} (above 1: more often than chance)<extra></extra>",
    )
    fig.update_xaxes(title="Share of its orders", ticksuffix="%")
    top_down(fig, len(rows), slots=12)
    return clear_of_modebar(fig)


CHARTS = (
    Chart(
        "since-launch",
        "Units sold by month since launch",
        "quantity_by_month_since_launch",
        draw_since_launch,
        params={"months": 120},
        hint="from the first month with sales",
    ),
    Chart(
        "trend",
        "Sales trend",
        "sales_by_period",
        draw_trend,
        drill=drill_period,
        hint="click a period to zoom in",
    ),
    Chart(
        "by-store",
        "Revenue by store",
        "sales_by_store",
        draw_stores,
        params={"limit": 1000},
        drill=open_store,
        height=560,
        hint="click a store to open it",
    ),
    Chart(
        "bought-with",
        f"Bought with it: top {PARTNERS}",
        "orders_together_by_product_pair",
        draw_partners,
        params={"limit": PARTNERS, "by": "sku"},
        drill=open_product,
        height=560,
        hint="dark: more often than chance · click to open",
    ),
)
build(app, CHARTS, hide=("category", "size"))
