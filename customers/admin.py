from django.contrib import admin

from config.admin_utils import AdminLoginMixin, EstimatedCountPaginator
from customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(AdminLoginMixin, admin.ModelAdmin):
    list_display = ("id", "city", "state_abbr", "zipcode", "nearest_store", "nearest_store_km")
    list_filter = ("state_abbr",)
    list_select_related = ("nearest_store",)
    search_fields = ("^id", "city")
    search_help_text = "Customer ID (exact or its beginning, e.g. C77) or city."
    ordering = ("id",)
    autocomplete_fields = ("nearest_store",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
