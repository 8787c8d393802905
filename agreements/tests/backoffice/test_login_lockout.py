"""Login protection: repeated wrong passwords lock one username from one address out for a while."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor(db):
    return User.objects.create_user("editor", password=PASSWORD, is_staff=True)


def log_in(client, username, password, ip="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def fail_until_locked(client, username, ip="203.0.113.7"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, username, "wrong", ip)


def test_it_locks_out_after_the_failure_limit_even_with_the_right_password(client, editor):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert log_in(client, "editor", "wrong").status_code == 200  # the form again, with its error
    response = log_in(client, "editor", "wrong")
    assert response.status_code == 429
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Вход временно заблокирован" in text and "Login temporarily locked" in text
    assert "Попробуйте снова через 30 мин." in text and "Try again in 30 minutes" in text
    assert "UTC+" in text  # the local time to retry, with its offset
    assert response["Retry-After"] == "1800"
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="editor").failures_since_start >= 5


def test_it_lets_the_user_in_after_axes_reset_username(client, editor):
    fail_until_locked(client, "editor")
    assert log_in(client, "editor", PASSWORD).status_code == 429
    call_command("axes_reset_username", "editor")
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_it_does_not_lock_another_user_from_the_same_address(client, editor):
    User.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    fail_until_locked(client, "editor")
    response = log_in(client, "viewer", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="viewer").pk)


def test_it_does_not_lock_the_same_user_from_another_address(client, editor):
    fail_until_locked(client, "editor", ip="203.0.113.7")
    assert log_in(client, "editor", PASSWORD, ip="198.51.100.9").status_code == 302


def test_it_forgets_the_failures_after_a_successful_login(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "editor", "wrong")
    assert log_in(client, "editor", PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "editor", "wrong").status_code == 200  # not locked: the count started again


def test_it_shows_the_attempts_to_a_superuser_in_the_admin(client, editor):
    fail_until_locked(client, "editor")
    client.force_login(User.objects.create_superuser("root", password=PASSWORD))
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 200
    assert "editor" in response.content.decode()


def test_it_keeps_force_login_working(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:index")).status_code == 200
