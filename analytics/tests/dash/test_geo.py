"""The Geography page's callbacks, called as django-plotly-dash does, on tiny_chain with homes
and a far customer (`far_customer`: C1..C3 live by the store they order from, C4 lives in
Winnemucca, 238 km from Reno's S1, and orders there twice for 10.00 each).

Independent figures: kilometres from `km_between` (math's haversine), counts and money by hand.
"""

from __future__ import annotations

import csv
import io
from statistics import mean

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from analytics.dash_apps import geo
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters
from analytics.registry import all_analyses
from analytics.tests.dash.conftest import ALL_TIME, find
from analytics.tests.services import test_geo_map
from analytics.tests.services.test_geo_map import RENO_S1, WINNEMUCCA, km_between

pytestmark = pytest.mark.django_db
far_customer = test_geo_map.far_customer  # the fixture, shared with the service's test

HOME = {"C1": (39.53, -119.81), "C2": (36.17, -115.14), "C3": (38.58, -121.49)}
STORE = {"S1": RENO_S1, "S2": (36.1699, -115.1398), "S3": (38.5816, -121.4944)}
S4 = (40.7608, -111.8910)
# The map's own controls, in layout order: radius_km, min_customers, min_penetration_pct.
WIDE_OPEN = (25, 1, 50)  # C4 alone is a white spot; S4 (no catchment, 0 %) is the one low store
DEFAULT_CONTROLS = (8, 10, 20)


@pytest.fixture
def cb(callbacks):
    return callbacks(geo.app)


def traces(fig) -> dict:
    return {t.name: t for t in fig.data}


def d(customer: str, store: str) -> float:
    return km_between(HOME[customer], STORE[store])


# The growth map ---------------------------------------------------------------------------------


def test_map_draws_each_layer_with_its_own_symbol(far_customer, executive, cb):
    layers = traces(cb.chart(geo.MAP, executive, ALL_TIME, WIDE_OPEN))
    assert list(layers) == [
        "Store",
        "Store with low penetration",
        "White spot (customers far from a store)",
        "Candidate site (rank)",
    ]
    stores, low, spot, site = layers.values()
    # S1, S2 and S3 each have 100 % of their catchment ordering; S4 has no catchment.
    assert [c[0] for c in stores.customdata] == ["S1", "S2", "S3"]
    assert (list(stores.lat), list(stores.lon)) == (
        [STORE[s][0] for s in ("S1", "S2", "S3")],
        [STORE[s][1] for s in ("S1", "S2", "S3")],
    )
    assert (list(low.lat), list(low.lon), [c[0] for c in low.customdata]) == (
        [S4[0]],
        [S4[1]],
        ["S4"],
    )
    assert (list(spot.lat), list(spot.lon), list(spot.customdata)) == (
        [WINNEMUCCA[0]],
        [WINNEMUCCA[1]],
        [[None]],
    )
    far = km_between(WINNEMUCCA, RENO_S1)
    assert spot.text[0] == (
        f"<b>White spot 1</b><br>1 customers, 2 orders, $20.00<br>{far:,.1f} km from store S1"
    )
    assert site.text[0].endswith("238.0 km → 0.0 km on average")
    assert list(site.texttemplate) == ["1"]
    symbols = [t.marker.symbol for t in (stores, low, spot, site)]
    assert symbols == ["circle", "diamond", "square", "star"]
    assert stores.text[0].startswith("<b>Store S1</b> · Reno, NV<br>2 of the 2 customers")


def test_map_says_when_no_white_spot_is_found_at_these_settings(far_customer, executive, cb):
    fig = cb.chart(geo.MAP, executive, ALL_TIME, DEFAULT_CONTROLS)
    # One customer per cell: fewer than 10. C4 is still 238 km from a store: a site.
    assert "White spot (customers far from a store)" not in traces(fig)
    assert len(traces(fig)["Candidate site (rank)"].lat) == 1
    assert fig.layout.annotations[0].text.startswith("No white spot at these settings")
    empty = cb.chart(geo.MAP, executive, {"date_from": "2030-01-01"}, DEFAULT_CONTROLS)
    assert list(traces(empty)) == ["Store with low penetration"]  # every store at 0 %
    assert empty.layout.annotations[0].text.startswith("No white spot and no candidate site")


def test_map_controls_start_at_the_dashboard_defaults_within_the_params_bounds():
    params = {p.name: p for p in all_analyses()["opportunities_by_location"].params}
    for param, value in (("radius_km", 8), ("min_customers", 10), ("min_penetration_pct", 20)):
        dropdown = find(geo.app.layout, f"{geo.MAP}--{param}")
        assert dropdown.value == value
        low, high = params[param].minimum, params[param].maximum
        assert all(low <= o["value"] <= high for o in dropdown.options), param


def test_a_store_on_the_map_opens_its_page(far_customer, executive, cb):
    layers = traces(cb.chart(geo.MAP, executive, ALL_TIME, WIDE_OPEN))
    point = {"customdata": list(layers["Store"].customdata[1])}
    assert geo.open_store(point, Filters()) == Drill(goto="/dashboard/stores/S2/")
    spot = {"customdata": list(layers["White spot (customers far from a store)"].customdata[0])}
    assert geo.open_store(spot, Filters()) is None


def test_map_csv_is_the_apis_for_the_same_settings(far_customer, make_user, cb):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    download = cb.download(geo.MAP, user, ALL_TIME, WIDE_OPEN)
    api = APIClient()
    api.force_authenticate(user)
    params = {"radius_km": 25, "min_customers": 1, "min_penetration_pct": 50}
    expected = api.get(
        "/api/geo/opportunities/",
        {**ALL_TIME, **params, "min_orders_per_customer": 0, "format": "csv"},
    )
    assert download["content"] == expected.content.decode()
    rows = list(csv.DictReader(io.StringIO(download["content"])))
    assert [(r["layer"], r["label"]) for r in rows] == [
        ("store", "S1"),
        ("store", "S2"),
        ("white_spot", "White spot 1"),
        ("site", "Site 1"),
    ]


def test_a_store_managers_map_holds_only_their_store(far_customer, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S2"])
    fig = cb.chart(geo.MAP, user, ALL_TIME, WIDE_OPEN)
    assert [(t.name, [c[0] for c in t.customdata]) for t in fig.data] == [("Store", ["S2"])]
    forged = cb.chart(geo.MAP, user, {**ALL_TIME, "store": ["S1"]}, WIDE_OPEN)
    assert forged.data == ()


# Distance and assignment ------------------------------------------------------------------------


def test_distance_by_state_charts_the_three_averages(far_customer, executive, cb):
    per_order, per_pair, nearest = cb.chart("distance", executive, ALL_TIME).data
    assert list(per_order.x) == ["CA", "NV"]
    far = km_between(WINNEMUCCA, RENO_S1)
    # NV: C1 twice at S1, C2 once at S2, C4 twice at S1; CA: C3 once at S3.
    nv_orders = (2 * d("C1", "S1") + d("C2", "S2") + 2 * far) / 5
    nv_pairs = mean([d("C1", "S1"), d("C2", "S2"), far])
    nv_nearest = mean([d("C1", "S1"), d("C2", "S2"), 238.0])  # C4's stored nearest_store_km
    assert list(per_order.y) == pytest.approx([d("C3", "S3"), nv_orders], abs=1e-5)
    assert list(per_pair.y) == pytest.approx([d("C3", "S3"), nv_pairs], abs=1e-5)
    assert list(nearest.y) == pytest.approx([d("C3", "S3"), nv_nearest], abs=1e-5)
    assert [list(c) for c in per_order.customdata] == [[1, 1], [3, 5]]


def test_a_state_bar_filters_the_state(far_customer):
    assert geo.filter_state({"x": "NV"}, Filters()) == Drill(
        set={"state": ["NV"], "city": None, "store": None}
    )


def test_assignment_stacks_customers_by_whether_their_main_store_is_nearest(
    far_customer, executive, cb
):
    fig = cb.chart("assignment", executive, ALL_TIME)
    nearest, elsewhere = fig.data
    # Main stores: C1 and C4 at S1, C2 at S2, C3 at S3, each their nearest.
    assert list(nearest.y) == [
        "S1 · Reno, NV",
        "S2 · Las Vegas, NV",
        "S3 · Sacramento, CA",
        "S4 · Salt Lake City, UT",
    ]
    assert (list(nearest.x), list(elsewhere.x)) == ([2, 1, 1, 0], [0, 0, 0, 0])
    assert not fig.layout.title.text  # nobody orders away from their nearest store
    point = {"customdata": list(nearest.customdata[2])}
    assert geo.open_store(point, Filters()) == Drill(goto="/dashboard/stores/S3/")


def test_assignment_title_sums_up_customers_away_from_their_nearest_store(
    far_customer, executive, cb
):
    from customers.models import Customer

    # C3 now lives nearest to S2, at a stated 0.10 km, but orders at S3 (d(C3, S3) away).
    Customer.objects.filter(id="C3").update(nearest_store_id="S2", nearest_store_km=0.1)
    fig = cb.chart("assignment", executive, ALL_TIME)
    extra = d("C3", "S3") - 0.1
    assert fig.layout.title.text == (
        "25.00% of 4 customers mainly order away<br>from their nearest store, "
        f"{extra:,.1f} km farther on average"
    )
    assert [list(t.x) for t in fig.data] == [[2, 1, 0, 0], [0, 0, 1, 0]]


def test_assignment_table_lists_every_store_and_opens_it(far_customer, executive, cb):
    rows, columns = cb.chart("assignment-table", executive, ALL_TIME)
    assert [c["field"] for c in columns] == [
        "store",
        "city",
        "state",
        "customers_main",
        "nearest_here",
        "main_is_nearest",
        "main_elsewhere",
        "share_matching",
    ]
    s1 = next(r for r in rows if r["store"] == "S1")
    assert s1 == {
        "store": "S1",
        "city": "Reno",
        "state": "NV",
        "customers_main": 2,
        "nearest_here": 2,
        "main_is_nearest": 2,
        "main_elsewhere": 0,
        "share_matching": 100.0,
    }
    assert geo.open_store(s1, Filters()) == Drill(goto="/dashboard/stores/S1/")


def test_store_manager_sees_only_their_stores_distance_and_assignment(far_customer, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S2"])
    per_order = cb.chart("distance", user, ALL_TIME).data[0]
    assert list(per_order.x) == ["NV"]
    assert list(per_order.y) == pytest.approx([d("C2", "S2")], abs=1e-5)
    assert list(cb.chart("assignment", user, ALL_TIME).data[0].y) == ["S2 · Las Vegas, NV"]
    rows, _ = cb.chart("assignment-table", user, ALL_TIME)
    assert [r["store"] for r in rows] == ["S2"]


def test_every_chart_draws_on_an_empty_database(executive, cb):
    for chart in geo.CHARTS:
        out = cb.chart(chart.id, executive, ALL_TIME, DEFAULT_CONTROLS[: len(chart.controls)])
        if chart.is_table:
            assert out[0] == []
        else:
            assert out.layout.annotations[0].text == "Nothing matches these filters."


def test_charts_of_an_empty_period_say_so(far_customer, executive, cb):
    later = {"date_from": "2030-01-01"}
    assert cb.chart("distance", executive, later).layout.annotations[0].text == (
        "Nothing matches these filters."
    )
    assignment = cb.chart("assignment", executive, later)
    assert assignment.data == ()
    assert assignment.layout.annotations[0].text == "No customer ordered in this period."
    rows, _ = cb.chart("assignment-table", executive, later)
    assert [r["customers_main"] for r in rows] == [0, 0, 0, 0]
