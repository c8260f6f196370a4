"""The dashboard benchmark posts exactly what a browser posts on first paint."""

import pytest

from accounts.models import User
from analytics.benchmark_dash import page_paths, time_page
from analytics.dash_apps import overview

pytestmark = pytest.mark.django_db


def test_every_first_paint_callback_of_a_page_is_timed(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    timing = time_page(client, "/dashboard/", runs=1)
    expected = {
        f"{c['output'][0].component_id}.{c['output'][0].component_property}"
        if isinstance(c["output"], list)
        else f"{c['output'].component_id}.{c['output'].component_property}"
        for c, _ in overview.app._callback_sets
        if not c.get("prevent_initial_call")
    }
    assert set(timing.callbacks) == expected
    assert {"trend.figure", "store-map.figure", "filter-error.children"} <= expected
    assert all(ms > 0 for ms in timing.callbacks.values())


def test_pages_include_the_busiest_store_and_best_selling_product(tiny_chain):
    paths = page_paths()
    # S1 has two orders; P3 sold 4 units (3 in order 3, 1 in order 4), P1 3 and P2 2.
    assert "/dashboard/stores/S1/" in paths
    assert "/dashboard/products/P3/" in paths
    assert len(paths) == 9 and paths[0] == "/dashboard/"
