from rest_framework.pagination import CursorPagination

from orders.api.serializers import OrderSerializer
from orders.filtersets import OrderFilterSet
from orders.models import Order
from stores.api.views import EntityViewSet


class OrderCursorPagination(CursorPagination):
    """Newest first; a cursor stays stable while new orders arrive."""

    ordering = ("-ordered_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class OrderViewSet(EntityViewSet):
    """Orders with their items, newest first (cursor pagination: follow `next`).

    Lists only orders at the stores in the user's scope; any other order is a 404. Filters:
    `date_from`, `date_to` (local days in the chain's time zone, inclusive), `state`, `city`,
    `store` (a store or state outside the scope is a 403), `customer`, `category`, `size`,
    `sku` (orders holding such a product), `min_total`, `max_total`.

    Only staff write. POST creates an order and its items in one transaction: each item's
    `unit_price` is the product's current price; a product listed twice becomes one item with
    the quantities added; `n_items` and `total` are computed from the items when left out and
    must agree with them when given (400 naming the field); `ordered_at` without a zone is read
    in EXPORT_TIME_ZONE. PUT and PATCH change the order and, when `items` is given, replace its
    items in one transaction (products already on the order keep their recorded unit price).
    """

    queryset = Order.objects.prefetch_related("items")
    serializer_class = OrderSerializer
    filterset_class = OrderFilterSet
    pagination_class = OrderCursorPagination
    scope_field = "store"
    lookup_value_regex = r"[0-9]+"
