"""The trend endpoints over HTTP on `tiny_chain` (its orders' local times are in conftest.py)
and S4's weeks of 2024: JSON numbers by hand and what a store manager sees. What every endpoint
promises is in test_api_contract.py."""

import pytest

from accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("s4_drop")]

SEASONAL = "/api/trends/seasonal/"
GROWTH = "/api/trends/growth/"
PEAK = "/api/trends/peak_times/"
WARNING = "/api/trends/warning/"

NINE_WEEKS = {"date_to": "2024-03-03"}  # the ninth week's Sunday: that week is whole
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
