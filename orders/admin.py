from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from config.admin_utils import (
    AdminLoginMixin,
    EstimatedCountPaginator,
    PeriodsFromRangeQuerySet,
    search_by_ids,
)
from orders.models import Order, OrderItem


class OrderItemForm(forms.ModelForm):
    """An order item whose unit price, left empty, is the product's current price."""

    class Meta:
        model = OrderItem
        fields = ("order", "product", "quantity", "unit_price")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_price"].required = False
        self.fields["unit_price"].help_text = "Left empty: the product's current price."

    def clean(self) -> dict:
        cleaned = super().clean()
        product = cleaned.get("product")
        if cleaned.get("unit_price") is None and product is not None:
            cleaned["unit_price"] = product.price
        return cleaned


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    form = OrderItemForm
    fields = ("product", "quantity", "unit_price", "line_total")
    readonly_fields = ("line_total",)
    autocomplete_fields = ("product",)
    # The model's ordering goes through the order (a join); within one order, by SKU.
    ordering = ("product_id",)
    extra = 1

    @admin.display(description="line total")
    def line_total(self, item: OrderItem) -> Decimal | str:
        return item.line_total if item.unit_price is not None else "-"


@admin.register(Order)
class OrderAdmin(AdminLoginMixin, admin.ModelAdmin):
    list_display = ("id", "ordered_at", "store", "customer", "n_items", "total")
    list_filter = ("store__state_abbr", "store")
    list_select_related = ("store", "customer")
    date_hierarchy = "ordered_at"
    # The search itself is get_search_results: exact IDs only.
    search_fields = ("id", "customer_id", "store_id")
    search_help_text = "Order ID, customer ID or store ID, exactly (e.g. 1042, C772113, S490972)."
    # Both are indexed; the other columns are not sortable (a sort would read every order).
    ordering = ("-ordered_at", "-id")
    sortable_by = ("id", "ordered_at")
    autocomplete_fields = ("customer", "store")
    inlines = (OrderItemInline,)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """The date hierarchy's years and months from MIN/MAX, not a scan of every order."""
        queryset = super().get_queryset(request)
        return PeriodsFromRangeQuerySet(model=Order, query=queryset.query, using=queryset._db)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        text = ("customer_id", "store_id")
        return search_by_ids(queryset, search_term, integer="id", text=text), False


@admin.register(OrderItem)
class OrderItemAdmin(AdminLoginMixin, admin.ModelAdmin):
    form = OrderItemForm
    list_display = ("id", "order", "product", "quantity", "unit_price", "line_total")
    list_filter = ("product__category", "product__size")
    list_select_related = ("order", "product")
    search_fields = ("order_id", "product_id")
    search_help_text = "Order ID or SKU, exactly (e.g. 1042, PZ003)."
    # The (order, product) unique index; the model's own ordering sorts by the order's date,
    # a join and a sort over every item.
    ordering = ("-order_id", "product_id")
    sortable_by = ("id",)
    raw_id_fields = ("order",)
    autocomplete_fields = ("product",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        text = ("product_id",)
        return search_by_ids(queryset, search_term, integer="order_id", text=text), False
