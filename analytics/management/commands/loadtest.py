import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import _TestState, setup_test_environment, teardown_test_environment

from analytics import benchmark, benchmark_dash
from analytics.registry import all_analyses

# wrk runs the mix round robin per thread and reports from done(): percentiles in µs, the
# count of answers other than 200/204 (redirects to the login page included) and socket errors.
LUA = """
local requests = %(requests)s
local headers = %(headers)s
local i = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function request()
  i = i %% #requests + 1
  local r = requests[i]
  local h = {}
  for k, v in pairs(headers) do h[k] = v end
  if r[1] == "POST" then h["Content-Type"] = "application/json" end
  return wrk.format(r[1], r[2], h, r[3])
end
function response(status, hdrs, body)
  if status ~= 200 and status ~= 204 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do bad_total = bad_total + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d, "not_ok": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, bad_total,
    e.connect + e.read + e.write + e.timeout))
end
"""


class Command(BaseCommand):
    help = (
        "Serve the configured database with gunicorn on 127.0.0.1 and drive it with wrk for "
        "--duration seconds under a mixed dashboard and API load (every dashboard page and "
        "the callbacks of its first paint, every analysis with the default and a "
        "one-state-one-year filter, the entity lists), as a logged-in executive, after a "
        "warm-up. Writes requests/s, latency percentiles and errors to docs/performance.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=60, help="Seconds (default 60).")
        parser.add_argument(
            "--warmup",
            type=int,
            default=10,
            help="Seconds of load before measuring, after one pass of every request (default 10).",
        )
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
        parser.add_argument(
            "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers."
        )
        parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
        parser.add_argument("--out", type=Path, default=settings.BASE_DIR / "docs/performance.md")

    def handle(self, *args, **options):
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed (Debian: apt-get install wrk).")
        from orders.models import Order

        if not Order.objects.exists():
            raise CommandError("The configured database holds no orders: import an export.")
        port = options["port"] or _free_port()
        mix, cookies = self._mix()
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,  # the session's hash was made with it
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback, as behind a balancer
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
        }
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers"]
        command += [str(options["workers"]), "--bind", f"127.0.0.1:{port}", "--log-level"]
        command += ["warning", "--access-logfile", "-" if options["verbosity"] > 2 else "/dev/null"]
        self.stdout.write("collectstatic (production serves the hashed names) ...")
        collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
        subprocess.run(collect, cwd=settings.BASE_DIR, env=env, check=True)
        server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)
        try:
            _wait_healthy(port, server)
            self.stdout.write(f"Warm-up: each of the {len(mix)} requests once ...")
            _warm(port, mix, cookies)
            with tempfile.TemporaryDirectory(prefix="slice-load-") as scratch:
                script = Path(scratch) / "mix.lua"
                script.write_text(_lua(mix, cookies, port))
                self.stdout.write(f"Warming up for {options['warmup']} s ...")
                self._wrk(wrk, script, port, options, options["warmup"])
                self.stdout.write(f"Measuring for {options['duration']} s ...")
                result = self._wrk(wrk, script, port, options, options["duration"])
        finally:
            server.terminate()
            server.wait(timeout=30)
        body = self._markdown(result, mix, options)
        engine = "postgresql" if connection.vendor == "postgresql" else "sqlite"
        benchmark.write_section(options["out"], f"load:{engine}", body)
        self.stdout.write(body)

    def _mix(self) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
        """The requests, (method, path, body), and the session and CSRF cookies."""
        from accounts.models import User

        user, _ = User.objects.get_or_create(
            username="loadtest", defaults={"role": User.Role.EXECUTIVE}
        )
        user.set_unusable_password()
        user.save()
        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)  # a valid unmasked token: 32 characters
        mix: list[tuple[str, str, str]] = []
        # The test client keeps each page's context (its initial state) only in a test
        # environment; under pytest one is already set up.
        own_environment = not hasattr(_TestState, "saved_data")
        if own_environment:
            setup_test_environment()
        try:
            with override_settings(ALLOWED_HOSTS=["*"]):
                for path in benchmark_dash.page_paths():
                    mix.append(("GET", path, ""))
                    for url, body in benchmark_dash.first_paint_posts(client, path)[1]:
                        mix.append(("POST", url, json.dumps(body)))
        finally:
            if own_environment:
                teardown_test_environment()
        filtered = benchmark.one_state_one_year()
        query = "&".join(f"{k}={v}" for k, v in filtered.items())
        for analysis in sorted(all_analyses().values(), key=lambda a: a.path):
            mix.append(("GET", f"/api/{analysis.path}", ""))
            mix.append(("GET", f"/api/{analysis.path}?{query}", ""))
        for entity in ("stores", "customers", "products", "orders"):
            mix.append(("GET", f"/api/{entity}/", ""))
        cookies = {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: csrf,
        }
        return mix, cookies

    def _wrk(self, wrk: str, script: Path, port: int, options: dict, seconds: int) -> dict:
        command = [wrk, "-t", str(options["threads"]), "-c", str(options["connections"])]
        command += ["-d", f"{seconds}s", "--timeout", "10s", "-s", str(script)]
        command.append(f"http://127.0.0.1:{port}")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            raise CommandError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
        return json.loads(lines[-1])

    def _markdown(self, r: dict, mix: list, options: dict) -> str:
        seconds = r["duration_us"] / 1e6
        rps = r["requests"] / seconds
        p95 = r["p95_us"] / 1000
        errors = r["not_ok"] + r["socket_errors"]
        met = rps >= 200 and p95 <= 100 and errors == 0
        posts = sum(1 for m, _, _ in mix if m == "POST")
        info = benchmark.machine()
        from orders.models import Order

        return (
            f"### Load: gunicorn on {info['database']}, {Order.objects.count():,} orders\n\n"
            f"Machine: {info['cpu']}, {info['memory']}; the load tool (wrk, "
            f"{options['threads']} threads, {options['connections']} connections) on the same "
            f"machine against 127.0.0.1. gunicorn {options['workers']} sync workers, DEBUG off, "
            f"cache {_cache()}. Mix, round robin: {len(mix)} requests ({posts} Dash callback "
            f"POSTs of the dashboards' first paints, {len(mix) - posts} GETs: every dashboard "
            "page, every analysis with the default and a one-state-one-year filter, the "
            f"entity lists). Warm-up: every request once, then {options['warmup']} s of load; "
            f"then {seconds:.0f} s measured.\n\n"
            "| requests | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors | target |\n"
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
            f"| {r['requests']:,} | {rps:.0f} | {r['p50_us'] / 1000:.1f} | {p95:.1f} "
            f"| {r['p99_us'] / 1000:.1f} | {r['max_us'] / 1000:.0f} | {errors} "
            f"| ≥ 200 requests/s, p95 ≤ 100 ms, no error: **{'met' if met else 'missed'}** |\n"
        )


def _cache() -> str:
    return (
        "Redis"
        if settings.CACHES["analyses"]["BACKEND"].endswith("RedisCache")
        else ("local memory per worker")
    )


def _lua(mix: list[tuple[str, str, str]], cookies: dict[str, str], port: int) -> str:
    def lua_str(text: str) -> str:
        return "[==[" + text + "]==]"

    requests = (
        "{"
        + ", ".join(
            "{" + ", ".join(lua_str(part) for part in (m, path, body)) + "}"
            for m, path, body in mix
        )
        + "}"
    )
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    headers = {
        "Cookie": cookie,
        "X-CSRFToken": cookies[settings.CSRF_COOKIE_NAME],
        "Host": f"127.0.0.1:{port}",
    }
    lua_headers = "{" + ", ".join(f"[ {lua_str(k)} ] = {lua_str(v)}" for k, v in headers.items())
    return LUA % {"requests": requests, "headers": lua_headers + "}"}


def _warm(port: int, mix: list[tuple[str, str, str]], cookies: dict[str, str]) -> None:
    """Every request once, in order (fills the cache); any answer but 200/204 stops the run."""
    headers = {
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "X-CSRFToken": cookies[settings.CSRF_COOKIE_NAME],
        "Content-Type": "application/json",
    }
    failed = []
    for method, path, body in mix:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=body.encode() if method == "POST" else None,
            headers=headers,
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status not in (200, 204):
            failed.append(f"{method} {path} answered {status}")
    if failed:
        raise CommandError("Warm-up failed: " + "; ".join(failed))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(port: int, server: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"gunicorn exited with {server.returncode}.")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"gunicorn did not answer /health/ within {timeout_s:.0f} s.")
