"""The one filter vocabulary, parsed and validated once, shared by the API and the dashboards.

Parameters (query-string names; repeat a parameter for several values, `?store=S1&store=S2`):

- `date_from`, `date_to`: ISO dates, inclusive, in the chain's local zone (`TIME_ZONE`);
- `state`: USPS state code of the store, repeatable;
- `city`: the store's city;
- `store`: store ID, repeatable;
- `category`, `size`: of the product;
- `sku`: product SKU, repeatable;
- `granularity`: day, week, month, quarter or year (where a series is returned);
- `limit`: how many rows a ranking returns (1–1000).

A value that does not parse raises `InvalidFilter`, which names the parameter (an API answers
400). A store, or a state, outside the user's scope raises `PermissionDenied` (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import QueryDict

from accounts.scope import Scope

MAX_LIMIT = 1000
# Dates outside this window are typos, and would overflow period arithmetic (year 1, 9999).
EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(2100, 12, 31)


class Granularity(models.TextChoices):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class InvalidFilter(ValueError):
    """Bad filter values: `errors` maps each parameter name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class FilterForm(forms.Form):
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    city = forms.CharField(required=False, max_length=100)
    category = forms.CharField(required=False, max_length=50)
    size = forms.CharField(required=False, max_length=30)
    granularity = forms.ChoiceField(required=False, choices=Granularity.choices)
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)

    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value and not (EARLIEST <= value <= LATEST):
                self.add_error(name, f"must be between {EARLIEST} and {LATEST}.")
                data.pop(name, None)
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", f"must not be before date_from ({start.isoformat()}).")
        return data


_STATE = forms.RegexField(r"^[A-Z]{2}$", max_length=2)
_STORE = forms.RegexField(r"^[A-Za-z0-9_-]{1,16}$")
_SKU = forms.RegexField(r"^[A-Za-z0-9_-]{1,16}$")
_MULTI_FIELDS = {"state": _STATE, "store": _STORE, "sku": _SKU}
_MULTI_HINT = {
    "state": "a two-letter state code such as NV",
    "store": "a store ID such as S490972",
    "sku": "a SKU such as PZ001",
}


@dataclass(frozen=True)
class Filters:
    """Validated filter values. Empty tuples and None mean "no restriction"."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    state: tuple[str, ...] = ()
    city: str | None = None
    store: tuple[str, ...] = ()
    category: str | None = None
    size: str | None = None
    sku: tuple[str, ...] = ()
    granularity: str = Granularity.MONTH
    limit: int = 10

    @property
    def has_product_filter(self) -> bool:
        return bool(self.category or self.size or self.sku)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    def start_instant(self) -> dt.datetime | None:
        """The first instant of `date_from` in the chain's zone."""
        if self.date_from is None:
            return None
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=self.zone)

    def end_instant(self) -> dt.datetime | None:
        """The first instant after `date_to` (exclusive bound) in the chain's zone."""
        if self.date_to is None:
            return None
        return dt.datetime.combine(
            self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone
        )

    def previous_period(self) -> Filters | None:
        """The same filters over the equal-length period just before; None without both dates."""
        if self.date_from is None or self.date_to is None:
            return None
        days = (self.date_to - self.date_from).days + 1
        return replace(
            self,
            date_from=self.date_from - dt.timedelta(days=days),
            date_to=self.date_from - dt.timedelta(days=1),
        )

    def as_params(self) -> dict[str, object]:
        """The filters as query parameters (lists for repeatable ones), defaults left out."""
        out: dict[str, object] = {}
        defaults = Filters()
        for name, value in asdict(self).items():
            if value == getattr(defaults, name):
                continue
            out[name] = (
                list(value)
                if isinstance(value, tuple)
                else (value.isoformat() if isinstance(value, dt.date) else value)
            )
        return out

    def cache_key(self) -> str:
        parts = [f"{k}={v}" for k, v in sorted(self.as_params().items())]
        return "&".join(parts)


def _getlist(params: Mapping | QueryDict, name: str) -> list[str]:
    if isinstance(params, QueryDict):
        values = params.getlist(name)
    else:
        raw = params.get(name)
        values = [] if raw is None else list(raw) if isinstance(raw, list | tuple) else [raw]
    return [str(v).strip() for v in values if str(v).strip() != ""]


def _clean_multi(params: Mapping | QueryDict, errors: dict[str, list[str]]) -> dict[str, tuple]:
    cleaned: dict[str, tuple] = {}
    for name, field_ in _MULTI_FIELDS.items():
        values = _getlist(params, name)
        if name == "state":
            values = [v.upper() for v in values]
        bad = [v for v in values if not field_.regex.match(v)]
        if bad:
            errors[name] = [f"{bad[0]!r} is not {_MULTI_HINT[name]}."]
        cleaned[name] = tuple(dict.fromkeys(values))
    return cleaned


def parse_filters(
    params: Mapping | QueryDict, *, scope: Scope | None = None, defaults: Mapping | None = None
) -> Filters:
    """Validate query parameters into `Filters`; check stores and states against `scope`.

    `defaults` supplies per-analysis defaults (for example `{"limit": 20}`) used when a
    parameter is absent. Unknown parameters are ignored (pagination, format, ...).
    """
    single = {name: (_getlist(params, name) or [None])[-1] for name in FilterForm.base_fields}
    form = FilterForm(data={k: v for k, v in single.items() if v is not None})
    errors: dict[str, list[str]] = {}
    if not form.is_valid():
        errors.update({k: [str(m) for m in v] for k, v in form.errors.items()})
    multi = _clean_multi(params, errors)
    if errors:
        raise InvalidFilter(errors)
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    merged = {**(defaults or {}), **data, **{k: v for k, v in multi.items() if v}}
    filters = Filters(**merged)
    if scope is not None:
        check_scope(filters, scope)
    return filters


def check_scope(filters: Filters, scope: Scope) -> None:
    """Refuse stores, or states, the user may not see (PermissionDenied, a 403)."""
    if scope.everything:
        return
    outside = [s for s in filters.store if not scope.allows(s)]
    if outside:
        raise PermissionDenied(f"store {outside[0]} is outside your stores.")
    if filters.state:
        visible = set(scope.stores().values_list("state_abbr", flat=True))
        hidden = [s for s in filters.state if s not in visible]
        if hidden:
            raise PermissionDenied(f"state {hidden[0]} has none of your stores.")
