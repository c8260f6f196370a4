"""The Orders page (`/dashboard/orders/`): KPI cards; revenue and orders per period; the
seasonal pattern (month × year, or weekday × hour); items and value per order, per period or as
a distribution; products bought together; how much each store's weekly revenue varies, or the
orders with unusual totals.

Clicking a period (or a month of the seasonal map) zooms into it, a store opens its page, a
product pair opens its first product's page."""

from __future__ import annotations

import datetime as dt

from analytics.dash_apps.kit import (
    COLOURS,
    Chart,
    Drill,
    build,
    drill_period,
    figure,
    floats,
    message,
    new_app,
    open_store,
    period_drill,
    period_labels,
    period_starts,
    product_page,
    radio,
    ranking,
    revenue_and_orders,
    store_label,
)
from analytics.filters import Filters, Granularity
from analytics.services.base import Result

APP_NAME = "orders"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NO_ORDERS = "No orders match these filters."
app = new_app(APP_NAME)


def per_order(rows: list[dict], column: str) -> list[float | None]:
    """An average per order, left out (a gap, not a zero) in periods without orders."""
    return [float(r[column]) if r["orders"] else None for r in rows]


# Trend --------------------------------------------------------------------------------------------


def draw_trend(result: Result, filters: Filters):
    starts = period_starts(result.rows)
    return revenue_and_orders(
        result.rows,
        filters.granularity,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        revenue={"customdata": starts, "hovertemplate": "$%{y:,.2f}"},
        orders={"customdata": starts, "hovertemplate": "%{y:,}"},
        round_order_ticks=True,  # round order counts, not the revenue grid's
    )


# Seasonal pattern -------------------------------------------------------------------------------

SEASON_VIEWS = {"month_by_year": "Month × year", "weekday_by_hour": "Weekday × hour"}


def draw_season(result: Result, filters: Filters):
    rows = result.rows
    if not any(r["orders"] for r in rows):
        return message(NO_ORDERS)
    if "hour" in result.columns:
        return _weekday_by_hour(rows)
    return _month_by_year(rows)


def _month_by_year(rows: list[dict]):
    years = sorted({r["year"] for r in rows})
    cell = {(r["year"], r["month"]): r for r in rows}
    revenue = [[float(cell[(y, m)]["revenue"]) for m in range(1, 13)] for y in years]
    orders = [[cell[(y, m)]["orders"] for m in range(1, 13)] for y in years]
    fig = figure()
    fig.add_heatmap(
        x=list(MONTHS),
        y=[str(y) for y in years],
        z=revenue,
        text=orders,
        colorscale="Blues",
        colorbar={"title": {"text": "Revenue"}, "tickprefix": "$", "thickness": 12},
        xgap=2,
        ygap=2,
        hovertemplate="%{x} %{y}<br>$%{z:,.2f}<br>%{text:,} orders<extra></extra>",
    )
    fig.update_yaxes(type="category", autorange="reversed", title="Year")
    fig.update_xaxes(type="category", title="Month")
    return fig


def _weekday_by_hour(rows: list[dict]):
    cell = {(r["weekday"], r["hour"]): r for r in rows}
    average = [[float(cell[(d, h)]["average_orders"]) for h in range(24)] for d in range(1, 8)]
    orders = [[cell[(d, h)]["orders"] for h in range(24)] for d in range(1, 8)]
    fig = figure()
    fig.add_heatmap(
        x=list(range(24)),
        y=list(WEEKDAYS),
        z=average,
        text=orders,
        colorscale="Blues",
        colorbar={"title": {"text": "Orders/day"}, "thickness": 12},
        xgap=1,
        ygap=1,
        hovertemplate="%{y} %{x}:00–%{x}:59<br>%{z:.2f} orders on average"
        "<br>%{text:,} orders in all<extra></extra>",
    )
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_xaxes(title="Hour of day (local)", dtick=2, range=[-0.5, 23.5])
    return fig


def drill_month(point: dict, filters: Filters) -> Drill | None:
    """A month of the month × year map zooms into its days; the weekday map does not drill."""
    month, year = point.get("x"), str(point.get("y", ""))
    if month not in MONTHS or not year.isdigit():
        return None
    return period_drill(dt.date(int(year), MONTHS.index(month) + 1, 1), Granularity.MONTH)


# Items and value per order ----------------------------------------------------------------------

TREND_OR_DISTRIBUTION = {"trend": "Per period", "distribution": "Distribution"}


def draw_items(result: Result, filters: Filters):
    overall = float(result.meta["items_per_order"])
    if "n_items" in result.columns:
        fig = _histogram(
            result.rows, [r["n_items"] for r in result.rows], 1.0, "Items in the order"
        )
        fig.add_vline(x=overall, line_dash="dot", line_color=COLOURS[4])
        return _note(fig, f"average {overall:.2f} items")
    rows = result.rows
    fig = _per_period(rows, per_order(rows, "items_per_order"), filters, "%{y:.2f} items")
    fig.update_yaxes(title="Items per order", rangemode="tozero")
    fig.add_hline(y=overall, line_dash="dot", line_color=COLOURS[4])
    return _note(fig, f"overall {overall:.2f}")


def draw_value(result: Result, filters: Filters):
    overall = float(result.meta["average_order_value"])
    if "band_from" in result.columns:
        rows = result.rows
        width = float(rows[0]["band_to"] - rows[0]["band_from"])
        fig = _histogram(
            rows, [float(r["band_from"]) + width / 2 for r in rows], width, "Order total (USD)"
        )
        fig.update_xaxes(tickprefix="$")
        fig.update_traces(
            customdata=[
                [float(r["share"]), float(r["band_from"]), float(r["band_to"])] for r in rows
            ],
            hovertemplate="$%{customdata[1]:,.2f} to $%{customdata[2]:,.2f}<br>%{y:,} orders "
            "(%{customdata[0]:.2f}%)<extra></extra>",
        )
        fig.add_vline(x=overall, line_dash="dot", line_color=COLOURS[4])
        return _note(fig, f"average ${overall:,.2f}")
    rows = result.rows
    fig = _per_period(rows, per_order(rows, "average_order_value"), filters, "$%{y:,.2f}")
    fig.update_yaxes(title="Average order value (USD)", tickprefix="$", rangemode="tozero")
    fig.add_hline(y=overall, line_dash="dot", line_color=COLOURS[4])
    return _note(fig, f"overall ${overall:,.2f}")


def _per_period(rows: list[dict], y: list, filters: Filters, value: str):
    fig = figure(showlegend=False)
    fig.add_scatter(
        x=period_labels(rows, filters.granularity),
        y=y,
        mode="lines+markers",
        line_color=COLOURS[0],
        customdata=[[r["period"].isoformat(), r["orders"]] for r in rows],
        hovertemplate="%{x}<br>" + value + "<br>%{customdata[1]:,} orders<extra></extra>",
    )
    fig.update_xaxes(type="category")
    return fig


def _histogram(rows: list[dict], x: list[float], width: float, title: str):
    """Orders per bin (bars `width` wide centred on `x`), with their share of all orders."""
    fig = figure(showlegend=False, bargap=0.05)
    fig.add_bar(
        x=x,
        y=[r["orders"] for r in rows],
        width=width,
        marker_color=COLOURS[0],
        customdata=[float(r["share"]) for r in rows],
        hovertemplate="%{x}<br>%{y:,} orders (%{customdata:.2f}%)<extra></extra>",
    )
    fig.update_xaxes(title=title)
    fig.update_yaxes(title="Orders", tickformat=",d")
    return fig


def _note(fig, text: str):
    """The overall figure (the dotted line) named in the top right corner."""
    fig.add_annotation(
        text=text,
        x=1,
        y=1,
        xref="paper",
        yref="paper",
        showarrow=False,
        xanchor="right",
        font={"color": COLOURS[4], "size": 12},
        bgcolor="rgba(255,255,255,0.8)",
    )
    return fig


# Volatility -------------------------------------------------------------------------------------

VOLATILITY_VIEWS = {"stores": "Stores", "outliers": "Outlier orders"}
OUTLIERS_SHOWN = 200  # the furthest outliers drawn (and in the CSV); meta counts them all


def draw_volatility(result: Result, filters: Filters):
    if "score" in result.columns:
        return _outliers(result)
    rows = result.rows
    fig = ranking(
        [store_label(r) for r in rows],
        floats(rows, "coefficient_of_variation"),
        customdata=[
            [r["store"], *(float(r[k]) for k in VOLATILITY_MONEY), r["weeks"]] for r in rows
        ],
        unit="",
    )
    fig.update_traces(
        marker_color=COLOURS[3],
        hovertemplate="<b>%{y}</b><br>variation %{x:.2f}% over %{customdata[5]} weeks<br>"
        "weekly revenue $%{customdata[1]:,.2f} ± $%{customdata[2]:,.2f}<br>"
        "weakest week $%{customdata[3]:,.2f}, strongest $%{customdata[4]:,.2f}<extra></extra>",
    )
    fig.update_xaxes(title="Weekly revenue variation (%)", ticksuffix="%")
    return fig


VOLATILITY_MONEY = ("mean_weekly_revenue", "std_weekly_revenue", "min_week", "max_week")


def _outliers(result: Result):
    rows, meta = result.rows, result.meta
    fig = figure(showlegend=False)
    fig.add_scatter(
        x=[r["ordered_at"].replace(tzinfo=None).isoformat(sep=" ") for r in rows],
        y=floats(rows, "total"),
        mode="markers",
        marker={
            "color": [COLOURS[4] if r["total"] > meta["q3"] else COLOURS[1] for r in rows],
            "size": 9,
            "opacity": 0.75,
        },
        customdata=[
            [
                r["store"],
                r["order"],
                r["customer"],
                None if r["score"] is None else float(r["score"]),
            ]
            for r in rows
        ],
        hovertemplate="Order %{customdata[1]} at %{customdata[0]}<br>%{x}<br>$%{y:,.2f}, "
        "customer %{customdata[2]}<br>%{customdata[3]:.2f} IQR beyond the quartile"
        "<extra></extra>",
    )
    for fence in ("upper_fence", "lower_fence"):
        if meta[fence] is not None and meta[fence] > 0:
            fig.add_hline(y=float(meta[fence]), line_dash="dot", line_color="#6c757d")
    fig.update_yaxes(title="Order total (USD)", tickprefix="$")
    found = meta["outliers"]
    shown = f"{len(rows):,} furthest of " if len(rows) < found else ""
    plural = "" if found == 1 else "s"
    return _note(fig, f"{shown}{found:,} outlier{plural} among {meta['orders']:,} orders")


# Baskets --------------------------------------------------------------------------------------


def open_first_product(row: dict, filters: Filters) -> Drill | None:
    return product_page(row.get("product_a"))


PAIR_COLUMNS = (
    "product_a",
    "name_a",
    "product_b",
    "name_b",
    "orders_together",
    "confidence_ab",
    "lift",
)

# The page ---------------------------------------------------------------------------------------

CHARTS = (
    Chart(
        "trend",
        "Revenue and orders",
        "sales_by_period",
        draw_trend,
        drill=drill_period,
        width="col-12",
        hint="click a period to zoom in",
    ),
    Chart(
        "items",
        "Items per order",
        "items_per_order_by_period",
        draw_items,
        controls=(radio("items", "view", TREND_OR_DISTRIBUTION, "trend"),),
        drill=drill_period,
    ),
    Chart(
        "value",
        "Average order value",
        "order_value_by_period",
        draw_value,
        controls=(radio("value", "view", TREND_OR_DISTRIBUTION, "trend"),),
        drill=drill_period,
    ),
    Chart(
        "season",
        "Seasonal pattern",
        "sales_by_season",
        draw_season,
        controls=(radio("season", "view", SEASON_VIEWS, "month_by_year"),),
        drill=drill_month,
        height=560,
        hint="click a month to zoom in",
    ),
    Chart(
        "volatility",
        "Weekly revenue variation by store",
        "revenue_volatility_by_store",
        draw_volatility,
        params={"limit": OUTLIERS_SHOWN},
        controls=(radio("volatility", "view", VOLATILITY_VIEWS, "stores"),),
        drill=open_store,
        height=560,
        hint="click a store to open it",
    ),
    Chart(
        "pairs",
        "Products bought together",
        "orders_together_by_product_pair",
        params={"limit": 50},
        columns=PAIR_COLUMNS,
        drill=open_first_product,
        width="col-12",
        hint="click a pair to open its first product",
    ),
)
build(app, CHARTS)
