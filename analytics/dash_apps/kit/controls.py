"""A chart's own controls (in its card's header): inline radio buttons and compact dropdowns
whose value becomes one parameter of the chart's analysis. Each component's id is
f"{chart id}--{param}" (`Chart.control_id`), which the chart's callbacks listen to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import dcc, html

from analytics.dash_apps.kit.spec import Control

_FIRST = object()  # radio's default value: the first option


def radio(
    chart_id: str,
    param: str,
    options: Mapping[Any, str],
    value: Any = _FIRST,
    *,
    small_labels: bool = False,
) -> Control:
    """Inline radio buttons for a choice (value → label) that becomes the analysis parameter
    `param`; `value` is the one chosen at first (default: the first option). The text is small:
    the whole group's, or each label's (`small_labels`)."""
    small = (
        {"labelClassName": "me-2 small"}
        if small_labels
        else {"className": "small", "labelClassName": "me-2"}
    )
    return Control(
        param,
        dcc.RadioItems(
            id=f"{chart_id}--{param}",
            options=[{"label": label, "value": v} for v, label in options.items()],
            value=next(iter(options)) if value is _FIRST else value,
            inline=True,
            inputClassName="me-1",
            **small,
        ),
    )


def dropdown(
    chart_id: str, param: str, values: tuple, value: Any, label: str, help_text: str
) -> html.Div:
    """A compact dropdown for one analysis parameter; `label` formats each value, `help_text`
    is its tooltip. Its width fits the longest label."""
    return html.Div(
        dcc.Dropdown(
            id=f"{chart_id}--{param}",
            options=[{"label": label.format(v), "value": v} for v in values],
            value=value,
            clearable=False,
            searchable=False,
        ),
        title=help_text,
        className="small",
        style={"width": f"{len(label.format(values[-1])) * 0.55 + 3:.1f}rem"},
    )


def dropdown_group(chart_id: str, specs: tuple[tuple, ...]) -> tuple[Control, ...]:
    """One Control per parameter (each spec: `dropdown`'s arguments after `chart_id`), whose
    dropdowns wrap onto several lines on a narrow screen.

    The first Control carries all of the dropdowns in one wrapping box, the others an invisible
    placeholder (their dropdown, with its id, is in that box), so that three dropdowns never
    overflow a phone's width, whatever the card header does."""
    box = html.Div(
        [dropdown(chart_id, *spec) for spec in specs],
        className="d-flex flex-wrap gap-2 justify-content-end",
        style={"minWidth": 0},
    )
    placeholders = [html.Span(hidden=True) for _ in specs[1:]]
    return tuple(
        Control(spec[0], component)
        for spec, component in zip(specs, [box, *placeholders], strict=True)
    )
