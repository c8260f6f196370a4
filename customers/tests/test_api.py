"""The customer API: the geographic distribution with orders and revenue per customer, by
role, filters, staff-only writes and bounded queries.

Hand counts (tiny_chain): C1 ordered 1 and 2 at S1 (35.50 + 15.50 = 51.00); C2 order 3 at
S2 (21.75); C3 order 4 at S3 (17.25).
"""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from config.api_router import urlpatterns as router_patterns
from customers.models import Customer
from orders.models import Order

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/customers/"


@pytest.fixture
def located(tiny_chain):
    """The tiny chain's customers with the places and nearest stores the importer derives."""
    for cid, city, state, store, km in [
        ("C1", "Reno", "NV", "S1", 0.4),
        ("C2", "Las Vegas", "NV", "S2", 0.1),
        ("C3", "Sacramento", "CA", "S3", 0.6),
    ]:
        Customer.objects.filter(id=cid).update(
            city=city, state_abbr=state, nearest_store_id=store, nearest_store_km=km
        )
    return tiny_chain


@pytest.fixture
def api(located, make_user):
    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"u{User.objects.count()}", role, **assignments))
        return client

    return client_for


def rows(response) -> list[tuple[str, int, str]]:
    assert response.status_code == 200, response.content
    return [(r["id"], r["orders"], r["revenue"]) for r in response.json()["results"]]


def test_a_customer_is_listed_with_place_nearest_store_orders_and_revenue(api):
    assert api().get(CUSTOMERS).json()["results"][0] == {
        "id": "C1",
        "latitude": 39.53,
        "longitude": -119.81,
        "city": "Reno",
        "state": "NV",
        "zipcode": "",
        "nearest_store": "S1",
        "nearest_store_km": 0.4,
        "orders": 2,
        "revenue": "51.00",
    }


def test_the_executive_sees_every_customer_with_hand_counted_orders_and_revenue(api):
    assert rows(api().get(CUSTOMERS)) == [
        ("C1", 2, "51.00"),
        ("C2", 1, "21.75"),
        ("C3", 1, "17.25"),
    ]


def test_the_whole_chain_includes_customers_without_orders(api):
    Customer.objects.create(id="C4", latitude=40.0, longitude=-111.0)
    assert rows(api(User.Role.ANALYST).get(CUSTOMERS))[-1] == ("C4", 0, "0.00")
    assert "C4" not in [
        r[0] for r in rows(api(User.Role.REGIONAL_MANAGER, states=["UT"]).get(CUSTOMERS))
    ]


def test_a_store_manager_sees_only_the_customers_of_their_store(api):
    assert rows(api(User.Role.STORE_MANAGER, stores=["S2"]).get(CUSTOMERS)) == [("C2", 1, "21.75")]


def test_a_regional_manager_counts_only_orders_at_their_stores(api):
    # C1 also orders once in California: the NV manager still sees 2 orders, 51.00.
    Order.objects.create(
        id=5,
        customer_id="C1",
        store_id="S3",
        n_items=1,
        total=Decimal("7.25"),
        ordered_at=dt.datetime(2022, 5, 1, 18, tzinfo=dt.UTC),
    )
    client = api(User.Role.REGIONAL_MANAGER, states=["NV"])
    assert rows(client.get(CUSTOMERS)) == [("C1", 2, "51.00"), ("C2", 1, "21.75")]
    assert rows(api().get(CUSTOMERS))[0] == ("C1", 3, "58.25")


def test_the_date_filters_restrict_the_counted_orders(api):
    # Order 2 (2022-03-08) is C1's only order in the range.
    response = api().get(CUSTOMERS, {"date_from": "2022-03-05", "date_to": "2022-03-31"})
    assert rows(response) == [("C1", 1, "15.50")]


def test_ordering_by_revenue(api):
    assert [r[0] for r in rows(api().get(CUSTOMERS, {"ordering": "-revenue"}))] == [
        "C1",
        "C2",
        "C3",
    ]


def test_a_customer_outside_the_scope_is_404(api):
    client = api(User.Role.STORE_MANAGER, stores=["S2"])
    assert client.get(f"{CUSTOMERS}C1/").status_code == 404
    assert client.get(f"{CUSTOMERS}C2/").json()["orders"] == 1


def test_a_store_outside_the_scope_in_a_filter_is_403(api):
    response = api(User.Role.STORE_MANAGER, stores=["S2"]).get(CUSTOMERS, {"store": "S1"})
    assert response.status_code == 403
    assert "S1" in response.json()["detail"]


def test_the_home_state_is_no_scope_check(api):
    # A NV manager may ask for customers living in California: none of theirs do.
    response = api(User.Role.REGIONAL_MANAGER, states=["NV"]).get(CUSTOMERS, {"state": "CA"})
    assert rows(response) == []


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"date_from": "2022-13-01"}, "date_from"),
        ({"date_from": "2022-03-10", "date_to": "2022-03-01"}, "date_to"),
        ({"state": "Nevada"}, "state"),
        ({"store": "S/1"}, "store"),
        ({"ordering": "latitude"}, "ordering"),
    ],
)
def test_a_bad_filter_value_is_400_naming_the_parameter(api, params, name):
    response = api().get(CUSTOMERS, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_analysis_paths_are_never_taken_for_a_customer_id(api):
    assert "analysis" in api().get(f"{CUSTOMERS}top/").json()
    assert not [p for p in router_patterns if p.pattern.match("customers/top/")]
    assert [p for p in router_patterns if p.pattern.match("customers/C772113/")]


def test_token_authentication_works(located, make_user):
    token = Token.objects.create(user=make_user("sm", User.Role.STORE_MANAGER, stores=["S3"]))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert rows(client.get(CUSTOMERS)) == [("C3", 1, "17.25")]


NEW = {"id": "C9", "latitude": 40.76, "longitude": -111.89, "city": "Salt Lake City", "state": "UT"}


def test_a_non_staff_user_cannot_write(api):
    client = api(User.Role.ANALYST)
    assert client.post(CUSTOMERS, NEW, format="json").status_code == 403
    assert client.patch(f"{CUSTOMERS}C1/", {"city": "X"}, format="json").status_code == 403
    assert client.delete(f"{CUSTOMERS}C1/").status_code == 403
    assert not Customer.objects.filter(id="C9").exists()
    assert Customer.objects.get(id="C1").city == "Reno"


def test_staff_create_a_customer(api):
    response = api("", is_staff=True).post(CUSTOMERS, NEW, format="json")
    assert response.status_code == 201
    assert (response.json()["orders"], response.json()["revenue"]) == (0, "0.00")
    customer = Customer.objects.get(id="C9")
    assert (customer.city, customer.state_abbr, customer.latitude) == (
        "Salt Lake City",
        "UT",
        40.76,
    )


def test_staff_update_a_customer_and_see_their_counts(api):
    response = api("", is_staff=True).patch(
        f"{CUSTOMERS}C1/", {"nearest_store": "S2", "nearest_store_km": 1.5}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["orders"], response.json()["revenue"]) == (2, "51.00")
    assert Customer.objects.get(id="C1").nearest_store_id == "S2"


def test_deleting_a_customer_with_orders_is_409(api):
    client = api("", is_staff=True)
    assert client.delete(f"{CUSTOMERS}C1/").status_code == 409
    assert Customer.objects.filter(id="C1").exists()
    Customer.objects.create(id="C9", latitude=0, longitude=0)
    assert client.delete(f"{CUSTOMERS}C9/").status_code == 204
    assert not Customer.objects.filter(id="C9").exists()


def add_customers_with_orders(count: int) -> None:
    Customer.objects.bulk_create(
        Customer(id=f"X{i}", latitude=36.0, longitude=-115.0) for i in range(count)
    )
    Order.objects.bulk_create(
        Order(
            id=100 + i,
            customer_id=f"X{i}",
            store_id="S2",
            n_items=1,
            total=Decimal("7.25"),
            ordered_at=dt.datetime(2022, 6, 1, 18, tzinfo=dt.UTC),
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    ("role", "assignments", "queries"),
    [
        (User.Role.EXECUTIVE, {}, 2),  # count, page (orders and revenue are subqueries)
        (User.Role.STORE_MANAGER, {"stores": ["S2"]}, 3),  # + the scope's stores
    ],
)
def test_the_list_takes_a_fixed_number_of_queries(
    api, django_assert_max_num_queries, role, assignments, queries
):
    client = api(role, **assignments)
    with django_assert_max_num_queries(queries):
        client.get(CUSTOMERS, {"date_from": "2022-01-01", "store": "S2"})
    add_customers_with_orders(40)
    with django_assert_max_num_queries(queries):
        response = client.get(CUSTOMERS, {"date_from": "2022-01-01", "store": "S2"})
    assert len(rows(response)) == 41


def test_the_schema_documents_the_customer_filters(api):
    schema = api().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/customers/"]["get"]
    params = {p["name"] for p in operation["parameters"]}
    assert {"state", "city", "store", "date_from", "date_to", "ordering", "page_size"} <= params
    assert "/api/customers/{id}/" in schema["paths"]
