"""The menu API (products and ingredients): visible to every role, filters, staff-only writes."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from products.models import Ingredient, Product, ProductIngredient

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"
INGREDIENTS = "/api/ingredients/"


@pytest.fixture
def menu(tiny_chain):
    """Recipes: P1 and P2 (Margherita) tomato + mozzarella, P3 (Veggie) tomato + peppers."""
    Ingredient.objects.bulk_create(
        [
            Ingredient(id=1, name="Tomato"),
            Ingredient(id=2, name="Mozzarella"),
            Ingredient(id=3, name="Peppers"),
        ]
    )
    ProductIngredient.objects.bulk_create(
        ProductIngredient(product_id=p, ingredient_id=i)
        for p, i in [("P1", 1), ("P1", 2), ("P2", 1), ("P2", 2), ("P3", 1), ("P3", 3)]
    )
    return tiny_chain


@pytest.fixture
def api(menu, make_user):
    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"u{User.objects.count()}", role, **assignments))
        return client

    return client_for


def ids(response) -> list:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_product_is_listed_with_its_price_and_ingredients(api):
    assert api().get(f"{PRODUCTS}P3/").json() == {
        "id": "P3",
        "name": "Veggie",
        "category": "Vegetarian",
        "size": "Small",
        "price": "7.25",
        "launch_date": "2021-06-01",
        "ingredients": [3, 1],  # Peppers, Tomato: by name
    }


@pytest.mark.parametrize(
    ("role", "assignments"),
    [
        (User.Role.EXECUTIVE, {}),
        (User.Role.REGIONAL_MANAGER, {"states": ["NV"]}),
        (User.Role.STORE_MANAGER, {"stores": ["S2"]}),
        ("", {}),
    ],
)
def test_every_role_sees_the_whole_menu(api, role, assignments):
    client = api(role, **assignments)
    assert ids(client.get(PRODUCTS)) == ["P1", "P2", "P3"]
    assert ids(client.get(INGREDIENTS)) == [2, 3, 1]  # by name
    assert client.get(f"{PRODUCTS}P1/").status_code == 200


def test_an_unknown_product_is_404(api):
    assert api().get(f"{PRODUCTS}P9/").status_code == 404
    assert api().get(f"{INGREDIENTS}99/").status_code == 404


def test_filters_through_the_api(api):
    client = api()
    assert ids(client.get(PRODUCTS, {"category": "classic", "size": "LARGE"})) == ["P2"]
    assert ids(client.get(INGREDIENTS, {"sku": ["P3"]})) == [3, 1]


@pytest.mark.parametrize(
    ("url", "params", "name"),
    [
        (PRODUCTS, {"sku": "P 1"}, "sku"),
        (PRODUCTS, {"category": "c" * 51}, "category"),
        (PRODUCTS, {"launched_from": "01/06/2021"}, "launched_from"),
        (PRODUCTS, {"launched_to": "2021-02-30"}, "launched_to"),
        (PRODUCTS, {"ordering": "ingredients"}, "ordering"),
        (INGREDIENTS, {"sku": "P1,P2"}, "sku"),
    ],
)
def test_a_bad_filter_value_is_400_naming_the_parameter(api, url, params, name):
    response = api().get(url, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_token_authentication_works(menu, make_user):
    token = Token.objects.create(user=make_user("sm", User.Role.STORE_MANAGER, stores=["S1"]))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids(client.get(PRODUCTS, {"sku": ["P3", "P1"]})) == ["P1", "P3"]


NEW = {
    "id": "P4",
    "name": "Hawaiian",
    "category": "Specialty",
    "size": "Medium",
    "price": "13.99",
    "launch_date": "2023-05-01",
}


@pytest.mark.parametrize("role", [User.Role.EXECUTIVE, User.Role.ANALYST, User.Role.STORE_MANAGER])
def test_a_non_staff_user_cannot_write_the_menu(api, role):
    client = api(role)
    assert client.post(PRODUCTS, NEW, format="json").status_code == 403
    assert client.patch(f"{PRODUCTS}P1/", {"price": "1.00"}, format="json").status_code == 403
    assert client.post(INGREDIENTS, {"id": 4, "name": "Ham"}, format="json").status_code == 403
    assert client.delete(f"{INGREDIENTS}3/").status_code == 403
    assert not Product.objects.filter(id="P4").exists()
    assert Product.objects.get(id="P1").price == Decimal("10.00")
    assert Ingredient.objects.count() == 3


def test_staff_create_a_product(api):
    response = api("", is_staff=True).post(PRODUCTS, NEW, format="json")
    assert response.status_code == 201
    assert response.json() == {**NEW, "ingredients": []}
    assert Product.objects.get(id="P4").price == Decimal("13.99")


def test_staff_change_a_price(api):
    response = api("", is_staff=True).patch(f"{PRODUCTS}P1/", {"price": "11.50"}, format="json")
    assert response.status_code == 200
    assert Product.objects.get(id="P1").price == Decimal("11.50")


def test_a_negative_price_is_400(api):
    response = api("", is_staff=True).patch(f"{PRODUCTS}P1/", {"price": "-1"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["price"]


def test_staff_create_and_delete_an_ingredient(api):
    client = api("", is_staff=True)
    assert client.post(INGREDIENTS, {"id": 4, "name": "Ham"}, format="json").status_code == 201
    assert Ingredient.objects.get(id=4).name == "Ham"
    assert client.delete(f"{INGREDIENTS}4/").status_code == 204
    assert not Ingredient.objects.filter(id=4).exists()


def test_deleting_what_sales_or_recipes_refer_to_is_409(api):
    client = api("", is_staff=True)
    assert client.delete(f"{PRODUCTS}P1/").status_code == 409
    assert client.delete(f"{INGREDIENTS}3/").status_code == 409
    assert Product.objects.filter(id="P1").exists()
    assert Ingredient.objects.filter(id=3).exists()


def add_products(count: int) -> None:
    Product.objects.bulk_create(
        Product(id=f"X{i}", name="X", price=1, category="X", size="S", launch_date="2024-01-01")
        for i in range(count)
    )
    ProductIngredient.objects.bulk_create(
        ProductIngredient(product_id=f"X{i}", ingredient_id=1) for i in range(count)
    )


def test_the_product_list_takes_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    client = api(User.Role.STORE_MANAGER, stores=["S2"])
    # count, page, ingredients (prefetched); the menu needs no scope.
    with django_assert_max_num_queries(3):
        client.get(PRODUCTS)
    add_products(30)
    with django_assert_max_num_queries(3):
        assert len(ids(client.get(PRODUCTS))) == 33


def test_the_ingredient_list_takes_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    client = api()
    with django_assert_max_num_queries(2):
        assert len(ids(client.get(INGREDIENTS, {"sku": "P1"}))) == 2


def test_the_schema_documents_the_menu_filters(api):
    schema = api().get("/api/schema/", {"format": "json"}).json()
    products = {p["name"] for p in schema["paths"]["/api/products/"]["get"]["parameters"]}
    assert {"category", "size", "sku", "launched_from", "launched_to", "ordering"} <= products
    ingredients = {p["name"] for p in schema["paths"]["/api/ingredients/"]["get"]["parameters"]}
    assert {"name", "sku", "ordering"} <= ingredients
