"""ProductFilterSet and IngredientFilterSet, one test per parameter.

tiny_chain: P1 Margherita Classic Small 10.00 (2020-01-01), P2 Margherita Classic Large 15.50
(2020-01-01), P3 Veggie Vegetarian Small 7.25 (2021-06-01).
"""

import pytest
from django.http import QueryDict

from products.filtersets import IngredientFilterSet, ProductFilterSet
from products.models import Ingredient, Product, ProductIngredient

pytestmark = pytest.mark.django_db


def products(query: str) -> list[str]:
    filterset = ProductFilterSet(QueryDict(query), queryset=Product.objects.all())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("id", flat=True))


def ingredients(query: str) -> list[str]:
    filterset = IngredientFilterSet(QueryDict(query), queryset=Ingredient.objects.all())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("name", flat=True))


@pytest.fixture
def recipes(tiny_chain):
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


def test_category_ignores_case(tiny_chain):
    assert products("category=CLASSIC") == ["P1", "P2"]


def test_size_ignores_case(tiny_chain):
    assert products("size=small") == ["P1", "P3"]


def test_sku_repeated(tiny_chain):
    assert products("sku=P3&sku=P1") == ["P1", "P3"]


def test_launched_from_is_inclusive(tiny_chain):
    assert products("launched_from=2021-06-01") == ["P3"]


def test_launched_to_is_inclusive(tiny_chain):
    assert products("launched_to=2020-01-01") == ["P1", "P2"]


def test_ordering_by_price(tiny_chain):
    assert products("ordering=-price") == ["P2", "P1", "P3"]


def test_a_bad_sku_is_refused_with_the_vocabularys_message(tiny_chain):
    filterset = ProductFilterSet(QueryDict("sku=P*"), queryset=Product.objects.all())
    assert not filterset.is_valid()
    assert filterset.errors == {"sku": ["'P*' is not a SKU such as PZ001."]}


def test_ingredient_name_is_a_part_of_it(recipes):
    assert ingredients("name=ZZ") == ["Mozzarella"]


def test_ingredient_sku_lists_each_ingredient_once(recipes):
    assert ingredients("sku=P1&sku=P2") == ["Mozzarella", "Tomato"]


def test_ingredient_ordering(recipes):
    assert ingredients("ordering=-id") == ["Peppers", "Mozzarella", "Tomato"]
