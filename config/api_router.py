"""The entity API: one DRF router over the apps' viewsets (each app's `api/urls.py` lists its
routes). `config/urls.py` includes `urlpatterns` under `api/`, after the analyses.

A detail route never takes an analysis's path: the lookup refuses, as an ID, the first
segment of any analysis path under the same prefix (`customers/top/` reserves "top" for
`customers`), whatever order the URLconf lists them in.
"""

from __future__ import annotations

import re

from rest_framework.routers import DefaultRouter

from analytics.registry import all_analyses
from customers.api.urls import routes as customer_routes
from orders.api.urls import routes as order_routes
from products.api.urls import routes as product_routes
from stores.api.urls import routes as store_routes

ROUTES = [*store_routes, *customer_routes, *product_routes, *order_routes]


def reserved_segments(prefix: str) -> list[str]:
    """The first path segments after `prefix/` that analyses use, e.g. ["density", "top"]."""
    segments = set()
    for analysis in all_analyses().values():
        head, _, rest = analysis.path.partition("/")
        if head == prefix and rest.strip("/"):
            segments.add(rest.split("/", 1)[0])
    return sorted(segments)


class EntityRouter(DefaultRouter):
    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__()
        self._prefix_of: dict[type, str] = {}

    def register(self, prefix, viewset, basename=None) -> None:
        self._prefix_of[viewset] = prefix
        super().register(prefix, viewset, basename)

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        value = getattr(viewset, "lookup_value_regex", self._default_value_pattern)
        reserved = reserved_segments(self._prefix_of[viewset])
        if reserved:
            value = f"(?!(?:{'|'.join(map(re.escape, reserved))})/){value}"
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        return self._base_pattern.format(
            lookup_prefix=lookup_prefix, lookup_url_kwarg=kwarg, lookup_value=value
        )


router = EntityRouter()
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename)

urlpatterns = router.urls
