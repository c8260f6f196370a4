"""The order routes; `config.api_router` assembles every app's routes under /api/."""

from orders.api.views import OrderViewSet

routes = [("orders", OrderViewSet, "order")]
