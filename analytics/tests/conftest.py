"""What the analytics API tests share: a client per role, the data sets beyond `tiny_chain`,
and the CSV helpers. Helpers are imported (`from analytics.tests.conftest import csv_rows`).

tiny_chain's orders in the chain's local time (America/Los_Angeles): order 1 S1 Tue 2022-03-01
11:00 35.50; order 2 S1 Tue 2022-03-08 12:30 15.50; order 3 S2 Fri 2022-04-01 19:15 21.75;
order 4 S3 Sun 2023-01-15 15:59 17.25.
"""

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from accounts.models import User

_usernames = itertools.count(1)


@pytest.fixture
def api(make_user) -> Callable[..., APIClient]:
    """`api(role=EXECUTIVE, stores=[...], states=[...])`: a client authenticated as a new user.

    Each call makes its own user, so one test can hold several clients side by side."""

    def client_for(role: str = User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"api-{next(_usernames)}", role, **assignments))
        return client

    return client_for


@pytest.fixture
def customer_homes(tiny_chain) -> dict:
    """Home addresses for tiny_chain's customers: C1 and C3 in Reno, C2 in Henderson (NV)."""
    from customers.models import Customer

    Customer.objects.filter(id__in=["C1", "C3"]).update(city="Reno", state_abbr="NV")
    Customer.objects.filter(id="C2").update(city="Henderson", state_abbr="NV")
    return tiny_chain


@pytest.fixture
def nearest_stores(tiny_chain) -> dict:
    """Each of tiny_chain's customers lives nearest the store they ordered from."""
    from customers.models import Customer

    for cid, store in [("C1", "S1"), ("C2", "S2"), ("C3", "S3")]:
        Customer.objects.filter(id=cid).update(nearest_store_id=store)
    return tiny_chain


@pytest.fixture
def s4_drop(tiny_chain) -> dict:
    """S4 sells 100.00 (one P1 line) every Wednesday for eight weeks from 2024-01-01, then
    50.00 in the ninth week (Monday 2024-02-26)."""
    from orders.models import Order, OrderItem

    for i, revenue in enumerate([100] * 8 + [50]):
        day = dt.date(2024, 1, 3) + dt.timedelta(weeks=i)
        order = Order.objects.create(
            id=100 + i,
            store_id="S4",
            customer_id="C3",
            ordered_at=dt.datetime.combine(
                day, dt.time(12), tzinfo=ZoneInfo("America/Los_Angeles")
            ),
            n_items=1,
            total=Decimal(revenue),
        )
        OrderItem.objects.create(
            order=order, product_id="P1", quantity=1, unit_price=Decimal(revenue)
        )
    return tiny_chain


def pick(rows: list[dict], *keys: str) -> list[tuple]:
    """The `keys` of each row, as tuples: compact expected tables."""
    return [tuple(r[k] for k in keys) for r in rows]


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def as_csv_text(value) -> str:
    """A JSON value as the CSV renderer writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_csv_matches_json(client: APIClient, path: str, params: dict | None = None) -> dict:
    """The CSV answer holds the JSON `results`, columns in order, cell for cell.

    Returns the JSON body, for a caller that checks more."""
    params = params or {}
    body = client.get(path, params).json()
    as_csv = client.get(path, {**params, "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(as_csv.content.decode()))) == body["columns"]
    assert csv_rows(as_csv) == [
        {k: as_csv_text(v) for k, v in row.items()} for row in body["results"]
    ]
    return body
