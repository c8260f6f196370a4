from django.db import models

from stores.models import LATITUDE, LONGITUDE


class Customer(models.Model):
    """A customer of the chain, keyed by the export's customerID.

    The export gives only coordinates. At import Slice derives, and keeps on the row:
    - `nearest_store` and `nearest_store_km`: the store at the smallest great-circle (haversine)
      distance, on a sphere of radius 6371.0088 km (the mean Earth radius);
    - `city`, `state_abbr` and `zipcode`: those of the nearest US ZIP code centroid in the
      offline table of the `zipcodes` package (no web service is asked). Near a state line the
      nearest centroid can lie across it; that is the known limit of this method.
    """

    id = models.CharField("customer ID", primary_key=True, max_length=16)
    latitude = models.FloatField(validators=LATITUDE)
    longitude = models.FloatField(validators=LONGITUDE)
    nearest_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="nearby_customers",
        null=True,
        blank=True,
    )
    nearest_store_km = models.FloatField("distance to nearest store (km)", null=True, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_abbr = models.CharField("state", max_length=2, blank=True)
    zipcode = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state_abbr", "city"], name="customer_state_city_idx"),
        ]

    def __str__(self) -> str:
        return self.id
