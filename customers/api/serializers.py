from rest_framework import serializers

from customers.models import Customer
from stores.api.serializers import KeyedModelSerializer


class CustomerSerializer(KeyedModelSerializer):
    """A customer on the map. `orders` and `revenue` (USD) are annotated by the queryset:
    their orders within the user's scope and the store and date filters."""

    state = serializers.CharField(source="state_abbr", max_length=2, required=False)
    orders = serializers.IntegerField(source="order_count", read_only=True)
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "latitude",
            "longitude",
            "city",
            "state",
            "zipcode",
            "nearest_store",
            "nearest_store_km",
            "orders",
            "revenue",
        ]
