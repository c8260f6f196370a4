"""One analysis answered for a query: what the API returns as JSON (and CSV), and what the
dashboards download, so the two can never disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from accounts.scope import Scope
from analytics.filters import parse_filters
from analytics.registry import Analysis


def answer(analysis: Analysis, query: Mapping, scope: Scope) -> dict:
    """Validate `query` (the API's parameter names; InvalidFilter or PermissionDenied on bad or
    out-of-scope values), run the analysis and return its plain payload:
    `{analysis, filters, params, columns, results, meta}`."""
    filters = parse_filters(query, scope=scope, defaults=analysis.defaults)
    params = analysis.parse_params(query)
    result = analysis.run(filters=filters, scope=scope, **params)
    return {
        "analysis": analysis.name,
        "filters": filters.as_params(),
        "params": params,
        "columns": result.columns,
        "results": [{k: plain(v) for k, v in row.items()} for row in result.rows],
        "meta": {k: plain(v) for k, v in result.meta.items()},
    }


def plain(value):
    """Money and other decimals as exact strings, dates as ISO text: JSON and CSV agree."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
