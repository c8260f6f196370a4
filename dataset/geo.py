"""Geography for the importer: great-circle distances, nearest store, offline reverse geocoding.

Distances are haversine distances on a sphere of radius 6371.0088 km (the IUGG mean Earth
radius). Reverse geocoding finds the nearest US ZIP code centroid of the offline table shipped
with the `zipcodes` package; no web service is asked.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import zipcodes
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
# Points x targets per distance matrix: bounds memory (~32 MB of float64) for any input size.
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class Place:
    """A US ZIP code area: the 5-digit code, its USPS city name and state code."""

    zipcode: str
    city: str
    state_abbr: str


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray:
    """Great-circle distance in km between points given in degrees (numpy broadcasting)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = np.radians(np.subtract(lon2, lon1)) / 2
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearest_points(
    lats: ArrayLike, lons: ArrayLike, target_lats: ArrayLike, target_lons: ArrayLike
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """For each point, the index of the nearest target and its haversine distance in km.

    Vectorised over chunks of points, so a million points against a few hundred targets needs
    no more than a few tens of MB. Ties (targets at the same spot) go to the lowest index.
    """
    lat, lon = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    t_lat = np.asarray(target_lats, dtype=float)[np.newaxis, :]
    t_lon = np.asarray(target_lons, dtype=float)[np.newaxis, :]
    if t_lat.size == 0:
        raise ValueError("nearest_points needs at least one target")
    index = np.empty(lat.shape[0], dtype=np.intp)
    km = np.empty(lat.shape[0], dtype=float)
    step = max(1, _CHUNK_CELLS // t_lat.size)
    for start in range(0, lat.shape[0], step):
        part = slice(start, start + step)
        distances = haversine_km(lat[part, np.newaxis], lon[part, np.newaxis], t_lat, t_lon)
        index[part] = distances.argmin(axis=1)
        km[part] = np.take_along_axis(distances, index[part, np.newaxis], axis=1)[:, 0]
    return index, km


def unit_vectors(lats: ArrayLike, lons: ArrayLike) -> NDArray[np.float64]:
    """Points in degrees as 3-D unit vectors, where straight-line order is great-circle order."""
    phi, lam = np.radians(np.asarray(lats, dtype=float)), np.radians(np.asarray(lons, dtype=float))
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def _centroid(entry: dict) -> tuple[float, float] | None:
    """The (lat, lon) of a `zipcodes` entry, or None when it has no usable coordinates.

    Retired ZIP codes and military ones (listed at 0, 0) are left out.
    """
    try:
        lat, lon = float(entry["lat"]), float(entry["long"])
    except (KeyError, TypeError, ValueError):
        return None
    if not entry.get("active", True) or (lat == 0 and lon == 0):
        return None
    return lat, lon


@functools.cache
def _zip_index() -> tuple[cKDTree, list[Place]]:
    """KD-tree over the ZIP centroids' unit vectors, built once per process on first use."""
    places, lats, lons = [], [], []
    for entry in zipcodes.list_all():
        point = _centroid(entry)
        if point is not None:
            places.append(Place(entry["zip_code"], entry["city"], entry["state"]))
            lats.append(point[0])
            lons.append(point[1])
    return cKDTree(unit_vectors(lats, lons)), places


def reverse_geocode(lats: ArrayLike, lons: ArrayLike) -> list[Place]:
    """The nearest US ZIP code centroid of each point (near a state line it may lie across it)."""
    vectors = unit_vectors(np.atleast_1d(lats), np.atleast_1d(lons))
    if vectors.shape[0] == 0:
        return []
    tree, places = _zip_index()
    _, indices = tree.query(vectors, k=1)
    return [places[i] for i in indices.tolist()]
