from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class Store(models.Model):
    """A pizza store of the chain, keyed by the export's storeID.

    `distance` is kept verbatim from the export's `distance` column. Its meaning is not
    documented: values run from 3.7 to 305.6 and differ for two stores at the same spot, so it
    is no distance between stores. We take it to be a figure the chain's own system computed
    (perhaps a service radius in kilometres) and no analysis reads
    it; the customer-to-store distances Slice reports are computed from coordinates.
    """

    id = models.CharField("store ID", primary_key=True, max_length=16)
    zipcode = models.CharField(max_length=10)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=50, help_text="Full state name, e.g. Nevada.")
    state_abbr = models.CharField("state", max_length=2, help_text="USPS code, e.g. NV.")
    latitude = models.FloatField(validators=LATITUDE)
    longitude = models.FloatField(validators=LONGITUDE)
    distance = models.FloatField(
        null=True, blank=True, help_text="The export's undocumented `distance` column, as given."
    )

    class Meta:
        ordering = ["state_abbr", "city", "id"]
        indexes = [models.Index(fields=["state_abbr", "city"], name="store_state_city_idx")]

    def __str__(self) -> str:
        return f"{self.id} · {self.city}, {self.state_abbr}"
