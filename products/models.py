from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Ingredient(models.Model):
    """An ingredient, keyed by the export's IngredientID."""

    id = models.PositiveIntegerField("ingredient ID", primary_key=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product on the menu, keyed by the export's SKU. One SKU is one name in one size."""

    id = models.CharField("SKU", primary_key=True, max_length=16)
    name = models.CharField(max_length=100)
    price = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    category = models.CharField(max_length=50)
    size = models.CharField(max_length=30)
    launch_date = models.DateField()
    ingredients = models.ManyToManyField(
        Ingredient, through="ProductIngredient", related_name="products", blank=True
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["category", "size"], name="product_category_size_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="product_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} · {self.name} ({self.size})"


class ProductIngredient(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="recipe")
    ingredient = models.ForeignKey(Ingredient, on_delete=models.PROTECT, related_name="recipe")

    class Meta:
        ordering = ["product", "ingredient"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "ingredient"], name="product_ingredient_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} · {self.ingredient}"
