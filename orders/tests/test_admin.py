"""The order and order-item admin: rows, search, filters, the inline, and bounded queries."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.admin_utils import EstimatedCountPaginator, PeriodsFromRangeQuerySet, next_period
from orders.models import Order, OrderItem

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"
ITEMS = "/admin/orders/orderitem/"
# Session, user, count (+ the pg_class estimate on PostgreSQL), page, filter choices, dates.
MAX_ORDER_QUERIES = 9
MAX_ITEM_QUERIES = 8


def listed(response) -> list:
    assert response.status_code == 200
    return [obj.pk for obj in response.context["cl"].result_list]


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def add_fifty_orders_with_items() -> None:
    start = datetime(2022, 5, 1, 18, 0, tzinfo=ZoneInfo("UTC"))
    orders = Order.objects.bulk_create(
        Order(
            id=100 + n,
            customer_id=f"C{n % 3 + 1}",
            store_id=f"S{n % 4 + 1}",
            n_items=2,
            total=Decimal("17.25"),
            ordered_at=start + timedelta(hours=n),
        )
        for n in range(50)
    )
    OrderItem.objects.bulk_create(
        OrderItem(order=order, product_id=sku, quantity=1, unit_price=price)
        for order in orders
        for sku, price in (("P1", Decimal("10.00")), ("P3", Decimal("7.25")))
    )


def test_order_changelist_lists_every_order_newest_first(admin_client, tiny_chain):
    response = admin_client.get(ORDERS)
    assert listed(response) == [4, 3, 2, 1]
    html = response.content.decode()
    assert "Slice administration" in html
    assert "S1 · Reno, NV" in html and "35.50" in html
    assert f'href="{ORDERS}4/change/' in html


@pytest.mark.parametrize("query", ["", "?store__state_abbr=NV", "?q=C1", "?ordered_at__year=2022"])
def test_order_changelist_queries_do_not_grow_with_rows(
    admin_client, tiny_chain, django_assert_max_num_queries, query
):
    before = queries_for(admin_client, ORDERS + query)
    add_fifty_orders_with_items()
    with django_assert_max_num_queries(MAX_ORDER_QUERIES):
        response = admin_client.get(ORDERS + query)
    assert len(listed(response)) > 4
    assert queries_for(admin_client, ORDERS + query) == before


@pytest.mark.parametrize(
    ("term", "expected"),
    [("3", [3]), ("C1", [2, 1]), ("c1", [2, 1]), ("S3", [4]), (" 4 ", [4]), ("C9", []), ("x", [])],
)
def test_order_search_matches_order_customer_or_store_id_exactly(
    admin_client, tiny_chain, term, expected
):
    assert listed(admin_client.get(ORDERS, {"q": term})) == expected


def test_order_search_by_id_does_not_match_ids_that_only_contain_it(admin_client, tiny_chain):
    add_fifty_orders_with_items()
    assert listed(admin_client.get(ORDERS, {"q": "101"})) == [101]


def test_order_state_filter_keeps_the_orders_of_that_states_stores(admin_client, tiny_chain):
    assert listed(admin_client.get(ORDERS, {"store__state_abbr": "NV"})) == [3, 2, 1]
    assert listed(admin_client.get(ORDERS, {"store__state_abbr": "CA"})) == [4]
    assert listed(admin_client.get(ORDERS, {"store__state_abbr": "UT"})) == []


def test_order_store_filter_keeps_that_stores_orders(admin_client, tiny_chain):
    assert listed(admin_client.get(ORDERS, {"store__id__exact": "S1"})) == [2, 1]


def test_order_date_hierarchy_drills_down_to_a_year_and_month(admin_client, tiny_chain):
    response = admin_client.get(ORDERS)
    assert "ordered_at__year=2022" in response.content.decode()
    assert listed(admin_client.get(ORDERS, {"ordered_at__year": 2023})) == [4]
    march = {"ordered_at__year": 2022, "ordered_at__month": 3}
    assert listed(admin_client.get(ORDERS, march)) == [2, 1]


def test_order_date_hierarchy_does_not_read_every_order(admin_client, tiny_chain):
    with CaptureQueriesContext(connection) as ctx:
        html = admin_client.get(ORDERS).content.decode()
    assert "ordered_at__year=2022" in html and "ordered_at__year=2023" in html
    on_orders = [q["sql"] for q in ctx.captured_queries if '"orders_order"' in q["sql"]]
    assert not any("DISTINCT" in sql for sql in on_orders)


def test_period_queryset_lists_the_years_and_months_django_would_for_contiguous_orders(
    tiny_chain,
):
    ours, django = PeriodsFromRangeQuerySet(model=Order), Order.objects.all()
    for queryset in (ours, django):
        assert [d.year for d in queryset.datetimes("ordered_at", "year")] == [2022, 2023]
        spring = queryset.filter(ordered_at__year=2022).datetimes("ordered_at", "month")
        assert [(d.year, d.month, d.day, d.hour) for d in spring] == [
            (2022, 3, 1, 0),
            (2022, 4, 1, 0),
        ]
    assert ours.filter(id__gt=99).datetimes("ordered_at", "year") == []


def test_period_queryset_lists_every_month_between_the_first_and_last_order(tiny_chain):
    months = PeriodsFromRangeQuerySet(model=Order).datetimes("ordered_at", "month", order="DESC")
    assert (months[0].year, months[0].month) == (2023, 1)
    assert (months[-1].year, months[-1].month) == (2022, 3)
    assert len(months) == 11  # March 2022 to January 2023, months without orders included


def test_next_period_rolls_over_the_year_end():
    december = datetime(2022, 12, 1, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert next_period(december, "month") == datetime(2023, 1, 1, tzinfo=december.tzinfo)
    assert next_period(december, "year") == datetime(2023, 12, 1, tzinfo=december.tzinfo)


def test_filtered_order_changelist_counts_only_the_filtered_rows(admin_client, tiny_chain):
    with CaptureQueriesContext(connection) as ctx:
        admin_client.get(ORDERS, {"store__state_abbr": "NV"})
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "WHERE" in counts[0].upper()


def test_order_change_page_shows_its_items_inline(admin_client, tiny_chain):
    response = admin_client.get(f"{ORDERS}1/change/")
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert sorted(form.instance.product_id for form in formset.initial_forms) == ["P1", "P2"]
    html = response.content.decode()
    assert 'name="items-TOTAL_FORMS"' in html and 'value="15.50"' in html


def order_post_data(**items) -> dict:
    data = {
        "customer": "C2",
        "store": "S2",
        "ordered_at_0": "2024-02-03",
        "ordered_at_1": "19:30:00",
        "n_items": "2",
        "total": "31.00",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    data.update({f"items-0-{key}": value for key, value in items.items()})
    return data


def test_adding_an_order_with_an_item_prefills_the_unit_price_from_the_product(
    admin_client, tiny_chain
):
    response = admin_client.post(
        f"{ORDERS}add/", order_post_data(product="P2", quantity="2", unit_price="")
    )
    assert response.status_code == 302, response.context["errors"]
    order = Order.objects.get(ordered_at__year=2024)
    assert (order.customer_id, order.store_id, order.total) == ("C2", "S2", Decimal("31.00"))
    item = order.items.get()
    assert (item.product_id, item.quantity, item.unit_price) == ("P2", 2, Decimal("15.50"))


def test_adding_an_order_keeps_a_unit_price_that_was_typed(admin_client, tiny_chain):
    data = order_post_data(product="P2", quantity="1", unit_price="12.00")
    assert admin_client.post(f"{ORDERS}add/", data).status_code == 302
    assert Order.objects.get(ordered_at__year=2024).items.get().unit_price == Decimal("12.00")


def test_adding_an_order_item_without_a_product_is_an_error_not_a_crash(admin_client, tiny_chain):
    response = admin_client.post(f"{ORDERS}add/", order_post_data(quantity="2", unit_price=""))
    assert response.status_code == 200
    assert not Order.objects.filter(ordered_at__year=2024).exists()


def test_order_foreign_keys_use_autocomplete_not_a_select_of_every_row(admin_client, tiny_chain):
    html = admin_client.get(f"{ORDERS}add/").content.decode()
    assert "admin-autocomplete" in html
    assert "C3</option>" not in html  # the customers are not listed in the page


def test_item_changelist_lists_every_item_with_order_and_product(admin_client, tiny_chain):
    response = admin_client.get(ITEMS)
    rows = [(i.order_id, i.product_id) for i in response.context["cl"].result_list]
    assert rows == [(4, "P1"), (4, "P3"), (3, "P3"), (2, "P2"), (1, "P1"), (1, "P2")]
    html = response.content.decode()
    assert "Order 4" in html and "P3 · Veggie (Small)" in html and "21.75" in html


@pytest.mark.parametrize("query", ["", "?product__category=Classic", "?q=P1"])
def test_item_changelist_queries_do_not_grow_with_rows(
    admin_client, tiny_chain, django_assert_max_num_queries, query
):
    before = queries_for(admin_client, ITEMS + query)
    add_fifty_orders_with_items()
    with django_assert_max_num_queries(MAX_ITEM_QUERIES):
        response = admin_client.get(ITEMS + query)
    assert len(listed(response)) > 6
    assert queries_for(admin_client, ITEMS + query) == before


def item_keys(response) -> list[tuple[int, str]]:
    assert response.status_code == 200
    return [(i.order_id, i.product_id) for i in response.context["cl"].result_list]


def test_item_search_matches_the_order_id_or_the_sku(admin_client, tiny_chain):
    assert item_keys(admin_client.get(ITEMS, {"q": "1"})) == [(1, "P1"), (1, "P2")]
    assert item_keys(admin_client.get(ITEMS, {"q": "p3"})) == [(4, "P3"), (3, "P3")]
    assert item_keys(admin_client.get(ITEMS, {"q": "P9"})) == []


def test_item_filters_narrow_by_the_products_category_and_size(admin_client, tiny_chain):
    classic = item_keys(admin_client.get(ITEMS, {"product__category": "Vegetarian"}))
    assert classic == [(4, "P3"), (3, "P3")]
    large = item_keys(admin_client.get(ITEMS, {"product__size": "Large"}))
    assert large == [(2, "P2"), (1, "P2")]


def test_item_add_form_prefills_the_unit_price_and_uses_a_raw_order_id(admin_client, tiny_chain):
    html = admin_client.get(f"{ITEMS}add/").content.decode()
    assert 'class="vForeignKeyRawIdAdminField"' in html
    data = {"order": "2", "product": "P1", "quantity": "3", "unit_price": ""}
    assert admin_client.post(f"{ITEMS}add/", data).status_code == 302
    assert OrderItem.objects.get(order_id=2, product_id="P1").unit_price == Decimal("10.00")


def test_paginator_counts_exactly_when_the_queryset_is_filtered(tiny_chain):
    queryset = Order.objects.filter(store_id="S1")
    with CaptureQueriesContext(connection) as ctx:
        assert EstimatedCountPaginator(queryset, 100).count == 2
    assert [q["sql"] for q in ctx.captured_queries if "pg_class" in q["sql"]] == []


def test_paginator_on_an_unfiltered_queryset_uses_the_estimate_only_on_postgresql(tiny_chain):
    """PostgreSQL: the planner's estimate, once ANALYZE has made one. Others: an exact count."""
    paginator = EstimatedCountPaginator(Order.objects.all(), 100)
    paginator.exact_below = 0  # the tiny table's estimate counts as trustworthy here
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_order")
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 4
    sqls = " ".join(q["sql"] for q in ctx.captured_queries)
    if connection.vendor == "postgresql":
        assert "pg_class" in sqls and "COUNT(" not in sqls.upper()
    else:
        assert "pg_class" not in sqls and "COUNT(" in sqls.upper()


def test_paginator_counts_exactly_when_the_estimate_is_small_or_missing(tiny_chain):
    """A never-analysed table (-1) or a stale small estimate would otherwise make the admin
    think one page holds everything and list the whole table."""
    with CaptureQueriesContext(connection) as ctx:
        assert EstimatedCountPaginator(Order.objects.all(), 100).count == 4
    assert "COUNT(" in " ".join(q["sql"] for q in ctx.captured_queries).upper()


def test_big_changelists_use_the_estimating_paginator_without_full_counts():
    from django.contrib import admin

    for model in (Order, OrderItem):
        model_admin = admin.site._registry[model]
        assert model_admin.paginator is EstimatedCountPaginator
        assert model_admin.show_full_result_count is False
