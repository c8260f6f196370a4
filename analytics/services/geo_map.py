"""One map of where the chain could grow: its stores (low-penetration ones marked), its white
spots and its candidate sites, as rows of one table with a `layer` column.

It combines the three analyses of `analytics.services.geo` (same definitions, same parameters
with the same bounds and defaults), so a map drawn from it matches their endpoints.
"""

from __future__ import annotations

from accounts.scope import Scope
from analytics.filters import Filters
from analytics.registry import ANALYSES, BASE_FILTERS, Param, analysis
from analytics.services.base import Result, stores_in
from analytics.services.geo import (
    Underserved,
    market_penetration_by_store,
    ordering_cells_with_source,
    sites_of,
    white_spots_of,
)

LAYERS = ("store", "low_penetration", "white_spot", "site")
COLUMNS_OPPORTUNITIES = [
    "layer",
    "label",
    "lat",
    "lon",
    "city",
    "state",
    "catchment_customers",
    "customers",
    "orders",
    "revenue",
    "penetration_pct",
    "nearest_store",
    "distance_now_km",
    "distance_new_km",
    "reason",
]


def _param(analysis_name: str, name: str) -> Param:
    """A parameter of a geo analysis, reused as it is (one definition, one set of bounds)."""
    return next(p for p in ANALYSES[analysis_name].params if p.name == name)


PARAMS = (
    _param("white_spots_by_cell", "min_customers"),
    _param("white_spots_by_cell", "radius_km"),
    _param("white_spots_by_cell", "cell_km"),
    _param("potential_sites_by_rank", "sites"),
    _param("potential_sites_by_rank", "min_saving_km"),
    _param("market_penetration_by_store", "min_penetration_pct"),
    _param("market_penetration_by_store", "min_orders_per_customer"),
)


@analysis("geo/opportunities/", filters=BASE_FILTERS, params=PARAMS)
def opportunities_by_location(
    *,
    filters: Filters,
    scope: Scope,
    min_customers: int,
    radius_km: float,
    cell_km: float,
    sites: int,
    min_saving_km: float,
    min_penetration_pct: float,
    min_orders_per_customer: float,
) -> Result:
    """Growth map: stores, low-penetration stores, white spots and candidate sites, by location.

    One row per point, `layer` saying which: "store" and "low_penetration" are the stores in
    view (lowest penetration first), a store being "low_penetration" when geo/low_penetration/
    flags it with `min_penetration_pct` (default 50) and `min_orders_per_customer` (default 2);
    "white_spot" rows are geo/white_spot/'s cells (`min_customers`, default 20; `radius_km`,
    default 25; `cell_km`, default 10), most customers first; "site" rows are
    geo/potential_locations/'s sites (`sites`, default 5; `radius_km`; `min_saving_km`,
    default 5; `cell_km`), best first. Each analysis keeps its own definitions.
    `label`: the store ID, "White spot n" or "Site n"; `lat`, `lon` in degrees.
    Stores: `city`, `state`, `catchment_customers`, `customers` (catchment customers
    ordering here), `penetration_pct` (%), `reason` (why flagged). White spots: `customers`,
    `orders`, `revenue` (USD), `nearest_store` and `distance_now_km` (centroid to it, km).
    Sites: `city`, `state` (the customers' most common), `customers` won, their `orders` and
    `revenue` (USD), `distance_now_km` and `distance_new_km` (their mean distance, km, now and
    with the site). Other cells are null. `meta`: `flagged_stores`, `white_spots`,
    `white_spot_customers`, `sites`, `underserved_customers`.
    """
    penetration = market_penetration_by_store(
        filters=filters,
        scope=scope,
        min_penetration_pct=min_penetration_pct,
        min_orders_per_customer=min_orders_per_customer,
    )
    # Both analyses group the same customers into the same cells: read once when stored.
    cells, stored = ordering_cells_with_source(filters, scope, cell_km)
    spots = white_spots_of(cells, scope, min_customers, radius_km)
    underserved = Underserved.of(
        filters, scope, radius_km, cell_km, stored_cells=cells if stored else None
    )
    picks = sites_of(underserved, sites, min_saving_km)
    at = {s.id: (s.latitude, s.longitude) for s in stores_in(filters, scope)}
    rows = [
        *(_store_row(r, at[r["store"]]) for r in penetration.rows),
        *(_white_spot_row(n, r) for n, r in enumerate(spots.rows, 1)),
        *(_site_row(r) for r in picks.rows),
    ]
    meta = {
        "flagged_stores": sum(r["flag"] for r in penetration.rows),
        "white_spots": len(spots.rows),
        "white_spot_customers": spots.meta["white_spot_customers"],
        "sites": len(picks.rows),
        "underserved_customers": picks.meta["underserved_customers"],
    }
    return Result(columns=COLUMNS_OPPORTUNITIES, rows=rows, meta=meta)


def _row(**values) -> dict:
    return {column: values.get(column) for column in COLUMNS_OPPORTUNITIES}


def _store_row(row: dict, at: tuple[float, float]) -> dict:
    return _row(
        layer="low_penetration" if row["flag"] else "store",
        label=row["store"],
        lat=at[0],
        lon=at[1],
        city=row["city"],
        state=row["state"],
        catchment_customers=row["catchment_customers"],
        customers=row["ordering_here"],
        penetration_pct=row["penetration_pct"],
        reason=row["reason"] or None,
    )


def _white_spot_row(number: int, row: dict) -> dict:
    return _row(
        layer="white_spot",
        label=f"White spot {number}",
        lat=row["lat"],
        lon=row["lon"],
        customers=row["customers"],
        orders=row["orders"],
        revenue=row["revenue"],
        nearest_store=row["nearest_store"],
        distance_now_km=row["nearest_store_km"],
    )


def _site_row(row: dict) -> dict:
    return _row(
        layer="site",
        label=f"Site {row['rank']}",
        lat=row["lat"],
        lon=row["lon"],
        city=row["nearest_city"],
        state=row["nearest_state"],
        customers=row["customers_won"],
        orders=row["orders"],
        revenue=row["revenue_at_stake"],
        distance_now_km=row["avg_distance_now_km"],
        distance_new_km=row["avg_distance_new_km"],
    )
