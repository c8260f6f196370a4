"""The Products page (`/dashboard/products/`): what sells, since when, at what price.

Key figures; revenue by category (a click filters the page by that category) and by product
(the chosen category's products; a click opens the product's page); the best sellers by units;
units by month since launch, one line per product; list against paid prices per category;
price against sales with their correlation; every product in a table. Each product opens its
own page (`/dashboard/products/<SKU>/`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from analytics.dash_apps.kit import (
    COLOURS,
    Chart,
    build,
    clear_of_modebar,
    figure,
    filter_category,
    floats,
    message,
    new_app,
    open_product,
    product_label,
    radio,
    ranking,
    top_down,
)
from analytics.filters import Filters
from analytics.services.base import Result

APP_NAME = "products"
TOP = 10  # best sellers by units
PRODUCT_BARS = 20  # products drawn in the revenue ranking (the table lists them all)
NO_SALES = "No sales in these months."  # since launch, in the months chosen
app = new_app(APP_NAME)


# Shared by the product page -------------------------------------------------------------------


def category_colours(categories: Iterable[str]) -> dict[str, str]:
    """One colour per category, in name order, the same in every chart of a page."""
    names = sorted(set(categories))
    return {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(names)}


def launch_month(launch: dt.date, index: int) -> str:
    """The calendar month `index` months after the launch month, as 2022-03."""
    year, month = divmod(launch.month - 1 + index, 12)
    return f"{launch.year + year}-{month + 1:02d}"


def since_first_sale(rows: list[dict]) -> list[dict]:
    """A product's months from its first month with sales on: months before the order history
    begins are reported as zero, which would draw a launch that flopped."""
    first = next((i for i, r in enumerate(rows) if r["quantity"]), len(rows))
    return rows[first:]


def by_product(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """Rows grouped by SKU, in their order (the analysis sorts by SKU, then month)."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["product"], []).append(row)
    return groups


LAUNCH_HOVER = (
    "%{customdata[1]} · %{customdata[0]}<br>Month %{x} since launch (%{customdata[2]})<br>"
    "%{y:,} units · $%{customdata[3]:,.2f}<extra></extra>"
)


def launch_customdata(sku: str, rows: list[dict]) -> list[list]:
    return [
        [sku, r["name"], launch_month(r["launch_date"], r["month_index"]), float(r["revenue"])]
        for r in rows
    ]


# Revenue by category and by product -----------------------------------------------------------


def draw_categories(result: Result, filters: Filters):
    rows = result.rows
    colours = category_colours(r["category"] for r in rows)
    fig = figure(showlegend=False)
    fig.add_bar(
        x=[r["category"] for r in rows],
        y=floats(rows, "revenue"),
        marker_color=[colours[r["category"]] for r in rows],
        text=[f"{float(r['share']):.1f}%" for r in rows],
        textposition="auto",
        customdata=[[r["quantity"], r["products"], float(r["average_unit_price"])] for r in rows],
        hovertemplate="%{x}<br>$%{y:,.2f} (%{text} of revenue)<br>%{customdata[0]:,} units of "
        "%{customdata[1]} products · $%{customdata[2]:,.2f} a unit<extra></extra>",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Revenue (USD)", tickprefix="$", rangemode="tozero")
    return clear_of_modebar(fig)


def draw_products(result: Result, filters: Filters):
    """Revenue per product, highest on top, coloured by category; the first PRODUCT_BARS."""
    rows = result.rows[:PRODUCT_BARS]
    colours = category_colours(r["category"] for r in rows)
    labels = [product_label(r) for r in rows]
    fig = figure(
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xref": "container", "x": 0},
        showlegend=len(colours) > 1,
    )
    for category, colour in colours.items():
        mine = [r for r in rows if r["category"] == category]
        fig.add_bar(
            name=category,
            x=floats(mine, "revenue"),
            y=[product_label(r) for r in mine],
            orientation="h",
            marker_color=colour,
            customdata=[[r["product"], r["quantity"], float(r["share"])] for r in mine],
            hovertemplate="%{y} · %{customdata[0]}<br>$%{x:,.2f} (%{customdata[2]:.2f}%)<br>"
            "%{customdata[1]:,} units<extra></extra>",
        )
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels)
    fig.update_yaxes(automargin=True, tickfont_size=11)
    top_down(fig, len(rows))
    fig.update_xaxes(title="Revenue", tickprefix="$", nticks=5)
    if len(result.rows) > len(rows):  # a category shows all of its products
        fig.update_xaxes(title=f"Revenue, top {len(rows)} of {len(result.rows)} products")
    return clear_of_modebar(fig)


def draw_top_products(result: Result, filters: Filters):
    rows = result.rows
    colours = category_colours(r["category"] for r in rows)
    fig = ranking(
        [product_label(r) for r in rows],
        [r["quantity"] for r in rows],
        [[r["product"], r["category"], r["orders"]] for r in rows],
        unit="",
    )
    fig.update_traces(
        marker_color=[colours[r["category"]] for r in rows],
        hovertemplate="%{y} · %{customdata[0]} (%{customdata[1]})<br>%{x:,} units in "
        "%{customdata[2]:,} orders<extra></extra>",
    )
    fig.update_xaxes(title="Units sold")
    top_down(fig, len(rows))
    return clear_of_modebar(fig)


# Since launch ---------------------------------------------------------------------------------


def draw_since_launch(result: Result, filters: Filters):
    """Units per month since launch, one line per product from its first month with sales,
    coloured by launch year (a legend click shows or hides a launch year)."""
    products = {sku: since_first_sale(rows) for sku, rows in by_product(result.rows).items()}
    products = {sku: rows for sku, rows in products.items() if rows}
    if not products:
        return message(NO_SALES)
    years = sorted({rows[0]["launch_date"].year for rows in products.values()})
    fig = figure(
        hovermode="closest",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": "Launched"},
    )
    shown: set[int] = set()  # one legend entry per launch year
    for sku, rows in products.items():
        year = rows[0]["launch_date"].year
        fig.add_scatter(
            name=str(year),
            legendgroup=str(year),
            showlegend=year not in shown,
            x=[r["month_index"] for r in rows],
            y=[r["quantity"] for r in rows],
            mode="lines",
            line={"width": 1.5, "color": COLOURS[years.index(year) % len(COLOURS)]},
            customdata=launch_customdata(sku, rows),
            hovertemplate=LAUNCH_HOVER,
        )
        shown.add(year)
    fig.update_xaxes(title="Months since launch", rangemode="tozero")
    fig.update_yaxes(title="Units sold", rangemode="tozero", tickformat=",d")
    return clear_of_modebar(fig)


MONTHS = radio(
    "since-launch",
    "months",
    {12: "1 yr", 24: "2 yrs", 60: "5 yrs", 120: "all"},
    120,
    small_labels=True,
)


# Prices ---------------------------------------------------------------------------------------


def draw_prices(result: Result, filters: Filters):
    """List (catalog) against paid average price per category, with the list price range."""
    rows = result.rows
    x = [r["category"] for r in rows]
    ranges = [[float(r["min_price"]), float(r["max_price"]), r["products"]] for r in rows]
    fig = figure(legend={"orientation": "h", "yanchor": "top", "y": -0.1, "x": 0}, barmode="group")
    fig.add_bar(
        name="List price (catalog average)",
        x=x,
        y=floats(rows, "list_price_avg"),
        marker_color=COLOURS[6],
        texttemplate="$%{y:.2f}",
        customdata=ranges,
        hovertemplate="%{x}: list $%{y:,.2f} on average<br>%{customdata[2]} products, "
        "$%{customdata[0]:,.2f} to $%{customdata[1]:,.2f}<extra></extra>",
    )
    fig.add_bar(
        name="Paid (average per unit sold)",
        x=x,
        y=floats(rows, "realized_price_avg"),
        marker_color=COLOURS[0],
        texttemplate="$%{y:.2f}",
        customdata=[[r["quantity"]] for r in rows],
        hovertemplate="%{x}: paid $%{y:,.2f} a unit<br>over %{customdata[0]:,} units"
        "<extra></extra>",
    )
    fig.update_traces(textposition="outside", textangle=0, textfont_size=10, cliponaxis=False)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Price (USD)", tickprefix="$", rangemode="tozero")
    return clear_of_modebar(fig)


def draw_price_sales(result: Result, filters: Filters):
    """Each product at its list price against its sales; the correlation in the corner."""
    rows, meta = result.rows, result.meta
    revenue = meta.get("measure") == "revenue"
    colours = category_colours(r["category"] for r in rows)
    fig = figure(legend={"orientation": "h", "y": -0.2, "x": 0}, hovermode="closest")
    for category, colour in colours.items():
        mine = [r for r in rows if r["category"] == category]
        fig.add_scatter(
            name=category,
            x=floats(mine, "price"),
            y=floats(mine, "revenue") if revenue else [r["quantity"] for r in mine],
            mode="markers",
            marker={"size": 10, "color": colour, "opacity": 0.8, "line": {"width": 1}},
            customdata=[[r["product"], product_label(r)] for r in mine],
            hovertemplate="%{customdata[1]} · %{customdata[0]}<br>list $%{x:,.2f}<br>"
            + ("$%{y:,.2f} revenue" if revenue else "%{y:,} units")
            + "<extra></extra>",
        )
    fig.add_annotation(
        text=correlation_text(meta),
        xref="paper",
        yref="paper",
        x=0.01,
        y=0.99,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        bgcolor="rgba(255,255,255,0.8)",
    )
    fig.update_xaxes(title="List price (USD)", tickprefix="$")
    fig.update_yaxes(
        title="Revenue (USD)" if revenue else "Units sold",
        tickprefix="$" if revenue else "",
        rangemode="tozero",
    )
    return clear_of_modebar(fig)


def correlation_text(meta: dict) -> str:
    """Pearson's r and Spearman's rho as the analysis gives them (empty: not defined)."""

    def shown(value) -> str:
        return "n/a" if value is None else f"{value:+.2f}"

    return (
        f"Pearson r = {shown(meta.get('pearson'))} · Spearman ρ = {shown(meta.get('spearman'))}"
        f"<br>over {meta.get('n', 0)} products"
    )


MEASURE = radio(
    "price-sales", "measure", {"quantity": "units", "revenue": "revenue"}, small_labels=True
)


CHARTS = (
    Chart(
        "by-category",
        "Revenue by category",
        "sales_by_product",
        draw_categories,
        params={"level": "category"},
        drill=filter_category,
        width="col-12 col-lg-5",
        height=420,
        hint="click a category to see its products",
    ),
    Chart(
        "by-product",
        "Revenue by product",
        "sales_by_product",
        draw_products,
        params={"level": "product"},
        drill=open_product,
        width="col-12 col-lg-7",
        height=420,
        hint="click a product to open it",
    ),
    Chart(
        "top-products",
        f"Top {TOP} products by units sold",
        "top_products_by_quantity",
        draw_top_products,
        params={"limit": TOP},
        drill=open_product,
        hint="click to open",
    ),
    Chart(
        "since-launch",
        "Units sold by month since launch",
        "quantity_by_month_since_launch",
        draw_since_launch,
        controls=(MONTHS,),
        drill=open_product,
        hint="each line starts at its first month with sales",
    ),
    Chart(
        "prices",
        "Average price by category: list against paid",
        "price_by_category",
        draw_prices,
        drill=filter_category,
    ),
    Chart(
        "price-sales",
        "Price against sales",
        "sales_by_price",
        draw_price_sales,
        controls=(MEASURE,),
        drill=open_product,
        hint="click a product to open it",
    ),
    Chart(
        "products-table",
        "Every product",
        "sales_by_product",
        params={"level": "product"},
        drill=open_product,
        width="col-12",
        hint="click a row to open the product",
    ),
)
build(app, CHARTS)
