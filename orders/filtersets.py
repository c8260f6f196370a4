"""Order filters: the shared vocabulary with the analyses' meaning (local days, the store's
state and city, orders holding a matching product), plus `customer` and total bounds."""

import re

import django_filters
from django.db.models import Exists, OuterRef

from orders.models import Order, OrderItem
from stores.filtersets import (
    LocalDayFilter,
    RepeatedFilter,
    RepeatedValuesField,
    VocabularyFilter,
    VocabularyFilterSet,
)


class CustomerIdsField(RepeatedValuesField):
    default_error_messages = {
        "invalid_choice": "%(value)r is not a customer ID such as C772113.",
    }

    def valid_value(self, value) -> bool:
        return re.fullmatch(r"[A-Za-z0-9_-]{1,16}", value) is not None


class CustomerFilter(RepeatedFilter):
    field_class = CustomerIdsField


class OrderFilterSet(VocabularyFilterSet):
    date_from = LocalDayFilter(
        field_name="ordered_at",
        lookup_expr="gte",
        help_text="First local day included (ISO date, in the chain's time zone).",
    )
    date_to = LocalDayFilter(
        field_name="ordered_at",
        lookup_expr="lt",
        help_text="Last local day included (ISO date, in the chain's time zone).",
    )
    state = RepeatedFilter(
        field_name="store__state_abbr", help_text="Store state code (e.g. NV); repeat."
    )
    city = VocabularyFilter(
        field_name="store__city", lookup_expr="iexact", help_text="Store city (any case)."
    )
    store = RepeatedFilter(field_name="store_id", help_text="Store ID; repeat for several.")
    customer = CustomerFilter(
        field_name="customer_id", help_text="Customer ID; repeat for several."
    )
    category = VocabularyFilter(
        method="holding_products", help_text="Orders holding a product of this category."
    )
    size = VocabularyFilter(
        method="holding_products", help_text="Orders holding a product of this size."
    )
    sku = RepeatedFilter(
        method="holding_products", help_text="Orders holding this product (SKU); repeat."
    )
    min_total = django_filters.NumberFilter(
        field_name="total", lookup_expr="gte", help_text="Total at least this (USD)."
    )
    max_total = django_filters.NumberFilter(
        field_name="total", lookup_expr="lte", help_text="Total at most this (USD)."
    )

    class Meta(VocabularyFilterSet.Meta):
        model = Order
        fields: list[str] = []

    def holding_products(self, queryset, name, value):
        """Applied once for category, size and sku together, in `filter_queryset`."""
        return queryset

    def filter_queryset(self, queryset):
        """With category, size or sku: the orders holding at least one item whose product
        matches all of them (as `analytics.services.base.scoped_orders`)."""
        v = self.vocabulary
        lookups = {
            "product__category__iexact": v.category,
            "product__size__iexact": v.size,
            "product_id__in": v.sku,
        }
        lookups = {k: value for k, value in lookups.items() if value}
        if lookups:
            items = OrderItem.objects.filter(order=OuterRef("pk"), **lookups)
            queryset = queryset.filter(Exists(items))
        return super().filter_queryset(queryset)
