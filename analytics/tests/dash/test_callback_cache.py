"""Dash callbacks answered from the cache (`analytics.views.dash_update`): the same post on the
same data is served without running the callback, never to another scope, and every committed
write makes the next answer fresh. Runs with the cache on (`cached` marker)."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from analytics.tests.dash.conftest import ALL_TIME
from analytics.tests.dash.test_pages import kpi_payload
from analytics.tests.test_version import commits  # noqa: F401 - fixture
from analytics.version import data_version
from orders.models import Order

pytestmark = [pytest.mark.django_db, pytest.mark.cached]

URL = "/django_plotly_dash/app/overview/_dash-update-component"
KPIS = kpi_payload()["output"]
WITH_ARGUMENTS = "/django_plotly_dash/app/overview/initial/abc123/_dash-update-component"


def post(client, url=URL, **filters) -> tuple[str, list[str]]:
    """The KPI callback's answer over the tiny chain's whole history, and the SQL it ran."""
    body = kpi_payload(**ALL_TIME, **filters)
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(url, body, content_type="application/json")
    assert answer.status_code == 200
    return answer.content.decode(), [q["sql"] for q in queries.captured_queries]


def orders_read(sql: list[str]) -> int:
    return sum('"orders_order"' in s or "analytics_storesales" in s for s in sql)


def test_the_same_post_is_answered_without_running_the_callback(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    first, sql = post(client)
    assert "$90.00" in first and orders_read(sql) > 0  # revenue of the tiny chain: computed
    again, sql = post(client)
    assert again == first and orders_read(sql) == 0
    # A page's address with initial arguments reaches the same callback, and the same answer.
    assert post(client, WITH_ARGUMENTS)[0] == first


def test_a_cached_answer_never_crosses_scopes(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    assert "$90.00" in post(client)[0]
    client.force_login(make_user("boss", User.Role.STORE_MANAGER, stores=["S1"]))
    own = post(client)[0]  # the same body: S1 alone, orders 1 and 2, 35.50 + 15.50
    assert "$51.00" in own and "$90.00" not in own


def test_filters_in_the_body_are_part_of_the_key(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    assert "$90.00" in post(client)[0]
    california = post(client, state=["CA"])[0]
    assert "$17.25" in california and "$90.00" not in california


def test_a_committed_write_makes_the_next_answer_fresh(
    client,
    tiny_chain,
    make_user,
    commits,  # noqa: F811
):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    assert "$90.00" in post(client)[0]
    before = data_version()
    with commits():
        order = Order.objects.get(pk=4)
        order.total = order.total + Decimal("10.00")
        order.save()
    assert data_version() == before + 1
    after = post(client)[0]
    assert "$100.00" in after and "$90.00" not in after


def test_the_live_poll_is_never_cached(client, tiny_chain, make_user, monkeypatch):
    """Its answer says when it saw new data: a second poll is run again, not replayed."""
    from analytics.dash_apps.kit import browser

    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    body = {
        "output": "..version.data...live-status.children..",
        "outputs": [
            {"id": "version", "property": "data"},
            {"id": "live-status", "property": "children"},
        ],
        "inputs": [{"id": "tick", "property": "n_intervals", "value": 1}],
        "state": [{"id": "version", "property": "data", "value": -1}],
        "changedPropIds": ["tick.n_intervals"],
    }
    seen = []
    for clock in ("10:00:00", "10:00:10"):
        monkeypatch.setattr(browser.time, "strftime", lambda _format, clock=clock: clock)
        answer = client.post(URL, body, content_type="application/json").content.decode()
        assert f'"data":{data_version()}' in answer
        seen.append(clock in answer)
    assert seen == [True, True]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "the body is not JSON"),
        ([1], "the body names no output"),
        ({"inputs": []}, "the body names no output"),
        ({"output": "nope.children"}, "this app has no callback for 'nope.children'"),
        ({"output": KPIS, "inputs": "x"}, "'inputs' is not a list"),
        ({"output": KPIS, "inputs": [], "state": [3]}, "'state' is not a list"),
    ],
)
def test_a_body_that_cannot_be_dispatched_is_a_400_saying_why(
    client, tiny_chain, make_user, body, reason
):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    data = body if isinstance(body, str) else json.dumps(body)
    answer = client.post(URL, data, content_type="application/json")
    assert answer.status_code == 400 and reason in answer.content.decode()


def test_an_unknown_app_is_a_404(client, tiny_chain, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    url = "/django_plotly_dash/app/nowhere/_dash-update-component"
    body = json.dumps(kpi_payload())
    assert client.post(url, body, content_type="application/json").status_code == 404
