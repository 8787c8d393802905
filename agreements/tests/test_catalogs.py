"""The translation catalogues against the sources: every msgid translated into English and Kazakh,
the right number of plural forms in all three languages, and the tool that keeps them in step
(`make messages-check` / `make messages-update`, agreements/catalogs.py).

When this fails after new strings were added, run `make messages-update`, translate the listed
msgids in locale/en and locale/kk, and run `make messages-check` again.
"""

import copy
import io
import shutil
import subprocess

import pytest
from babel import Locale
from django.utils import translation

from agreements import catalogs


@pytest.fixture(scope="module")
def template():
    return catalogs.extract_catalog()


@pytest.mark.parametrize("language", ["kk", "en", "ru"])
def test_it_translates_every_msgid_of_the_sources(template, language):
    problems = catalogs.problems(language, template)
    advice = f"{len(problems)} problems; run `make messages-update`, then translate:"
    assert not problems, "\n".join([advice, *problems])


def test_it_extracts_templates_as_django_looks_them_up():
    source = (
        '{% load i18n %}<p title="{% translate "Подсказка" %}">'
        "{% blocktranslate count counter=n trimmed %}\n  {{ counter }} форум\n{% plural %}"
        "{{ counter }} форумов{% endblocktranslate %}</p>\n"
        '{% translate "по" context "конец диапазона дат" %} {{ value|default:_("нет") }}'
    )
    found = list(catalogs.extract_template(io.BytesIO(source.encode()), catalogs.KEYWORDS, [], {}))
    assert [(line, messages) for line, _function, messages, _comments in found] == [
        (1, "Подсказка"),
        (1, ("%(counter)s форум", "%(counter)s форумов", None)),
        (4, ("конец диапазона дат", "по")),
        (4, "нет"),
    ]


def test_it_uses_the_plural_forms_of_cldr(template):
    # Kazakh: CLDR has "one" and "other"; a noun after a numeral stays singular, so both forms match.
    assert Locale("kk").plural_form.rules == {"one": "n in 1"}
    kazakh = catalogs.read_catalog("kk")
    assert kazakh.num_plurals == 2
    assert catalogs.read_catalog("ru").num_plurals == 3
    plurals = [m for m in template if m.pluralizable]
    assert plurals, "the sources have plural strings"
    for message in plurals:
        forms = kazakh.get(message.id).string
        assert len(set(forms)) == 1, forms


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["1 соглашение", "2 соглашения", "5 соглашений", "21 соглашение"]),
        ("en", ["1 agreement", "2 agreements", "5 agreements", "21 agreements"]),
        ("kk", ["1 келісім", "2 келісім", "5 келісім", "21 келісім"]),
    ],
)
def test_it_counts_with_each_languages_plural_rule(language, expected):
    with translation.override(language):
        found = [
            translation.ngettext("%(counter)s соглашение", "%(counter)s соглашений", n) % {"counter": n}
            for n in (1, 2, 5, 21)
        ]
    assert found == expected


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (GNU gettext) is not installed")
@pytest.mark.parametrize("language", ["kk", "en", "ru"])
def test_it_passes_msgfmt_check(language):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(catalogs.po_path(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_it_updates_a_catalogue_from_the_sources(template, tmp_path, monkeypatch):
    """`update` adds what the sources gained (untranslated, so `check` lists it) and drops what they lost."""
    for language in ("ru", "en", "kk"):
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(catalogs.po_path(language), target)
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    template = copy.deepcopy(template)  # the module's fixture stays as extracted
    template.add("Новая строка", locations=[("templates/base.html", 1)])
    kazakh = catalogs.read_catalog("kk")
    kazakh.add("Исчезнувшая строка", "Жоғалған жол")
    catalogs.write_catalog(kazakh, "kk")

    catalogs.update(template=template)

    updated = catalogs.read_catalog("kk")
    assert updated.get("Исчезнувшая строка") is None
    assert updated.get("Новая строка").string == ""
    assert catalogs.problems("kk", template) == ["kk: untranslated 'Новая строка'"]
    assert catalogs.problems("ru", template) == []  # a Russian msgid shows as it is
    assert len(updated) == len(template)
