"""A database outage answers a plain 503 with Retry-After: no traceback, no 500."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from agreements.middleware import DatabaseUnavailableMiddleware, server_error
from agreements.tests.test_settings import PRODUCTION, load_settings


def database_down(error=None):
    """Every query fails as it does when the server is gone: opening the connection raises."""
    error = error or OperationalError("connection refused")
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=error)


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "Сервис временно недоступен" in text and "Service temporarily unavailable" in text
    assert "Traceback" not in text and "connection refused" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/agreements/", "/agreements/some-agreement/", "/en/agreements/"])
def test_it_answers_503_on_public_pages(client, url):
    with database_down():
        assert_unavailable(client.get(url))


@pytest.mark.django_db
def test_it_answers_503_in_the_admin(admin_client):
    with database_down(InterfaceError("connection already closed")):
        assert_unavailable(admin_client.get("/admin/agreements/agreement/"))


@pytest.mark.django_db
def test_it_answers_503_on_the_admin_login(client):
    with database_down():
        assert_unavailable(client.post("/admin/login/", {"username": "editor", "password": "x"}))


@pytest.mark.django_db
def test_it_keeps_healthz_json(client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_it_leaves_other_errors_alone(rf):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(rf.get("/"), ValueError("a bug")) is None  # a 500, logged as such


def test_it_answers_503_when_the_database_server_is_not_listening():
    """A real outage: PostgreSQL at a closed port, production settings, the test client."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'registry.settings'; django.setup();"
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        "from django.test import Client; c = Client(raise_request_exception=False);"
        "login = {'username': 'a', 'password': 'b'};"
        "r = [c.get('/agreements/', secure=True), c.post('/admin/login/', login, secure=True),"
        " c.get('/healthz')];"
        "print(*[x.status_code for x in r], r[0]['Retry-After'], b'Traceback' in r[0].content)"
    )
    env = {**PRODUCTION, "ALLOWED_HOSTS": "testserver", "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}
    result = load_settings(code=code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == ["503", "503", "503", "30", "False"]


@pytest.mark.django_db
def test_it_answers_503_for_a_database_error_outside_a_view(client):
    """SessionMiddleware saving the session after the view: the 500 handler still says 503."""
    client.raise_request_exception = False
    middleware = "django.contrib.sessions.middleware.SessionMiddleware.process_response"
    with mock.patch(middleware, side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert_unavailable(response)


def test_it_keeps_the_plain_500_page_for_other_errors(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
