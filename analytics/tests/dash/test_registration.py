"""A fresh web process knows every Dash app as soon as its URLs load, before any page is
rendered: under gunicorn a callback can reach a worker that never served the page."""

import json
import subprocess
import sys

from django.conf import settings

from analytics.views import PAGES

CHECK = """
import django, json
django.setup()
from django_plotly_dash.dash_wrapper import get_local_stateless_list
before = sorted(get_local_stateless_list())
from django.urls import resolve
resolve("/health/")  # loads the URLconf, as the first request does
print(json.dumps([before, sorted(get_local_stateless_list())]))
"""


def test_every_app_is_registered_when_the_urls_load():
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    before, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == []  # nothing imported them yet
    expected = {
        __import__(f"analytics.dash_apps.{s}", fromlist=["APP_NAME"]).APP_NAME for s in PAGES
    }
    assert set(after) == expected and len(expected) == 9
