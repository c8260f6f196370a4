"""Settings come from the environment, refuse malformed values, and pass `check --deploy`."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int, env_list, env_zone

BASE_DIR = settings.BASE_DIR


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "slice.example.com",
    }


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    # One silenced: W019, X_FRAME_OPTIONS is SAMEORIGIN for the dashboards' iframes.
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_debug_off_without_secret_key_refuses_to_start():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_malformed_debug_value_is_refused():
    result = run_manage("check", env={**production_env(), "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("off", False)]
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SLICE_TEST_FLAG", raw)
    assert env_bool("SLICE_TEST_FLAG", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("SLICE_TEST_FLAG", raising=False)
    assert env_bool("SLICE_TEST_FLAG", True) is True


def test_env_int_and_list_and_zone(monkeypatch):
    monkeypatch.setenv("SLICE_TEST_INT", "42")
    monkeypatch.setenv("SLICE_TEST_LIST", " a.example.com, ,b.example.com ")
    monkeypatch.setenv("SLICE_TEST_ZONE", "America/Denver")
    assert env_int("SLICE_TEST_INT", 0) == 42
    assert env_list("SLICE_TEST_LIST", []) == ["a.example.com", "b.example.com"]
    assert env_zone("SLICE_TEST_ZONE", "UTC") == "America/Denver"


@pytest.mark.parametrize(("helper", "raw"), [(env_int, "forty"), (env_zone, "Mars/Olympus_Mons")])
def test_malformed_values_raise_improperly_configured(monkeypatch, helper, raw):
    monkeypatch.setenv("SLICE_TEST_VALUE", raw)
    with pytest.raises(ImproperlyConfigured, match="SLICE_TEST_VALUE"):
        helper("SLICE_TEST_VALUE", "UTC" if helper is env_zone else 0)


def test_time_zone_defaults():
    assert settings.TIME_ZONE == os.environ.get("TIME_ZONE", "America/Los_Angeles")
    assert settings.EXPORT_TIME_ZONE == os.environ.get("EXPORT_TIME_ZONE", "UTC")
    assert settings.USE_TZ is True


def test_database_url_switches_engine():
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite3"
    )
    assert settings.DATABASES["default"]["ENGINE"].endswith(expected)


@pytest.mark.django_db
def test_postgresql_connections_run_with_more_work_mem_and_no_parallel_workers():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session settings")
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone() == ("64MB",)
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)  # the server's default is 2


@pytest.mark.django_db(transaction=True)
def test_bulk_work_has_parallel_workers_until_its_transaction_ends():
    from django.db import connection, transaction

    from analytics import rollups

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session settings")

    def workers() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return cursor.fetchone()[0]

    with transaction.atomic():
        rollups.allow_parallel_workers()  # as the importer, a rebuild and the reference SQL
        assert workers() == str(rollups.BULK_PARALLEL_WORKERS) == "2"
    assert workers() == "0"


def test_redis_url_switches_cache():
    env = {**production_env(), "REDIS_URL": "redis://127.0.0.1:6379/3"}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache", result.stderr


@pytest.mark.django_db
def test_production_settings_redirect_plain_http_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/health/"
