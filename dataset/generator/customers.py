"""The generated customers: scattered around the stores, pulled onto populated land, each with
a loyalty weight and the stores nearest to them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .config import GeneratorConfig
from .sites import EARTH_RADIUS_KM, Stores, ZipSites, destination, haversine_km, unique_ids

LAND_SNAP_KM = 4.0  # a point farther than this from every ZIP centroid is moved near one
SNAP_JITTER_KM = 1.0  # median distance of a moved point from the ZIP centroid it lands near
FAR_JITTER_KM = 3.0  # median distance of a far-away customer from their ZIP centroid
SERVICE_QUANTILE = 0.9  # the store's `distance`: this quantile of its local customers' km
RANKED_STORES = 3  # nearest stores remembered per customer


@dataclass(frozen=True)
class Customers:
    """The generated customers, in file order.

    `ranked_stores[c]` lists store indices by distance from customer c, nearest first;
    `nearest_km` is the distance to the nearest; `weights` is the relative rate at which the
    customer orders.
    """

    ids: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    ranked_stores: np.ndarray
    nearest_km: np.ndarray
    weights: np.ndarray


def generate_customers(
    rng: np.random.Generator, sites: ZipSites, stores: Stores, config: GeneratorConfig
) -> tuple[Customers, np.ndarray]:
    """The customers, and each store's service radius in km (the `distance` column)."""
    count = config.n_customers
    size = rng.lognormal(0.0, config.store_size_sigma, len(stores.ids))
    home = rng.choice(len(stores.ids), size=count, p=size / size.sum())
    lat, lon = scatter_around(rng, stores.lat[home], stores.lon[home], config)
    lat, lon = snap_to_land(rng, sites, lat, lon)
    far = rng.random(count) < config.far_away_share
    lat[far], lon[far] = far_away(rng, sites, int(far.sum()))
    service = service_radius_km(stores, home[~far], lat[~far], lon[~far], config)
    ranked, nearest_km = rank_stores(stores, lat, lon)
    loyalty = rng.lognormal(0.0, config.loyalty_sigma, count)
    customers = Customers(
        ids=unique_ids(rng, "C", count),
        lat=lat,
        lon=lon,
        ranked_stores=ranked,
        nearest_km=nearest_km,
        weights=loyalty / (1.0 + nearest_km / config.distance_decay_km),
    )
    return customers, service


def scatter_around(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, config: GeneratorConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Points at lognormal distances (median `customer_median_km`) in random directions."""
    km = config.customer_median_km * np.exp(
        config.customer_spread_sigma * rng.normal(size=len(lat))
    )
    return destination(lat, lon, rng.uniform(0.0, 2 * np.pi, len(lat)), km)


def snap_to_land(
    rng: np.random.Generator, sites: ZipSites, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Move points more than LAND_SNAP_KM from every ZIP centroid (sea, empty desert) to
    within about SNAP_JITTER_KM of the nearest centroid, where people live."""
    chord, nearest = cKDTree(unit_vectors(sites.lat, sites.lon)).query(unit_vectors(lat, lon))
    moved = np.flatnonzero(
        2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2, 1.0)) > LAND_SNAP_KM
    )
    lat, lon = lat.copy(), lon.copy()
    lat[moved], lon[moved] = jitter(rng, sites.lat[nearest[moved]], sites.lon[nearest[moved]])
    return lat, lon


def far_away(
    rng: np.random.Generator, sites: ZipSites, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """`count` customers near random ZIP centroids anywhere in the chain's states."""
    picked = rng.integers(0, len(sites.zip_codes), count)
    return jitter(rng, sites.lat[picked], sites.lon[picked], FAR_JITTER_KM)


def jitter(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, median_km: float = SNAP_JITTER_KM
) -> tuple[np.ndarray, np.ndarray]:
    """Points moved a lognormal distance (given median) in random directions."""
    km = median_km * rng.lognormal(0.0, 0.5, len(lat))
    return destination(lat, lon, rng.uniform(0.0, 2 * np.pi, len(lat)), km)


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, shape (n, 3)."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def service_radius_km(
    stores: Stores, home: np.ndarray, lat: np.ndarray, lon: np.ndarray, config: GeneratorConfig
) -> np.ndarray:
    """Per store, the distance within which SERVICE_QUANTILE of the customers generated
    around it live; the lognormal's own quantile where a store got none."""
    km = haversine_km(lat, lon, stores.lat[home], stores.lon[home])
    fallback = config.customer_median_km * np.exp(1.2816 * config.customer_spread_sigma)
    return np.array(
        [
            float(np.quantile(km[home == store], SERVICE_QUANTILE))
            if (home == store).any()
            else fallback
            for store in range(len(stores.ids))
        ]
    )


def rank_stores(stores: Stores, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's nearest stores (indices, nearest first) and its distance to the nearest."""
    km = haversine_km(lat[:, None], lon[:, None], stores.lat[None, :], stores.lon[None, :])
    ranked = np.argsort(km, axis=1, kind="stable")[:, :RANKED_STORES]
    return ranked, km[np.arange(len(lat)), ranked[:, 0]]
