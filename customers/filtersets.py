"""Customer filters: where customers live, and where and when they ordered.

The orders a customer's `orders` and `revenue` count are their orders in the user's scope
that match `store`, `date_from` and `date_to` (`analytics.services.base.scoped_orders`, the
analyses' own definition). With any of those three, or a scope smaller than the whole chain
(see the viewset), only customers with at least one such order are listed.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from analytics.filters import Filters
from analytics.services.base import MONEY, scoped_orders
from customers.models import Customer
from orders.models import Order
from stores.filtersets import LocalDayFilter, RepeatedFilter, VocabularyFilter, VocabularyFilterSet

ORDER_FILTERS = ("store", "date_from", "date_to")


def with_order_totals(customers: QuerySet[Customer], orders: QuerySet[Order]) -> QuerySet:
    """Annotate `order_count` and `revenue` (sum of order totals, USD) over `orders`, one
    correlated subquery each so rows never multiply; zero for customers without any."""
    theirs = orders.filter(customer=OuterRef("pk")).order_by().values("customer")
    return customers.annotate(
        order_count=Coalesce(Subquery(theirs.annotate(n=Count("id")).values("n")), 0),
        revenue=Coalesce(
            Subquery(theirs.annotate(s=Sum("total")).values("s")),
            Decimal("0"),
            output_field=MONEY,
        ),
    )


class CustomerFilterSet(VocabularyFilterSet):
    state = RepeatedFilter(
        field_name="state_abbr",
        help_text="The customer's home state code (e.g. NV); repeat for several.",
    )
    city = VocabularyFilter(
        field_name="city", lookup_expr="iexact", help_text="The customer's home city."
    )
    store = RepeatedFilter(
        method="in_counted_orders",
        help_text="Customers who ordered at this store; repeat for several.",
    )
    date_from = LocalDayFilter(
        method="in_counted_orders",
        help_text="Customers who ordered on or after this local day (ISO date).",
    )
    date_to = LocalDayFilter(
        method="in_counted_orders",
        help_text="Customers who ordered on or before this local day (ISO date).",
    )
    ordering = django_filters.OrderingFilter(
        fields=("id", ("order_count", "orders"), "revenue", "nearest_store_km", "city"),
        help_text="Sort by id, orders, revenue, nearest_store_km or city; - for descending.",
    )

    # `state` is where the customer lives, not a store: only `store` is checked against scope.
    scope_checked = ("store",)

    class Meta(VocabularyFilterSet.Meta):
        model = Customer
        fields: list[str] = []

    def in_counted_orders(self, queryset, name, value):
        """Applied once for store, date_from and date_to together, in `filter_queryset`."""
        return queryset

    def counted_orders(self) -> QuerySet[Order]:
        v = self.vocabulary
        filters = Filters(store=v.store, date_from=v.date_from, date_to=v.date_to)
        return scoped_orders(filters, self.scope)

    def filter_queryset(self, queryset):
        orders = self.counted_orders()
        queryset = with_order_totals(queryset, orders)
        if any(self.form.cleaned_data.get(name) for name in ORDER_FILTERS):
            queryset = queryset.filter(Exists(orders.filter(customer=OuterRef("pk"))))
        return super().filter_queryset(queryset)
