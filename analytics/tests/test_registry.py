import pytest

from analytics.filters import InvalidFilter
from analytics.registry import Param, all_analyses

RADIUS = Param("radius_km", float, 25.0, "Radius", minimum=1, maximum=500)
LEVEL = Param("level", str, "product", "Grouping", choices=("product", "category"))


def test_numeric_param_parses_defaults_and_bounds():
    assert RADIUS.parse(None) == 25.0
    assert RADIUS.parse("12.5") == 12.5
    with pytest.raises(InvalidFilter, match="radius_km"):
        RADIUS.parse("far")
    with pytest.raises(InvalidFilter, match="between 1 and 500"):
        RADIUS.parse("0.5")


def test_choice_param_accepts_only_its_choices():
    assert LEVEL.parse("category") == "category"
    with pytest.raises(InvalidFilter, match="level: must be one of product, category"):
        LEVEL.parse("store")


def test_every_analysis_has_a_unique_path_and_a_documented_definition():
    analyses = all_analyses()
    assert len({a.path for a in analyses.values()}) == len(analyses)
    for a in analyses.values():
        assert a.path.endswith("/") and not a.path.startswith("/")
        assert len(a.description) > 80, f"{a.name} needs a docstring with its definition"
