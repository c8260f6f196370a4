"""A small kit for dashboard pages: declare the charts (`Chart`), call `build(app, charts)`."""

from analytics.dash_apps.kit.callbacks import (
    build,
    callback_for,
    initial_arguments,
    period_drill,
    read_filters,
)
from analytics.dash_apps.kit.figures import (
    COLOURS,
    figure,
    floats,
    format_value,
    message,
    period_label,
    ranking,
)
from analytics.dash_apps.kit.layout import GRAPH_CONFIG, TOPOJSON_URL, describe, new_app
from analytics.dash_apps.kit.spec import Chart, Control, Drill

__all__ = [
    "COLOURS",
    "GRAPH_CONFIG",
    "TOPOJSON_URL",
    "Chart",
    "Control",
    "Drill",
    "build",
    "callback_for",
    "describe",
    "figure",
    "floats",
    "format_value",
    "initial_arguments",
    "message",
    "new_app",
    "period_drill",
    "period_label",
    "ranking",
    "read_filters",
]
