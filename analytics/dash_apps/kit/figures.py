"""Figure and number formatting shared by every dashboard page."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence

import plotly.graph_objects as go
import plotly.io as pio

from analytics.filters import Granularity

COLOURS = ("#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#6c757d")
MODEBAR_HEIGHT = 30  # px
# What a chart says instead of drawing: nothing to draw, or filters the user may not use.
NOTHING_MATCHES = "Nothing matches these filters."
CHECK_FILTERS = "Check the filters above."


@functools.cache
def _look() -> dict:
    """The charts' template (Plotly's "plotly_white") as the JSON the browser receives."""
    return pio.templates["plotly_white"].to_plotly_json()


class Styled(go.Figure):
    """A figure built without a template and sent with the charts' one.

    Plotly validates a template property by property each time a layout receives it, which
    was most of a cached callback's time (about 45 ms of 65); the browser only needs it in
    the JSON, so it is added there, the same for every chart."""

    def to_plotly_json(self) -> dict:
        out = super().to_plotly_json()
        out["layout"] = {**out.get("layout", {}), "template": _look()}
        return out


def base_layout(**extra) -> go.Layout:
    # The top margin keeps Plotly's toolbar clear of the first bar, so a click reaches it.
    margin = {"l": 10, "r": 10, "t": 30, "b": 10}
    return go.Layout(template="none", margin=margin, **extra)


def figure(**layout) -> Styled:
    return Styled(layout=base_layout(**layout))


def message(text: str) -> go.Figure:
    """An empty chart that says why it is empty (no data, or a filter to fix)."""
    fig = figure()
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def floats(rows: Iterable[dict], key: str) -> list[float | None]:
    """A column as floats for plotting (decimals are exact in the data, floats on screen)."""
    return [None if r[key] is None else float(r[key]) for r in rows]


def clear_of_modebar(fig: go.Figure) -> go.Figure:
    """Room above the plot for Plotly's mode bar, which otherwise covers (and swallows clicks
    on) the top bar of a ranking."""
    return fig.update_layout(margin_t=max(fig.layout.margin.t or 0, MODEBAR_HEIGHT))


def top_down(fig: go.Figure, bars: int, slots: int = 8) -> go.Figure:
    """A ranking's category axis, first bar on top, with room for at least `slots` bars: one
    or two bars stay bar-thick instead of filling the chart."""
    return fig.update_yaxes(autorange=False, range=[max(bars, slots) - 0.5, -0.5])


def store_label(row: Mapping) -> str:
    """A store as people find it: its ID, city and state."""
    return f"{row['store']} · {row['city']}, {row['state']}"


def product_label(row: Mapping) -> str:
    """A product as the menu names it: name and size."""
    return f"{row['name']} ({row['size']})"


def ranking(labels: list[str], values: list[float], customdata=None, unit: str = "$") -> go.Figure:
    """A horizontal bar chart, highest on top."""
    fig = figure(showlegend=False)
    fig.add_bar(
        x=values,
        y=labels,
        orientation="h",
        customdata=customdata,
        hovertemplate="%{y}<br>" + ("$%{x:,.2f}" if unit == "$" else "%{x:,}") + "<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(tickprefix=unit if unit == "$" else "")
    return fig


def period_label(start: dt.date | str, granularity: str) -> str:
    """A period by its first day, as people name it: 2022-03, 2022 Q1, 2022."""
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    if granularity == Granularity.MONTH:
        return start.strftime("%Y-%m")
    if granularity == Granularity.QUARTER:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if granularity == Granularity.YEAR:
        return str(start.year)
    return start.isoformat()


def period_labels(rows: Iterable[Mapping], granularity: str) -> list[str]:
    """The rows' periods (their first days, column `period`) as axis labels."""
    return [period_label(r["period"], granularity) for r in rows]


def period_starts(rows: Iterable[Mapping]) -> list[str]:
    """The rows' periods as ISO first days: the customdata a click drills into."""
    return [r["period"].isoformat() for r in rows]


def revenue_and_orders(
    rows: Sequence[Mapping],
    granularity: str,
    *,
    legend: Mapping,
    revenue: Mapping | None = None,
    orders: Mapping | None = None,
    between: Sequence[go.Scatter] = (),
    round_order_ticks: bool = True,
) -> go.Figure:
    """Revenue per period as bars on the left axis (USD) and orders as a line on the right
    axis, a category per period. `revenue` and `orders` add to (or replace) the two traces'
    properties (customdata, hovertemplate, name); `between` are traces drawn between them (a
    store's chain average). Plotly aligns an overlaying axis's ticks with the left axis's grid,
    which gives odd order counts; `round_order_ticks` (the default) lets the orders axis choose
    its own."""
    x = period_labels(rows, granularity)
    bars = {"name": "Revenue (USD)", "marker_color": COLOURS[0], **(revenue or {})}
    # Both traces carry the period's first day: a click on either drills into it.
    line = {
        "name": "Orders",
        "yaxis": "y2",
        "line_color": COLOURS[1],
        "customdata": period_starts(rows),
        **(orders or {}),
    }
    fig = figure(legend=dict(legend), hovermode="x unified")
    fig.add_bar(x=x, y=floats(rows, "revenue"), **bars)
    for trace in between:
        fig.add_trace(trace)
    fig.add_scatter(x=x, y=[r["orders"] for r in rows], **line)
    fig.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": "Revenue (USD)", "tickprefix": "$", "rangemode": "tozero"},
        yaxis2=right_axis(
            "Orders",
            rangemode="tozero",
            tickformat=",d",
            **({"tickmode": "auto"} if round_order_ticks else {}),
        ),
    )
    return fig


def right_axis(title: str, **extra) -> dict:
    """A second y axis (`yaxis2`), on the right over the first, without grid lines of its own.
    Plotly aligns its ticks with the first axis's grid unless `tickmode="auto"` is passed."""
    return {"title": title, "overlaying": "y", "side": "right", "showgrid": False, **extra}


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
    """A KPI's change against the previous period, and its Bootstrap text colour."""
    change, pct = row["change"], row["change_pct"]
    if change is None:
        return "no previous figure", "text-body-secondary"
    arrow, colour = ("▲", "text-success") if change > 0 else ("▼", "text-danger")
    if change == 0:
        arrow, colour = "=", "text-body-secondary"
    if row["unit"] == "%":
        return f"{arrow} {abs(change):,.2f} pp", colour
    return (f"{arrow} {abs(pct):,.2f}%" if pct is not None else f"{arrow} new"), colour


def geo_figure(lats: list[float] = (), lons: list[float] = (), **layout) -> go.Figure:
    """An empty map of the US states drawn from the topojson served from our static files
    (GRAPH_CONFIG's topojsonURL; no tiles, nothing from the internet), zoomed to the points
    `lats`/`lons` when given (Albers USA, the only projection plotly allows for scope usa,
    ignores `fitbounds`, so the view is set from the points' extent)."""
    fig = figure(**layout)
    fig.update_geos(
        scope="usa",
        projection_type="albers usa",
        resolution=50,
        showland=True,
        landcolor="#f8f9fa",
        showsubunits=True,
        subunitcolor="#adb5bd",
        showlakes=False,
        **zoom_to(list(lats), list(lons)),
    )
    return fig


def zoom_to(lats: list[float], lons: list[float]) -> dict:
    """Centre and scale of an Albers USA view (scale 1 shows the 48 states, about 60° of
    longitude by 25° of latitude) that holds every point with a margin."""
    points = [
        (la, lo) for la, lo in zip(lats, lons, strict=True) if la is not None and lo is not None
    ]
    if not points:
        return {}
    la = [p[0] for p in points]
    lo = [p[1] for p in points]
    span_lon = max(max(lo) - min(lo), 2.0) * 1.3
    span_lat = max(max(la) - min(la), 1.0) * 1.3
    scale = max(1.0, min(60.0 / span_lon, 25.0 / span_lat, 6.0))  # closer, no land is drawn
    return {
        "center": {"lat": (max(la) + min(la)) / 2, "lon": (max(lo) + min(lo)) / 2},
        "projection_scale": scale,
    }


def bubble_sizes(values: list[float], biggest: float = 40.0) -> list[float]:
    """Marker diameters whose areas are proportional to the values."""
    top = max((v for v in values if v), default=0.0)
    return [6 + biggest * (max(v or 0.0, 0.0) / top) ** 0.5 if top else 6 for v in values]
