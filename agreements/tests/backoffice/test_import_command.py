"""``manage.py import_agreements FILE [--dry-run]``: the admin's import from the command line."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from import_export.formats.base_formats import XLSX

from agreements.backoffice.resources import AgreementResource
from agreements.models import Agreement
from agreements.tests.backoffice import test_import
from agreements.tests.backoffice.test_import import HEADERS, csv_bytes, history_counts, snapshot

# The seed, loaded once per module, and the helpers are shared with the admin import's tests.
seed_once = test_import.seed_once
seeded = test_import.seeded

NEW_ROW = {
    "Название": "Соглашение о поставках зерна",
    "Вид документа": "соглашение",
    "Стороны": "ТОО «СемАЗ»; ЕАБР [финансирующая сторона]",
}


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_agreements", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def seed_file(seeded, tmp_path):
    """An admin-style XLSX export of the seed, plus one new agreement."""
    dataset = AgreementResource().export()
    dataset.append([NEW_ROW.get(header, "") for header in dataset.headers])
    path = tmp_path / "agreements.xlsx"
    path.write_bytes(XLSX().export_data(dataset))
    return path


@pytest.mark.django_db
def test_it_imports_a_file_and_prints_a_summary(seed_file):
    out, err = run(seed_file)
    assert out.splitlines() == [
        "Итог: новых — 1, изменённых — 0, без изменений — 12, ошибок — 0.",
        "Импорт завершён.",
    ]
    assert "13/13" in err  # the progress bar
    agreement = Agreement.objects.get(slug="soglashenie-o-postavkakh-zerna")
    assert not agreement.is_published
    assert [(link.party.slug, link.role) for link in agreement.party_links.order_by("order")] == [
        ("semaz", "signatory"),
        ("eurasian-development-bank", "financier"),
    ]
    assert "семаз" in agreement.search_text.lower()


@pytest.mark.django_db
def test_it_changes_nothing_on_a_dry_run(seed_file):
    before, history = snapshot(), history_counts()
    out, _ = run(seed_file, "--dry-run")
    assert out.splitlines() == [
        "Итог: новых — 1, изменённых — 0, без изменений — 12, ошибок — 0.",
        "Пробный запуск (--dry-run): ничего не записано.",
    ]
    assert snapshot() == before and history_counts() == history


@pytest.mark.django_db
def test_it_reports_everything_unchanged_on_a_second_run(seed_file):
    run(seed_file)
    before, history = snapshot(), history_counts()
    out, _ = run(seed_file)
    assert out.startswith("Итог: новых — 0, изменённых — 0, без изменений — 13, ошибок — 0.")
    assert snapshot() == before and history_counts() == history


@pytest.mark.django_db
def test_it_prints_every_error_and_fails_without_writing(seeded, tmp_path):
    path = tmp_path / "agreements.csv"
    path.write_bytes(
        csv_bytes(
            [
                [*HEADERS, "Дата подписания"],
                ["ok", "Соглашение 1", "соглашение", "БИОКАД", "03.10.2016"],
                ["bad-party", "Соглашение 2", "соглашение", "Рога и копыта", ""],
                ["bad-date", "Соглашение 3", "соглашение", "БИОКАД", "1990-12-31"],
                ["ok", "Соглашение 1", "соглашение", "БИОКАД", ""],
            ]
        )
    )
    before, history = snapshot(), history_counts()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"^Импорт не выполнен, ничего не записано: ошибок — 3\.$"):
        call_command("import_agreements", str(path), stdout=out, stderr=err)
    assert [line for line in err.getvalue().splitlines() if line.startswith("Строка")] == [
        "Строка 3, столбец «Стороны»: Участник «Рога и копыта» не найден: укажите полное или краткое "
        "название, вариант написания или slug существующего участника (новых добавляют в разделе "
        "«Участники»).",
        "Строка 4, столбец «Дата подписания»: Дата подписания не может быть раньше 1991 года.",
        "Строка 5, столбец «Адрес (slug)»: Повтор строки 2: снова «ok». "
        "Каждая запись должна быть в файле один раз.",
    ]
    assert out.getvalue() == "Итог: новых — 1, изменённых — 0, без изменений — 0, ошибок — 3.\n"
    assert snapshot() == before and history_counts() == history


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("missing.csv", None, "Файл не найден: "),
        ("empty.csv", b"", "Файл пуст: в нём нет ни заголовков, ни строк."),
        ("garbage.xlsx", os.urandom(64 * 1024), "Файл не является таблицей Excel (XLSX)"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "старого формата Excel (.xls)"),
    ],
    ids=["missing", "empty", "garbage", "xls"],
)
def test_it_refuses_an_unreadable_file(tmp_path, name, data, message):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(path)


@pytest.mark.django_db
def test_it_names_wrong_columns(seeded, tmp_path):
    path = tmp_path / "parties.csv"
    path.write_bytes(csv_bytes([["slug", "name"], ["x", "Компания"]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="ошибок — 1"):
        call_command("import_agreements", str(path), stdout=io.StringIO(), stderr=err)
    assert "В файле нет обязательных столбцов: «Название», «Вид документа», «Стороны»." in err.getvalue()
    assert "Неизвестные столбцы: «name» (B)." in err.getvalue()


def test_it_exits_with_a_non_zero_status_on_error(tmp_path):
    command = [sys.executable, "manage.py", "import_agreements", str(tmp_path / "nothing.xlsx")]
    done = subprocess.run(
        command, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "Файл не найден" in done.stderr
