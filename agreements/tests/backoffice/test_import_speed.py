"""The agreements import writes in bulk: queries do not grow with rows, history is what a save leaves,
and a failure while writing leaves nothing. Timings are measured in bench/import_speed.py, not here.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from agreements.backoffice.imports.writing import AgreementWriter
from agreements.models import Agreement, AgreementParty, StatusChange
from agreements.search import refresh_search_fields
from agreements.tests.backoffice import test_import
from agreements.tests.backoffice.test_import import csv_bytes, history_counts, problems, run_import, snapshot

seed_once = test_import.seed_once
seeded = test_import.seeded
admin_user = test_import.admin_user

HEAD = [
    "Адрес (slug)",
    "Название",
    "Вид документа",
    "Статус",
    "Стороны",
    "Регионы реализации",
    "Страны реализации",
    "Отрасли",
    "Сумма",
    "Валюта",
    "Предмет",
]


def rows(count, title="Соглашение о поставках удобрений", status="signed"):
    return [
        HEAD,
        *(
            [
                f"q-{n}",
                f"{title} № {n}",
                "соглашение",
                status,
                "БИОКАД; ЕАБР [финансирующая сторона]" if n % 2 else "ЕАБР; БИОКАД [инвестор]",
                "KZ-31; RU-MOS" if n % 3 else "KZ-11",
                "KZ, RU",
                "C; 21" if n % 2 else "20",
                str(1000 + n),
                "USD",
                f"Строительство завода № {n}",
            ]
            for n in range(count)
        ),
    ]


def queries(data) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = run_import(data)
    assert problems(result) == []
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_it_makes_about_as_many_queries_for_100_rows_as_for_20(seeded):
    small, large = queries(csv_bytes(rows(20))), None
    Agreement.objects.filter(slug__startswith="q-").delete()
    large = queries(csv_bytes(rows(100)))
    # Batches of 500: the same statements, only with more rows each. A few queries of slack for the
    # parties' and status steps' extra batches, nothing per row.
    assert large - small <= 5, (small, large)
    assert small < 60

    # Changing every row, and re-importing an unchanged file, are just as flat.
    changed_small = queries(csv_bytes(rows(20, title="Соглашение (уточнено)", status="in_implementation")))
    changed_large = queries(csv_bytes(rows(100, title="Соглашение (уточнено)", status="in_implementation")))
    assert changed_large - changed_small <= 5, (changed_small, changed_large)
    unchanged = queries(csv_bytes(rows(100, title="Соглашение (уточнено)", status="in_implementation")))
    assert unchanged < 20


@pytest.mark.django_db
def test_it_leaves_the_history_a_save_leaves(seeded):
    assert problems(run_import(csv_bytes(rows(2)))) == []
    agreement = Agreement.objects.get(slug="q-1")
    [record] = agreement.history.all()
    assert (record.history_type, record.title, record.status) == (
        "+",
        "Соглашение о поставках удобрений № 1",
        "signed",
    )
    assert sorted(link.region.code for link in record.regions.all()) == ["KZ-31", "RU-MOS"]
    assert sorted(link.sector.code for link in record.sectors.all()) == ["21", "C"]
    assert sorted(link.country.code for link in record.countries.all()) == ["KZ", "RU"]
    parties = AgreementParty.history.filter(agreement_id=agreement.pk).order_by("order")
    assert [(p.history_type, p.party.slug, p.role, p.order) for p in parties] == [
        ("+", "biocad", "signatory", 0),
        ("+", "eurasian-development-bank", "financier", 1),
    ]
    assert [(s.status, s.note) for s in agreement.status_changes.all()] == [("signed", "")]
    assert [(s.history_type, s.status) for s in StatusChange.history.filter(agreement_id=agreement.pk)] == [
        ("+", "signed")
    ]
    # The stored search fields are what refresh_search_fields computes.
    fields = ("title_key", "search_text", "search_stems", "search_vector")
    stored = list(Agreement.objects.filter(slug__startswith="q-").order_by("pk").values_list(*fields))
    refresh_search_fields(Agreement.objects.filter(slug__startswith="q-"))
    assert list(Agreement.objects.filter(slug__startswith="q-").order_by("pk").values_list(*fields)) == stored

    # An update: one «~» record with the new links, party links changed in place, a status step added.
    changed = rows(2, status="completed")
    changed[2][4], changed[2][5] = "ЕАБР [инвестор]", "KZ-11"
    assert problems(run_import(csv_bytes(changed))) == []
    latest = agreement.history.order_by("-history_id").first()
    assert (latest.history_type, latest.status) == ("~", "completed")
    assert [link.region.code for link in latest.regions.all()] == ["KZ-11"]
    assert [(link.party.slug, link.role, link.order) for link in agreement.party_links.order_by("order")] == [
        ("eurasian-development-bank", "investor", 0)
    ]
    kinds = AgreementParty.history.filter(agreement_id=agreement.pk).values_list(
        "history_type", "party__slug"
    )
    assert sorted(kinds) == sorted(
        [
            ("+", "biocad"),
            ("+", "eurasian-development-bank"),
            ("-", "biocad"),
            ("~", "eurasian-development-bank"),
        ]
    )
    assert [(s.status, s.note) for s in agreement.status_changes.all()] == [
        ("signed", ""),
        ("completed", "из импорта таблицы"),
    ]


@pytest.mark.django_db
def test_the_admin_import_records_who_imported(admin_client, admin_user, seeded):
    response = test_import.preview(admin_client, "a.csv", csv_bytes(rows(3)))
    test_import.confirm(admin_client, response)
    records = Agreement.history.filter(slug__startswith="q-")
    assert records.count() == 3 and {record.history_user for record in records} == {admin_user}
    assert {
        link.history_user for link in AgreementParty.history.filter(agreement__slug__startswith="q-")
    } == {admin_user}


@pytest.mark.django_db
def test_a_failure_while_writing_leaves_nothing(seeded, monkeypatch, tmp_path):
    def fail(self, now, user):
        raise IntegrityError("status_change_unique")

    monkeypatch.setattr(AgreementWriter, "write_status_steps", fail)  # after records and links
    before, history = snapshot(), history_counts()
    data = csv_bytes(rows(30))
    result = run_import(data)
    assert [str(problem) for problem in result.problems()] == [
        "База данных отклонила строку: status_change_unique"
    ]
    assert snapshot() == before and history_counts() == history
    assert not Agreement.objects.filter(slug__startswith="q-").exists()

    path = tmp_path / "a.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="Импорт не выполнен, ничего не записано"):
        call_command("import_agreements", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert snapshot() == before and history_counts() == history


@pytest.mark.django_db
def test_one_bad_row_among_many_leaves_nothing(seeded):
    before, history = snapshot(), history_counts()
    data = rows(50)
    data[40][4] = "Нет такой компании"
    result = run_import(csv_bytes(data))
    assert [problem.row for problem in result.problems()] == [41]
    assert snapshot() == before and history_counts() == history
    assert StatusChange.objects.filter(agreement__slug__startswith="q-").count() == 0


@pytest.mark.django_db
def test_it_never_moves_the_id_sequence_back(seeded):
    # django-import-export resets the sequence to the highest stored id after an import; before the
    # bulk insert that is lower than ids already handed out (PostgreSQL), and a rolled-back test or
    # preview could then collide with rows it did not see.
    assert problems(run_import(csv_bytes(rows(2)))) == []
    first = max(Agreement.objects.filter(slug__startswith="q-").values_list("pk", flat=True))
    Agreement.objects.filter(slug__startswith="q-").delete()
    assert problems(run_import(csv_bytes(rows(2)))) == []
    assert min(Agreement.objects.filter(slug__startswith="q-").values_list("pk", flat=True)) > first
