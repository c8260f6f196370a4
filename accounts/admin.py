from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms

from accounts.models import US_STATES, User
from config.admin_utils import AdminLoginMixin
from stores.models import Store

# The one admin site of the project; only staff reach it (Django's default `has_permission`).
admin.site.site_header = "Slice administration"
admin.site.site_title = "Slice administration"
admin.site.index_title = "Data maintenance"


def state_choices(assigned: list[str]) -> list[tuple[str, str]]:
    """Codes a regional manager can be given: the states with stores, the chain's region, and
    whatever the user already has (so saving the form never drops a code silently)."""
    with_stores = Store.objects.order_by().values_list("state_abbr", flat=True).distinct()
    codes = {*with_stores, *US_STATES, *assigned}
    return [
        (code, f"{code} · {US_STATES[code]}" if code in US_STATES else code)
        for code in sorted(codes)
    ]


class StatesFormMixin:
    """Shows `User.states` as one checkbox per state code and saves it as a sorted JSON list."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        assigned = self.instance.states if isinstance(self.instance.states, list) else []
        self.fields["states"] = forms.MultipleChoiceField(
            choices=state_choices(assigned),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Regional managers only: the states they answer for.",
        )

    def clean_states(self) -> list[str]:
        return sorted(self.cleaned_data["states"])


class UserChangeForm(StatesFormMixin, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User


class UserCreationForm(StatesFormMixin, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


ACCESS = ("Slice access", {"fields": ("role", "states", "stores")})


@admin.register(User)
class UserAdmin(AdminLoginMixin, auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (*auth_admin.UserAdmin.fieldsets, ACCESS)
    add_fieldsets = (*auth_admin.UserAdmin.add_fieldsets, ACCESS)
    list_display = ("username", "email", "first_name", "last_name", "role", "is_staff")
    list_filter = ("role", "is_staff", "is_superuser", "is_active", "groups")
    autocomplete_fields = ("stores",)
