"""The trend endpoints over HTTP on `tiny_chain`: JSON numbers, CSV, scope, bad input.

Local times: order 1 S1 Tue 2022-03-01 11:00 35.50; order 2 S1 Tue 2022-03-08 12:30 15.50;
order 3 S2 Fri 2022-04-01 19:15 21.75; order 4 S3 Sun 2023-01-15 15:59 17.25.
"""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

SEASONAL = "/api/trends/seasonal/"
GROWTH = "/api/trends/growth/"
PEAK = "/api/trends/peak_times/"
WARNING = "/api/trends/warning/"

VIEWS = [
    (SEASONAL, {}),
    (GROWTH, {}),
    (GROWTH, {"period": "month"}),
    (PEAK, {}),
    (PEAK, {"view": "weekdays"}),
    (PEAK, {"view": "holidays"}),
    (WARNING, {"date_to": "2024-03-03"}),
    (WARNING, {"by": "category", "date_to": "2024-03-03"}),
]
NINE_WEEKS = {"date_to": "2024-03-03"}  # the ninth week's Sunday: that week is whole


@pytest.fixture
def s4_drop(tiny_chain):
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


@pytest.fixture
def api(s4_drop, make_user, settings):
    # Users are made per test: skip the deliberately slow production password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"u-{role}", role, **assignments))
        return client

    return client_for


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def as_text(rows: list[dict]) -> list[dict]:
    return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]


UNTIL_2023 = {"date_to": "2023-12-31"}  # tiny_chain alone, without S4's 2024 weeks


def test_seasonal_json(api):
    body = api().get(SEASONAL, UNTIL_2023).json()
    assert [r for r in body["results"] if r["quantity"]] == [
        {
            "category": "Classic",
            "month": 1,
            "quantity": 1,
            "revenue": "10.00",
            "share_of_category": "16.39",
            "index": "196.72",
        },
        {
            "category": "Classic",
            "month": 3,
            "quantity": 4,
            "revenue": "51.00",
            "share_of_category": "83.61",
            "index": "1003.28",
        },
        {
            "category": "Vegetarian",
            "month": 1,
            "quantity": 1,
            "revenue": "7.25",
            "share_of_category": "25.00",
            "index": "300.00",
        },
        {
            "category": "Vegetarian",
            "month": 4,
            "quantity": 3,
            "revenue": "21.75",
            "share_of_category": "75.00",
            "index": "900.00",
        },
    ]


def test_growth_json(api):
    body = api().get(GROWTH, UNTIL_2023).json()
    assert body["params"] == {"period": "year"}
    assert body["results"] == [
        {
            "period": "2022-01-01",
            "year": 2022,
            "orders": 3,
            "revenue": "72.75",
            "previous_orders": None,
            "previous_revenue": None,
            "orders_growth_pct": None,
            "revenue_growth_pct": None,
        },
        {
            "period": "2023-01-01",
            "year": 2023,
            "orders": 1,
            "revenue": "17.25",
            "previous_orders": 3,
            "previous_revenue": "72.75",
            "orders_growth_pct": "-66.67",
            "revenue_growth_pct": "-76.29",
        },
    ]


def test_peak_times_json(api):
    client = api()
    hours = client.get(PEAK, UNTIL_2023).json()["results"]
    assert [(r["hour"], r["orders"], r["revenue"], r["share"]) for r in hours if r["orders"]] == [
        (11, 1, "35.50", "25.00"),
        (12, 1, "15.50", "25.00"),
        (15, 1, "17.25", "25.00"),
        (19, 1, "21.75", "25.00"),
    ]
    march = {"view": "weekdays", "date_from": "2022-03-01", "date_to": "2022-03-31"}
    tuesday = client.get(PEAK, march).json()["results"][1]
    assert tuesday == {
        "weekday": 2,
        "weekday_name": "Tuesday",
        "orders": 2,
        "revenue": "51.00",
        "average_orders": "0.40",
    }


def test_peak_holidays_json(api):
    january = {"view": "holidays", "date_from": "2023-01-01", "date_to": "2023-01-31"}
    body = api().get(PEAK, january).json()
    assert [(r["date"], r["name"]) for r in body["results"]] == [
        ("2023-01-01", "New Year's Day"),
        ("2023-01-02", "New Year's Day (observed)"),
        ("2023-01-16", "Martin Luther King Jr. Day"),
    ]
    # Sundays around January 1st inside the range: the 8th (nothing) and the 15th (order 4).
    assert body["results"][0] == {
        "date": "2023-01-01",
        "name": "New Year's Day",
        "weekday_name": "Sunday",
        "orders": 0,
        "revenue": "0.00",
        "baseline_orders": "0.50",
        "baseline_revenue": "8.63",
        "ratio": "0.00",
    }


def test_warning_json(api):
    body = api().get(WARNING, NINE_WEEKS).json()
    assert body["params"] == {"by": "store", "baseline_weeks": 8, "k": 2.0}
    assert body["results"] == [
        {
            "store": "S4",
            "week": "2024-02-26",
            "revenue": "50.00",
            "expected": "100.00",
            "lower_bound": "100.00",
            "drop_pct": "50.00",
            "severity": "critical",
            "reason": "Revenue $50.00 is 50% below the 8-week average of $100.00 "
            "(lower bound $100.00).",
        }
    ]


def test_warning_does_not_judge_a_week_still_running(api):
    # Without date_to the last day is the ninth week's Wednesday (its only order).
    assert api().get(WARNING).json()["results"] == []


def test_warning_params_json(api):
    client = api()
    # Wider band (k = 3) is still above 50 with std 0; a 4-week baseline gives the same drop.
    loose = client.get(WARNING, {"k": "3", "baseline_weeks": "4", **NINE_WEEKS}).json()
    assert [(r["store"], r["drop_pct"]) for r in loose["results"]] == [("S4", "50.00")]
    by_category = client.get(
        WARNING, {"by": "category", "date_from": "2024-01-01", **NINE_WEEKS}
    ).json()
    assert by_category["columns"][0] == "category"
    assert [(r["category"], r["week"]) for r in by_category["results"]] == [
        ("Classic", "2024-02-26")
    ]


@pytest.mark.parametrize(("path", "params"), VIEWS)
def test_csv_output_equals_json_output(api, path, params):
    client = api()
    as_json = client.get(path, params).json()
    as_csv = client.get(path, {**params, "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    assert as_json["results"]
    assert csv_rows(as_csv) == as_text(as_json["results"])


def test_a_store_manager_sees_only_their_store(api):
    client = api(User.Role.STORE_MANAGER, stores=["S2"])
    seasonal = client.get(SEASONAL).json()["results"]
    assert [(r["category"], r["month"], r["revenue"]) for r in seasonal if r["quantity"]] == [
        ("Vegetarian", 4, "21.75")
    ]
    growth = client.get(GROWTH).json()["results"]
    assert [(r["year"], r["orders"]) for r in growth] == [(2022, 1)]
    hours = client.get(PEAK).json()["results"]
    assert [(r["hour"], r["share"]) for r in hours if r["orders"]] == [(19, "100.00")]
    assert client.get(WARNING).json()["results"] == []
    assert client.get(WARNING, {"store": "S4"}).status_code == 403


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        (GROWTH, {"period": "week"}, "period"),
        (PEAK, {"view": "minutes"}, "view"),
        (WARNING, {"by": "product"}, "by"),
        (WARNING, {"baseline_weeks": "1"}, "baseline_weeks"),
        (WARNING, {"baseline_weeks": "eight"}, "baseline_weeks"),
        (WARNING, {"k": "-1"}, "k"),
        (WARNING, {"k": "two"}, "k"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(api, path, params, name):
    response = api().get(path, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


@pytest.mark.parametrize(("path", "params"), VIEWS)
@pytest.mark.parametrize(
    "dates",
    [
        {"date_from": "2030-01-01"},  # after the data, open-ended
        {"date_from": "2030-01-01", "date_to": "2030-01-01"},  # one empty day
        {"date_to": "2020-01-01"},  # before the data
    ],
)
def test_no_data_is_an_answer_not_an_error(api, path, params, dates):
    own = {k: v for k, v in params.items() if not k.startswith("date_")}
    response = api().get(path, {**own, **dates})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert all(not r.get("orders") and not r.get("quantity") for r in rows)


def test_a_manager_without_stores_gets_empty_answers(api):
    client = api(User.Role.STORE_MANAGER)
    for path, params in VIEWS:
        response = client.get(path, params)
        assert response.status_code == 200, path
        assert all(not r.get("orders") for r in response.json()["results"]), path
