from django.db.models import Exists, OuterRef

from customers.api.serializers import CustomerSerializer
from customers.filtersets import CustomerFilterSet
from customers.models import Customer
from orders.models import Order
from stores.api.views import EntityViewSet


class CustomerViewSet(EntityViewSet):
    """The customers' geographic distribution.

    Each customer with coordinates, home city and state, nearest store and the distance to it
    (km), and `orders` / `revenue` (USD): their orders at the stores in the user's scope that
    match `store`, `date_from` and `date_to`. Executives, analysts and staff see every
    customer; regional and store managers only customers with at least one order at one of
    their stores (any other customer is a 404). Filters: `state` and `city` (where the customer
    lives), `store`, `date_from`, `date_to` (where and when they ordered; a store outside the
    scope is a 403), `ordering` (e.g. `-revenue`). Only staff create, change or delete.
    """

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.scope.everything:
            return queryset
        in_scope = self.scope.filter(Order.objects.filter(customer=OuterRef("pk")))
        return queryset.filter(Exists(in_scope))

    def perform_create(self, serializer) -> None:
        serializer.save()
        self._reload(serializer)

    def perform_update(self, serializer) -> None:
        serializer.save()
        self._reload(serializer)

    def _reload(self, serializer) -> None:
        """Answer with the row as a GET would show it, `orders` and `revenue` included."""
        queryset = self.filter_queryset(self.get_queryset())
        serializer.instance = queryset.get(pk=serializer.instance.pk)
