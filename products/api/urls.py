"""The menu routes; `config.api_router` assembles every app's routes under /api/."""

from products.api.views import IngredientViewSet, ProductViewSet

routes = [
    ("products", ProductViewSet, "product"),
    ("ingredients", IngredientViewSet, "ingredient"),
]
