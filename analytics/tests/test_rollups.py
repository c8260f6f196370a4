"""Rollups answer exactly as the base tables do.

On the 20,000-order export: every analysis gives the same answer with the rollups as without
them, under many filter sets; a date range's rollup rows sum to what the orders in it sum to;
a range splits into the day, month and year rows worked out by hand. Writes: see
test_rollups_writes.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Sum
from django.test import override_settings

from accounts.scope import EVERYTHING, Scope
from analytics import rollups
from analytics.filters import Filters
from analytics.models import (
    CustomerSales,
    Grain,
    HourSales,
    ItemSales,
    PairSales,
    StoreSales,
)
from analytics.registry import all_analyses
from analytics.services.base import money
from orders.models import Order

LA = ZoneInfo("America/Los_Angeles")


def _rows(model) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    return sorted(
        tuple(str(v) if isinstance(v, Decimal) else v for v in row)
        for row in model.objects.values_list(*fields)
    )


def _snapshot() -> tuple[list, ...]:
    return (
        _rows(StoreSales),
        _rows(ItemSales),
        _rows(CustomerSales),
        _rows(PairSales),
        _rows(HourSales),
    )


def _pieces(q) -> list[tuple[str, dt.date, dt.date]]:
    """(grain, first, end) of each range in a `spans` answer."""
    if not q.children or isinstance(q.children[0], tuple):
        lookups = dict(q.children)
        return [(lookups["grain"], lookups["period__gte"], lookups["period__lt"])]
    return [piece for child in q.children for piece in _pieces(child)]


# --- splitting a range -------------------------------------------------------------------------


def test_a_range_splits_into_edge_days_whole_months_and_whole_years():
    d = dt.date
    pieces = _pieces(rollups.spans(d(2021, 11, 20), d(2024, 2, 3)))
    assert sorted(pieces, key=lambda p: p[1]) == [
        (Grain.DAY, d(2021, 11, 20), d(2021, 12, 1)),
        (Grain.MONTH, d(2021, 12, 1), d(2022, 1, 1)),
        (Grain.YEAR, d(2022, 1, 1), d(2024, 1, 1)),
        (Grain.MONTH, d(2024, 1, 1), d(2024, 2, 1)),
        (Grain.DAY, d(2024, 2, 1), d(2024, 2, 4)),
    ]


def test_pairs_take_whole_months_and_years_and_leave_the_edge_days_to_the_base_tables():
    d = dt.date
    covered, edges = rollups.month_spans(d(2021, 11, 20), d(2024, 2, 3))
    assert sorted(_pieces(covered), key=lambda p: p[1]) == [
        (Grain.MONTH, d(2021, 12, 1), d(2022, 1, 1)),
        (Grain.YEAR, d(2022, 1, 1), d(2024, 1, 1)),
        (Grain.MONTH, d(2024, 1, 1), d(2024, 2, 1)),
    ]
    assert edges == [(d(2021, 11, 20), d(2021, 11, 30)), (d(2024, 2, 1), d(2024, 2, 3))]
    # within one month: no rollup rows at all; whole months: no edges; open ends: no edges
    assert rollups.month_spans(d(2022, 5, 2), d(2022, 5, 30)) == (
        None,
        [(d(2022, 5, 2), d(2022, 5, 30))],
    )
    covered, edges = rollups.month_spans(d(2022, 5, 1), d(2022, 6, 30))
    assert (_pieces(covered), edges) == ([(Grain.MONTH, d(2022, 5, 1), d(2022, 7, 1))], [])
    covered, edges = rollups.month_spans(None, d(2022, 6, 15))
    assert edges == [(d(2022, 6, 1), d(2022, 6, 15))]
    assert rollups.month_spans(None, None)[1] == []


def test_basket_by_name_and_with_min_support_from_the_pair_rollup(pizza_small_db):
    from analytics.services.orders import orders_together_by_product_pair as basket

    last = Order.objects.order_by("-ordered_at").first().ordered_at.astimezone(LA).date()
    year = last.year - 1
    cases = [
        ({}, {"by": "name"}),
        ({"date_from": dt.date(year, 1, 10), "date_to": dt.date(year, 8, 20)}, {"by": "name"}),
        ({"state": ("CA",), "size": "Large"}, {"by": "name", "min_support": 0.5}),
        ({"date_from": dt.date(year, 3, 3), "date_to": dt.date(year, 3, 28)}, {"min_support": 1}),
    ]
    for values, params in cases:
        filters = Filters(**{"limit": 1000, **values})
        fast = basket(filters=filters, scope=EVERYTHING, **params)
        with override_settings(ANALYTICS_ROLLUPS=False):
            slow = basket(filters=filters, scope=EVERYTHING, **params)
        assert fast.rows and fast.rows == slow.rows, (values, params)
        assert fast.meta == slow.meta


def test_no_coarser_rows_than_the_grouping_allows():
    d = dt.date
    by_month = _pieces(rollups.spans(d(2022, 1, 1), d(2023, 12, 31), Grain.MONTH))
    assert by_month == [(Grain.MONTH, d(2022, 1, 1), d(2024, 1, 1))]
    by_day = _pieces(rollups.spans(d(2022, 1, 1), None, Grain.DAY))
    assert by_day == [(Grain.DAY, d(2022, 1, 1), rollups.NO_END)]
    assert rollups.spans(None, None) == rollups.Q(grain=Grain.ALL)
    within_a_month = _pieces(rollups.spans(d(2022, 3, 5), d(2022, 3, 9)))
    assert within_a_month == [(Grain.DAY, d(2022, 3, 5), d(2022, 3, 10))]


@pytest.mark.parametrize(
    ("date_from", "date_to", "single"),
    [
        (None, None, True),  # the all-time rows
        (dt.date(2022, 1, 1), dt.date(2022, 12, 31), True),  # one year
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29), True),  # one (leap) month
        (dt.date(2022, 3, 5), dt.date(2022, 3, 5), True),  # one day
        (dt.date(2022, 1, 1), dt.date(2023, 12, 31), False),  # two years
        (dt.date(2022, 3, 5), dt.date(2022, 3, 6), False),  # two days
        (dt.date(2022, 1, 2), dt.date(2022, 12, 31), False),  # months and days
        (dt.date(2022, 1, 1), None, False),  # open-ended
        (None, dt.date(2022, 12, 31), False),
    ],
)
def test_single_period_is_when_spans_pick_one_grain_and_period(date_from, date_to, single):
    assert rollups.single_period(date_from, date_to) is single
    pieces = _pieces(rollups.spans(date_from, date_to)) if date_from or date_to else []
    one = not pieces or (len(pieces) == 1 and _periods_in(pieces[0]) == 1)
    assert one is single  # the second method: count the periods `spans` picks


def _periods_in(piece: tuple) -> int:
    grain, start, end = piece
    n, day = 0, start
    while day < end:
        n, day = n + 1, rollups._next(day, grain)
    return n


# --- the 20,000-order export -------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def _filter_sets() -> list[dict]:
    from products.models import Product

    product = Product.objects.order_by("id").first()
    last = Order.objects.order_by("-ordered_at").first().ordered_at.astimezone(LA).date()
    year = last.year - 1
    return [
        {},
        {"state": ("CA",), "date_from": dt.date(year, 1, 1), "date_to": dt.date(year, 12, 31)},
        {"date_from": dt.date(year - 1, 2, 13), "date_to": dt.date(year, 5, 9)},
        {"date_from": dt.date(year, 6, 1), "granularity": "week"},
        {"date_to": dt.date(year, 3, 17), "granularity": "day", "state": ("NV",)},
        {"category": product.category, "granularity": "quarter"},
        {"size": product.size, "date_from": dt.date(year, 1, 10), "date_to": dt.date(year, 8, 20)},
        {"sku": (product.id,), "granularity": "year"},
        {"category": product.category, "size": product.size},  # not one group: base tables
        # stored customer counts: one store's quarters; one state's quarter
        {"store": (_busiest_store(),), "granularity": "quarter", "date_from": dt.date(year, 4, 1)},
        {
            "state": ("AZ",),
            "granularity": "quarter",
            "date_from": dt.date(year, 7, 1),
            "date_to": dt.date(year, 9, 30),
        },
    ]


def _busiest_store() -> str:
    return Order.objects.values("store_id").annotate(n=Count("id")).order_by("-n")[0]["store_id"]


def test_stored_customer_counts_answer_as_the_per_customer_rollup_does(pizza_small_db):
    """The counts (chain, a state, a store; month, quarter, year; meta from one stored period
    or not) equal what grouping CustomerSales per customer gives, and are the ones read."""
    from analytics import counts
    from analytics.services import customers

    year = _filter_sets()[1]["date_from"].year
    cases = [  # (filters, whether the range's totals are one stored period too)
        ({}, True),
        ({"granularity": "year"}, True),
        (
            {"state": ("CA",), "date_from": dt.date(year, 1, 1), "date_to": dt.date(year, 12, 31)},
            True,
        ),
        ({"store": (_busiest_store(),), "granularity": "quarter"}, True),
        ({"state": ("NV",), "granularity": "quarter", "date_to": dt.date(year, 6, 30)}, False),
    ]
    for values, one_period in cases:
        filters = Filters(**values)
        stored = counts.recurring(filters, EVERYTHING)
        assert stored is not None and len(stored[0]) >= 3, values
        found, _ = customers._recurring_from_rollups(filters, EVERYTHING)
        key = lambda r: r["period"]  # noqa: E731
        assert sorted(stored[0], key=key) == sorted(found, key=key), values
        totals = customers._rollup_totals(filters, EVERYTHING)
        assert stored[1] == (totals if one_period else None), values
        assert totals["recurring"] > 0


def test_customer_totals_equal_the_per_customer_rollup_grouped(pizza_small_db):
    from django.db.models import Max, Min

    from analytics import counts

    year = _filter_sets()[1]["date_from"].year
    one_year = {"date_from": dt.date(year, 1, 1), "date_to": dt.date(year, 12, 31)}
    for values in ({}, {"state": ("CA",), **one_year}, {"store": (_busiest_store(),)}):
        filters = Filters(**values)
        totals = counts.customer_totals(filters, EVERYTHING)
        assert totals is not None, values
        fields = ("customer_id", "orders", "revenue", "first_day", "last_day")
        stored = sorted(totals.values_list(*fields))
        rows, _ = rollups.sales_source(filters, EVERYTHING, "A", (), customers=True)
        grouped = sorted(
            rows.values("customer_id")
            .annotate(o=Sum("orders"), r=Sum("revenue"), f=Min("first_day"), l=Max("last_day"))
            .values_list("customer_id", "o", "r", "f", "l")
        )
        assert len(stored) > 100 and stored == grouped, values


def test_kpi_customer_figures_from_the_counts_equal_the_per_customer_rollup(pizza_small_db):
    """A year beside the year before, for the chain, a state and a store, from the stored
    counts as from grouping CustomerSales; a previous period that is not one year is left
    to CustomerSales."""
    from analytics import counts
    from analytics.services import kpis

    year = _filter_sets()[1]["date_from"].year + 1  # 2022: 2021 before it has 365 days too
    for values in ({}, {"state": ("CA",)}, {"store": (_busiest_store(),)}):
        current = Filters(**values, date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
        previous = kpis._previous(current)
        assert previous.date_from == dt.date(year - 1, 1, 1), "pick two years of 365 days"
        stored = counts.kpi_customers(current, previous, EVERYTHING)
        grouped = kpis._customers_from_rollups(current, previous, EVERYTHING)
        assert stored == grouped and min(grouped.values()) > 0, values
    march = Filters(date_from=dt.date(year, 3, 1), date_to=dt.date(year, 3, 31))
    assert counts.kpi_customers(march, kpis._previous(march), EVERYTHING) is None


def _answers(analysis, filters: Filters, scope: Scope):
    params = {p.name: p.default for p in analysis.params}
    result = analysis.func(filters=filters, scope=scope, **params)
    return result.columns, result.rows, result.meta


def test_every_analysis_answers_the_same_from_rollups_and_base_tables(pizza_small_db):
    assert rollups.enabled()  # the import built them
    regional = Scope(everything=False, store_ids=frozenset(_stores_of("NV", "UT")))
    compared = 0
    for analysis in sorted(all_analyses().values(), key=lambda a: a.name):
        for values in _filter_sets():
            filters = Filters(**{**analysis.defaults, **values})
            for scope in (EVERYTHING, regional):
                fast = _answers(analysis, filters, scope)
                with override_settings(ANALYTICS_ROLLUPS=False):
                    slow = _answers(analysis, filters, scope)
                assert fast == slow, (analysis.name, values, scope.key)
                compared += 1
    assert compared == len(all_analyses()) * len(_filter_sets()) * 2


def _stores_of(*states: str) -> list[str]:
    from stores.models import Store

    return list(Store.objects.filter(state_abbr__in=states).values_list("id", flat=True))


def test_a_ranges_rollup_rows_sum_to_its_orders(pizza_small_db):
    d = dt.date
    for start, end in [(d(2021, 3, 7), d(2023, 1, 19)), (None, d(2022, 6, 30)), (None, None)]:
        filters = Filters(date_from=start, date_to=end)
        sums = StoreSales.objects.filter(rollups.spans(start, end)).aggregate(
            orders=Sum("orders"), revenue=Sum("revenue"), items=Sum("items")
        )
        lookups = {}
        if start:
            lookups["ordered_at__gte"] = filters.start_instant()
        if end:
            lookups["ordered_at__lt"] = filters.end_instant()
        base = Order.objects.filter(**lookups).aggregate(
            orders=Count("id"), revenue=Sum("total"), items=Sum("n_items")
        )
        assert sums["orders"] == base["orders"] > 0
        assert money(sums["revenue"]) == money(base["revenue"])
        assert sums["items"] == base["items"]


def test_the_import_built_rows_equal_to_a_rebuild(pizza_small_db):
    before = _snapshot()
    rollups.rebuild()
    assert _snapshot() == before
    grains = set(StoreSales.objects.values_list("grain", flat=True))
    assert grains == {Grain.DAY, Grain.MONTH, Grain.YEAR, Grain.ALL}


def test_average_order_value_ranking_and_summary_equal_python_over_the_orders(pizza_small_db):
    # The second method: every customer's orders and revenue summed here from the orders,
    # ranked, averaged and the median taken by `statistics` (the service does it in one
    # statement with window functions over the per-customer rollup).
    import statistics

    from analytics.services.base import money, ratio
    from analytics.services.customers import average_order_value_by_customer

    store = Order.objects.values_list("store_id", flat=True).order_by("store_id").first()
    parities = set()
    for scope, orders in (
        (EVERYTHING, Order.objects.all()),
        (Scope(everything=False, store_ids=frozenset({store})), Order.objects.filter(store=store)),
    ):
        per: dict[str, list] = {}
        for customer, total in orders.values_list("customer_id", "total"):
            per.setdefault(customer, [0, Decimal(0)])
            per[customer][0] += 1
            per[customer][1] += total
        for min_orders in (1, 2, 3, 4, 5, 6, 8):  # odd and even counts: both medians
            kept = {c: (n, r) for c, (n, r) in per.items() if n >= min_orders}
            parities.add(len(kept) % 2)
            aov = {c: money(r) / n for c, (n, r) in kept.items()}
            result = average_order_value_by_customer(
                filters=Filters(limit=25), scope=scope, min_orders=min_orders
            )
            top = sorted(kept, key=lambda c: (-aov[c], c))[:25]
            assert [r["customer"] for r in result.rows] == top
            assert [r["revenue"] for r in result.rows] == [money(kept[c][1]) for c in top]
            assert result.meta == {
                "customers": len(kept),
                "mean_customer_aov": money(statistics.mean(aov.values())),
                "median_customer_aov": money(statistics.median(aov.values())),
                "order_weighted_aov": ratio(
                    money(sum(r for _, r in kept.values())), sum(n for n, _ in kept.values())
                ),
            }, (scope.key, min_orders)
    assert parities == {0, 1}


def test_assignments_from_the_stored_main_stores_equal_the_ranked_pairs(pizza_small_db):
    """The chain, a state's year and one store (its CustomerSales rows), against the window
    over the per-pair rows and the base tables."""
    from analytics import counts
    from analytics.services import geo

    year = _filter_sets()[1]["date_from"].year
    one_year = {"date_from": dt.date(year, 1, 1), "date_to": dt.date(year, 12, 31)}
    for values in ({}, {"state": ("CA",), **one_year}, {"store": (_busiest_store(),)}):
        filters = Filters(**values)
        assert counts.customer_totals(filters, EVERYTHING) is not None, values
        stored = geo._stored_assignments(filters, EVERYTHING)
        with override_settings(ANALYTICS_ROLLUPS=False):
            ranked = geo._assignments(filters, EVERYTHING)
        assert stored.customers == ranked.customers and len(stored.customers) > 1, values
        assert sum(stored.customers.values()) > 100, values
        assert stored.extra_km.keys() == ranked.extra_km.keys(), values
        for pair, km in ranked.extra_km.items():
            assert stored.extra_km[pair] == pytest.approx(km, rel=1e-9, abs=1e-9), values


def test_distances_from_the_stored_customers_equal_the_per_pair_rows(pizza_small_db):
    """The chain (its states' parts stored too), a state's year and one store, against the
    grouping of the per-pair rows; a regional manager's two states are not one stored place."""
    from analytics.services import geo

    year = _filter_sets()[1]["date_from"].year
    one_year = {"date_from": dt.date(year, 1, 1), "date_to": dt.date(year, 12, 31)}
    for values in ({}, {"state": ("CA",), **one_year}, {"store": (_busiest_store(),)}):
        filters = Filters(**values)
        stored = geo._distance_from_stored(filters, EVERYTHING)
        grouped = geo._distance_from_rollups(filters, EVERYTHING)
        assert stored is not None and len(stored[0]) == (4 if not values else 1), values
        for mine, theirs in zip([*stored[0], stored[1]], [*grouped[0], grouped[1]], strict=True):
            assert mine.keys() == theirs.keys() - {"overall"}, values
            for key, value in mine.items():  # kilometres summed in another order
                assert value == (
                    theirs[key]
                    if key in ("state", "orders", "customers")
                    else pytest.approx(theirs[key], rel=1e-12)
                ), (values, key)
            assert mine["customers"] > 50, values
    regional = Scope(everything=False, store_ids=frozenset(_stores_of("NV", "UT")))
    assert geo._distance_from_stored(Filters(), regional) is None
