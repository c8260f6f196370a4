"""`collectstatic` with the production storage succeeds and hashes every file, vendored Dash
and Plotly assets included (the README's production step; the load test runs it too)."""

import json

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_production_storage(tmp_path, settings):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "config.storage.StaticStorage"}}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    grid = "dpd_static_support/css/bootstrap-grid.min.css"  # names a map it does not ship
    assert paths[grid] != grid and (tmp_path / paths[grid]).exists()
    assert (tmp_path / (paths[grid] + ".gz")).exists()  # compressed beside it
    assert "sourceMappingURL=bootstrap-grid.min.css.map" in (tmp_path / paths[grid]).read_text()
    assert any(name.endswith("plotly.min.js") for name in paths)
