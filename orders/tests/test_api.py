"""The order API: scope per role, filters, cursor pagination, staff-only writes, and orders
posted with their items (priced from the menu, totals checked, all or nothing).

Hand counts (tiny_chain): order 1 (C1 at S1) 2×10.00 + 1×15.50 = 35.50; order 2 (C1 at S1)
15.50; order 3 (C2 at S2) 3×7.25 = 21.75; order 4 (C3 at S3) 10.00 + 7.25 = 17.25.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management.color import no_style
from django.db import IntegrityError, connection
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied
from rest_framework.test import APIClient

from accounts.models import User
from orders.api.serializers import OrderSerializer
from orders.models import Order, OrderItem
from orders.services import Line, place_order
from products.models import Product

pytestmark = pytest.mark.django_db

ORDERS = "/api/orders/"
UTC = dt.UTC


@pytest.fixture
def chain(tiny_chain):
    """tiny_chain inserts orders 1-4 with explicit IDs; move PostgreSQL's ID sequence past
    them, as the importer does, so orders created here get fresh IDs."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Order]):
            cursor.execute(sql)
    return tiny_chain


@pytest.fixture
def api(chain, make_user):
    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"u{User.objects.count()}", role, **assignments))
        return client

    return client_for


@pytest.fixture
def staff(api):
    return api("", is_staff=True)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def counts() -> tuple[int, int]:
    return Order.objects.count(), OrderItem.objects.count()


@pytest.mark.parametrize(
    ("role", "assignments", "expected"),
    [
        (User.Role.EXECUTIVE, {}, [4, 3, 2, 1]),
        (User.Role.ANALYST, {}, [4, 3, 2, 1]),
        (User.Role.REGIONAL_MANAGER, {"states": ["NV"]}, [3, 2, 1]),
        (User.Role.STORE_MANAGER, {"stores": ["S2"]}, [3]),
        ("", {}, []),
    ],
)
def test_the_list_holds_exactly_the_orders_of_the_users_stores_newest_first(
    api, role, assignments, expected
):
    assert ids(api(role, **assignments).get(ORDERS)) == expected


def test_an_order_is_listed_with_its_items_nested(api):
    assert api().get(f"{ORDERS}1/").json() == {
        "id": 1,
        "customer": "C1",
        "store": "S1",
        "ordered_at": "2022-03-01T19:00:00Z",
        "n_items": 3,
        "total": "35.50",
        "items": [
            {"product": "P1", "quantity": 2, "unit_price": "10.00", "line_total": "20.00"},
            {"product": "P2", "quantity": 1, "unit_price": "15.50", "line_total": "15.50"},
        ],
    }


def test_an_order_outside_the_scope_is_404(api):
    client = api(User.Role.STORE_MANAGER, stores=["S2"])
    assert client.get(f"{ORDERS}1/").status_code == 404
    assert client.get(f"{ORDERS}3/").status_code == 200


def test_filters_through_the_api(api):
    params = {"date_from": "2022-03-01", "date_to": "2022-04-01", "state": "NV", "sku": "P2"}
    assert ids(api().get(ORDERS, params)) == [2, 1]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"date_from": "2022-02-30"}, "date_from"),
        ({"date_from": "2022-03-10", "date_to": "2022-03-01"}, "date_to"),
        ({"state": "N"}, "state"),
        ({"store": "S1 OR 1=1"}, "store"),
        ({"sku": "P1'"}, "sku"),
        ({"customer": "C 1"}, "customer"),
        ({"min_total": "ten"}, "min_total"),
        ({"max_total": "1e"}, "max_total"),
    ],
)
def test_a_bad_filter_value_is_400_naming_the_parameter(api, params, name):
    response = api().get(ORDERS, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_a_store_outside_the_scope_in_a_filter_is_403(api):
    response = api(User.Role.STORE_MANAGER, stores=["S2"]).get(ORDERS, {"store": ["S2", "S1"]})
    assert response.status_code == 403
    assert "S1" in response.json()["detail"]


def test_a_state_without_stores_of_the_scope_in_a_filter_is_403(api):
    response = api(User.Role.REGIONAL_MANAGER, states=["NV"]).get(ORDERS, {"state": "UT"})
    assert response.status_code == 403


def test_cursor_pages_follow_next_without_duplicates(api):
    client = api()
    seen, url, params = [], ORDERS, {"page_size": 1}
    while url:
        body = client.get(url, params).json()
        seen += [row["id"] for row in body["results"]]
        url, params = body["next"], None
        assert url is None or "cursor=" in url
    assert seen == [4, 3, 2, 1]


def test_cursor_pages_stay_stable_when_orders_arrive(api):
    client = api()
    first = client.get(ORDERS, {"page_size": 2}).json()
    Order.objects.create(
        customer_id="C2",
        store_id="S2",
        n_items=1,
        total=Decimal("7.25"),
        ordered_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
    )
    second = client.get(first["next"]).json()
    assert [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]] == [
        4,
        3,
        2,
        1,
    ]


def test_token_authentication_works(chain, make_user):
    token = Token.objects.create(user=make_user("sm", User.Role.STORE_MANAGER, stores=["S1"]))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids(client.get(ORDERS)) == [2, 1]


def add_orders(count: int) -> None:
    orders = Order.objects.bulk_create(
        Order(
            customer_id="C2",
            store_id="S2",
            n_items=2,
            total=Decimal("17.25"),
            ordered_at=dt.datetime(2022, 5, 1, tzinfo=UTC) + dt.timedelta(hours=i),
        )
        for i in range(count)
    )
    OrderItem.objects.bulk_create(
        OrderItem(order=o, product_id=p, quantity=1, unit_price=price)
        for o in orders
        for p, price in (("P1", Decimal("10.00")), ("P3", Decimal("7.25")))
    )


@pytest.mark.parametrize(
    ("role", "assignments", "queries"),
    [
        (User.Role.EXECUTIVE, {}, 2),  # page, items (prefetched); a cursor needs no count
        (User.Role.STORE_MANAGER, {"stores": ["S2"]}, 3),  # + the scope's stores
    ],
)
def test_the_list_takes_a_fixed_number_of_queries(
    api, django_assert_max_num_queries, role, assignments, queries
):
    client = api(role, **assignments)
    with django_assert_max_num_queries(queries):
        client.get(ORDERS, {"category": "Vegetarian", "date_from": "2022-01-01"})
    add_orders(40)
    with django_assert_max_num_queries(queries):
        response = client.get(ORDERS, {"category": "Vegetarian", "date_from": "2022-01-01"})
    assert len(ids(response)) >= 41


def test_the_schema_documents_the_order_filters_and_the_cursor(api):
    schema = api().get("/api/schema/", {"format": "json"}).json()
    params = {p["name"] for p in schema["paths"]["/api/orders/"]["get"]["parameters"]}
    assert params == {
        "date_from",
        "date_to",
        "state",
        "city",
        "store",
        "customer",
        "category",
        "size",
        "sku",
        "min_total",
        "max_total",
        "cursor",
        "page_size",
    }
    assert "items" in schema["components"]["schemas"]["Order"]["properties"]


# Writing orders

POSTED = {
    "customer": "C1",
    "store": "S1",
    "ordered_at": "2023-02-01T19:30:00-08:00",
    "items": [{"product": "P1", "quantity": 2}, {"product": "P2", "quantity": 1}],
}


def test_staff_post_an_order_with_its_items(staff):
    response = staff.post(ORDERS, POSTED, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get(id=body["id"])
    assert body["id"] not in (1, 2, 3, 4)
    # 2 × 10.00 + 1 × 15.50 = 35.50, 3 items
    assert (order.n_items, order.total) == (3, Decimal("35.50"))
    assert order.ordered_at == dt.datetime(2023, 2, 2, 3, 30, tzinfo=UTC)
    assert (order.customer_id, order.store_id) == ("C1", "S1")
    assert [(i.product_id, i.quantity, i.unit_price) for i in order.items.all()] == [
        ("P1", 2, Decimal("10.00")),
        ("P2", 1, Decimal("15.50")),
    ]
    assert body["total"] == "35.50"
    assert body["n_items"] == 3
    assert body["ordered_at"] == "2023-02-02T03:30:00Z"
    assert [i["unit_price"] for i in body["items"]] == ["10.00", "15.50"]


def test_the_unit_price_is_the_products_current_price(staff):
    Product.objects.filter(id="P1").update(price=Decimal("12.00"))
    body = staff.post(ORDERS, POSTED, format="json").json()
    assert body["total"] == "39.50"  # 2 × 12.00 + 15.50
    assert OrderItem.objects.get(order_id=body["id"], product_id="P1").unit_price == Decimal(
        "12.00"
    )
    # History is not rewritten: order 1 keeps the price it was sold at.
    assert OrderItem.objects.get(order_id=1, product_id="P1").unit_price == Decimal("10.00")


def test_given_totals_that_agree_with_the_items_are_accepted(staff):
    response = staff.post(ORDERS, {**POSTED, "n_items": 3, "total": "35.5"}, format="json")
    assert response.status_code == 201
    assert Order.objects.get(id=response.json()["id"]).total == Decimal("35.50")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("total", "30.00", "is 30.00 but the items add up to 35.50."),
        ("n_items", 2, "is 2 but the items add up to 3."),
    ],
)
def test_a_given_figure_that_disagrees_with_the_items_is_400_and_writes_nothing(
    staff, field, value, message
):
    before = counts()
    response = staff.post(ORDERS, {**POSTED, field: value}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert counts() == before


def test_an_unknown_product_is_400_and_writes_nothing(staff):
    before = counts()
    items = [{"product": "P1", "quantity": 1}, {"product": "P9", "quantity": 1}]
    response = staff.post(ORDERS, {**POSTED, "items": items}, format="json")
    assert response.status_code == 400
    assert response.json() == {"items": ["unknown product 'P9'."]}
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"customer": "C9"}, "customer"),
        ({"store": "S9"}, "store"),
        ({"items": []}, "items"),
        ({"items": [{"product": "P1", "quantity": 0}]}, "items"),
        ({"ordered_at": "yesterday"}, "ordered_at"),
        ({"total": "-1.00"}, "total"),
    ],
)
def test_an_invalid_order_is_400_naming_the_field_and_writes_nothing(staff, change, name):
    before = counts()
    response = staff.post(ORDERS, {**POSTED, **change}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [name]
    assert counts() == before


def test_the_id_is_assigned_by_the_database(staff):
    body = staff.post(ORDERS, {**POSTED, "id": 1}, format="json").json()
    assert body["id"] != 1
    assert Order.objects.get(id=1).total == Decimal("35.50")


def test_a_product_listed_twice_becomes_one_item(staff):
    items = [{"product": "P3", "quantity": 1}, {"product": "P3", "quantity": 2}]
    body = staff.post(ORDERS, {**POSTED, "items": items}, format="json").json()
    assert body["items"] == [
        {"product": "P3", "quantity": 3, "unit_price": "7.25", "line_total": "21.75"}
    ]
    assert (body["n_items"], body["total"]) == (3, "21.75")


def test_a_time_without_zone_is_read_in_the_export_time_zone(staff, settings):
    settings.EXPORT_TIME_ZONE = "America/New_York"
    body = staff.post(ORDERS, {**POSTED, "ordered_at": "2023-02-01T19:30:00"}, format="json").json()
    assert Order.objects.get(id=body["id"]).ordered_at == dt.datetime(2023, 2, 2, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("role", [User.Role.EXECUTIVE, User.Role.ANALYST, User.Role.STORE_MANAGER])
def test_a_non_staff_user_cannot_write_orders(api, role):
    client = api(role, **({"stores": ["S1"]} if role == User.Role.STORE_MANAGER else {}))
    before = counts()
    assert client.post(ORDERS, POSTED, format="json").status_code == 403
    assert client.patch(f"{ORDERS}1/", {"customer": "C2"}, format="json").status_code == 403
    assert client.delete(f"{ORDERS}1/").status_code == 403
    assert counts() == before
    assert Order.objects.get(id=1).customer_id == "C1"


def test_a_store_outside_the_posters_scope_is_refused(chain, make_user):
    request = RequestFactory().post(ORDERS)
    request.user = make_user("sm", User.Role.STORE_MANAGER, stores=["S2"])
    serializer = OrderSerializer(data=POSTED, context={"request": request})
    with pytest.raises(PermissionDenied, match="S1"):
        serializer.is_valid()


def test_a_failure_while_writing_items_leaves_no_order(chain, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(OrderItem.objects, "bulk_create", fail)
    before = counts()
    with pytest.raises(IntegrityError):
        place_order(
            customer=chain["customers"]["C1"],
            store=chain["stores"]["S1"],
            ordered_at=dt.datetime(2023, 2, 1, tzinfo=UTC),
            lines=[Line("P1", 1)],
        )
    assert counts() == before


def test_staff_replace_an_orders_items(staff):
    Product.objects.filter(id="P1").update(price=Decimal("12.00"))
    items = [{"product": "P1", "quantity": 1}, {"product": "P3", "quantity": 2}]
    response = staff.patch(f"{ORDERS}1/", {"items": items}, format="json")
    assert response.status_code == 200, response.content
    order = Order.objects.get(id=1)
    # P1 keeps the 10.00 it was sold at; P3 is new at today's 7.25: 10.00 + 2 × 7.25 = 24.50
    assert (order.n_items, order.total) == (3, Decimal("24.50"))
    assert [(i.product_id, i.quantity, i.unit_price) for i in order.items.all()] == [
        ("P1", 1, Decimal("10.00")),
        ("P3", 2, Decimal("7.25")),
    ]
    assert response.json()["total"] == "24.50"


def test_changing_an_orders_customer_keeps_its_figures(staff):
    Order.objects.filter(id=2).update(total=Decimal("15.00"))  # the export's own figure
    assert staff.patch(f"{ORDERS}2/", {"customer": "C2"}, format="json").status_code == 200
    order = Order.objects.get(id=2)
    assert (order.customer_id, order.n_items, order.total) == ("C2", 1, Decimal("15.00"))
    assert order.items.count() == 1


def test_an_update_with_a_wrong_total_is_400_and_changes_nothing(staff):
    items = [{"product": "P3", "quantity": 1}]
    response = staff.patch(f"{ORDERS}1/", {"items": items, "total": "35.50"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["total"]
    assert Order.objects.get(id=1).total == Decimal("35.50")
    assert OrderItem.objects.filter(order_id=1).count() == 2


def test_an_update_with_an_unknown_product_changes_nothing(staff):
    items = [{"product": "P9", "quantity": 1}]
    response = staff.put(f"{ORDERS}1/", {**POSTED, "items": items}, format="json")
    assert response.status_code == 400
    assert Order.objects.get(id=1).ordered_at == dt.datetime(2022, 3, 1, 19, tzinfo=UTC)
    assert OrderItem.objects.filter(order_id=1).count() == 2


def test_staff_put_a_whole_order(staff):
    response = staff.put(f"{ORDERS}3/", POSTED, format="json")
    assert response.status_code == 200
    order = Order.objects.get(id=3)
    assert (order.customer_id, order.store_id, order.n_items, order.total) == (
        "C1",
        "S1",
        3,
        Decimal("35.50"),
    )


def test_staff_delete_an_order_and_its_items(staff):
    assert staff.delete(f"{ORDERS}1/").status_code == 204
    assert not Order.objects.filter(id=1).exists()
    assert not OrderItem.objects.filter(order_id=1).exists()
