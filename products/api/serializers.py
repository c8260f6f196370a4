from rest_framework import serializers

from products.models import Ingredient, Product
from stores.api.serializers import KeyedModelSerializer


class IngredientSerializer(KeyedModelSerializer):
    class Meta:
        model = Ingredient
        fields = ["id", "name"]


class ProductSerializer(KeyedModelSerializer):
    """`id` is the SKU; `ingredients` their IDs in name order (prefetched by the viewset;
    recipes are edited in the admin)."""

    ingredients = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "category", "size", "price", "launch_date", "ingredients"]
