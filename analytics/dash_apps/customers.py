"""The Customers page (`/dashboard/customers/`): KPI cards; where customers are (per state, per
city, and on a map binned in grid cells); how many are new or returning per period and how
often they order again; the best customers by number of orders and by average order value.

Clicking a state filters by it, a city by its state and city, a period zooms into it."""

from __future__ import annotations

from analytics.dash_apps.kit import (
    COLOURS,
    Chart,
    Drill,
    bubble_sizes,
    build,
    drill_period,
    figure,
    floats,
    geo_figure,
    new_app,
    period_labels,
    period_starts,
    radio,
    right_axis,
)
from analytics.filters import Filters
from analytics.services.base import Result

APP_NAME = "customers"
TOP_CITIES = 15  # bars that stay readable on a phone; the CSV holds every city
UNKNOWN = "Unknown"  # a home the importer could not place
app = new_app(APP_NAME)


PLACE_BY = {"home": "Home", "store": "Store"}  # customers_by_location's `by`


def place_label(row: dict) -> str:
    return row["state"] or UNKNOWN


def city_label(row: dict) -> str:
    return f"{row['city']}, {place_label(row)}" if row["city"] else UNKNOWN


# Density by state and by city ----------------------------------------------------------------


def density_hover(row: dict) -> list:
    """customdata for a density bar: share (%), orders, revenue (USD), customers per store."""
    per_store = row["customers_per_store"]
    return [
        float(row["customer_share"]),
        row["orders"],
        float(row["revenue"]),
        "—" if per_store is None else f"{per_store:,.2f}",
    ]


DENSITY_HOVER = (
    "%{customdata[0]:.2f}% of customers<br>%{customdata[1]:,} orders, $%{customdata[2]:,.2f}"
    "<br>%{customdata[3]} customers per store<extra></extra>"
)


def draw_states(result: Result, filters: Filters):
    rows = result.rows
    fig = figure(showlegend=False)
    fig.add_bar(
        x=[place_label(r) for r in rows],
        y=[r["customers"] for r in rows],
        customdata=[density_hover(r) for r in rows],
        text=[f"{float(r['customer_share']):.1f}%" for r in rows],
        textposition="auto",
        marker_color=COLOURS[0],
        hovertemplate="<b>%{x}</b>: %{y:,} customers<br>" + DENSITY_HOVER,
    )
    fig.update_xaxes(type="category", title="State")
    fig.update_yaxes(title="Customers", tickformat=",d", rangemode="tozero")
    return fig


def filter_state(point: dict, filters: Filters) -> Drill | None:
    state = point.get("x")
    if not isinstance(state, str) or state == UNKNOWN:
        return None
    return Drill(set={"state": [state], "city": None})


def draw_cities(result: Result, filters: Filters):
    rows = result.rows[:TOP_CITIES]  # already ranked by customers
    fig = figure(showlegend=False)
    fig.add_bar(
        x=[r["customers"] for r in rows],
        y=[city_label(r) for r in rows],
        orientation="h",
        customdata=[[*density_hover(r), r["state"], r["city"]] for r in rows],
        marker_color=COLOURS[0],
        hovertemplate="<b>%{y}</b>: %{x:,} customers<br>" + DENSITY_HOVER,
    )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(title="Customers", tickformat=",d", rangemode="tozero")
    return fig


def filter_city(point: dict, filters: Filters) -> Drill | None:
    """A city with a store of the chain (the city filter selects stores): its state and city."""
    data = point.get("customdata")
    if not isinstance(data, list) or len(data) < 6 or data[3] == "—":
        return None
    state, city = data[4], data[5]
    if not (isinstance(state, str) and isinstance(city, str)):
        return None
    return Drill(set={"state": [state], "city": city})


# The map ----------------------------------------------------------------------------------------

CELL_DEG = {0.1: "0.1°", 0.25: "0.25°", 0.5: "0.5°"}  # ~11, 28 and 55 km north-south


def draw_map(result: Result, filters: Filters):
    rows = result.rows
    customers = [r["customers"] for r in rows]
    lats, lons = [r["lat"] for r in rows], [r["lon"] for r in rows]
    fig = geo_figure(lats=lats, lons=lons, showlegend=False)
    fig.add_scattergeo(
        lat=lats,
        lon=lons,
        customdata=[[r["customers"], r["orders"], float(r["revenue"])] for r in rows],
        marker={
            "size": bubble_sizes(customers, biggest=24.0),
            "color": COLOURS[0],
            "opacity": 0.55,
            "line": {"width": 0.5, "color": "#084298"},
        },
        hovertemplate="%{lat:.2f}°, %{lon:.2f}°<br>%{customdata[0]:,} customers<br>"
        "%{customdata[1]:,} orders, $%{customdata[2]:,.2f}<extra></extra>",
    )
    return fig


# New and returning customers ----------------------------------------------------------------


def draw_recurring(result: Result, filters: Filters):
    rows = result.rows
    x, starts = period_labels(rows, filters.granularity), period_starts(rows)
    fig = figure(
        barmode="stack",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "traceorder": "normal"},
        hovermode="x unified",
    )
    for column, name, colour in (
        ("new_customers", "New", COLOURS[0]),
        ("returning_customers", "Returning", COLOURS[2]),
    ):
        fig.add_bar(
            x=x,
            y=[r[column] for r in rows],
            name=name,
            marker_color=colour,
            customdata=starts,
            hovertemplate="%{y:,}",
        )
    fig.add_scatter(
        x=x,
        y=floats(rows, "repeat_rate"),
        name="Repeat rate (%)",
        yaxis="y2",
        line_color=COLOURS[1],
        customdata=starts,
        hovertemplate="%{y:.2f}%",
    )
    fig.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": "Active customers", "tickformat": ",d", "rangemode": "tozero"},
        yaxis2=right_axis(
            "Repeat rate (%)",
            rangemode="tozero",
            ticksuffix="%",
            tickmode="auto",  # not synced to the customers grid: round percentages
        ),
    )
    return fig


# The page ---------------------------------------------------------------------------------------

TOP_COLUMNS = (
    "customer",
    "orders",
    "revenue",
    "average_order_value",
    "last_order",
    "home_city",
    "home_state",
)
MIN_ORDERS = {1: "1+", 2: "2+", 3: "3+", 5: "5+"}

CHARTS = (
    Chart(
        "by-state",
        "Customers by state",
        "customers_by_location",
        draw_states,
        params={"level": "state"},
        controls=(radio("by-state", "by", PLACE_BY, "home"),),
        drill=filter_state,
        height=360,
        hint="click a state to filter",
    ),
    Chart(
        "by-city",
        f"Top {TOP_CITIES} cities by customers",
        "customers_by_location",
        draw_cities,
        params={"level": "city"},
        controls=(radio("by-city", "by", PLACE_BY, "home"),),
        drill=filter_city,
        height=360,
        hint="click a city with a store to filter",
    ),
    Chart(
        "recurring",
        "New and returning customers",
        "recurring_customers_by_period",
        draw_recurring,
        drill=drill_period,
        width="col-12",
        height=380,
        hint="click a period to zoom in",
    ),
    Chart(
        "map",
        "Where customers live",
        "customers_by_grid_cell",
        draw_map,
        controls=(radio("map", "cell_deg", CELL_DEG, 0.1),),
        height=480,
        width="col-12 col-xl-7",
        hint="bubbles per grid cell, sized by customers",
    ),
    Chart(
        "top-aov",
        "Highest average order value",
        "average_order_value_by_customer",
        params={"limit": 50},
        controls=(radio("top-aov", "min_orders", MIN_ORDERS, 2),),
        width="col-12 col-xl-5",
        hint="customers with at least this many orders",
    ),
    Chart(
        "top-customers",
        "Most frequent customers",
        "top_customers_by_orders",
        params={"limit": 50},
        columns=TOP_COLUMNS,
        width="col-12",
    ),
)
build(app, CHARTS)
