"""Product analyses on `tiny_chain`, every figure counted by hand.

tiny_chain items: P1 (Margherita Small, Classic, 10.00) 2 in order 1 and 1 in order 4;
P2 (Margherita Large, Classic, 15.50) 1 in order 1 and 1 in order 2; P3 (Veggie Small,
Vegetarian, 7.25, launched 2021-06-01) 3 in order 3 and 1 in order 4. Units: P1 3, P2 2, P3 4;
revenue: P1 30.00, P2 31.00, P3 29.00; total 90.00.
"""

import datetime as dt
import statistics
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from accounts.scope import EVERYTHING, NOTHING, scope_for
from analytics.filters import Filters
from analytics.services.products import (
    price_by_category,
    quantity_by_month_since_launch,
    sales_by_price,
    sales_by_product,
    top_products_by_quantity,
)

pytestmark = pytest.mark.django_db
D = Decimal
UTC = ZoneInfo("UTC")


def manager_of(make_user, *stores):
    return scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=stores))


def pick(rows, *keys):
    return [tuple(r[k] for k in keys) for r in rows]


def add_order(order_id, store, when, sku, quantity, unit_price):
    from orders.models import Order, OrderItem

    total = quantity * D(unit_price)
    Order.objects.create(
        id=order_id,
        customer_id="C1",
        store_id=store,
        n_items=quantity,
        total=total,
        ordered_at=when,
    )
    OrderItem.objects.create(
        order_id=order_id, product_id=sku, quantity=quantity, unit_price=D(unit_price)
    )


@pytest.fixture
def launch(tiny_chain):
    """P9 (Pesto Medium, Gourmet, 12.00) launched 2022-03-15, sold in its first months.

    Local months since launch: 0 (March) 2 units at S1; 1 (April) 1 + 3 units at S1, the 3
    on 2022-05-01 03:00 UTC, still April 30th in Los Angeles; 2 (May) none; 3 (June) 3 at S2.
    """
    from products.models import Product

    Product.objects.create(
        id="P9",
        name="Pesto",
        price=D("12.00"),
        category="Gourmet",
        size="Medium",
        launch_date=dt.date(2022, 3, 15),
    )
    add_order(101, "S1", datetime(2022, 3, 20, 18, 0, tzinfo=UTC), "P9", 2, "12.00")
    add_order(102, "S1", datetime(2022, 4, 10, 18, 0, tzinfo=UTC), "P9", 1, "12.00")
    add_order(103, "S1", datetime(2022, 5, 1, 3, 0, tzinfo=UTC), "P9", 3, "12.00")
    add_order(104, "S2", datetime(2022, 6, 5, 18, 0, tzinfo=UTC), "P9", 3, "12.00")
    return tiny_chain


@pytest.fixture
def promotion(tiny_chain):
    """Order 6: two P3 at a promotional 6.00 (list price 7.25) at S1 on 2022-06-01."""
    add_order(6, "S1", datetime(2022, 6, 1, 18, 0, tzinfo=UTC), "P3", 2, "6.00")
    return tiny_chain


# products/top/


def test_top_products_by_quantity_counts_units_orders_and_revenue(tiny_chain):
    result = top_products_by_quantity(filters=Filters(), scope=EVERYTHING)
    assert result.columns == [
        "product",
        "name",
        "size",
        "category",
        "quantity",
        "orders",
        "revenue",
    ]
    assert [list(r.values()) for r in result.rows] == [
        ["P3", "Veggie", "Small", "Vegetarian", 4, 2, D("29.00")],
        ["P1", "Margherita", "Small", "Classic", 3, 2, D("30.00")],
        ["P2", "Margherita", "Large", "Classic", 2, 2, D("31.00")],
    ]


def test_top_products_limit_keeps_the_first_rows(tiny_chain):
    rows = top_products_by_quantity(filters=Filters(limit=2), scope=EVERYTHING).rows
    assert pick(rows, "product") == [("P3",), ("P1",)]


def test_top_products_break_quantity_ties_by_revenue(tiny_chain):
    rows = top_products_by_quantity(
        filters=Filters(date_to=dt.date(2022, 12, 31)), scope=EVERYTHING
    ).rows
    # 2022 only: P3 3 units; P2 and P1 2 units each, P2 for 31.00, P1 for 20.00.
    assert pick(rows, "product", "quantity", "revenue") == [
        ("P3", 3, D("21.75")),
        ("P2", 2, D("31.00")),
        ("P1", 2, D("20.00")),
    ]


def test_top_products_stay_in_the_scope_and_filters(tiny_chain, make_user):
    rows = top_products_by_quantity(
        filters=Filters(category="classic"), scope=manager_of(make_user, "S3")
    ).rows
    assert pick(rows, "product", "quantity", "orders", "revenue") == [("P1", 1, 1, D("10.00"))]


def test_top_products_is_one_query(tiny_chain, django_assert_num_queries):
    with django_assert_num_queries(2):  # whether the rollups are built, then the ranking
        top_products_by_quantity(filters=Filters(), scope=EVERYTHING)


def test_top_products_from_rollups_are_three_small_queries(tiny_chain, django_assert_num_queries):
    from analytics import rollups

    rollups.rebuild()
    with django_assert_num_queries(3):  # built?, the sums per SKU, those products' names
        rows = top_products_by_quantity(filters=Filters(), scope=EVERYTHING).rows
    # tiny_chain by hand: P1 2 + 1 units (orders 1, 4), P3 3 + 1 (orders 3, 4), P2 1 + 1
    assert [(r["product"], r["quantity"], r["orders"]) for r in rows] == [
        ("P3", 4, 2),
        ("P1", 3, 2),
        ("P2", 2, 2),
    ]


# products/sales/


def test_sales_by_product_gives_share_and_average_unit_price(tiny_chain):
    result = sales_by_product(filters=Filters(), scope=EVERYTHING, level="product")
    assert result.columns == [
        "product",
        "name",
        "size",
        "category",
        "quantity",
        "revenue",
        "share",
        "average_unit_price",
    ]
    assert [list(r.values()) for r in result.rows] == [
        ["P2", "Margherita", "Large", "Classic", 2, D("31.00"), D("34.44"), D("15.50")],
        ["P1", "Margherita", "Small", "Classic", 3, D("30.00"), D("33.33"), D("10.00")],
        ["P3", "Veggie", "Small", "Vegetarian", 4, D("29.00"), D("32.22"), D("7.25")],
    ]
    assert result.meta == {"revenue": D("90.00")}


def test_sales_by_category_counts_the_products_sold(tiny_chain):
    result = sales_by_product(filters=Filters(), scope=EVERYTHING, level="category")
    assert result.columns == [
        "category",
        "products",
        "quantity",
        "revenue",
        "share",
        "average_unit_price",
    ]
    # Classic: 3 + 2 units for 61.00, 61 / 90 = 67.78 %, 61 / 5 = 12.20 a unit.
    assert [list(r.values()) for r in result.rows] == [
        ["Classic", 2, 5, D("61.00"), D("67.78"), D("12.20")],
        ["Vegetarian", 1, 4, D("29.00"), D("32.22"), D("7.25")],
    ]


def test_sales_by_product_stays_in_the_scope(tiny_chain, make_user):
    result = sales_by_product(
        filters=Filters(), scope=manager_of(make_user, "S3"), level="category"
    )
    # Order 4 only: P1 10.00 and P3 7.25.
    assert pick(result.rows, "category", "products", "revenue", "share") == [
        ("Classic", 1, D("10.00"), D("57.97")),
        ("Vegetarian", 1, D("7.25"), D("42.03")),
    ]
    assert result.meta == {"revenue": D("17.25")}


def test_sales_by_product_over_an_empty_range_is_empty(tiny_chain):
    empty = Filters(date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 1, 31))
    result = sales_by_product(filters=empty, scope=EVERYTHING, level="product")
    assert result.rows == []
    assert result.meta == {"revenue": D("0.00")}


# products/performance/

LAUNCH_KEYS = ("month_index", "quantity", "revenue", "quantity_per_store", "index")


def test_performance_counts_local_months_since_launch(launch):
    result = quantity_by_month_since_launch(
        filters=Filters(sku=("P9",)), scope=EVERYTHING, months=24
    )
    rows = result.rows
    assert result.columns == [
        "product",
        "name",
        "launch_date",
        "month_index",
        "quantity",
        "revenue",
        "quantity_per_store",
        "index",
    ]
    assert rows[0] == {
        "product": "P9",
        "name": "Pesto",
        "launch_date": dt.date(2022, 3, 15),
        "month_index": 0,
        "quantity": 2,
        "revenue": D("24.00"),
        "quantity_per_store": D("0.50"),  # 2 units over 4 stores
        "index": D("100.00"),  # months 0-2 average (2 + 4 + 0) / 3 = 2 units
    }
    # Filled up to the last order in scope, 2023-01-15: month 10.
    assert pick(rows, *LAUNCH_KEYS) == [
        (0, 2, D("24.00"), D("0.50"), D("100.00")),
        (1, 4, D("48.00"), D("1.00"), D("200.00")),
        (2, 0, D("0.00"), D("0.00"), D("0.00")),
        (3, 3, D("36.00"), D("0.75"), D("150.00")),
        *[(i, 0, D("0.00"), D("0.00"), D("0.00")) for i in range(4, 11)],
    ]
    assert result.meta == {"stores": 4}


def test_performance_months_limits_the_month_index(launch):
    rows = quantity_by_month_since_launch(
        filters=Filters(sku=("P3",)), scope=EVERYTHING, months=12
    ).rows
    # P3, launched 2021-06-01: order 3 (2022-04-01 local) is month 10; order 4 month 19.
    assert [r["month_index"] for r in rows] == list(range(12))
    assert pick(rows[10:], "quantity", "revenue", "index") == [
        (3, D("21.75"), None),
        (0, D("0.00"), None),
    ]
    rows = quantity_by_month_since_launch(
        filters=Filters(sku=("P9",)), scope=EVERYTHING, months=2
    ).rows
    assert pick(rows, "month_index", "quantity", "index") == [
        (0, 2, D("66.67")),
        (1, 4, D("133.33")),
    ]


def test_performance_from_date_from_bases_the_index_on_the_months_present(launch):
    filters = Filters(sku=("P9",), date_from=dt.date(2022, 4, 1), date_to=dt.date(2022, 6, 30))
    rows = quantity_by_month_since_launch(filters=filters, scope=EVERYTHING, months=24).rows
    # Months 1-3; the base is months 1 and 2: (4 + 0) / 2 = 2 units.
    assert pick(rows, "month_index", "quantity", "index") == [
        (1, 4, D("200.00")),
        (2, 0, D("0.00")),
        (3, 3, D("150.00")),
    ]


def test_performance_stays_in_the_scope(launch, make_user):
    result = quantity_by_month_since_launch(
        filters=Filters(sku=("P9",)), scope=manager_of(make_user, "S2"), months=24
    )
    # S2's last order is 104 (June 2022, month 3); one store in scope.
    assert pick(result.rows, "month_index", "quantity", "quantity_per_store", "index") == [
        (0, 0, D("0.00"), None),
        (1, 0, D("0.00"), None),
        (2, 0, D("0.00"), None),
        (3, 3, D("3.00"), None),
    ]
    assert result.meta == {"stores": 1}


def test_performance_before_a_launch_or_without_data_is_empty(launch):
    before = Filters(sku=("P9",), date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 12, 31))
    assert quantity_by_month_since_launch(filters=before, scope=EVERYTHING, months=24).rows == []
    assert quantity_by_month_since_launch(filters=Filters(), scope=NOTHING, months=24).rows == []


# products/avg_price/


def test_price_by_category_sets_list_prices_against_prices_paid(promotion):
    result = price_by_category(filters=Filters(), scope=EVERYTHING)
    assert result.columns == [
        "category",
        "products",
        "list_price_avg",
        "realized_price_avg",
        "min_price",
        "max_price",
        "quantity",
    ]
    assert [list(r.values()) for r in result.rows] == [
        # (10.00 + 15.50) / 2 listed; paid (3×10.00 + 2×15.50) / 5 = 12.20
        ["Classic", 2, D("12.75"), D("12.20"), D("10.00"), D("15.50"), 5],
        # paid (4×7.25 + 2×6.00) / 6 = 41 / 6 = 6.8333
        ["Vegetarian", 1, D("7.25"), D("6.83"), D("7.25"), D("7.25"), 6],
    ]


def test_price_by_category_keeps_the_catalog_when_nothing_sold(promotion, make_user):
    rows = price_by_category(filters=Filters(size="Small"), scope=manager_of(make_user, "S2")).rows
    # Small: P1 and P3; S2 sold only 3 P3 at 7.25.
    assert pick(
        rows, "category", "products", "list_price_avg", "realized_price_avg", "quantity"
    ) == [
        ("Classic", 1, D("10.00"), None, 0),
        ("Vegetarian", 1, D("7.25"), D("7.25"), 3),
    ]


def test_price_by_category_in_a_date_range(promotion):
    rows = price_by_category(filters=Filters(date_from=dt.date(2022, 5, 1)), scope=EVERYTHING).rows
    # Order 6 (2 × 6.00) and order 4 (1 P1 at 10.00, 1 P3 at 7.25): (12.00 + 7.25) / 3.
    assert pick(rows, "category", "realized_price_avg", "quantity") == [
        ("Classic", D("10.00"), 1),
        ("Vegetarian", D("6.42"), 3),
    ]


# products/price_sales/


def test_sales_by_price_correlates_price_and_quantity(tiny_chain):
    result = sales_by_price(filters=Filters(), scope=EVERYTHING, measure="quantity")
    assert [list(r.values()) for r in result.rows] == [
        ["P3", "Veggie", "Vegetarian", "Small", D("7.25"), 4, D("29.00")],
        ["P1", "Margherita", "Classic", "Small", D("10.00"), 3, D("30.00")],
        ["P2", "Margherita", "Classic", "Large", D("15.50"), 2, D("31.00")],
    ]
    expected = statistics.correlation([7.25, 10.0, 15.5], [4.0, 3.0, 2.0])
    assert result.meta["pearson"] == pytest.approx(expected, abs=1e-4)
    assert result.meta["pearson"] == -0.982  # -8.25 / sqrt(35.2917 × 2), by hand
    # The dearer, the fewer: the ranks are exactly reversed.
    assert result.meta["spearman"] == -1.0
    assert result.meta["n"] == 3


def test_sales_by_price_measure_revenue(tiny_chain):
    meta = sales_by_price(filters=Filters(), scope=EVERYTHING, measure="revenue").meta
    expected = statistics.correlation([7.25, 10.0, 15.5], [29.0, 30.0, 31.0])
    assert meta["measure"] == "revenue"
    assert meta["pearson"] == pytest.approx(expected, abs=1e-4)
    assert meta["spearman"] == 1.0


def test_sales_by_price_spearman_uses_average_ranks_for_ties(promotion):
    from products.models import Product

    # Units now P3 6, P1 3, P2 2; P1 repriced to 15.50 ties with P2.
    Product.objects.filter(id="P1").update(price=D("15.50"))
    meta = sales_by_price(filters=Filters(), scope=EVERYTHING, measure="quantity").meta
    price_ranks, quantity_ranks = [1.0, 2.5, 2.5], [3.0, 2.0, 1.0]  # P3, P1, P2
    assert meta["spearman"] == pytest.approx(
        statistics.correlation(price_ranks, quantity_ranks), abs=1e-4
    )
    assert meta["pearson"] == pytest.approx(
        statistics.correlation([7.25, 15.5, 15.5], [6.0, 3.0, 2.0]), abs=1e-4
    )


def test_sales_by_price_needs_two_products_and_varying_values(tiny_chain, make_user):
    one = sales_by_price(filters=Filters(sku=("P1",)), scope=EVERYTHING, measure="quantity")
    assert (one.meta["n"], one.meta["pearson"], one.meta["spearman"]) == (1, None, None)
    # S3 sold one P3 and one P1: quantity does not vary, revenue does.
    scope = manager_of(make_user, "S3")
    flat = sales_by_price(filters=Filters(), scope=scope, measure="quantity").meta
    assert (flat["n"], flat["pearson"]) == (2, None)
    assert sales_by_price(filters=Filters(), scope=scope, measure="revenue").meta["pearson"] == 1.0


def test_performance_queries_do_not_grow_with_products(launch, django_assert_num_queries):
    # last order, whether the rollups are built, month cells, store count, products
    with django_assert_num_queries(5):
        quantity_by_month_since_launch(filters=Filters(), scope=EVERYTHING, months=24)
