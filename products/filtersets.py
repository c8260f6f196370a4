"""Menu filters: products by category, size, SKU and launch date; ingredients by name and
the products that use them."""

import django_filters

from products.models import Ingredient, Product
from stores.filtersets import RepeatedFilter, VocabularyFilter, VocabularyFilterSet


class ProductFilterSet(VocabularyFilterSet):
    category = VocabularyFilter(
        field_name="category", lookup_expr="iexact", help_text="Category (case-insensitive)."
    )
    size = VocabularyFilter(
        field_name="size", lookup_expr="iexact", help_text="Size (case-insensitive)."
    )
    sku = RepeatedFilter(field_name="id", help_text="SKU; repeat for several.")
    launched_from = django_filters.DateFilter(
        field_name="launch_date",
        lookup_expr="gte",
        input_formats=["%Y-%m-%d"],
        help_text="Launched on or after this day (ISO date).",
    )
    launched_to = django_filters.DateFilter(
        field_name="launch_date",
        lookup_expr="lte",
        input_formats=["%Y-%m-%d"],
        help_text="Launched on or before this day (ISO date).",
    )
    ordering = django_filters.OrderingFilter(
        fields=("id", "name", "price", "category", "size", "launch_date"),
        help_text="Sort by id, name, price, category, size or launch_date; - for descending.",
    )

    class Meta(VocabularyFilterSet.Meta):
        model = Product
        fields: list[str] = []


class IngredientFilterSet(VocabularyFilterSet):
    name = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the name (case-insensitive)."
    )
    sku = RepeatedFilter(
        field_name="products__id",
        distinct=True,
        help_text="Ingredients of this product (SKU); repeat for several.",
    )
    ordering = django_filters.OrderingFilter(
        fields=("id", "name"), help_text="Sort by id or name; - for descending."
    )

    class Meta(VocabularyFilterSet.Meta):
        model = Ingredient
        fields: list[str] = []
