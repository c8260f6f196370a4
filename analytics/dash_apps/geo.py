"""Geography (`/dashboard/geo/`): where the chain could grow and how far customers travel.

One map holds the stores (low-penetration ones marked), the white spots and the candidate
sites (`opportunities_by_location`), with controls for the delivery radius, the customers a
white spot needs and the penetration that counts as low; a store on it opens the store's page.
Then the distance customers travel by state (a click filters the state) and each store's
customers by whether it is their nearest store (chart and table; a click opens the store).
"""

from __future__ import annotations

from analytics.dash_apps.kit import (
    COLOURS,
    Chart,
    Drill,
    build,
    dropdown_group,
    figure,
    floats,
    geo_figure,
    message,
    new_app,
    open_store,
    store_label,
)
from analytics.filters import Filters
from analytics.services.base import Result

APP_NAME = "geo"
app = new_app(APP_NAME)

MAP = "growth-map"
# Dashboard defaults, chosen on the 20,000-order export: customers live a median 2.8 km from
# their nearest store and 90 % within 8 km, so the API's 25 km radius finds no white spot;
# within 8 km, cells of 10 or more customers beyond it show the edges of the delivery areas.
RADIUS_KM = (5, 8, 10, 15, 25, 50)
MIN_CUSTOMERS = (3, 5, 10, 20, 50)
MIN_PENETRATION_PCT = (10, 20, 30, 50)
LAYERS = {  # layer -> legend name, marker symbol, colour, size (px)
    "store": ("Store", "circle", COLOURS[0], 9),
    "low_penetration": ("Store with low penetration", "diamond", COLOURS[4], 13),
    "white_spot": ("White spot (customers far from a store)", "square", COLOURS[1], None),
    "site": ("Candidate site (rank)", "star", COLOURS[2], 18),
}
STORE_LAYERS = ("store", "low_penetration")


MAP_CONTROLS = dropdown_group(
    MAP,
    (
        (
            "radius_km",
            RADIUS_KM,
            8,
            "radius {} km",
            "Delivery radius: customers farther than this from every store are under-served",
        ),
        (
            "min_customers",
            MIN_CUSTOMERS,
            10,
            "{}+ customers",
            "Fewest customers a 10 km grid cell needs to be a white spot",
        ),
        (
            "min_penetration_pct",
            MIN_PENETRATION_PCT,
            20,
            "below {}%",
            "A store is marked when fewer of the customers living nearest to it order there",
        ),
    ),
)


# The growth map ---------------------------------------------------------------------------------


def draw_growth_map(result: Result, filters: Filters):
    fig = geo_figure(
        [r["lat"] for r in result.rows],
        [r["lon"] for r in result.rows],
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
    )
    for layer in LAYERS:
        rows = [r for r in result.rows if r["layer"] == layer]
        if rows:
            fig.add_scattergeo(**_layer_trace(layer, rows))
    missing = [
        text
        for text, key in (("white spot", "white_spots"), ("candidate site", "sites"))
        if not result.meta.get(key)
    ]
    if missing:
        fig.add_annotation(
            text=f"No {' and no '.join(missing)} at these settings: "
            "try a smaller radius or fewer customers.",
            showarrow=False,
            x=0.01,
            y=0.99,
            xref="paper",
            yref="paper",
            xanchor="left",
            bgcolor="rgba(255,255,255,0.85)",
            font={"size": 12},
        )
    return fig


def _layer_trace(layer: str, rows: list[dict]) -> dict:
    name, symbol, colour, size = LAYERS[layer]
    if size is None:  # white spots: area by customers
        size = [8 + 2 * min(r["customers"], 60) ** 0.5 for r in rows]
    trace = {
        "name": name,
        "lat": [r["lat"] for r in rows],
        "lon": [r["lon"] for r in rows],
        "customdata": [[r["label"] if layer in STORE_LAYERS else None] for r in rows],
        "text": [_hover(r) for r in rows],
        "hovertemplate": "%{text}<extra></extra>",
        "marker": {
            "symbol": symbol,
            "color": colour,
            "size": size,
            "opacity": 0.85,
            "line": {"width": 1, "color": "white"},
        },
    }
    if layer == "site":
        trace |= {
            "mode": "markers+text",
            "textposition": "top center",
            "texttemplate": [r["label"].removeprefix("Site ") for r in rows],
            "textfont": {"color": COLOURS[2], "size": 12},
        }
    return trace


def _hover(r: dict) -> str:
    if r["layer"] in STORE_LAYERS:
        return (
            f"<b>Store {r['label']}</b> · {r['city']}, {r['state']}<br>"
            f"{r['customers']:,} of the {r['catchment_customers']:,} customers living nearest "
            f"order here ({r['penetration_pct']}%)<br><i>click to open the store</i>"
        )
    money = f"${r['revenue']:,.2f}"
    if r["layer"] == "white_spot":
        nearest = f"store {r['nearest_store']}" if r["nearest_store"] else "a store"
        return (
            f"<b>{r['label']}</b><br>{r['customers']:,} customers, {r['orders']:,} orders, "
            f"{money}<br>{r['distance_now_km']:,.1f} km from {nearest}"
        )
    return (
        f"<b>{r['label']}</b> near {r['city']}, {r['state']}<br>"
        f"wins {r['customers']:,} customers ({r['orders']:,} orders, {money})<br>"
        f"{r['distance_now_km']:,.1f} km → {r['distance_new_km']:,.1f} km on average"
    )


# Distance and assignment --------------------------------------------------------------------------

DISTANCES = (
    ("avg_order_distance_km", "Per order"),
    ("avg_customer_distance_km", "Per customer and store"),
    ("avg_nearest_store_km", "To their nearest store"),
)


def draw_distance(result: Result, filters: Filters):
    rows = result.rows
    fig = figure(legend={"orientation": "h", "y": 1.12}, barmode="group")
    for (key, name), colour in zip(DISTANCES, COLOURS, strict=False):
        fig.add_bar(
            x=[r["state"] for r in rows],
            y=floats(rows, key),
            name=name,
            marker_color=colour,
            customdata=[[r["customers"], r["orders"]] for r in rows],
            hovertemplate="%{x} · " + name.lower() + ": %{y:,.1f} km<br>"
            "%{customdata[0]:,} customers, %{customdata[1]:,} orders<extra></extra>",
        )
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Average distance (km)", ticksuffix=" km", rangemode="tozero")
    return fig


def filter_state(point: dict, filters: Filters) -> Drill | None:
    state = point.get("x")
    return Drill(set={"state": [state], "city": None, "store": None}) if state else None


def draw_assignment(result: Result, filters: Filters):
    if not result.meta["customers"]:
        return message("No customer ordered in this period.")
    rows = sorted(result.rows, key=lambda r: (-r["customers_main"], r["store"]))
    labels = [store_label(r) for r in rows]
    fig = figure(legend={"orientation": "h", "y": -0.1, "yanchor": "top"}, barmode="stack")
    for key, name, colour in (
        ("main_is_nearest", "Their nearest store", COLOURS[2]),
        ("main_elsewhere", "Another store is nearer", COLOURS[1]),
    ):
        fig.add_bar(
            y=labels,
            x=[r[key] for r in rows],
            name=name,
            orientation="h",
            marker_color=colour,
            customdata=[
                [r["store"], r["customers_main"], float(r["share_matching"])] for r in rows
            ],
            hovertemplate="%{y}<br>" + name + ": %{x:,} customers<br>%{customdata[2]:.2f}% "
            "of its %{customdata[1]:,} customers live nearest to it<extra></extra>",
        )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category", tickfont_size=11)
    fig.update_xaxes(title="Customers whose main store it is")
    meta = result.meta
    if meta.get("avg_extra_km") is not None:
        fig.update_layout(
            title={
                "text": f"{meta['share_differing_pct']}% of {meta['customers']:,} customers "
                f"mainly order away<br>from their nearest store, {meta['avg_extra_km']:,.1f} km "
                "farther on average",
                "font": {"size": 11},
                "xref": "container",
                "x": 0.02,
                "yref": "paper",
                "y": 1,
                "yanchor": "bottom",
                "automargin": True,
                "pad": {"b": 4},
            }
        )
    return fig


CHARTS = (
    Chart(
        MAP,
        "Where to grow: stores, white spots and candidate sites",
        "opportunities_by_location",
        draw_growth_map,
        params={"min_orders_per_customer": 0},  # mark stores by penetration only
        controls=MAP_CONTROLS,
        drill=open_store,
        width="col-12",
        height=560,
        hint="click a store to open it",
    ),
    Chart(
        "distance",
        "How far customers travel, by state",
        "customer_distance_by_state",
        draw_distance,
        drill=filter_state,
        width="col-12 col-xl-5",
        height=560,
        hint="click a state to filter",
    ),
    Chart(
        "assignment",
        "Do customers order from their nearest store?",
        "customer_assignment_by_store",
        draw_assignment,
        drill=open_store,
        width="col-12 col-xl-7",
        height=560,
        hint="click a store to open it",
    ),
    Chart(
        "assignment-table",
        "Main store against nearest store, by store",
        "customer_assignment_by_store",
        drill=open_store,
        width="col-12",
        hint="click a row to open the store",
    ),
)
build(app, CHARTS, kpis=False)
