from rest_framework import serializers

from stores.models import Store


class KeyedModelSerializer(serializers.ModelSerializer):
    """For models keyed by the export's own ID: the ID is given on create, fixed afterwards."""

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["id"].read_only = True
        return fields


class StoreSerializer(KeyedModelSerializer):
    """`state` is the USPS code, as in every filter; `state_name` the full name."""

    state = serializers.CharField(source="state_abbr", max_length=2)
    state_name = serializers.CharField(source="state", max_length=50)

    class Meta:
        model = Store
        fields = [
            "id",
            "city",
            "state",
            "state_name",
            "zipcode",
            "latitude",
            "longitude",
            "distance",
        ]
