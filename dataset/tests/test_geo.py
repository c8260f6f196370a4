import math
import random

import numpy as np
import pytest

from dataset import geo
from dataset.geo import EARTH_RADIUS_KM, Place, haversine_km, nearest_points, reverse_geocode


def brute_force_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The haversine formula written out with the math module, one pair at a time."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def test_haversine_of_one_degree_along_the_equator_is_a_360th_of_the_circumference():
    # 2 * pi * 6371.0088 / 360 = 111.19508 km
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.195080, abs=1e-6)


def test_haversine_from_pole_to_equator_is_a_quarter_meridian():
    # pi / 2 * 6371.0088 = 10007.5572 km
    assert haversine_km(90, 0, 0, 37) == pytest.approx(10007.557221, abs=1e-6)


def test_haversine_nashville_to_los_angeles_matches_the_textbook_figure():
    # Rosetta Code's haversine task: BNA (36.12, -86.67) to LAX (33.94, -118.40) is
    # 2887.2599506 km on a sphere of radius 6372.8 km; distances scale with the radius.
    expected = 2887.2599506071106 * EARTH_RADIUS_KM / 6372.8
    assert haversine_km(36.12, -86.67, 33.94, -118.40) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(2886.4484, abs=1e-4)


def test_haversine_broadcasts_over_arrays():
    km = haversine_km(np.array([0.0, 0.0]), np.array([0.0, 0.0]), 0.0, np.array([1.0, 2.0]))
    assert km.tolist() == pytest.approx([111.195080, 222.390160], abs=1e-6)


@pytest.mark.parametrize("chunk_cells", [geo._CHUNK_CELLS, 7])
def test_nearest_point_equals_brute_force(monkeypatch, chunk_cells):
    monkeypatch.setattr(geo, "_CHUNK_CELLS", chunk_cells)
    rng = random.Random(7)
    stores = [(rng.uniform(32, 42), rng.uniform(-124, -114)) for _ in range(25)]
    stores.append(stores[3])  # two stores at one spot, like Lompoc and Jackpot
    points = [(rng.uniform(32, 42), rng.uniform(-124, -114)) for _ in range(300)]
    index, km = nearest_points(*zip(*points, strict=True), *zip(*stores, strict=True))
    for (lat, lon), i, d in zip(points, index.tolist(), km.tolist(), strict=True):
        distances = [brute_force_km(lat, lon, s_lat, s_lon) for s_lat, s_lon in stores]
        assert i == distances.index(min(distances))
        assert d == pytest.approx(min(distances), abs=1e-9)


def test_nearest_point_at_a_store_is_that_store_at_zero_km():
    index, km = nearest_points([38.5816], [-121.4944], [39.5296, 38.5816], [-119.8138, -121.4944])
    assert index.tolist() == [1]
    assert km.tolist() == [0.0]


def test_nearest_points_needs_a_target():
    with pytest.raises(ValueError, match="at least one target"):
        nearest_points([1.0], [2.0], [], [])


def test_reverse_geocode_a_point_in_reno_is_reno_nevada():
    [place] = reverse_geocode([39.5296], [-119.8138])
    assert (place.city, place.state_abbr) == ("Reno", "NV")
    assert place.zipcode.startswith("895") and len(place.zipcode) == 5


def test_reverse_geocode_keeps_the_order_of_the_points():
    places = reverse_geocode([36.1699, 40.7608, 38.5816], [-115.1398, -111.8910, -121.4944])
    assert [(p.city, p.state_abbr) for p in places] == [
        ("Las Vegas", "NV"),
        ("Salt Lake City", "UT"),
        ("Sacramento", "CA"),
    ]


def test_reverse_geocode_of_a_zip_centroid_is_that_zip_code():
    # 89501, downtown Reno, is listed at 39.5268, -119.8113 in the zipcodes package.
    assert reverse_geocode([39.5268], [-119.8113]) == [Place("89501", "Reno", "NV")]


def test_reverse_geocode_of_no_points_is_empty():
    assert reverse_geocode([], []) == []


def test_zip_centroids_without_usable_coordinates_are_left_out():
    entry = {"zip_code": "89501", "city": "Reno", "state": "NV", "active": True}
    assert geo._centroid({**entry, "lat": "39.5268", "long": "-119.8113"}) == (39.5268, -119.8113)
    assert geo._centroid({**entry, "lat": "0.0000", "long": "0.0000"}) is None  # military
    assert geo._centroid({**entry, "lat": "", "long": ""}) is None
    assert geo._centroid(entry) is None
    assert geo._centroid({**entry, "lat": "39.5", "long": "-119.8", "active": False}) is None
