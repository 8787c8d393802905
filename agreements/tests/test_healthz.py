from unittest import mock

import pytest
from django.db import OperationalError

from agreements.tests.test_settings import PRODUCTION, load_settings


@pytest.mark.django_db
def test_it_reports_a_healthy_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_unreachable(client):
    with mock.patch("agreements.public.views.pages.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.django_db
def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_it_is_not_redirected_to_https_when_the_rest_is():
    """The Docker HEALTHCHECK asks gunicorn over plain http, with production settings."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'registry.settings'; django.setup();"
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        "from django.test import Client; c = Client();"
        "print(c.get('/healthz').status_code, c.get('/agreements/').status_code,"
        " c.get('/agreements/')['Location'])"
    )
    env = {**PRODUCTION, "ALLOWED_HOSTS": "testserver", "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}
    result = load_settings(code=code, **env)
    assert result.returncode == 0, result.stderr
    # 503: the database of this check is unreachable on purpose; what matters is "not 301".
    assert result.stdout.split() == ["503", "301", "https://testserver/agreements/"]
