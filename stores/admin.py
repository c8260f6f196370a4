from django.contrib import admin

from config.admin_utils import AdminLoginMixin
from stores.models import Store


@admin.register(Store)
class StoreAdmin(AdminLoginMixin, admin.ModelAdmin):
    list_display = ("id", "city", "state_abbr", "zipcode", "latitude", "longitude")
    list_filter = ("state_abbr",)
    search_fields = ("id", "city", "zipcode")
    search_help_text = "Store ID, city or ZIP code (or part of one)."
    ordering = ("state_abbr", "city", "id")
