"""The store routes; `config.api_router` assembles every app's routes under /api/."""

from stores.api.views import StoreViewSet

routes = [("stores", StoreViewSet, "store")]
