"""Orders with their items nested. Reads format only (items are prefetched by the viewset);
writes validate the request's shape here and leave pricing, totals and the transaction to
`orders.services`."""

from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from customers.models import Customer
from orders.models import Order, OrderItem
from orders.services import Line, change_order, place_order
from stores.filtersets import request_scope
from stores.models import Store


class ExportZoneDateTimeField(serializers.DateTimeField):
    """An instant. A value without a zone is read in EXPORT_TIME_ZONE, as the importer reads
    the export's `orderDate`; values are written out in that zone too."""

    def default_timezone(self):
        return ZoneInfo(settings.EXPORT_TIME_ZONE)


class OrderItemSerializer(serializers.ModelSerializer):
    """`unit_price` is the product's price when the item was recorded (USD)."""

    product = serializers.CharField(source="product_id", max_length=16)
    quantity = serializers.IntegerField(min_value=1)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = OrderItem
        fields = ["product", "quantity", "unit_price", "line_total"]
        read_only_fields = ["unit_price"]


class OrderSerializer(serializers.ModelSerializer):
    """An order and its items. On create and update `n_items` and `total` may be left out
    (computed from the items) or given (checked against them)."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    store = serializers.PrimaryKeyRelatedField(queryset=Store.objects.all())
    ordered_at = ExportZoneDateTimeField()
    items = OrderItemSerializer(many=True, allow_empty=False)
    n_items = serializers.IntegerField(min_value=1, required=False)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)

    class Meta:
        model = Order
        fields = ["id", "customer", "store", "ordered_at", "n_items", "total", "items"]
        read_only_fields = ["id"]

    def validate_store(self, store: Store) -> Store:
        if not request_scope(self.context["request"]).allows(store.pk):
            raise PermissionDenied(f"store {store.pk} is outside your stores.")
        return store

    def create(self, validated_data) -> Order:
        lines = _lines(validated_data.pop("items"))
        with _as_drf_errors():
            return place_order(**validated_data, lines=lines)

    def update(self, instance: Order, validated_data) -> Order:
        items = validated_data.pop("items", None)
        figures = {k: validated_data.pop(k, None) for k in ("n_items", "total")}
        with _as_drf_errors():
            return change_order(
                instance,
                changes=validated_data,
                lines=None if items is None else _lines(items),
                **figures,
            )


def _lines(items: list[dict]) -> list[Line]:
    return [Line(product_id=i["product_id"], quantity=i["quantity"]) for i in items]


@contextmanager
def _as_drf_errors():
    """Turn the services' Django ValidationError into DRF's (a 400 keyed by field)."""
    try:
        yield
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from None
