"""Trend analyses on `tiny_chain` plus small series of our own, numbers by hand.

tiny_chain in local time (America/Los_Angeles):
order 1  S1  Tue 2022-03-01 11:00  35.50  P1×2 (Classic 20.00) + P2 (Classic 15.50)
order 2  S1  Tue 2022-03-08 12:30  15.50  P2 (Classic)
order 3  S2  Fri 2022-04-01 19:15  21.75  P3×3 (Vegetarian)
order 4  S3  Sun 2023-01-15 15:59  17.25  P1 (Classic 10.00) + P3 (Vegetarian 7.25)
"""

import datetime as dt
import statistics
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters
from analytics.services.trends import (
    category_sales_by_month,
    growth_by_period,
    revenue_drops_by_week,
    sales_by_peak_time,
)

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
D = Decimal
_next_id = iter(range(100, 10_000))


def add_order(store: str, when: dt.datetime, revenue: Decimal | str, sku: str = "P1") -> None:
    """One order of one item whose line (and the order's total) is `revenue`."""
    from orders.models import Order, OrderItem

    order = Order.objects.create(
        id=next(_next_id),
        store_id=store,
        customer_id="C1",
        ordered_at=when,
        n_items=1,
        total=D(revenue),
    )
    OrderItem.objects.create(order=order, product_id=sku, quantity=1, unit_price=D(revenue))


def manager_of(make_user, store: str):
    return scope_for(make_user(f"mgr-{store}", User.Role.STORE_MANAGER, stores=[store]))


# --- trends/seasonal/ -------------------------------------------------------------------------


def test_category_sales_by_month_by_hand(tiny_chain):
    result = category_sales_by_month(filters=Filters(), scope=EVERYTHING)
    assert result.columns == [
        "category",
        "month",
        "quantity",
        "revenue",
        "share_of_category",
        "index",
    ]
    assert [(r["category"], r["month"]) for r in result.rows] == [
        (c, m) for c in ("Classic", "Vegetarian") for m in range(1, 13)
    ]
    sold = [tuple(r.values()) for r in result.rows if r["quantity"]]
    # Classic: 61.00 in all, average month 61 / 12; Vegetarian: 29.00, average 29 / 12.
    assert sold == [
        ("Classic", 1, 1, D("10.00"), D("16.39"), D("196.72")),  # 10 × 1200 / 61
        ("Classic", 3, 4, D("51.00"), D("83.61"), D("1003.28")),  # 51 × 1200 / 61
        ("Vegetarian", 1, 1, D("7.25"), D("25.00"), D("300.00")),
        ("Vegetarian", 4, 3, D("21.75"), D("75.00"), D("900.00")),
    ]
    may = result.rows[4]
    assert (may["month"], may["revenue"], may["share_of_category"], may["index"]) == (
        5,
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )


def test_category_sales_by_month_uses_local_months(tiny_chain):
    # 2022-05-01 03:00 UTC is still April 30th in Los Angeles.
    add_order("S2", dt.datetime(2022, 5, 1, 3, 0, tzinfo=ZoneInfo("UTC")), "7.25", sku="P3")
    result = category_sales_by_month(filters=Filters(category="Vegetarian"), scope=EVERYTHING)
    assert {r["month"]: r["revenue"] for r in result.rows if r["quantity"]} == {
        1: D("7.25"),
        4: D("29.00"),
    }


def test_category_sales_by_month_stays_in_the_scope(tiny_chain, make_user):
    result = category_sales_by_month(filters=Filters(), scope=manager_of(make_user, "S3"))
    assert [(r["category"], r["month"], r["revenue"]) for r in result.rows if r["quantity"]] == [
        ("Classic", 1, D("10.00")),
        ("Vegetarian", 1, D("7.25")),
    ]
    assert {r["index"] for r in result.rows if r["quantity"]} == {D("1200.00")}


def test_category_sales_by_month_without_data_is_empty(tiny_chain):
    filters = Filters(date_from=dt.date(2030, 1, 1))
    assert category_sales_by_month(filters=filters, scope=EVERYTHING).rows == []


# --- trends/growth/ ---------------------------------------------------------------------------


@pytest.fixture
def march_2023(tiny_chain):
    """tiny_chain plus 25.50 at S1 on Friday 2023-03-10 (a year after orders 1 and 2)."""
    add_order("S1", dt.datetime(2023, 3, 10, 12, 0, tzinfo=LA), "25.50")


def growth(result) -> list[tuple]:
    return [
        (
            r["period"],
            r["orders"],
            r["revenue"],
            r["previous_orders"],
            r["previous_revenue"],
            r["orders_growth_pct"],
            r["revenue_growth_pct"],
        )
        for r in result.rows
    ]


def test_growth_by_year_by_hand(tiny_chain):
    result = growth_by_period(filters=Filters(), scope=EVERYTHING)
    # 2022: orders 1-3 (72.75); 2023: order 4 (17.25). −2/3 = −66.67 %, −55.50/72.75 = −76.29 %.
    assert growth(result) == [
        (dt.date(2022, 1, 1), 3, D("72.75"), None, None, None, None),
        (dt.date(2023, 1, 1), 1, D("17.25"), 3, D("72.75"), D("-66.67"), D("-76.29")),
    ]
    assert [r["year"] for r in result.rows] == [2022, 2023]


def test_growth_by_month_compares_the_same_month_a_year_earlier(march_2023):
    result = growth_by_period(filters=Filters(), scope=EVERYTHING, period="month")
    rows = growth(result)
    assert [r[0] for r in rows] == [dt.date(2022, 3, 1) + _months(i) for i in range(13)]
    # January and February 2022 precede the data: no comparison.
    assert rows[10] == (dt.date(2023, 1, 1), 1, D("17.25"), None, None, None, None)
    assert rows[12] == (dt.date(2023, 3, 1), 1, D("25.50"), 2, D("51.00"), D("-50.00"), D("-50.00"))


def _months(n: int):
    from dateutil.relativedelta import relativedelta

    return relativedelta(months=n)


def test_growth_by_quarter(march_2023):
    result = growth_by_period(filters=Filters(), scope=EVERYTHING, period="quarter")
    # 2023-Q1: orders 4 and the new one (42.75) against 2022-Q1: orders 1 and 2 (51.00).
    assert growth(result)[-1] == (
        dt.date(2023, 1, 1),
        2,
        D("42.75"),
        2,
        D("51.00"),
        D("0.00"),
        D("-16.18"),
    )
    assert growth(result)[2] == (dt.date(2022, 7, 1), 0, D("0.00"), None, None, None, None)


def test_growth_reads_the_year_before_date_from(march_2023):
    # From March 5th: a year earlier is from 2022-03-05, so order 2 (15.50) but not order 1.
    filters = Filters(date_from=dt.date(2023, 3, 5), date_to=dt.date(2023, 3, 31))
    result = growth_by_period(filters=filters, scope=EVERYTHING, period="month")
    assert growth(result) == [
        (dt.date(2023, 3, 1), 1, D("25.50"), 1, D("15.50"), D("0.00"), D("64.52")),
    ]


def test_growth_stays_in_the_scope(march_2023, make_user):
    result = growth_by_period(filters=Filters(), scope=manager_of(make_user, "S1"))
    assert growth(result) == [
        (dt.date(2022, 1, 1), 2, D("51.00"), None, None, None, None),
        (dt.date(2023, 1, 1), 1, D("25.50"), 2, D("51.00"), D("-50.00"), D("-50.00")),
    ]


def test_growth_without_data(tiny_chain):
    assert (
        growth_by_period(filters=Filters(date_from=dt.date(2030, 1, 1)), scope=EVERYTHING).rows
        == []
    )
    filters = Filters(date_from=dt.date(2030, 1, 1), date_to=dt.date(2030, 12, 31))
    assert growth(growth_by_period(filters=filters, scope=EVERYTHING)) == [
        (dt.date(2030, 1, 1), 0, D("0.00"), 0, D("0.00"), None, None)
    ]


# --- trends/peak_times/ -----------------------------------------------------------------------


def test_peak_hours_by_hand(tiny_chain):
    result = sales_by_peak_time(filters=Filters(), scope=EVERYTHING)
    assert [r["hour"] for r in result.rows] == list(range(24))
    # Local hours 11, 12, 19 (02:15 UTC) and 15.
    assert {
        r["hour"]: (r["orders"], r["revenue"], r["share"]) for r in result.rows if r["orders"]
    } == {
        11: (1, D("35.50"), D("25.00")),
        12: (1, D("15.50"), D("25.00")),
        15: (1, D("17.25"), D("25.00")),
        19: (1, D("21.75"), D("25.00")),
    }
    assert result.rows[2] == {"hour": 2, "orders": 0, "revenue": D("0.00"), "share": D("0.00")}


def test_peak_weekdays_average_over_the_weekdays_of_the_range(tiny_chain):
    # March 2022 has five Tuesdays; orders 1 and 2 are on two of them.
    filters = Filters(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 3, 31))
    result = sales_by_peak_time(filters=filters, scope=EVERYTHING, view="weekdays")
    assert result.columns == ["weekday", "weekday_name", "orders", "revenue", "average_orders"]
    assert [tuple(r.values()) for r in result.rows][:3] == [
        (1, "Monday", 0, D("0.00"), D("0.00")),
        (2, "Tuesday", 2, D("51.00"), D("0.40")),
        (3, "Wednesday", 0, D("0.00"), D("0.00")),
    ]


def test_peak_weekdays_stay_in_the_scope(tiny_chain, make_user):
    result = sales_by_peak_time(
        filters=Filters(), scope=manager_of(make_user, "S2"), view="weekdays"
    )
    # S2's only order, Friday April 1st local: a span of one day, one Friday.
    assert [
        (r["weekday_name"], r["orders"], r["average_orders"]) for r in result.rows if r["orders"]
    ] == [("Friday", 1, D("1.00"))]


@pytest.fixture
def holiday_orders(tiny_chain):
    """Orders of 10.00 at S1, local noon, on Mondays of 2022 (count per day)."""
    counts = {
        (5, 16): 2,
        (5, 23): 2,
        (5, 30): 3,  # Memorial Day
        (6, 6): 1,
        (6, 20): 5,  # Juneteenth (observed)
        (6, 27): 1,
        (7, 4): 2,  # Independence Day
        (7, 11): 1,
        (7, 18): 1,
    }
    for (month, day), n in counts.items():
        for _ in range(n):
            add_order("S1", dt.datetime(2022, month, day, 12, 0, tzinfo=LA), "10.00")


def holiday_rows(result) -> list[tuple]:
    return [
        (r["date"], r["orders"], r["baseline_orders"], r["baseline_revenue"], r["ratio"])
        for r in result.rows
    ]


def test_peak_holidays_against_the_same_weekday_around_them(holiday_orders):
    filters = Filters(date_from=dt.date(2022, 5, 1), date_to=dt.date(2022, 7, 31))
    result = sales_by_peak_time(filters=filters, scope=EVERYTHING, view="holidays")
    assert [(r["date"], r["name"], r["weekday_name"]) for r in result.rows] == [
        (dt.date(2022, 5, 30), "Memorial Day", "Monday"),
        (dt.date(2022, 6, 19), "Juneteenth National Independence Day", "Sunday"),
        (dt.date(2022, 6, 20), "Juneteenth National Independence Day (observed)", "Monday"),
        (dt.date(2022, 7, 4), "Independence Day", "Monday"),
    ]
    assert holiday_rows(result) == [
        # May 16, 23, June 6, 13: (2 + 2 + 1 + 0) / 4 = 1.25; 3 / 1.25 = 2.40.
        (dt.date(2022, 5, 30), 3, D("1.25"), D("12.50"), D("2.40")),
        # Sundays around June 19th sold nothing: no ratio.
        (dt.date(2022, 6, 19), 0, D("0.00"), D("0.00"), None),
        # June 6, 13, 27 (July 4th is a holiday): 2 / 3; 5 / (2 / 3) = 7.50 exactly.
        (dt.date(2022, 6, 20), 5, D("0.67"), D("6.67"), D("7.50")),
        # June 27, July 11, 18 (June 20th, observed Juneteenth, is left out): 1.00.
        (dt.date(2022, 7, 4), 2, D("1.00"), D("10.00"), D("2.00")),
    ]
    assert result.rows[0]["revenue"] == D("30.00")


def test_peak_holidays_skip_comparison_days_outside_the_range(holiday_orders):
    # From May 20th, May 16th is out: (2 + 1 + 0) / 3 = 1.00.
    filters = Filters(date_from=dt.date(2022, 5, 20), date_to=dt.date(2022, 6, 15))
    result = sales_by_peak_time(filters=filters, scope=EVERYTHING, view="holidays")
    assert holiday_rows(result) == [(dt.date(2022, 5, 30), 3, D("1.00"), D("10.00"), D("3.00"))]


def test_peak_holidays_stay_in_the_scope(holiday_orders, make_user):
    filters = Filters(date_from=dt.date(2022, 5, 20), date_to=dt.date(2022, 6, 15))
    scope = manager_of(make_user, "S2")
    result = sales_by_peak_time(filters=filters, scope=scope, view="holidays")
    assert holiday_rows(result) == [(dt.date(2022, 5, 30), 0, D("0.00"), D("0.00"), None)]


def test_peak_times_without_data(tiny_chain):
    filters = Filters(date_from=dt.date(2030, 1, 1))
    assert sales_by_peak_time(filters=filters, scope=EVERYTHING, view="holidays").rows == []
    hours = sales_by_peak_time(filters=filters, scope=EVERYTHING)
    assert len(hours.rows) == 24 and {r["share"] for r in hours.rows} == {D("0.00")}


# --- trends/warning/ --------------------------------------------------------------------------

WEEK_1 = dt.date(2024, 1, 1)  # a Monday
S4_WEEKS = [90, 110, 90, 110, 90, 110, 90, 110, 70, 40]  # mean 100, std 10, then drops
S2_WEEKS = [100] * 8 + [90, 100]  # flat, then a small dip


@pytest.fixture
def weekly_series(tiny_chain):
    """One order a week, Wednesday noon local, at S4 and S2, ten weeks from 2024-01-01."""
    for store, series in (("S4", S4_WEEKS), ("S2", S2_WEEKS)):
        for i, revenue in enumerate(series):
            day = WEEK_1 + dt.timedelta(weeks=i, days=2)
            add_order(store, dt.datetime.combine(day, dt.time(12), tzinfo=LA), f"{revenue}.00")


def week(i: int) -> dt.date:
    return WEEK_1 + dt.timedelta(weeks=i - 1)


TEN_WEEKS = Filters(date_from=WEEK_1, date_to=dt.date(2024, 3, 10))  # ends on week 10's Sunday


def test_warning_flags_weeks_below_the_band_by_hand(weekly_series):
    result = revenue_drops_by_week(filters=TEN_WEEKS, scope=EVERYTHING)
    assert result.columns == [
        "store",
        "week",
        "revenue",
        "expected",
        "lower_bound",
        "drop_pct",
        "severity",
        "reason",
    ]
    # Week 10: weeks 2-9 average 97.50, population std sqrt(193.75) = 13.92.
    std_10 = statistics.pstdev(S4_WEEKS[1:9])
    assert std_10 == pytest.approx(193.75**0.5)
    assert [tuple(r.values())[:7] for r in result.rows] == [
        (
            "S4",
            week(10),
            D("40.00"),
            D("97.50"),
            D(f"{97.5 - 2 * std_10:.2f}"),
            D("58.97"),
            "critical",
        ),
        # Week 9: weeks 1-8 average 100, std 10, lower bound 80; 70 is 30 % below: warning.
        ("S4", week(9), D("70.00"), D("100.00"), D("80.00"), D("30.00"), "warning"),
        # S2: eight weeks of 100 (std 0, lower bound 100); 90 is 10 % below: watch.
        ("S2", week(9), D("90.00"), D("100.00"), D("100.00"), D("10.00"), "watch"),
    ]
    assert D(f"{97.5 - 2 * std_10:.2f}") == D("69.66")
    assert result.rows[1]["reason"] == (
        "Revenue $70.00 is 30% below the 8-week average of $100.00 (lower bound $80.00)."
    )


def test_warning_k_widens_the_band(weekly_series):
    result = revenue_drops_by_week(filters=TEN_WEEKS, scope=EVERYTHING, k=3.0)
    # Week 9: lower bound 100 − 3 × 10 = 70, and 70 is not below it. S2's std is 0.
    assert [(r["store"], r["week"]) for r in result.rows] == [("S4", week(10)), ("S2", week(9))]


def test_warning_baseline_weeks_sets_the_window(weekly_series):
    result = revenue_drops_by_week(filters=TEN_WEEKS, scope=EVERYTHING, baseline_weeks=4)
    s4 = {
        r["week"]: (r["expected"], r["lower_bound"], r["drop_pct"])
        for r in result.rows
        if r["store"] == "S4"
    }
    # Week 10 against weeks 6-9 (110, 90, 110, 70): mean 95, std sqrt(275) = 16.58.
    assert s4[week(10)] == (D("95.00"), D(f"{95 - 2 * 275**0.5:.2f}"), D("57.89"))
    assert s4[week(9)] == (D("100.00"), D("80.00"), D("30.00"))
    assert "4-week average of $95.00" in result.rows[0]["reason"]


def test_warning_by_category(weekly_series):
    filters = Filters(date_from=WEEK_1, date_to=dt.date(2024, 3, 10), store=("S4",))
    result = revenue_drops_by_week(filters=filters, scope=EVERYTHING, by="category")
    assert result.columns[0] == "category"
    assert [(r["category"], r["week"], r["severity"]) for r in result.rows] == [
        ("Classic", week(10), "critical"),
        ("Classic", week(9), "warning"),
    ]


def test_warning_leaves_out_a_week_cut_short(weekly_series):
    # Without date_to the last day is Wednesday of week 10 (its order): week 10 is not judged.
    result = revenue_drops_by_week(filters=Filters(), scope=EVERYTHING)
    assert [(r["store"], r["week"]) for r in result.rows] == [("S4", week(9)), ("S2", week(9))]


def test_warning_reads_the_baseline_before_date_from(weekly_series):
    # From week 9 on: weeks 1-8 still make the baseline of week 9.
    filters = Filters(date_from=week(9), date_to=dt.date(2024, 3, 10))
    result = revenue_drops_by_week(filters=filters, scope=EVERYTHING)
    assert [(r["store"], r["week"]) for r in result.rows] == [
        ("S4", week(10)),
        ("S4", week(9)),
        ("S2", week(9)),
    ]


@pytest.mark.parametrize(
    ("revenue", "k", "flagged"),
    [
        # Weeks 1-8 of S4: mean 100.00, population std 10.00.
        ("80.00", 2.0, False),  # exactly on the lower bound 100 - 2 × 10
        ("79.99", 2.0, True),
        ("85.00", 1.5, False),
        ("84.99", 1.5, True),
        ("100.00", 0.0, False),  # k = 0: the band is the mean
        ("99.99", 0.0, True),
    ],
)
def test_warning_band_edges_are_exact(tiny_chain, revenue, k, flagged):
    for i, value in enumerate([*S4_WEEKS[:8], revenue]):
        day = WEEK_1 + dt.timedelta(weeks=i, days=2)
        add_order("S4", dt.datetime.combine(day, dt.time(12), tzinfo=LA), value)
    nine_weeks = Filters(date_from=WEEK_1, date_to=dt.date(2024, 3, 3))
    rows = revenue_drops_by_week(filters=nine_weeks, scope=EVERYTHING, k=k).rows
    assert [(r["week"], r["revenue"]) for r in rows] == ([(week(9), D(revenue))] if flagged else [])


def test_warning_stays_in_the_scope(weekly_series, make_user):
    result = revenue_drops_by_week(filters=TEN_WEEKS, scope=manager_of(make_user, "S2"))
    assert [(r["store"], r["week"], r["severity"]) for r in result.rows] == [
        ("S2", week(9), "watch")
    ]


def test_warning_without_data_is_empty(tiny_chain):
    filters = Filters(date_from=dt.date(2030, 1, 1), date_to=dt.date(2030, 6, 30))
    assert revenue_drops_by_week(filters=filters, scope=EVERYTHING).rows == []
    assert (
        revenue_drops_by_week(filters=Filters(date_from=dt.date(2030, 1, 1)), scope=EVERYTHING).rows
        == []
    )
