"""Where the generated stores are: real ZIP code sites from the offline `zipcodes` table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import zipcodes

from .config import GeneratorConfig

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius, as the importer uses


@dataclass(frozen=True)
class ZipSites:
    """Active STANDARD ZIP codes of the chain's states, sorted by ZIP code."""

    zip_codes: tuple[str, ...]
    cities: tuple[str, ...]
    states: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray


@dataclass(frozen=True)
class Stores:
    """The generated stores, in file order. `service_km` is the `distance` column."""

    ids: tuple[str, ...]
    zip_codes: tuple[str, ...]
    cities: tuple[str, ...]
    states: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    service_km: np.ndarray


def load_zip_sites(states: list[str]) -> ZipSites:
    """Active STANDARD ZIP codes with coordinates in `states`, sorted by ZIP code."""
    rows = sorted(
        (entry["zip_code"], entry["city"], entry["state"], entry["lat"], entry["long"])
        for state in sorted(states)
        for entry in zipcodes.filter_by(state=state)
        if entry["zip_code_type"] == "STANDARD"
        and entry["active"]
        and entry["lat"]
        and entry["long"]
    )
    return ZipSites(
        zip_codes=tuple(row[0] for row in rows),
        cities=tuple(row[1] for row in rows),
        states=tuple(row[2] for row in rows),
        lat=np.array([float(row[3]) for row in rows]),
        lon=np.array([float(row[4]) for row in rows]),
    )


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between points (degrees); arrays broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def destination(
    lat: np.ndarray, lon: np.ndarray, bearing: np.ndarray, km: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The points `km` away from (lat, lon) in direction `bearing` (radians from north)."""
    p1, l1, d = np.radians(lat), np.radians(lon), km / EARTH_RADIUS_KM
    p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(bearing))
    l2 = l1 + np.arctan2(
        np.sin(bearing) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2)
    )
    return np.degrees(p2), (np.degrees(l2) + 540.0) % 360.0 - 180.0


def unique_ids(rng: np.random.Generator, prefix: str, count: int) -> tuple[str, ...]:
    """`count` distinct IDs of `prefix` and six random digits."""
    if count > 1_000_000:
        raise ValueError(f"at most 1,000,000 IDs fit six digits, {count:,} asked")
    numbers = rng.choice(1_000_000, size=count, replace=False)
    return tuple(f"{prefix}{number:06d}" for number in numbers.tolist())


def stores_per_state(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split `total` stores over the states by weight: one each first when they all fit, the
    rest by largest remainder (ties to the alphabetically first state)."""
    states = sorted(state for state, weight in weights.items() if weight > 0)
    share = np.array([weights[state] for state in states], dtype=float)
    share /= share.sum()
    base = np.ones(len(states), dtype=int) if total >= len(states) else np.zeros(len(states), int)
    raw = share * (total - base.sum())
    counts = base + np.floor(raw).astype(int)
    extra = np.argsort(-(raw - np.floor(raw)), kind="stable")[: total - counts.sum()]
    counts[extra] += 1
    return dict(zip(states, counts.tolist(), strict=True))


def pick_store_sites(
    rng: np.random.Generator, sites: ZipSites, config: GeneratorConfig
) -> list[int]:
    """Indices into `sites` of the store locations, distinct ZIPs at distinct coordinates."""
    chosen: list[int] = []
    for state, count in stores_per_state(config.stores, config.state_weights).items():
        pool = np.flatnonzero(np.array(sites.states) == state)
        taken = {(sites.lat[i], sites.lon[i]) for i in chosen}
        picked = 0
        for index in rng.permutation(pool).tolist():
            if picked == count:
                break
            if (sites.lat[index], sites.lon[index]) not in taken:
                chosen.append(index)
                taken.add((sites.lat[index], sites.lon[index]))
                picked += 1
        if picked < count:
            raise ValueError(f"only {picked} distinct store sites in {state}, {count} asked")
    return chosen


def generate_store_sites(
    rng: np.random.Generator, sites: ZipSites, config: GeneratorConfig
) -> Stores:
    """The stores without their service radius (filled in once customers exist)."""
    order = rng.permutation(np.array(pick_store_sites(rng, sites, config)))
    return Stores(
        ids=unique_ids(rng, "S", len(order)),
        zip_codes=tuple(sites.zip_codes[i] for i in order),
        cities=tuple(sites.cities[i] for i in order),
        states=tuple(sites.states[i] for i in order),
        lat=sites.lat[order],
        lon=sites.lon[order],
        service_km=np.zeros(len(order)),
    )
