"""The store API: scope per role, filters, pagination, staff-only writes, auth, query counts."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from orders.models import Order
from stores.models import Store

# The API as config/urls.py wires it: the analyses first, then the entity router.
pytestmark = pytest.mark.django_db

STORES = "/api/stores/"
# Default order: state, city, id.
ALL = ["S3", "S2", "S1", "S4"]


@pytest.fixture
def api(tiny_chain, make_user):
    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        name = f"u{User.objects.count()}"
        client.force_authenticate(make_user(name, role, **assignments))
        return client

    return client_for


@pytest.fixture
def staff(api):
    return api("", is_staff=True)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("role", "assignments", "expected"),
    [
        (User.Role.EXECUTIVE, {}, ALL),
        (User.Role.ANALYST, {}, ALL),
        (User.Role.REGIONAL_MANAGER, {"states": ["NV"]}, ["S2", "S1"]),
        (User.Role.STORE_MANAGER, {"stores": ["S2"]}, ["S2"]),
        ("", {}, []),
    ],
)
def test_the_list_holds_exactly_the_stores_of_the_users_scope(api, role, assignments, expected):
    assert ids(api(role, **assignments).get(STORES)) == expected


def test_a_store_is_listed_with_its_fields(api):
    assert api().get(f"{STORES}S1/").json() == {
        "id": "S1",
        "city": "Reno",
        "state": "NV",
        "state_name": "Nevada",
        "zipcode": "89501",
        "latitude": 39.5296,
        "longitude": -119.8138,
        "distance": 10.0,
    }


def test_a_store_outside_the_scope_is_404(api):
    client = api(User.Role.STORE_MANAGER, stores=["S2"])
    assert client.get(f"{STORES}S1/").status_code == 404
    assert client.get(f"{STORES}S2/").status_code == 200


def test_filtering_by_state_and_store_through_the_api(api):
    response = api().get(STORES, {"state": ["NV", "UT"], "store": ["S1", "S4"]})
    assert ids(response) == ["S1", "S4"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"state": "Nevada"}, "state"),
        ({"store": "S 1"}, "store"),
        ({"city": "x" * 101}, "city"),
        ({"ordering": "latitude"}, "ordering"),
    ],
)
def test_a_bad_filter_value_is_400_naming_the_parameter(api, params, name):
    response = api().get(STORES, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_a_store_outside_the_scope_in_a_filter_is_403(api):
    response = api(User.Role.STORE_MANAGER, stores=["S2"]).get(STORES, {"store": "S1"})
    assert response.status_code == 403
    assert "S1" in response.json()["detail"]


def test_a_state_without_stores_of_the_scope_in_a_filter_is_403(api):
    response = api(User.Role.REGIONAL_MANAGER, states=["NV"]).get(STORES, {"state": "CA"})
    assert response.status_code == 403
    assert "CA" in response.json()["detail"]


def test_page_size_parameter_pages_the_list(api):
    body = api().get(STORES, {"page_size": 3}).json()
    assert body["count"] == 4
    assert [r["id"] for r in body["results"]] == ["S3", "S2", "S1"]
    assert "page=2" in body["next"]


def test_page_size_is_capped_at_1000(api):
    add_stores(1001)
    body = api().get(STORES, {"page_size": 5000}).json()
    assert (body["count"], len(body["results"])) == (1005, 1000)


def test_an_anonymous_request_is_401(tiny_chain):
    assert APIClient().get(STORES).status_code == 401


def test_token_authentication_works(tiny_chain, make_user):
    token = Token.objects.create(user=make_user("reg", User.Role.REGIONAL_MANAGER, states=["UT"]))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids(client.get(STORES)) == ["S4"]


def test_session_authentication_works(tiny_chain, make_user):
    make_user("exec", User.Role.EXECUTIVE)
    client = APIClient()
    assert client.login(username="exec", password="pw-for-tests")
    assert ids(client.get(STORES)) == ALL


NEW_STORE = {
    "id": "S5",
    "city": "Boise",
    "state": "ID",
    "state_name": "Idaho",
    "zipcode": "83702",
    "latitude": 43.615,
    "longitude": -116.2023,
    "distance": None,
}


@pytest.mark.parametrize("role", [User.Role.EXECUTIVE, User.Role.ANALYST])
def test_a_non_staff_user_cannot_write(api, role):
    client = api(role)
    assert client.post(STORES, NEW_STORE, format="json").status_code == 403
    assert client.patch(f"{STORES}S1/", {"city": "Sparks"}, format="json").status_code == 403
    assert client.delete(f"{STORES}S4/").status_code == 403
    assert not Store.objects.filter(id="S5").exists()
    assert Store.objects.get(id="S1").city == "Reno"
    assert Store.objects.filter(id="S4").exists()


def test_staff_create_a_store(staff):
    response = staff.post(STORES, NEW_STORE, format="json")
    assert response.status_code == 201
    assert response.json() == NEW_STORE
    store = Store.objects.get(id="S5")
    assert (store.city, store.state_abbr, store.state) == ("Boise", "ID", "Idaho")


def test_staff_update_a_store_but_not_its_id(staff):
    response = staff.patch(f"{STORES}S1/", {"city": "Sparks", "id": "S9"}, format="json")
    assert response.status_code == 200
    assert Store.objects.get(id="S1").city == "Sparks"
    assert not Store.objects.filter(id="S9").exists()


def test_staff_delete_a_store_without_sales(staff):
    assert staff.delete(f"{STORES}S4/").status_code == 204
    assert not Store.objects.filter(id="S4").exists()


def test_deleting_a_store_with_orders_is_409_and_keeps_it(staff):
    response = staff.delete(f"{STORES}S1/")
    assert response.status_code == 409
    assert "S1" in response.json()["detail"]
    assert Store.objects.filter(id="S1").exists()
    assert Order.objects.filter(store_id="S1").count() == 2


def add_stores(count: int) -> None:
    Store.objects.bulk_create(
        Store(
            id=f"X{i}", zipcode="1", city="C", state="S", state_abbr="NV", latitude=0, longitude=0
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    ("role", "assignments", "queries"),
    [
        (User.Role.EXECUTIVE, {}, 2),  # count, page
        (User.Role.REGIONAL_MANAGER, {"states": ["NV"]}, 3),  # + the scope's stores
    ],
)
def test_the_list_takes_a_fixed_number_of_queries(
    api, django_assert_max_num_queries, role, assignments, queries
):
    client = api(role, **assignments)
    with django_assert_max_num_queries(queries):
        client.get(STORES)
    add_stores(30)
    with django_assert_max_num_queries(queries):
        assert len(ids(client.get(STORES))) > 30


def test_the_schema_documents_the_store_filters(api):
    schema = api().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/stores/"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert {"state", "city", "store", "ordering", "page", "page_size"} <= set(params)
    assert params["state"]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert params["state"]["explode"] is True
    assert "scope" in operation["description"]
