from django.db import models


class DataVersion(models.Model):
    """The version of the sales data: one row (`id` 1) whose `version` goes up by one after
    each committed write to stores, customers, products, ingredients, recipes, orders or items.

    It lives in the database so every web process sees the same number; see analytics.version.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="data_version_single_row")
        ]

    def __str__(self) -> str:
        return f"data version {self.version}"
