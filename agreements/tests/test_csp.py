"""Content Security Policy: every response forbids inline scripts and anything from other sites."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from agreements.tests.test_settings import load_settings

DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/agreements/", "/admin/login/", "/healthz"])
def test_it_sends_the_strict_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert policy(response) == DIRECTIVES
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response


@pytest.mark.django_db
def test_it_sends_the_policy_on_the_admin_change_form(admin_client):
    response = admin_client.get(reverse("admin:agreements_agreement_add"))
    assert response.status_code == 200
    assert policy(response)["script-src"] == "'self'"


def test_it_can_only_report_when_csp_report_only_is_on():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'registry.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES']['report-uri'])"
    )
    result = load_settings(CSP_REPORT_ONLY="1", CSP_REPORT_URI="/csp-report", code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "['/csp-report']"]


def test_it_names_the_variable_with_a_bad_report_only_value():
    result = load_settings(CSP_REPORT_ONLY="sometimes")
    assert result.returncode != 0
    assert "CSP_REPORT_ONLY must be one of" in result.stderr


def test_it_finds_no_inline_style_script_or_handler_in_our_templates():
    """The browser test sees only the pages it opens; this sees every template we ship."""
    inline = re.compile(r"""\sstyle=|\son[a-z]+=|<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)""", re.I)
    root = Path(__file__).resolve().parents[2] / "templates"
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if inline.search(line)
    ]
    assert found == []
