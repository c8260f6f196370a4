"""The Trends page's callbacks, called as django-plotly-dash does, on tiny_chain.

tiny_chain in local time (America/Los_Angeles): order 1 S1 Tue 2022-03-01 11:00, 35.50 (P1×2
Classic 20.00, P2 Classic 15.50); order 2 S1 Tue 2022-03-08 12:30, 15.50 (P2 Classic); order 3
S2 Fri 2022-04-01 19:15, 21.75 (P3×3 Vegetarian); order 4 S3 Sun 2023-01-15 15:59, 17.25 (P1
Classic 10.00, P3 Vegetarian 7.25). Every figure below is counted by hand from these.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from analytics.dash_apps import trends
from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters
from analytics.tests.dash.conftest import ALL_TIME

pytestmark = pytest.mark.django_db

S4_WEEKS = {"date_from": "2024-01-01", "date_to": "2024-03-03"}  # s4_drop: 8 × 100.00, then 50


@pytest.fixture
def cb(callbacks):
    return callbacks(trends.app)


# Seasons ----------------------------------------------------------------------------------------


def test_seasons_heatmap_indexes_each_month_on_the_categorys_average(tiny_chain, executive, cb):
    heatmap = cb.chart("seasons", executive, ALL_TIME).data[0]
    assert list(heatmap.y) == ["Classic", "Vegetarian"]
    assert list(heatmap.x) == trends.MONTHS
    # Classic sold 61.00: January 10.00 (order 4), March 51.00 (orders 1 and 2).
    # Index = month × 12 / year × 100: 10 × 1200 / 61 = 196.72, 51 × 1200 / 61 = 1003.28.
    # Vegetarian sold 29.00: January 7.25 → 300.00, April 21.75 → 900.00.
    assert [list(row) for row in heatmap.z] == [
        [196.72, 0, 1003.28] + [0] * 9,
        [300.0, 0, 0, 900.0] + [0] * 8,
    ]
    # Revenue, items and share of the category's year: March Classic 51.00, 4 items, 83.61 %.
    assert list(heatmap.customdata[0][2]) == [51.0, 4, 83.61]
    assert list(heatmap.customdata[1][3]) == [21.75, 3, 75.0]


def test_a_category_row_of_the_heatmap_filters_it(tiny_chain):
    assert trends.filter_category({"y": "Classic", "x": "Mar"}, Filters()) == Drill(
        set={"category": "Classic", "size": None}
    )


def test_a_store_managers_seasons_hold_only_their_stores_sales(tiny_chain, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    heatmap = cb.chart("seasons", user, ALL_TIME).data[0]
    # S1 sold Classic only, all in March: 12 × the average month.
    assert (list(heatmap.y), list(heatmap.z[0])) == (["Classic"], [0, 0, 1200.0] + [0] * 9)
    assert cb.chart("seasons", user, {**ALL_TIME, "store": ["S2"]}).data == ()


# Growth -------------------------------------------------------------------------------------------


def test_growth_by_year_compares_each_year_with_the_one_before(tiny_chain, executive, cb):
    revenue, before, growth = cb.chart("growth", executive, ALL_TIME, ("year",)).data
    assert list(revenue.x) == ["2022", "2023"]
    # 2022: orders 1-3 = 72.75 against nothing in 2021; 2023: order 4 = 17.25.
    assert list(revenue.y) == [72.75, 17.25]
    assert list(before.y) == [0.0, 72.75]
    # (17.25 − 72.75) / 72.75 = −76.29 %; no growth on a year without sales.
    assert list(growth.y) == [None, -76.29]


def test_growth_by_quarter_follows_the_period_control(tiny_chain, executive, cb):
    revenue, before, growth = cb.chart("growth", executive, ALL_TIME, ("quarter",)).data
    assert list(revenue.x)[:5] == ["2022 Q1", "2022 Q2", "2022 Q3", "2022 Q4", "2023 Q1"]
    assert list(revenue.y) == [51.0, 21.75, 0.0, 0.0, 17.25, 0.0, 0.0, 0.0]
    assert list(before.y)[4:] == [51.0, 21.75, 0.0, 0.0]
    # 2023 Q1: (17.25 − 51.00) / 51.00 = −66.18 %; 2023 Q2 (nothing) on 21.75: −100 %.
    assert list(growth.y)[4:6] == [-66.18, -100.0]


def test_one_period_is_labelled_by_its_first_day(tiny_chain, executive, cb):
    march = {"date_from": "2022-03-01", "date_to": "2022-03-31"}
    revenue = cb.chart("growth", executive, march, ("month",)).data[0]
    assert (list(revenue.x), list(revenue.y)) == (["from 2022-03-01"], [51.0])


def test_period_kind_reads_the_spacing_of_the_periods():
    jan, apr = dt.date(2022, 1, 1), dt.date(2022, 4, 1)
    assert trends.period_kind([jan, dt.date(2023, 1, 1)]) == "year"
    assert trends.period_kind([jan, apr]) == "quarter"
    assert trends.period_kind([jan, dt.date(2022, 2, 1)]) == "month"
    assert trends.period_kind([jan]) is None


def test_growth_csv_is_the_apis_for_the_chosen_period(tiny_chain, make_user, cb):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    download = cb.download("growth", user, ALL_TIME, ("quarter",))
    api = APIClient()
    api.force_authenticate(user)
    expected = api.get("/api/trends/growth/", {**ALL_TIME, "period": "quarter", "format": "csv"})
    assert download["content"] == expected.content.decode()
    assert download["filename"] == "trends-growth.csv"
    # NV's stores: S1 51.00 in 2022 Q1, S2 21.75 in 2022 Q2.
    assert "2022-01-01,2022,2,51.00," in download["content"]


# Peak times ---------------------------------------------------------------------------------------


def test_peak_hours_count_orders_by_local_hour(tiny_chain, executive, cb):
    bars = cb.chart("peak-times", executive, ALL_TIME, ("hours",)).data[0]
    assert list(bars.x)[:2] == ["00:00", "01:00"] and len(bars.x) == 24
    expected = [0] * 24
    for hour in (11, 12, 15, 19):  # orders 1, 2, 4 and 3
        expected[hour] = 1
    assert list(bars.y) == expected
    assert list(bars.customdata[11]) == [25.0, 35.5]  # a quarter of the orders, $35.50


def test_peak_weekdays_average_orders_per_day_of_the_week(tiny_chain, executive, cb):
    spring = {"date_from": "2022-03-01", "date_to": "2022-04-01"}  # 5 Tuesdays, 5 Fridays
    bars = cb.chart("peak-times", executive, spring, ("weekdays",)).data[0]
    assert list(bars.x) == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert list(bars.y) == [0.0, 0.4, 0.0, 0.0, 0.2, 0.0, 0.0]  # 2 / 5 and 1 / 5
    assert list(bars.customdata[1]) == [2, 51.0]


def test_peak_holidays_compare_each_holiday_with_ordinary_days(tiny_chain, executive, cb):
    january = {"date_from": "2023-01-01", "date_to": "2023-01-31"}
    fig = cb.chart("peak-times", executive, january, ("holidays",))
    bars = fig.data[0]
    assert list(bars.x) == ["2023-01-01", "2023-01-02", "2023-01-16"]
    names = [c[0] for c in bars.customdata]
    assert names == ["New Year's Day", "New Year's Day (observed)", "Martin Luther King Jr. Day"]
    # Sunday the 1st: no order against Sundays the 8th (none) and 15th (order 4): 0 / 0.5.
    # The others' ordinary days had no order: no ratio.
    assert list(bars.y) == [0.0, None, None]
    assert [c[3] for c in bars.customdata] == ["0.50", "0.00", "0.00"]
    assert fig.layout.shapes[0].y0 == 1  # the line of an ordinary day


# Early warning ------------------------------------------------------------------------------------


def test_warnings_list_the_weeks_below_the_band_by_store(s4_drop, executive, cb):
    rows, columns = cb.chart("warnings", executive, S4_WEEKS, ("store",))
    assert [c["field"] for c in columns][:2] == ["store", "week"]
    assert rows == [
        {
            "store": "S4",
            "week": "2024-02-26",
            "revenue": 50.0,
            "expected": 100.0,
            "lower_bound": 100.0,
            "drop_pct": 50.0,
            "severity": "critical",
            "reason": "Revenue $50.00 is 50% below the 8-week average of $100.00 "
            "(lower bound $100.00).",
        }
    ]
    assert trends.open_warning(rows[0], Filters()) == Drill(goto="/dashboard/stores/S4/")


def test_warnings_by_category_filter_the_category_on_click(s4_drop, executive, cb):
    rows, columns = cb.chart("warnings", executive, S4_WEEKS, ("category",))
    assert [(r["category"], r["week"], r["drop_pct"]) for r in rows] == [
        ("Classic", "2024-02-26", 50.0)
    ]
    assert columns[0]["field"] == "category"
    assert trends.open_warning(rows[0], Filters()) == Drill(
        set={"category": "Classic", "size": None}
    )


def test_a_store_manager_sees_only_their_stores_warnings(s4_drop, make_user, cb):
    user = make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])
    rows, _ = cb.chart("warnings", user, S4_WEEKS, ("store",))
    assert rows == []
    assert cb.chart("warnings", user, {**S4_WEEKS, "store": ["S4"]}, ("store",)) == ([], [])


@pytest.mark.parametrize("dates", [ALL_TIME, {"date_from": "2030-01-01"}])
def test_every_chart_says_when_there_is_nothing_to_draw(tiny_chain, executive, cb, dates):
    controls = {"growth": ("year",), "peak-times": ("hours",), "warnings": ("store",)}
    if dates is ALL_TIME:  # an empty database
        from orders.models import Order, OrderItem

        OrderItem.objects.all().delete()
        Order.objects.all().delete()
    for chart in trends.CHARTS:
        out = cb.chart(chart.id, executive, dates, controls.get(chart.id, ()))
        if chart.is_table:
            assert out[0] == []
        else:
            assert out.data == () and out.layout.annotations[0].text in (
                "Nothing matches these filters.",
                "No sales in this period.",
            ), chart.id
