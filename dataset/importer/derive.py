"""Customer fields derived at import: nearest store and distance, city, state and ZIP code."""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any

import numpy as np

from customers.models import Customer
from dataset.geo import nearest_points, reverse_geocode
from stores.models import Store

StoreLocations = tuple[list[str], list[float], list[float]]


def store_locations(file_stores: Sequence[tuple[Any, ...]]) -> tuple[StoreLocations, bool]:
    """Every store's (ids, lats, lons), the file's over the database's, sorted by ID.

    Sorting makes ties (two stores at one spot) go to the lower ID on every run. The flag says
    whether the file adds or moves a store, which can change existing customers' nearest store.
    """
    located = {
        store_id: (lat, lon)
        for store_id, lat, lon in Store.objects.values_list("id", "latitude", "longitude")
    }
    moved = any(located.get(row[0]) != (row[5], row[6]) for row in file_stores)
    located.update((row[0], (row[5], row[6])) for row in file_stores)
    ids = sorted(located)
    return (ids, [located[i][0] for i in ids], [located[i][1] for i in ids]), moved


def _nearest(
    lats: np.ndarray, lons: np.ndarray, stores: StoreLocations
) -> tuple[list[str | None], list[float | None]]:
    ids, store_lats, store_lons = stores
    if not ids:
        return [None] * len(lats), [None] * len(lats)
    index, km = nearest_points(lats, lons, store_lats, store_lons)
    return [ids[i] for i in index.tolist()], km.tolist()


def customer_rows(
    customers: Sequence[tuple[str, float, float]], stores: StoreLocations
) -> list[tuple[Any, ...]]:
    """Rows (id, lat, lon, nearest store, km, city, state, zipcode) for the file's customers."""
    if not customers:
        return []
    ids, lats, lons = zip(*customers, strict=True)
    lat_array, lon_array = np.array(lats, dtype=float), np.array(lons, dtype=float)
    nearest, km = _nearest(lat_array, lon_array, stores)
    places = reverse_geocode(lat_array, lon_array)
    return [
        (cid, lat, lon, store, dist, place.city, place.state_abbr, place.zipcode)
        for cid, lat, lon, store, dist, place in zip(
            ids, lats, lons, nearest, km, places, strict=True
        )
    ]


def refreshed_customers(skip: Container[str], stores: StoreLocations) -> list[tuple[Any, ...]]:
    """Rows for customers already in the database (not in `skip`) whose nearest store changes."""
    existing = [
        row
        for row in Customer.objects.values_list(
            "id",
            "latitude",
            "longitude",
            "nearest_store",
            "nearest_store_km",
            "city",
            "state_abbr",
            "zipcode",
        )
        if row[0] not in skip
    ]
    if not existing:
        return []
    lats = np.array([row[1] for row in existing], dtype=float)
    lons = np.array([row[2] for row in existing], dtype=float)
    nearest, km = _nearest(lats, lons, stores)
    return [
        (*row[:3], store, dist, *row[5:])
        for row, store, dist in zip(existing, nearest, km, strict=True)
        if (store, dist) != (row[3], row[4])
    ]
