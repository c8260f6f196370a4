"""The customer routes; `config.api_router` assembles every app's routes under /api/."""

from customers.api.views import CustomerViewSet

routes = [("customers", CustomerViewSet, "customer")]
