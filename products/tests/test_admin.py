"""The product admin: rows, search, the category, size and launch filters, the recipe inline."""

from datetime import date
from decimal import Decimal

import pytest

from products.models import Ingredient, Product, ProductIngredient

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/products/product/"


@pytest.fixture
def recipes(tiny_chain):
    basil, mozzarella, peppers = Ingredient.objects.bulk_create(
        [
            Ingredient(id=1, name="Basil"),
            Ingredient(id=2, name="Mozzarella"),
            Ingredient(id=3, name="Peppers"),
        ]
    )
    ProductIngredient.objects.bulk_create(
        [
            ProductIngredient(product_id="P1", ingredient=basil),
            ProductIngredient(product_id="P1", ingredient=mozzarella),
            ProductIngredient(product_id="P3", ingredient=peppers),
        ]
    )
    return tiny_chain


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [p.pk for p in response.context["cl"].result_list]


def test_product_changelist_lists_every_product_with_price_and_launch(
    admin_client, tiny_chain, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):
        response = admin_client.get(PRODUCTS)
    assert listed(response) == ["P1", "P2", "P3"]
    html = response.content.decode()
    assert "Vegetarian" in html and "15.50" in html and "Large" in html


def test_product_changelist_queries_do_not_grow_with_rows(
    admin_client, tiny_chain, django_assert_num_queries
):
    Product.objects.bulk_create(
        Product(
            id=f"PZ{n:03}",
            name="Hawaiian",
            price=Decimal("12.00"),
            category="Classic",
            size="Medium",
            launch_date=date(2022, 1, 1),
        )
        for n in range(50)
    )
    with django_assert_num_queries(7):
        assert len(listed(admin_client.get(PRODUCTS))) == 53


@pytest.mark.parametrize(
    ("term", "expected"), [("P2", ["P2"]), ("margherita", ["P1", "P2"]), ("Hawaiian", [])]
)
def test_product_search_matches_sku_or_name(admin_client, tiny_chain, term, expected):
    assert listed(admin_client.get(PRODUCTS, {"q": term})) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "Vegetarian"}, ["P3"]),
        ({"size": "Small"}, ["P1", "P3"]),
        ({"launch_date__gte": "2021-01-01", "launch_date__lt": "2022-01-01"}, ["P3"]),
    ],
)
def test_product_filters_narrow_by_category_size_and_launch(
    admin_client, tiny_chain, params, expected
):
    assert listed(admin_client.get(PRODUCTS, params)) == expected


def test_product_change_page_shows_its_ingredients_inline(admin_client, recipes):
    response = admin_client.get(f"{PRODUCTS}P1/change/")
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    names = sorted(form.instance.ingredient.name for form in formset.initial_forms)
    assert names == ["Basil", "Mozzarella"]


def test_ingredient_and_recipe_changelists_list_their_rows(admin_client, recipes):
    ingredients = admin_client.get("/admin/products/ingredient/", {"q": "mozz"})
    assert listed(ingredients) == [2]
    recipe = admin_client.get("/admin/products/productingredient/", {"q": "P3"})
    assert [(r.product_id, r.ingredient_id) for r in recipe.context["cl"].result_list] == [
        ("P3", 3)
    ]
