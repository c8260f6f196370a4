"""The one table of analyses (`ANALYSES`) that the API router, the OpenAPI docs and the
dashboards read. A service registers itself with `@analysis(...)`; importing
`analytics.services.catalog` imports every service module and so fills the table."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accounts.scope import Scope
from analytics.filters import Filters, InvalidFilter

VOCABULARY = (
    "date_from",
    "date_to",
    "state",
    "city",
    "store",
    "category",
    "size",
    "sku",
    "granularity",
    "limit",
)
BASE_FILTERS = ("date_from", "date_to", "state", "city", "store", "category", "size", "sku")


@dataclass(frozen=True)
class Param:
    """An analysis-specific parameter (beyond the shared vocabulary), such as `radius_km`."""

    name: str
    type: type  # int, float or str (with choices)
    default: int | float | str
    help: str
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()

    def parse(self, raw: str | None) -> int | float | str:
        if raw is None or raw.strip() == "":
            return self.default
        if self.choices:
            if raw not in self.choices:
                raise InvalidFilter({self.name: [f"must be one of {', '.join(self.choices)}."]})
            return raw
        try:
            value = self.type(raw)
        except ValueError:
            kind = "an integer" if self.type is int else "a number"
            raise InvalidFilter({self.name: [f"{raw!r} is not {kind}."]}) from None
        if not (self.minimum <= value <= self.maximum):  # numeric params always set bounds
            raise InvalidFilter(
                {self.name: [f"must be between {self.minimum} and {self.maximum}."]}
            )
        return value


@dataclass(frozen=True)
class Analysis:
    name: str
    path: str
    area: str
    func: Callable[..., Any]
    filters: tuple[str, ...]
    params: tuple[Param, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.description.split("\n", 1)[0].rstrip(".")

    def parse_params(self, query: Mapping) -> dict[str, int | float]:
        values, errors = {}, {}
        for param in self.params:
            raw = query.get(param.name)
            try:
                values[param.name] = param.parse(None if raw is None else str(raw))
            except InvalidFilter as exc:
                errors.update(exc.errors)
        if errors:
            raise InvalidFilter(errors)
        return values

    def run(self, *, filters: Filters, scope: Scope, **params):
        """The answer for these filters, scope and parameters (cached, see analytics.cache)."""
        from analytics.cache import cached

        def compute():
            return self.func(filters=filters, scope=scope, **params)

        return cached(self.name, filters, scope, params, compute)


ANALYSES: dict[str, Analysis] = {}


def analysis(
    path: str,
    *,
    filters: tuple[str, ...] = BASE_FILTERS,
    params: tuple[Param, ...] = (),
    defaults: Mapping[str, Any] | None = None,
) -> Callable:
    """Register a service under the API path `path` (relative to /api/, ending in `/`).

    `filters` lists which vocabulary parameters the analysis honours (documented in OpenAPI);
    `params` its own parameters; `defaults` per-analysis defaults for vocabulary parameters.
    """

    def register(func: Callable) -> Callable:
        name = func.__name__
        if name in ANALYSES:
            raise ValueError(f"analysis {name!r} registered twice")
        if any(a.path == path for a in ANALYSES.values()):
            raise ValueError(f"path {path!r} registered twice")
        area = func.__module__.rsplit(".", 1)[-1]
        ANALYSES[name] = Analysis(
            name=name,
            path=path,
            area=area,
            func=func,
            filters=tuple(filters),
            params=tuple(params),
            defaults=dict(defaults or {}),
        )
        return func

    return register


def all_analyses() -> dict[str, Analysis]:
    import analytics.services.catalog  # noqa: F401 - fills ANALYSES

    return ANALYSES
