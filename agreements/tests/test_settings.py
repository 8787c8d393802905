"""Settings are read from the environment and refuse bad values loudly, naming the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

# Variables the suite's own environment may set that would change what these tests load.
OPERATOR_VARIABLES = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "CSP_REPORT_ONLY",
    "CSP_REPORT_URI",
    "REDIS_URL",
    "SERVE_PAGES_WHILE_RENDERING",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' fixture; check --deploy refuses it
}
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org"}
PRINT_SETTINGS = (
    "import registry.settings as s;"
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
    " s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
)


def load_settings(code="import registry.settings", **env):
    environment = {k: v for k, v in os.environ.items() if k not in OPERATOR_VARIABLES}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    result = load_settings(DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_starts_with_secret_key_and_debug_off():
    result = load_settings(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr


def test_it_names_the_variable_with_a_bad_boolean():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_it_names_the_variable_with_a_bad_database_url():
    result = load_settings(DATABASE_URL="nonsense://x")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_it_defaults_to_russian_and_almaty_time():
    assert settings.LANGUAGE_CODE == "ru"
    assert settings.TIME_ZONE == "Asia/Almaty"


def test_it_is_secure_by_default_when_debug_is_off():
    result = load_settings(code=PRINT_SETTINGS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "False", "True", "True", "None"]


def test_it_lets_a_plain_http_setup_opt_out():
    env = {**PRODUCTION, "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "SECURE_COOKIES": "off"}
    result = load_settings(code=PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["False", "0"]
    assert result.stdout.split()[4:6] == ["False", "False"]


def test_it_trusts_the_proxy_header_it_is_told_to():
    env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}
    result = load_settings(code=PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("('HTTP_X_FORWARDED_PROTO', 'https')")


@pytest.mark.parametrize(
    "value", ["X-Forwarded-Proto", "HTTP_X_FORWARDED_PROTO,https", "http_x_forwarded_proto"]
)
def test_it_names_the_variable_with_a_bad_proxy_header(value):
    result = load_settings(**PRODUCTION, SECURE_PROXY_SSL_HEADER=value)
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must name a request header" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be a whole number"),
        ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS must not be negative"),
        ("SECURE_SSL_REDIRECT", "maybe", "SECURE_SSL_REDIRECT must be one of"),
        ("SECURE_HSTS_PRELOAD", "2", "SECURE_HSTS_PRELOAD must be one of"),
        ("AXES_FAILURE_LIMIT", "0", "AXES_FAILURE_LIMIT must be at least 1"),
        ("AXES_FAILURE_LIMIT", "five", "AXES_FAILURE_LIMIT must be a whole number"),
        ("AXES_COOLOFF_MINUTES", "0", "AXES_COOLOFF_MINUTES must be at least 1"),
    ],
)
def test_it_names_the_variable_with_a_bad_security_value(variable, value, message):
    result = load_settings(**PRODUCTION, **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "True"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0", "SERVE_PAGES_WHILE_RENDERING": "false"}, "False"),
        ({"SERVE_PAGES_WHILE_RENDERING": "true"}, "True"),
    ],
)
def test_it_serves_pages_while_rendering_by_default_only_with_a_shared_cache(env, expected):
    result = load_settings("import registry.settings as s; print(s.SERVE_PAGES_WHILE_RENDERING)", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_it_reads_the_lockout_limits():
    code = "import registry.settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)"
    result = load_settings(code=code, AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="90")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "1:30:00"]


def test_it_passes_the_deploy_check_with_only_the_production_variables():
    env = {**PRODUCTION, "SECRET_KEY": "k3" + "x9Qz" * 15, "CSRF_TRUSTED_ORIGINS": "https://example.org"}
    code = (
        "import os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'registry.settings';"
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    result = load_settings(code=code, **env)
    assert result.returncode == 0, result.stdout + result.stderr
