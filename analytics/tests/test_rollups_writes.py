"""Rollups stay exact through ORM writes: after creating, moving, editing and deleting orders and
items, and moving a product between categories or a store between states, the rows (and the
stored customer counts) equal those of a rebuild from scratch; tiny_chain's rows checked by
hand."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from analytics import counts, rollups
from analytics.models import (
    CustomerCounts,
    CustomerSales,
    CustomerTotals,
    Grain,
    HourSales,
    ItemSales,
    PairSales,
    StoreSales,
)
from orders.models import Order, OrderItem

LA = ZoneInfo("America/Los_Angeles")
pytestmark = pytest.mark.django_db


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
        _rows(CustomerCounts),
        _rows(CustomerTotals),
    )


@pytest.fixture
def built(tiny_chain):
    rollups.rebuild()
    return tiny_chain


def _after_rebuild() -> tuple[list, ...]:
    rollups.rebuild()
    return _snapshot()


def test_tiny_chain_rows_by_hand(built):
    # order 1 (S1, 2022-03-01 local, 35.50, 3 items) and 2 (S1, 2022-03-08, 15.50, 1 item)
    march = StoreSales.objects.get(store_id="S1", grain=Grain.MONTH, period=dt.date(2022, 3, 1))
    assert (march.orders, march.revenue, march.items) == (2, Decimal("51.00"), 4)
    p2 = ItemSales.objects.get(
        store_id="S1", grain=Grain.ALL, kind="sku", value="P2", period=rollups.ALL_TIME
    )
    assert (p2.orders, p2.quantity, p2.revenue) == (2, 2, Decimal("31.00"))
    # every item of S1's two orders: 2×P1 at 10.00 and P2 at 15.50 (order 1), P2 (order 2)
    every = ItemSales.objects.get(
        store_id="S1", grain=Grain.ALL, kind="all", value="", period=rollups.ALL_TIME
    )
    assert (every.orders, every.quantity, every.revenue) == (2, 4, Decimal("51.00"))
    # order 3 is 2022-04-02 02:15 UTC: 2022-04-01 in Los Angeles
    day = StoreSales.objects.get(store_id="S2", grain=Grain.DAY)
    assert day.period == dt.date(2022, 4, 1)


def _pairs(kind: str, grain: str = Grain.ALL) -> dict[tuple, int]:
    rows = PairSales.objects.filter(kind=kind, grain=grain)
    return {(r.store_id, r.a, r.b): r.orders for r in rows}


def test_tiny_chain_pair_rows_by_hand(built):
    # S1: order 1 holds P1 (twice) and P2, order 2 P2 alone; S3: order 4 holds P1 and P3;
    # S2: order 3 holds P3 alone. P1 and P2 are both "Margherita", P3 "Veggie".
    assert _pairs("sku") == {
        ("S1", "P1", "P1"): 1,
        ("S1", "P2", "P2"): 2,
        ("S1", "P1", "P2"): 1,
        ("S2", "P3", "P3"): 1,
        ("S3", "P1", "P1"): 1,
        ("S3", "P3", "P3"): 1,
        ("S3", "P1", "P3"): 1,
    }
    # by name, order 1 is one name: no pair, and Margherita counts the order once
    assert _pairs("name") == {
        ("S1", "Margherita", "Margherita"): 2,
        ("S2", "Veggie", "Veggie"): 1,
        ("S3", "Margherita", "Margherita"): 1,
        ("S3", "Veggie", "Veggie"): 1,
        ("S3", "Margherita", "Veggie"): 1,
    }
    # months are the finest grain: no day rows, and March 2022 at S1 holds orders 1 and 2
    assert not PairSales.objects.filter(grain=Grain.DAY).exists()
    march = _pairs("sku", Grain.MONTH)
    assert march[("S1", "P2", "P2")] == 2


def test_tiny_chain_hour_rows_by_hand(built):
    # local hours: order 1 2022-03-01 19:00 UTC = 11:00 PST; order 2 2022-03-08 20:30 UTC =
    # 12:30 PST; order 3 2022-04-02 02:15 UTC = 2022-04-01 19:15 PDT; order 4 2023-01-15
    # 23:59 UTC = 15:59 PST
    rows = HourSales.objects.filter(grain=Grain.ALL)
    assert {(r.store_id, r.hour): (r.orders, r.revenue, r.items) for r in rows} == {
        ("S1", 11): (1, Decimal("35.50"), 3),
        ("S1", 12): (1, Decimal("15.50"), 1),
        ("S2", 19): (1, Decimal("21.75"), 3),
        ("S3", 15): (1, Decimal("17.25"), 2),
    }
    assert not HourSales.objects.filter(grain=Grain.DAY).exists()
    april = HourSales.objects.get(grain=Grain.MONTH, store_id="S2")
    assert (april.period, april.hour) == (dt.date(2022, 4, 1), 19)


def test_peak_hours_add_the_edge_days_to_the_whole_months(built):
    from accounts.scope import EVERYTHING
    from analytics.filters import Filters
    from analytics.services.trends import sales_by_peak_time

    def hours(**values) -> dict[int, int]:
        rows = sales_by_peak_time(filters=Filters(**values), scope=EVERYTHING).rows
        return {r["hour"]: r["orders"] for r in rows if r["orders"]}

    # March 2022 whole (orders 1 and 2), April 1 an edge day (order 3), 2023 whole (order 4)
    assert hours(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 4, 1)) == {
        11: 1,
        12: 1,
        19: 1,
    }
    assert hours(date_from=dt.date(2022, 3, 5), date_to=dt.date(2023, 12, 31)) == {
        12: 1,
        19: 1,
        15: 1,
    }
    assert hours(date_from=dt.date(2022, 3, 2), date_to=dt.date(2022, 3, 9)) == {12: 1}
    assert hours() == {11: 1, 12: 1, 19: 1, 15: 1}


def test_renaming_a_product_moves_its_pairs_by_name(built):
    from products.models import Product

    veggie = Product.objects.get(pk="P3")
    veggie.name = "Artichoke"  # sorts before "Margherita" now
    veggie.save()
    assert _pairs("name")[("S3", "Artichoke", "Margherita")] == 1
    assert ("S3", "Margherita", "Veggie") not in _pairs("name")
    assert _snapshot() == _after_rebuild()


def test_creating_moving_editing_and_deleting_orders_keep_rows_exact(built):
    order = Order.objects.create(
        id=50,
        customer_id="C2",
        store_id="S2",
        ordered_at=dt.datetime(2022, 4, 1, 21, 0, tzinfo=LA),
        n_items=2,
        total=Decimal("20.00"),
    )
    OrderItem.objects.create(order=order, product_id="P1", quantity=2, unit_price=Decimal("10"))
    now = _snapshot()
    assert now == _after_rebuild()
    day = StoreSales.objects.get(store_id="S2", grain=Grain.DAY, period=dt.date(2022, 4, 1))
    assert (day.orders, day.revenue) == (2, Decimal("41.75"))

    c2 = CustomerSales.objects.get(customer_id="C2", store_id="S2", grain=Grain.ALL)
    assert (c2.orders, c2.first_day, c2.last_day) == (2, dt.date(2022, 4, 1), dt.date(2022, 4, 1))

    order.store_id, order.ordered_at = "S1", dt.datetime(2023, 7, 4, 12, tzinfo=LA)
    order.customer_id = "C1"
    order.save()
    moved = _snapshot()
    assert moved == _after_rebuild()
    assert not StoreSales.objects.filter(store_id="S2", period=dt.date(2022, 4, 1), orders=2)
    c1 = CustomerSales.objects.get(customer_id="C1", store_id="S1", grain=Grain.ALL)
    # C1's orders 1 and 2 (2022-03-01, 2022-03-08) and now order 50 on 2023-07-04
    assert (c1.orders, c1.revenue) == (3, Decimal("71.00"))
    assert (c1.first_day, c1.last_day) == (dt.date(2022, 3, 1), dt.date(2023, 7, 4))

    item = order.items.get()
    item.quantity = 5
    item.save()
    assert _snapshot() == _after_rebuild()
    OrderItem.objects.create(order=order, product_id="P3", quantity=1, unit_price=Decimal("7"))
    assert _snapshot() == _after_rebuild()

    order.delete()
    assert _snapshot() == _after_rebuild()
    assert not ItemSales.objects.filter(period=dt.date(2023, 7, 4))


def test_a_product_moving_category_moves_its_group_rows(built):
    from products.models import Product

    product = Product.objects.get(pk="P1")
    old = product.category
    product.category = "Dessert"
    product.save()
    rows = ItemSales.objects.filter(kind="category", value="Dessert", grain=Grain.ALL)
    assert sum(r.quantity for r in rows) == 3  # P1: 2 in order 1, 1 in order 4
    assert _snapshot() == _after_rebuild()
    assert old != "Dessert"


def test_without_a_rebuild_nothing_is_read_or_maintained(tiny_chain):
    assert not rollups.enabled()
    Order.objects.filter(pk=1).get().save()
    assert not StoreSales.objects.exists()


def test_kpis_from_rollups_equal_the_base_tables_and_the_hand_count(built):
    from django.test import override_settings

    from accounts.scope import EVERYTHING
    from analytics.filters import Filters
    from analytics.services.kpis import kpis_by_period

    march = Filters(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 4, 30))
    fast = kpis_by_period(filters=march, scope=EVERYTHING)
    with override_settings(ANALYTICS_ROLLUPS=False):
        slow = kpis_by_period(filters=march, scope=EVERYTHING)
    assert fast.rows == slow.rows
    values = {r["kpi"]: r["value"] for r in fast.rows}
    # orders 1, 2 (C1, S1) and 3 (C2, S2): 72.75 over 3 orders, 2 customers, both new;
    # items 2 + 1 + 1 + 3 = 7; C1 ordered twice
    assert values["revenue"] == Decimal("72.75") and values["orders"] == 3
    assert (values["active_customers"], values["new_customers"]) == (2, 2)
    assert values["items_per_order"] == Decimal("2.33")
    assert values["repeat_rate"] == Decimal("50.00")


def test_top_customers_and_their_first_and_last_days_from_rollups(built):
    from accounts.scope import EVERYTHING
    from analytics.filters import Filters
    from analytics.services.customers import top_customers_by_orders

    rows = top_customers_by_orders(filters=Filters(), scope=EVERYTHING).rows
    # C1: orders 1 and 2 (local 2022-03-01 and 03-08), 51.00; then C2 21.75 and C3 17.25
    assert [(r["customer"], r["orders"], r["revenue"]) for r in rows] == [
        ("C1", 2, Decimal("51.00")),
        ("C2", 1, Decimal("21.75")),
        ("C3", 1, Decimal("17.25")),
    ]
    assert (rows[0]["first_order"], rows[0]["last_order"]) == (
        dt.date(2022, 3, 1),
        dt.date(2022, 3, 8),
    )


def _c2_orders_at_s1_in_february() -> None:
    """C2 (so far only at S2, on 2022-04-01) orders at S1 on 2022-02-10, for 10.00."""
    Order.objects.create(
        customer_id="C2",
        store_id="S1",
        ordered_at=dt.datetime(2022, 2, 10, 12, 0, tzinfo=LA),
        n_items=1,
        total=Decimal("10.00"),
    )


def _counts(place: str, granularity: str) -> dict[dt.date, tuple[int, int, int]]:
    rows = CustomerCounts.objects.filter(place=place, granularity=granularity)
    return {r.period: (r.active, r.returning, r.repeaters) for r in rows}


def test_tiny_chain_customer_counts_by_hand(built):
    # C1: S1 (NV) 2022-03-01 and 2022-03-08; C2: S2 (NV) 2022-04-01; C3: S3 (CA) 2023-01-15
    march, april, q1, q2 = (dt.date(2022, m, 1) for m in (3, 4, 1, 4))
    assert _counts("all", "month") == {
        march: (1, 0, 1),
        april: (1, 0, 0),
        dt.date(2023, 1, 1): (1, 0, 0),
    }
    assert _counts("state:NV", "quarter") == {q1: (1, 0, 1), q2: (1, 0, 0)}
    assert _counts("state:NV", "year") == {dt.date(2022, 1, 1): (2, 0, 1)}
    assert _counts("all", "all") == {rollups.ALL_TIME: (3, 0, 1)}
    # A place is stored under the widest place with the same stores: S3 is California's one
    # store, S1 Reno's, S2 Las Vegas's, S4 Utah's.
    assert not CustomerCounts.objects.filter(place__startswith="store:").exists()
    assert _counts("state:CA", "all") == {rollups.ALL_TIME: (1, 0, 0)}
    assert not _counts("state:UT", "all")  # no orders

    # C2 orders at S1 in February: at the chain and in Nevada C2 is returning in April now,
    # at S2 (their first order there) still new; S1 gains an active customer in February.
    _c2_orders_at_s1_in_february()
    assert _counts("all", "month")[april] == (1, 1, 0)
    assert _counts("state:NV", "quarter") == {q1: (2, 0, 1), q2: (1, 1, 0)}
    assert _counts("city:NV|Las Vegas", "month") == {april: (1, 0, 0)}  # S2
    assert _counts("city:NV|Reno", "month")[dt.date(2022, 2, 1)] == (1, 0, 0)  # S1
    assert _counts("all", "all") == {rollups.ALL_TIME: (3, 0, 2)}  # C2 has 2 orders now
    assert _snapshot() == _after_rebuild()


def test_a_store_moving_state_moves_its_customers_between_the_states_counts(built):
    from accounts.scope import EVERYTHING
    from analytics.filters import Filters
    from stores.models import Store

    store = Store.objects.get(pk="S2")
    store.state_abbr, store.state = "UT", "Utah"
    store.save()
    assert _counts("state:NV", "all") == {rollups.ALL_TIME: (1, 0, 1)}  # C1 only
    assert _counts("state:UT", "all") == {rollups.ALL_TIME: (1, 0, 0)}  # C2 at S2
    assert counts.customers_per(Filters(), EVERYTHING, "store") == {
        "store:S1": 1,
        "store:S2": 1,
        "store:S3": 1,
        "store:S4": 0,
    }
    assert _snapshot() == _after_rebuild()


def test_stored_counts_are_read_for_the_chain_a_state_a_city_or_a_store_only(built):
    from accounts.scope import EVERYTHING, Scope
    from analytics.filters import Filters

    assert counts.place_of(Filters(), EVERYTHING) == "all"
    assert counts.place_of(Filters(state=("NV",)), EVERYTHING) == "state:NV"
    assert counts.place_of(Filters(state=("CA",)), EVERYTHING) == "state:CA"  # = its one store
    assert counts.place_of(Filters(city="reno"), EVERYTHING) == "city:NV|Reno"  # = S1
    assert counts.place_of(Filters(store=("S2",)), EVERYTHING) == "city:NV|Las Vegas"
    assert counts.place_of(Filters(store=("S1", "S3")), EVERYTHING) is None
    assert counts.place_of(Filters(state=("NV", "CA")), EVERYTHING) is None
    nevada = Scope(everything=False, store_ids=frozenset({"S1", "S2"}))
    assert counts.place_of(Filters(), nevada) == "state:NV"
    assert counts.place_of(Filters(store=("S2",)), nevada) == "city:NV|Las Vegas"
    assert counts.place_of(Filters(), Scope(everything=False, store_ids=frozenset())) is None


def test_stored_customers_per_state_city_and_store_only_for_whole_places(built):
    from accounts.scope import EVERYTHING
    from analytics.filters import Filters

    assert counts.customers_per(Filters(), EVERYTHING, "city") == {
        "city:NV|Reno": 1,
        "city:NV|Las Vegas": 1,
        "city:CA|Sacramento": 1,
        "city:UT|Salt Lake City": 0,
    }
    year = Filters(date_from=dt.date(2022, 1, 1), date_to=dt.date(2022, 12, 31))
    assert counts.customers_per(year, EVERYTHING, "state") == {
        "state:NV": 2,
        "state:CA": 0,  # C3 ordered in 2023
        "state:UT": 0,
    }
    one = replace(year, store=("S1",))
    assert counts.customers_per(one, EVERYTHING, "store") == {"store:S1": 1}
    assert counts.customers_per(one, EVERYTHING, "state") is None  # one of Nevada's two
    assert (
        counts.customers_per(replace(year, date_to=dt.date(2022, 12, 30)), EVERYTHING, "store")
        is None
    )
    assert counts.customers_per(Filters(category="Classic"), EVERYTHING, "store") is None


@pytest.mark.parametrize(
    "date_from, date_to, whole",
    [
        (None, None, ("all", rollups.ALL_TIME)),
        (dt.date(2022, 1, 1), dt.date(2022, 12, 31), ("year", dt.date(2022, 1, 1))),
        (dt.date(2022, 4, 1), dt.date(2022, 6, 30), ("quarter", dt.date(2022, 4, 1))),
        (dt.date(2022, 2, 1), dt.date(2022, 2, 28), ("month", dt.date(2022, 2, 1))),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 28), None),  # leap year: one day short
        (dt.date(2022, 1, 1), dt.date(2022, 3, 30), None),
        (dt.date(2022, 1, 1), dt.date(2023, 12, 31), None),  # two years
        (dt.date(2022, 1, 1), None, None),
        (None, dt.date(2022, 12, 31), None),
    ],
)
def test_whole_period_is_one_stored_period_exactly(date_from, date_to, whole):
    from analytics.filters import Filters

    assert counts.whole_period(Filters(date_from=date_from, date_to=date_to)) == whole


def test_a_range_is_aligned_when_it_starts_and_ends_on_period_boundaries():
    from analytics.filters import Filters

    quarters = Filters(date_from=dt.date(2022, 4, 1), date_to=dt.date(2022, 12, 31))
    assert counts.aligned(replace(quarters, granularity="quarter"))
    assert counts.aligned(replace(quarters, granularity="month"))
    assert not counts.aligned(replace(quarters, granularity="year"))
    assert counts.aligned(Filters(date_to=dt.date(2022, 5, 31)))
    assert not counts.aligned(Filters(date_from=dt.date(2022, 5, 2)))


def test_a_new_store_gets_places_of_its_own(built):
    """A second Californian store: California and Sacramento's S3 are no longer the same
    stores, so S3's counts are stored apart from the state's."""
    from accounts.scope import EVERYTHING
    from analytics.filters import Filters
    from stores.models import Store

    Store.objects.create(
        id="S5",
        zipcode="90001",
        city="Los Angeles",
        state="California",
        state_abbr="CA",
        latitude=34.05,
        longitude=-118.24,
        distance=5.0,
    )
    assert _counts("city:CA|Sacramento", "all") == {rollups.ALL_TIME: (1, 0, 0)}
    assert counts.customers_per(Filters(), EVERYTHING, "store")["store:S3"] == 1
    assert counts.customers_per(Filters(), EVERYTHING, "store")["store:S5"] == 0
    assert counts.place_of(Filters(state=("CA",)), EVERYTHING) == "state:CA"
    assert _snapshot() == _after_rebuild()
    Store.objects.get(pk="S5").delete()
    assert not _counts("city:CA|Sacramento", "all")  # California's one store again
    assert _snapshot() == _after_rebuild()


def test_tiny_chain_customer_totals_by_hand(built):
    """Per customer at each place of two or more stores: the chain and Nevada (S1, S2)."""
    rows = CustomerTotals.objects.filter(grain=Grain.ALL)
    got = {(r.place, r.customer_id): (r.orders, r.revenue, r.first_day) for r in rows}
    c1 = (2, Decimal("51.00"), dt.date(2022, 3, 1))
    c2 = (1, Decimal("21.75"), dt.date(2022, 4, 1))
    c3 = (1, Decimal("17.25"), dt.date(2023, 1, 15))
    assert got == {
        ("all", "C1"): c1,
        ("all", "C2"): c2,
        ("all", "C3"): c3,
        ("state:NV", "C1"): c1,
        ("state:NV", "C2"): c2,
    }
    # C2 at S1 too: one row for them in Nevada, summed over both stores
    _c2_orders_at_s1_in_february()
    nv = CustomerTotals.objects.get(place="state:NV", customer_id="C2", grain=Grain.ALL)
    assert (nv.orders, nv.revenue, nv.first_day, nv.last_day) == (
        2,
        Decimal("31.75"),
        dt.date(2022, 2, 10),
        dt.date(2022, 4, 1),
    )
    y2022 = CustomerTotals.objects.get(place="all", customer_id="C2", grain=Grain.YEAR)
    assert (y2022.period, y2022.orders) == (dt.date(2022, 1, 1), 2)
    assert _snapshot() == _after_rebuild()


def _mains() -> dict[tuple[str, str, str], tuple[str, float]]:
    rows = CustomerTotals.objects.all()
    return {(r.place, r.grain, r.customer_id): (r.main_store_id, r.main_km) for r in rows}


def _pair_km(store: str, customer: str) -> float:
    return CustomerSales.objects.get(grain=Grain.ALL, store_id=store, customer_id=customer).km


def test_tiny_chain_main_stores_by_hand(built):
    """A customer's main store at a place: most orders, then more revenue, then the lower
    store ID; with that pair's km. C2 (one order at S2 for 21.75) orders at S1 in 2022."""
    assert {k: v[0] for k, v in _mains().items() if k[1] == Grain.ALL} == {
        ("all", "A", "C1"): "S1",
        ("all", "A", "C2"): "S2",
        ("all", "A", "C3"): "S3",
        ("state:NV", "A", "C1"): "S1",
        ("state:NV", "A", "C2"): "S2",
    }
    _c2_orders_at_s1_in_february()  # one order each, S2 more revenue (21.75 against 10.00)
    assert _mains()[("state:NV", "A", "C2")] == ("S2", _pair_km("S2", "C2"))
    order = Order.objects.get(customer_id="C2", store_id="S1")
    order.total = Decimal("21.75")  # one order each, the same revenue: the lower ID
    order.save()
    assert _mains()[("state:NV", "A", "C2")] == ("S1", _pair_km("S1", "C2"))
    order.total = Decimal("5.00")
    order.save()
    _c2_orders_at_s1_in_february()  # two orders at S1 against one at S2, for less
    assert _mains()[("all", "Y", "C2")] == ("S1", _pair_km("S1", "C2"))
    assert _pair_km("S1", "C2") != _pair_km("S2", "C2")
    assert _snapshot() == _after_rebuild()


def test_tiny_chain_pair_sums_and_nearest_store_in_the_totals_by_hand(built):
    """C2 at S1 (two orders) and S2 (one): two pairs in Nevada; the km sums from the pairs'
    CustomerSales.km; the nearest store and its km copied from the customer on every save
    that changes them."""
    from customers.models import Customer

    _c2_orders_at_s1_in_february()
    _c2_orders_at_s1_in_february()
    s1, s2 = _pair_km("S1", "C2"), _pair_km("S2", "C2")
    nv = CustomerTotals.objects.get(place="state:NV", customer_id="C2", grain=Grain.ALL)
    assert (nv.orders, nv.pairs) == (3, 2)
    assert nv.pair_km == pytest.approx(s1 + s2, rel=1e-12)
    assert nv.order_km == pytest.approx(2 * s1 + s2, rel=1e-12)
    assert (nv.nearest_store_id, nv.nearest_store_km) == (None, None)  # not derived here
    c2 = Customer.objects.get(pk="C2")
    c2.nearest_store_id, c2.nearest_store_km = "S2", 0.25
    c2.save()
    c2.nearest_store_km = 0.5  # by hand, no move: the totals follow
    c2.save()
    rows = CustomerTotals.objects.filter(customer_id="C2")
    assert {(r.nearest_store_id, r.nearest_store_km) for r in rows} == {("S2", 0.5)}
    assert rows.count() == 4  # the chain and Nevada, all time and 2022
    # S2 their home store now: their one order there, not the two at S1
    assert {(r.home_orders, r.home_revenue) for r in rows} == {(1, Decimal("21.75"))}
    assert (nv.home_orders, nv.home_revenue) == (0, Decimal("0"))  # read before: no home yet
    assert _snapshot() == _after_rebuild()


def test_customer_totals_are_read_for_all_time_or_one_year_at_a_stored_place(built):
    from accounts.scope import EVERYTHING
    from analytics.filters import Filters

    def read(**values):
        rows = counts.customer_totals(Filters(**values), EVERYTHING)
        return None if rows is None else sorted(rows.values_list("customer_id", "orders"))

    year = {"date_from": dt.date(2022, 1, 1), "date_to": dt.date(2022, 12, 31)}
    assert read() == [("C1", 2), ("C2", 1), ("C3", 1)]
    assert read(state=("NV",), **year) == [("C1", 2), ("C2", 1)]
    assert read(store=("S1",)) == [("C1", 2)]  # one store: its CustomerSales rows
    assert read(state=("CA",), **year) == []  # C3 ordered in 2023
    assert read(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 3, 31)) is None  # a month
    assert read(store=("S1", "S3")) is None  # no stored place
    assert read(category="Classic") is None


def test_a_rebuild_with_every_statement_logged(built):
    """As under DEBUG (make run): Django formats each logged statement with its parameters, so
    a literal % in the SQL must be written %%."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as logged:
        rollups.rebuild()
    quarters = [q for q in logged.captured_queries if "'quarter'" in q["sql"]]
    assert quarters and _counts("state:NV", "quarter")


def _pair(customer: str, store: str) -> set[tuple[float, int]]:
    """The (km, home) of every row of the pair, whatever its grain and period."""
    rows = CustomerSales.objects.filter(customer_id=customer, store_id=store)
    return set(rows.values_list("km", "home"))


def test_a_customer_or_store_moving_moves_its_pairs_distance_and_home(built):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from accounts.scope import EVERYTHING
    from analytics.filters import Filters
    from analytics.services.stores import customer_distance_by_store
    from customers.models import Customer
    from dataset.geo import haversine_km
    from stores.models import Store

    def km(c: Customer, s: Store) -> float:  # numpy's haversine, not the database's
        return float(haversine_km(c.latitude, c.longitude, s.latitude, s.longitude))

    def s1_distance() -> tuple[float, float]:
        (row,) = (
            r
            for r in customer_distance_by_store(
                filters=Filters(), scope=EVERYTHING, within_km=10.0
            ).rows
            if r["store"] == "S1"
        )
        return row["avg_distance_km"], row["avg_customer_distance_km"]

    c1, s1 = Customer.objects.get(pk="C1"), Store.objects.get(pk="S1")
    ((before, home),) = _pair("C1", "S1")  # orders 1 and 2: D, M, Y and A rows, one value
    assert before == pytest.approx(km(c1, s1), rel=1e-12) and home == 0  # no nearest store yet
    assert 0.1 < before < 1  # C1 lives a few hundred metres from S1

    c1.latitude, c1.longitude, c1.nearest_store_id = 39.60, -119.70, "S1"
    c1.save()
    ((after, home),) = _pair("C1", "S1")
    assert after == pytest.approx(km(c1, s1), rel=1e-12) and home == 1
    assert 12 < after < 13  # moved about 12.6 km away
    assert _mains()[("state:NV", "A", "C1")] == ("S1", after)  # their main store's km too
    assert _snapshot() == _after_rebuild()

    s1.latitude, s1.longitude = 39.50, -119.90
    s1.save()
    ((moved, _),) = _pair("C1", "S1")
    assert moved == pytest.approx(km(c1, s1), rel=1e-12) and moved > after
    assert _mains()[("all", "Y", "C1")] == ("S1", moved)
    assert _snapshot() == _after_rebuild()
    with override_settings(ANALYTICS_ROLLUPS=False):
        from_orders = s1_distance()
    assert s1_distance() == from_orders == (round(moved, 3), round(moved, 3))  # to the metre

    c1.city = "Reno"  # not a move: the pairs are left alone
    with CaptureQueriesContext(connection) as queries:
        c1.save()
    assert not [q for q in queries if "analytics_customer" in q["sql"]]  # sales, totals


def test_the_migration_fills_the_pairs_distance_and_home_of_rows_already_there(built):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from customers.models import Customer

    Customer.objects.filter(pk="C1").update(nearest_store_id="S1")  # no signal: home stale
    CustomerSales.objects.update(km=0.0, home=0)  # as AddField leaves the rows
    migration = importlib.import_module("analytics.migrations.0010_customer_sales_km_home")
    migration.fill(apps, SimpleNamespace(connection=connection))  # all it reads of the editor
    ((km, home),) = _pair("C1", "S1")
    assert 0.1 < km < 1 and home == 1  # a few hundred metres; C1's nearest store now
    filled = _rows(CustomerSales)
    rollups.rebuild()
    assert filled == _rows(CustomerSales)


def test_the_migration_fills_the_main_stores_of_rows_already_there(built):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    before = _snapshot()
    CustomerTotals.objects.update(main_store_id="S4", main_km=0.0)  # wrong everywhere
    migration = importlib.import_module("analytics.migrations.0011_customer_totals_main_store")
    migration.fill(apps, SimpleNamespace(connection=connection))
    assert _mains()[("state:NV", "A", "C1")] == ("S1", _pair_km("S1", "C1"))
    assert _snapshot() == before
