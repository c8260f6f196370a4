from products.api.serializers import IngredientSerializer, ProductSerializer
from products.filtersets import IngredientFilterSet, ProductFilterSet
from products.models import Ingredient, Product
from stores.api.views import EntityViewSet


class ProductViewSet(EntityViewSet):
    """The menu: every product (SKU) with its price, category, size, launch date and the IDs
    of its ingredients.

    The menu is the whole chain's: every authenticated user sees every product. Filters:
    `category`, `size`, `sku`, `launched_from`, `launched_to`, `ordering`. Only staff create,
    change or delete; a product that was ever sold cannot be deleted (409).
    """

    queryset = Product.objects.prefetch_related("ingredients")
    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet


class IngredientViewSet(EntityViewSet):
    """The ingredients of the menu.

    Part of the menu: every authenticated user sees every ingredient. Filters: `name` (part
    of it), `sku` (ingredients of these products), `ordering`. Only staff create, change or
    delete; an ingredient used by a product cannot be deleted (409).
    """

    queryset = Ingredient.objects.all()
    serializer_class = IngredientSerializer
    filterset_class = IngredientFilterSet
    lookup_value_regex = r"[0-9]+"
