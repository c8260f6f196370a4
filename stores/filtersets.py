"""Store filters, and the bridge every entity FilterSet uses to speak the shared vocabulary.

The vocabulary (`analytics.filters`: date_from, date_to, state, city, store, category, size,
sku) is parsed and validated in one place, `parse_filters`. A FilterSet here declares the
vocabulary parameters it honours with the filters below; `VocabularyForm.clean` hands their
raw values to `parse_filters` together, so the API refuses exactly what the analyses refuse,
with the same message, under the parameter's name (DRF answers 400). `VocabularyFilterSet`
then refuses a `store` (and, where it means the store's state, a `state`) outside the user's
scope with `check_scope` (403).
"""

from __future__ import annotations

from dataclasses import replace

import django_filters
from django import forms
from django.http import QueryDict
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes

from accounts.scope import NOTHING, Scope, scope_for
from analytics.filters import Filters, InvalidFilter, check_scope, parse_filters
from analytics.registry import BASE_FILTERS
from stores.models import Store


def request_scope(request) -> Scope:
    """`scope_for(request.user)`, decided once per request (a manager's scope is a query)."""
    if request is None:
        return NOTHING
    scope = getattr(request, "_slice_scope", None)
    if scope is None:
        scope = scope_for(request.user)
        request._slice_scope = scope
    return scope


class VocabularyForm(forms.Form):
    """Parses the vocabulary parameters among its fields with `parse_filters`, all at once
    (so cross-parameter rules such as date_to >= date_from hold), and puts the parsed values
    in `cleaned_data`; `vocabulary` keeps them as one `Filters`."""

    vocabulary = Filters()

    def clean(self):
        cleaned = super().clean()
        names = [name for name in self.fields if name in BASE_FILTERS]
        raw = {name: _values(self.data, name) for name in names}
        try:
            self.vocabulary = parse_filters(raw)
        except InvalidFilter as exc:
            for name, messages in exc.errors.items():
                self.add_error(name, messages)
            return cleaned
        cleaned.update({name: getattr(self.vocabulary, name) for name in names})
        return cleaned


def _values(data, name: str) -> list[str]:
    if isinstance(data, QueryDict):
        return data.getlist(name)
    value = data.get(name)
    return [] if value is None else list(value) if isinstance(value, list | tuple) else [value]


class _Documented:
    """django-filter cannot tell drf-spectacular a raw-text field's real type; say it here."""

    schema_type = OpenApiTypes.STR

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, help_text=help_text, **kwargs)
        self._spectacular_annotation = {
            "field": {**build_basic_type(self.schema_type), "description": help_text}
        }


class VocabularyFilter(_Documented, django_filters.CharFilter):
    """One value of a vocabulary parameter (city, category, size), parsed by the form."""


class LocalDayFilter(VocabularyFilter):
    """`date_from` (lookup_expr "gte") or `date_to` (lookup_expr "lt") on a datetime field:
    local days in TIME_ZONE, inclusive, bounded by `Filters.start_instant` / `end_instant`."""

    schema_type = OpenApiTypes.DATE

    def filter(self, qs, value):
        if value is None:
            return qs
        if self.lookup_expr == "gte":
            instant = Filters(date_from=value).start_instant()
        else:
            instant = Filters(date_to=value).end_instant()
        return self.get_method(qs)(**{f"{self.field_name}__{self.lookup_expr}": instant})


class RepeatedValuesField(forms.MultipleChoiceField):
    """Repeated query parameters (`?store=S1&store=S2`). Accepts any text: vocabulary
    parameters are checked by `parse_filters`, others by a subclass's `valid_value`."""

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        return [v.strip() for v in super().to_python(value) if v.strip()]

    def valid_value(self, value) -> bool:
        return True


class RepeatedFilter(_Documented, django_filters.MultipleChoiceFilter):
    """A repeatable parameter: rows whose `field_name` is any of the values. `distinct` only
    when asked (through a to-many relation), unlike MultipleChoiceFilter."""

    field_class = RepeatedValuesField

    def __init__(self, *args, distinct: bool = False, **kwargs):
        super().__init__(*args, distinct=distinct, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        qs = self.get_method(qs)(**{f"{self.field_name}__in": list(value)})
        return qs.distinct() if self.distinct else qs


class VocabularyFilterSet(django_filters.FilterSet):
    """A FilterSet speaking the shared vocabulary, checked against the requesting user's
    scope. `scope_checked` names the parameters that mean stores (`state` is one only where
    it is the store's state)."""

    scope_checked: tuple[str, ...] = ("store", "state")

    class Meta:
        form = VocabularyForm

    @property
    def scope(self) -> Scope:
        return request_scope(self.request)

    @property
    def vocabulary(self) -> Filters:
        return self.form.vocabulary

    def filter_queryset(self, queryset):
        checked = {name: getattr(self.vocabulary, name) for name in self.scope_checked}
        if self.request is not None and any(checked.values()):
            check_scope(replace(Filters(), **checked), self.scope)
        return super().filter_queryset(queryset)


class StoreFilterSet(VocabularyFilterSet):
    state = RepeatedFilter(
        field_name="state_abbr", help_text="State code (e.g. NV); repeat for several."
    )
    city = VocabularyFilter(
        field_name="city", lookup_expr="iexact", help_text="City (case-insensitive)."
    )
    store = RepeatedFilter(field_name="id", help_text="Store ID; repeat for several.")
    ordering = django_filters.OrderingFilter(
        fields=("id", "city", ("state_abbr", "state"), "zipcode"),
        help_text="Sort by id, city, state or zipcode; prefix - for descending.",
    )

    class Meta(VocabularyFilterSet.Meta):
        model = Store
        fields: list[str] = []
