"""Trends (`/dashboard/trends/`): seasons, growth year over year, peak times, early warnings.

Key figures; a heatmap of each category's months (a click filters the category); revenue
against the same period a year earlier (year, quarter or month); orders by hour, weekday or
holiday; and the weeks whose revenue fell below the expected band, by store (a click opens
the store) or by category (a click filters it).
"""

from __future__ import annotations

import calendar
import datetime as dt

from analytics.dash_apps.kit import (
    COLOURS,
    Chart,
    Drill,
    build,
    figure,
    floats,
    message,
    new_app,
    period_label,
    radio,
    right_axis,
    store_page,
)
from analytics.filters import Filters
from analytics.services.base import Result

APP_NAME = "trends"
app = new_app(APP_NAME)

MONTHS = [calendar.month_abbr[m] for m in range(1, 13)]
GREY = "#adb5bd"
NO_SALES = "No sales in this period."


# Seasons ----------------------------------------------------------------------------------------


def draw_seasons(result: Result, filters: Filters):
    categories = sorted({r["category"] for r in result.rows})
    cell = {(r["category"], r["month"]): r for r in result.rows}
    grid = [[cell[(c, m)] for m in range(1, 13)] for c in categories]
    fig = figure()
    fig.add_heatmap(
        x=MONTHS,
        y=categories,
        z=[[float(r["index"]) for r in row] for row in grid],
        customdata=[
            [[float(r["revenue"]), r["quantity"], float(r["share_of_category"])] for r in row]
            for row in grid
        ],
        texttemplate="%{z:.0f}",
        textfont={"size": 10},
        colorscale="RdBu",
        zmid=100,
        colorbar={
            "title": {"text": "Index (100 = average month)", "side": "top"},
            "orientation": "h",
            "thickness": 8,
            "len": 0.6,
            "y": -0.04,
            "yanchor": "top",
        },
        hovertemplate="%{y}, %{x}: index %{z:.2f} (100 = an average month)<br>"
        "$%{customdata[0]:,.2f}, %{customdata[1]:,} items, "
        "%{customdata[2]:.2f}% of the category's year<extra></extra>",
        xgap=2,
        ygap=2,
    )
    fig.update_xaxes(type="category", side="top")
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig


def filter_category(point: dict, filters: Filters) -> Drill | None:
    category = point.get("y")
    return Drill(set={"category": category, "size": None}) if isinstance(category, str) else None


# Growth -------------------------------------------------------------------------------------------


def period_kind(starts: list[dt.date]) -> str | None:
    """year, quarter or month from the spacing of consecutive periods (None for one period)."""
    if len(starts) < 2:
        return None
    months = (starts[1].year - starts[0].year) * 12 + starts[1].month - starts[0].month
    return {12: "year", 3: "quarter", 1: "month"}.get(months)


def draw_growth(result: Result, filters: Filters):
    rows = result.rows
    if not any(r["orders"] or r["previous_orders"] for r in rows):
        return message(NO_SALES)
    starts = [r["period"] for r in rows]
    kind = period_kind(starts)
    x = [period_label(s, kind) if kind else f"from {s.isoformat()}" for s in starts]
    fig = figure(
        legend={"orientation": "h", "y": -0.1, "yanchor": "top"},
        barmode="group",
        hovermode="x unified",
    )
    fig.add_bar(x=x, y=floats(rows, "revenue"), name="Revenue", marker_color=COLOURS[0])
    fig.add_bar(x=x, y=floats(rows, "previous_revenue"), name="A year earlier", marker_color=GREY)
    fig.add_scatter(
        x=x,
        y=floats(rows, "revenue_growth_pct"),
        name="Growth (%)",
        yaxis="y2",
        mode="lines+markers+text" if len(x) <= 12 else "lines+markers",  # labels fit
        texttemplate="%{y:+.1f}%",
        textposition="top center",
        textfont={"color": "#212529", "size": 11, "shadow": "0 0 3px white, 0 0 3px white"},
        line_color=COLOURS[1],
        hovertemplate="%{y:+.2f}%",
    )
    fig.update_traces(hovertemplate="$%{y:,.2f}", selector={"type": "bar"})
    fig.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": "Revenue (USD)", "tickprefix": "$", "rangemode": "tozero"},
        yaxis2=right_axis(
            "Growth on a year earlier (%)",
            ticksuffix="%",
            tickmode="auto",
            nticks=6,
            range=_headroom(floats(rows, "revenue_growth_pct")),
        ),
    )
    return fig


def _headroom(values: list[float | None]) -> list[float] | None:
    """An axis range from zero (or the lowest value) with room above for the labels."""
    shown = [v for v in values if v is not None]
    if not shown:
        return None
    low, high = min(0.0, *shown), max(0.0, *shown)
    pad = (high - low) * 0.2 or 1.0
    return [low - (pad if low < 0 else 0), high + pad]


# Peak times ---------------------------------------------------------------------------------------


def draw_peak_times(result: Result, filters: Filters):
    if not any(r["orders"] or r.get("baseline_orders") for r in result.rows):
        return message(NO_SALES)
    if "hour" in result.columns:
        return _hours(result.rows)
    if "weekday" in result.columns:
        return _weekdays(result.rows)
    return _holidays(result.rows)


def _hours(rows: list[dict]):
    fig = figure(showlegend=False)
    fig.add_bar(
        x=[f"{r['hour']:02d}:00" for r in rows],
        y=[r["orders"] for r in rows],
        marker_color=COLOURS[0],
        customdata=[[float(r["share"]), float(r["revenue"])] for r in rows],
        hovertemplate="%{x}: %{y:,} orders (%{customdata[0]:.2f}%)<br>"
        "$%{customdata[1]:,.2f}<extra></extra>",
    )
    fig.update_xaxes(type="category", title="Hour of the day (local time)")
    fig.update_yaxes(title="Orders", tickformat=",d", rangemode="tozero")
    return fig


def _weekdays(rows: list[dict]):
    fig = figure(showlegend=False)
    fig.add_bar(
        x=[r["weekday_name"] for r in rows],
        y=floats(rows, "average_orders"),
        marker_color=COLOURS[0],
        customdata=[[r["orders"], float(r["revenue"])] for r in rows],
        hovertemplate="%{x}: %{y:,.2f} orders on average<br>"
        "%{customdata[0]:,} orders, $%{customdata[1]:,.2f} in all<extra></extra>",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Orders per day (average)", rangemode="tozero")
    return fig


def _holidays(rows: list[dict]):
    ratios = floats(rows, "ratio")
    fig = figure(showlegend=False)
    fig.add_bar(
        x=[r["date"].isoformat() for r in rows],
        y=ratios,
        marker_color=[COLOURS[2] if (v or 0) >= 1 else COLOURS[4] for v in ratios],
        customdata=[
            [r["name"], r["weekday_name"], r["orders"], _number(r["baseline_orders"])] for r in rows
        ],
        hovertemplate="%{customdata[0]}, %{customdata[1]} %{x}<br>%{customdata[2]:,} orders "
        "against %{customdata[3]} on ordinary days: ×%{y:.2f}<extra></extra>",
    )
    fig.add_hline(y=1, line={"color": GREY, "dash": "dot"})
    fig.update_xaxes(type="category", title="US holiday")
    fig.update_yaxes(title="Orders against an ordinary day (×)", rangemode="tozero")
    return fig


def _number(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


# Early warning ------------------------------------------------------------------------------------


def open_warning(row: dict, filters: Filters) -> Drill | None:
    """A store's row opens the store; a category's row filters the page by it."""
    if isinstance(row.get("store"), str):
        return store_page(row["store"])
    if isinstance(row.get("category"), str):
        return Drill(set={"category": row["category"], "size": None})
    return None


CHARTS = (
    Chart(
        "seasons",
        "Seasons: each category's months against its average month",
        "category_sales_by_month",
        draw_seasons,
        drill=filter_category,
        width="col-12",
        height=300,
        hint="100 = an average month; click a category to filter",
    ),
    Chart(
        "growth",
        "Revenue against a year earlier",
        "growth_by_period",
        draw_growth,
        controls=(
            radio("growth", "period", {"year": "Year", "quarter": "Quarter", "month": "Month"}),
        ),
        height=380,
    ),
    Chart(
        "peak-times",
        "Peak times",
        "sales_by_peak_time",
        draw_peak_times,
        controls=(
            radio(
                "peak-times",
                "view",
                {"hours": "Hours", "weekdays": "Weekdays", "holidays": "Holidays"},
            ),
        ),
        height=380,
    ),
    Chart(
        "warnings",
        "Early warning: weeks below the expected revenue",
        "revenue_drops_by_week",
        controls=(radio("warnings", "by", {"store": "Stores", "category": "Categories"}),),
        drill=open_warning,
        width="col-12",
        hint="newest first; click a store to open it",
    ),
)
build(app, CHARTS)
