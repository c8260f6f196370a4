from django.contrib import admin

from config.admin_utils import AdminLoginMixin
from products.models import Ingredient, Product, ProductIngredient


class ProductIngredientInline(admin.TabularInline):
    model = ProductIngredient
    autocomplete_fields = ("ingredient",)
    extra = 1


@admin.register(Product)
class ProductAdmin(AdminLoginMixin, admin.ModelAdmin):
    list_display = ("id", "name", "size", "category", "price", "launch_date")
    list_filter = ("category", "size", "launch_date")
    search_fields = ("id", "name")
    search_help_text = "SKU or name (or part of one)."
    ordering = ("id",)
    inlines = (ProductIngredientInline,)


@admin.register(Ingredient)
class IngredientAdmin(AdminLoginMixin, admin.ModelAdmin):
    list_display = ("id", "name")
    search_fields = ("name",)
    ordering = ("name",)


@admin.register(ProductIngredient)
class ProductIngredientAdmin(AdminLoginMixin, admin.ModelAdmin):
    list_display = ("product", "ingredient")
    list_filter = ("product__category", "ingredient")
    list_select_related = ("product", "ingredient")
    search_fields = ("product__id", "product__name", "ingredient__name")
    autocomplete_fields = ("product", "ingredient")
    ordering = ("product_id", "ingredient__name")
