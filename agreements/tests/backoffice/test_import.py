"""The staff spreadsheet import: AgreementResource, the admin's preview and confirm steps, bad files."""

import csv
import io
import os
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from agreements.backoffice.imports.files import CSV, XLSX
from agreements.backoffice.resources import (
    AgreementResource,
    ForumResource,
    PartyResource,
    RegionResource,
    SectorResource,
)
from agreements.backoffice.status import record_status
from agreements.models import Agreement, AgreementParty, Forum, Party, PartyAlias, Region, Sector
from agreements.tests.factories import make_agreement, make_party

IMPORT_URL = reverse("admin:agreements_agreement_import")
PROCESS_URL = reverse("admin:agreements_agreement_process_import")
EXPORT_URL = reverse("admin:agreements_agreement_export")
CHANGELIST_URL = reverse("admin:agreements_agreement_changelist")
HEADERS = ["Адрес (slug)", "Название", "Вид документа", "Стороны"]
FIELDS = [
    "slug",
    "title",
    "kind",
    "status",
    "forum",
    "signed_on",
    "amount",
    "currency",
    "subject",
    "parties",
    "regions",
    "countries",
    "sectors",
    "source",
    "source_url",
    "source_quote",
    "is_published",
]


# --- Helpers ----------------------------------------------------------------------------------


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def run_import(data: bytes, fmt=CSV, dry_run=False):
    return AgreementResource().import_data(fmt().create_dataset(data), dry_run=dry_run)


def problems(result) -> list[str]:
    return [str(problem) for problem in result.problems()]


def preview(client, name, data, fmt=""):
    """The admin's first step: upload, dry run, preview. ``fmt`` is "" (guess), "0" (csv) or "1" (xlsx)."""
    return client.post(
        IMPORT_URL, {"resource": "0", "format": fmt, "import_file": SimpleUploadedFile(name, data)}
    )


def confirm(client, response):
    initial = response.context["confirm_form"].initial
    fields = ("import_file_name", "original_file_name", "format", "resource")
    return client.post(PROCESS_URL, {name: initial[name] for name in fields})


def export_from_admin(client, query="", fmt="1") -> bytes:
    data = {"resource": "0", "format": fmt, **{f"agreementresource_{name}": "on" for name in FIELDS}}
    response = client.post(EXPORT_URL + query, data)
    assert response.status_code == 200, response.content[:500]
    return response.content


def snapshot() -> dict:
    """Every field and link of every agreement, keyed by slug: what a round trip must reproduce."""
    queryset = Agreement.objects.prefetch_related("regions", "countries", "sectors", "party_links__party")
    state = {}
    for agreement in queryset.order_by("slug"):
        fields = [
            f.attname for f in Agreement._meta.concrete_fields if f.name not in {"id", "created", "updated"}
        ]
        state[agreement.slug] = {
            **{name: getattr(agreement, name) for name in fields},
            "regions": sorted(r.code for r in agreement.regions.all()),
            "countries": sorted(c.code for c in agreement.countries.all()),
            "sectors": sorted(s.code for s in agreement.sectors.all()),
            "parties": [
                (link.party.slug, link.role, link.order)
                for link in sorted(agreement.party_links.all(), key=lambda link: (link.order, link.pk))
            ],
        }
    return state


def history_counts():
    return (Agreement.history.count(), AgreementParty.history.count())


@pytest.fixture(scope="module")
def seed_once(django_db_setup, django_db_blocker):
    """The seed, loaded once for the module in a transaction rolled back after it (~1.5 s a test saved).

    Each test's own transaction (the ``db`` fixture) is a savepoint inside this one.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        call_command("load_seed", verbosity=0, stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seed_once, db):
    """Overrides conftest's ``seeded``: the same data, without reloading it for every test."""


@pytest.fixture
def admin_user(db, django_user_model):
    """Overrides pytest-django's: no password to hash (a second each), ``admin_client`` uses force_login."""
    return django_user_model.objects.create_superuser("admin", "admin@example.com", password=None)


@pytest.fixture
def varied(seeded):
    """The seed with the fields it leaves blank filled in on some agreements, and one draft."""
    record_status(Agreement.objects.get(slug="xiii-03-ktzh-coalco-central-dry-port"), Agreement.Status.SIGNED)
    Agreement.objects.filter(slug="xiii-03-ktzh-coalco-central-dry-port").update(
        signed_on=date(2016, 10, 3),
        amount=Decimal("1500000.50"),
        currency="USD",
        source_url="https://example.com/news/1",
    )
    Agreement.objects.filter(slug="xiii-12-its-polikompleks-grain-processing").update(is_published=False)


# --- Export and round trip --------------------------------------------------------------------


@pytest.mark.django_db
def test_it_exports_readable_columns_that_name_parties_and_roles(seeded):
    dataset = AgreementResource().export(
        Agreement.objects.filter(slug="xiii-01-eurochem-karatau-fertilisers")
    )
    row = dataset.dict[0]
    assert dataset.headers[:4] == ["Адрес (slug)", "Название", "Вид документа", "Статус"]
    assert row["Вид документа"] == "меморандум о взаимопонимании"
    assert row["Стороны"] == (
        "Министерство по инвестициям и развитию РК; "
        "Акимат Жамбылской области [принимающая сторона (власти)]; МХК «Еврохим»"
    )
    assert row["Регионы реализации"] == "KZ-31"
    assert row["Отрасли (NACE Rev.2)"] == "08; 20"
    assert row["Форум"] == "kz-ru-interregional-forum-xiii"
    assert row["Опубликовано"] == "да"


@pytest.mark.django_db
def test_it_round_trips_an_admin_export_into_an_empty_registry(admin_client, varied):
    before = snapshot()
    assert len(before) == 12
    exported = export_from_admin(admin_client)

    AgreementParty.objects.all().delete()
    Agreement.objects.all().delete()

    response = preview(admin_client, "agreements.xlsx", exported)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.problems() == []
    assert result.counts == {"new": 12, "update": 0, "skip": 0, "invalid": 0}
    assert Agreement.objects.count() == 0  # the preview is a dry run

    response = confirm(admin_client, response)
    assert response.status_code == 302
    assert snapshot() == before  # every field and link, search text included


@pytest.mark.django_db
def test_it_reimports_an_unchanged_file_as_a_no_op(admin_client, varied):
    data = CSV().export_data(AgreementResource().export()).encode("utf-8")
    before, history, updated = (
        snapshot(),
        history_counts(),
        dict(Agreement.objects.values_list("slug", "updated")),
    )

    response = preview(admin_client, "agreements.csv", data)
    assert response.context["result"].counts == {"new": 0, "update": 0, "skip": 12, "invalid": 0}
    assert "Без изменений" in response.content.decode()
    response = confirm(admin_client, response)
    assert response.status_code == 302

    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Импорт завершён: новых — 0, изменённых — 0, без изменений — 12."]
    assert snapshot() == before
    assert history_counts() == history
    assert dict(Agreement.objects.values_list("slug", "updated")) == updated


@pytest.mark.django_db
def test_it_previews_new_changed_and_unchanged_rows_then_writes_on_confirm(admin_client, seeded):
    dataset = AgreementResource().export()
    rows = [list(row) for row in dataset]
    rows[1][1] = "Меморандум между акиматом Акмолинской области и ОАО «ЕПК» (уточнено)"
    rows.append(
        ["", "Соглашение о поставках зерна", "соглашение", "", "", "", "", "", "", "ТОО «СемАЗ»; ЕАБР"]
    )
    rows[-1] += [""] * (len(dataset.headers) - len(rows[-1]))
    data = xlsx_bytes([dataset.headers, *rows])
    history = history_counts()

    response = preview(admin_client, "agreements.xlsx", data)
    page = response.content.decode()
    assert response.context["result"].counts == {"new": 1, "update": 1, "skip": 11, "invalid": 0}
    assert "Новая" in page and "Изменится" in page and "Без изменений" in page
    assert history_counts() == history

    confirm(admin_client, response)
    new = Agreement.objects.get(slug="soglashenie-o-postavkakh-zerna")
    assert not new.is_published  # imported agreements are drafts unless the file says otherwise
    assert [link.party.slug for link in new.party_links.order_by("order")] == [
        "semaz",
        "eurasian-development-bank",
    ]
    assert "евразийский банк развития" in new.search_text.lower()  # search fields refreshed
    changed = Agreement.objects.get(slug="xiii-02-akmola-industrial-bearings")
    assert changed.title.endswith("(уточнено)") and "уточнено" in changed.search_text
    assert history_counts() == (history[0] + 2, history[1] + 2)


# --- Row errors -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_every_row_error_with_its_row_column_and_a_russian_message(admin_client, seeded):
    head = [*HEADERS, "Дата подписания", "Сумма", "Валюта", "Регионы реализации", "Отрасли", "Форум"]
    rows = [
        head,
        ["a-1", "Соглашение 1", "соглашение", "Неизвестная компания", "", "", "", "", "", ""],
        ["a-2", "Соглашение 2", "договорённость", "БИОКАД", "1985-05-01", "", "", "", "", ""],
        [],  # a blank row is skipped, but still counts for the row numbers below
        ["a-3", "Соглашение 3", "соглашение", "БИОКАД", "", "-5", "", "KZ-99", "Z", "forum-x"],
        ["a-4", "Соглашение 4", "соглашение", "БИОКАД; ЗАО «БИОКАД»", "", "100", "", "", "", ""],
    ]
    count = Agreement.objects.count()
    response = preview(admin_client, "bad.xlsx", xlsx_bytes(rows))
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    found = problems(response.context["result"])
    assert found == [
        "Строка 2, столбец «Стороны»: Участник «Неизвестная компания» не найден: укажите полное или "
        "краткое название, вариант написания или slug существующего участника (новых добавляют в разделе "
        "«Участники»).",
        "Строка 3, столбец «Вид документа»: Неизвестное значение «договорённость». Допустимо: "
        "«меморандум о взаимопонимании», «меморандум», «меморандум о намерениях», "
        "«меморандум о сотрудничестве», «соглашение», «соглашение о намерениях», «другое».",
        "Строка 3, столбец «Дата подписания»: Дата подписания не может быть раньше 1991 года.",
        "Строка 5, столбец «Форум»: Форум «forum-x» не найден: укажите адрес (slug) или название "
        "существующего форума.",
        "Строка 5, столбец «Регионы реализации»: Регион «KZ-99» не найден: укажите код ISO 3166-2 "
        "(например, KZ-31) или название из справочника.",
        "Строка 5, столбец «Отрасли (NACE Rev.2)»: Отрасль «Z» не найдена: укажите код NACE — раздел (C) "
        "или подраздел (21).",
        "Строка 5, столбец «Сумма»: Убедитесь, что это значение больше либо равно 0.",
        "Строка 5, столбец «Валюта»: Укажите валюту суммы.",
        "Строка 6, столбец «Стороны»: Участник «ЗАО «БИОКАД»» указан дважды (уже есть как «БИОКАД»).",
        "Строка 6, столбец «Валюта»: Укажите валюту суммы.",
    ]
    page = response.content.decode()
    assert "Ошибки: 10" in page and "Ничего не записано" in page and "Traceback" not in page
    assert Agreement.objects.count() == count

    # Once every row is right, the preview offers to confirm.
    rows[1][3], rows[2][2], rows[2][4] = "БИОКАД", "соглашение", "2016-10-03"
    rows[4][5:] = ["5", "USD", "", "", ""]
    rows[5][3], rows[5][6] = "БИОКАД", "KZT"
    response = preview(admin_client, "bad.xlsx", xlsx_bytes(rows))
    assert problems(response.context["result"]) == []
    assert response.context["result"].counts["new"] == 4 and "confirm_form" in response.context


@pytest.mark.django_db
def test_it_publishes_only_agreements_with_two_parties_as_the_admin_does(seeded):
    rows = [
        [*HEADERS, "Ссылка на источник", "Опубликовано"],
        ["one", "Соглашение", "mou", "БИОКАД", "https://news.example/one", "да"],
    ]
    assert problems(run_import(csv_bytes(rows))) == [
        "Строка 2, столбец «Стороны»: Чтобы опубликовать соглашение, укажите не меньше двух сторон "
        "(или оставьте его черновиком: «нет» в столбце «Опубликовано»)."
    ]
    rows[1][5] = "нет"
    assert problems(run_import(csv_bytes(rows))) == []
    # A published agreement cannot lose its second party either, even when the file omits «Опубликовано».
    rows = [
        HEADERS,
        ["xiii-05-karaganda-pharma-biocad-technology-transfer", "Соглашение", "соглашение", "БИОКАД"],
    ]
    assert "не меньше двух сторон" in problems(run_import(csv_bytes(rows)))[0]


@pytest.mark.django_db
def test_it_writes_nothing_when_one_row_is_bad(seeded):
    before, history = snapshot(), history_counts()
    rows = [
        HEADERS,
        ["new-1", "Соглашение 1", "соглашение", "БИОКАД"],
        ["xiii-05-karaganda-pharma-biocad-technology-transfer", "Новое", "соглашение", "БИОКАД; ЕАБР"],
        ["new-2", "Соглашение 2", "соглашение", "Нет такой компании"],
    ]
    result = run_import(csv_bytes(rows))
    assert result.counts == {"new": 1, "update": 1, "skip": 0, "invalid": 1}
    assert snapshot() == before
    assert history_counts() == history


@pytest.mark.django_db
def test_it_writes_nothing_if_the_data_changed_between_preview_and_confirm(admin_client, seeded):
    rows = [
        HEADERS,
        ["new-1", "Соглашение 1", "соглашение", "БИОКАД"],
        ["new-2", "Соглашение 2", "mou", "ЕАБР"],
    ]
    response = preview(admin_client, "a.csv", csv_bytes(rows))
    assert response.context["result"].counts["new"] == 2
    PartyAlias.objects.filter(party__slug="eurasian-development-bank").delete()
    Party.objects.filter(slug="eurasian-development-bank").update(short_name="")

    response = confirm(admin_client, response)
    assert response.status_code == 302 and response["Location"] == IMPORT_URL
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[0].startswith("Строка 3, столбец «Стороны»: Участник «ЕАБР» не найден")
    assert messages[-1].startswith("Импорт не выполнен, ничего не записано")
    assert not Agreement.objects.filter(slug__in=["new-1", "new-2"]).exists()

    # Confirming the same preview twice (a double click) is a message too, not a server error.
    response = admin_client.post(
        PROCESS_URL, {"import_file_name": "gone", "original_file_name": "a.csv", "format": "0"}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_reports_a_duplicate_row_on_its_second_occurrence(seeded):
    rows = [
        HEADERS,
        ["dup", "Соглашение 1", "соглашение", "БИОКАД"],
        ["other", "Соглашение 2", "соглашение", "БИОКАД"],
        ["dup", "Соглашение 1 (копия)", "соглашение", "БИОКАД"],
        ["", "Соглашение 2", "соглашение", "БИОКАД"],
        ["", "Соглашение 2", "соглашение", "БИОКАД"],
    ]
    result = run_import(csv_bytes(rows))
    assert problems(result) == [
        "Строка 4, столбец «Адрес (slug)»: Повтор строки 2: снова «dup». "
        "Каждая запись должна быть в файле один раз.",
        "Строка 6, столбец «Адрес (slug)»: Повтор строки 5: снова «soglashenie-2» (получено из столбца "
        "«Название»). Каждая запись должна быть в файле один раз.",
    ]
    assert not Agreement.objects.filter(slug="dup").exists()


@pytest.mark.django_db
def test_it_derives_a_blank_slug_from_the_title_and_refuses_to_duplicate_a_titled_agreement(seeded):
    rows = [["Название", "Вид документа", "Стороны"], ["Меморандум о взаимопонимании № 7", "mou", "БИОКАД"]]
    assert run_import(csv_bytes(rows)).counts["new"] == 1
    assert Agreement.objects.filter(slug="memorandum-o-vzaimoponimanii-no-7", is_published=False).exists()
    assert run_import(csv_bytes(rows)).counts["skip"] == 1  # deterministic: the same row finds it again

    # A file without slugs must not turn the seed's agreements into duplicates.
    seed_title = Agreement.objects.get(slug="xiii-09-edb-interskol-power-tools").title
    result = run_import(csv_bytes([rows[0], [seed_title, "memorandum_of_intent", "ЕАБР; ИНТЕРСКОЛ"]]))
    assert problems(result) == [
        "Строка 2, столбец «Адрес (slug)»: Соглашение с таким названием уже есть (адрес "
        "«xiii-09-edb-interskol-power-tools»). Чтобы изменить его, укажите этот адрес в столбце "
        "«Адрес (slug)»; чтобы добавить новое — измените название."
    ]


# --- Cells as staff type them -----------------------------------------------------------------


@pytest.mark.django_db
def test_it_matches_parties_by_slug_name_display_name_short_name_or_alias(seeded):
    cell = (
        'АО "KAZNEX INVEST"; eurochem [Инвестор]; ЕАБР [financier]; евразийским банком развития; '
        "акимат жамбылской области [host_authority]; «Лукойл лубрикантс» [ПАРТНЁР]"
    )
    result = run_import(csv_bytes([HEADERS, ["p-1", "Соглашение", "соглашение", cell]]))
    assert problems(result) == [
        "Строка 2, столбец «Стороны»: Участник «евразийским банком развития» указан дважды "
        "(уже есть как «ЕАБР»)."
    ]
    cell = cell.replace("евразийским банком развития; ", "")
    assert problems(run_import(csv_bytes([HEADERS, ["p-1", "Соглашение", "соглашение", cell]]))) == []
    links = AgreementParty.objects.filter(agreement__slug="p-1").order_by("order")
    assert [(link.party.slug, link.role, link.order) for link in links] == [
        ("kaznex-invest", "signatory", 0),
        ("eurochem", "investor", 1),
        ("eurasian-development-bank", "financier", 2),
        ("akimat-zhambyl-region", "host_authority", 3),
        ("lukoil-lubricants", "partner", 4),
    ]


@pytest.mark.django_db
def test_it_reports_ambiguous_parties_and_unknown_roles(db):
    make_party("Альфа", legal_form="АО", slug="alfa-ao")
    make_party("Альфа", legal_form="ТОО", slug="alfa-too")
    rows = [HEADERS, ["x-1", "Соглашение", "соглашение", "Альфа; АО «Альфа» [покупатель]"]]
    assert problems(run_import(csv_bytes(rows))) == [
        "Строка 2, столбец «Стороны»: Участник «Альфа» неоднозначен: подходят АО «Альфа» (slug alfa-ao), "
        "ТОО «Альфа» (slug alfa-too). Укажите slug нужного. Неизвестная роль «покупатель» у участника "
        "«АО «Альфа»». Допустимо: «сторона», «инвестор», «финансирующая сторона», "
        "«принимающая сторона (власти)», «партнёр», «поставщик технологии», «получатель»."
    ]
    rows[1][3] = "alfa-too; АО «Альфа» [инвестор]"
    assert problems(run_import(csv_bytes(rows))) == []
    exported = AgreementResource().export(Agreement.objects.filter(slug="x-1")).dict[0]["Стороны"]
    assert exported == "ТОО «Альфа»; АО «Альфа» [инвестор]"

    # Once another party shares a display name, export names it by slug so the file imports back.
    make_party("Альфа", legal_form="ТОО", slug="alfa-too-ru", country="RU")
    exported = AgreementResource().export(Agreement.objects.filter(slug="x-1"))
    assert exported.dict[0]["Стороны"] == "alfa-too; АО «Альфа» [инвестор]"
    assert run_import(CSV().export_data(exported).encode()).counts["skip"] == 1


@pytest.mark.django_db
def test_it_reads_field_names_labels_and_values_as_typed(seeded):
    typed = [
        {
            "slug": "t-1",
            "TITLE": "Соглашение 1",
            "kind": "Соглашение о намерениях",
            "status": "Signed",
            "signed_on": "2016-10-03",
            "amount": "1 500 000,50",
            "currency": "usd",
            "parties": "БИОКАД; ЕАБР",
            "regions": "Жамбылская область; RU-MOS",
            "countries": "kz, ru",
            "sectors": "C; 21; C21",
            "forum": "kz-ru-interregional-forum-xiii",
            "source": "xiii-forum-announcement",
            "is_published": "да",
        },
        {
            "slug": "t-2",
            "TITLE": "Соглашение 2",
            "kind": "MOU",
            "status": "реализуется",
            "signed_on": "03.10.2016",
            "amount": "2,000.5",
            "currency": "KZT",
            "parties": "БИОКАД",
            "regions": "Akmola Region",
            "sectors": "c",
            "forum": "XIII Форум межрегионального сотрудничества Казахстана и России",
            "is_published": "no",
        },
        {
            "slug": "t-3",
            "TITLE": "Соглашение 3",
            "kind": "mou",
            "signed_on": "03/10/2016",
            "parties": "БИОКАД",
        },
    ]
    header = list(typed[0])
    rows = [header, *([row.get(name, "") for name in header] for row in typed)]
    # Windows-1251 with semicolons: how Russian Excel saves CSV.
    result = run_import(csv_bytes(rows, delimiter=";", encoding="cp1251"))
    assert problems(result) == []
    first, second, third = (Agreement.objects.get(slug=f"t-{n}") for n in (1, 2, 3))
    assert (first.kind, first.status, first.signed_on) == ("agreement_of_intent", "signed", date(2016, 10, 3))
    assert (first.amount, first.currency, first.is_published) == (Decimal("1500000.50"), "USD", True)
    assert sorted(first.regions.values_list("code", flat=True)) == ["KZ-31", "RU-MOS"]
    assert sorted(first.countries.values_list("code", flat=True)) == ["KZ", "RU"]
    assert sorted(first.sectors.values_list("code", flat=True)) == ["21", "C"]
    assert (first.forum.slug, first.source.slug) == (
        "kz-ru-interregional-forum-xiii",
        "xiii-forum-announcement",
    )
    assert (second.kind, second.status, second.amount, second.signed_on) == (
        "mou",
        "in_implementation",
        Decimal("2000.50"),
        date(2016, 10, 3),
    )
    assert list(second.regions.values_list("code", flat=True)) == ["KZ-11"]
    assert second.forum.slug == "kz-ru-interregional-forum-xiii" and not second.is_published
    assert (third.status, third.signed_on, third.is_published) == ("announced", date(2016, 10, 3), False)


@pytest.mark.django_db
def test_it_reads_real_excel_date_and_number_cells(seeded):
    rows = [
        [*HEADERS, "Дата подписания", "Сумма", "Валюта", "Отрасли"],
        ["x-1", "Соглашение", "соглашение", "БИОКАД", datetime(2016, 10, 3), 1500000.5, "USD", 8],
    ]
    assert problems(run_import(xlsx_bytes(rows), fmt=XLSX)) == []
    agreement = Agreement.objects.get(slug="x-1")
    assert (agreement.signed_on, agreement.amount) == (date(2016, 10, 3), Decimal("1500000.50"))
    assert list(agreement.sectors.values_list("code", flat=True)) == ["08"]
    assert run_import(xlsx_bytes(rows), fmt=XLSX).counts["skip"] == 1


@pytest.mark.django_db
def test_it_explains_odd_dates_and_out_of_range_years(seeded):
    dates = ["3 октября 2016", "31.02.2016", "03.10.1985", "03.10.2999", "2016/10/03", 42646]
    rows = [[*HEADERS, "Дата подписания"]]
    rows += [[f"d-{n}", f"Соглашение {n}", "соглашение", "БИОКАД", value] for n, value in enumerate(dates)]
    found = problems(run_import(xlsx_bytes(rows), fmt=XLSX))
    formats = "ГГГГ-ММ-ДД (2016-10-03), ДД.ММ.ГГГГ (03.10.2016) или ДД/ММ/ГГГГ (03/10/2016)"
    assert found == [
        "Строка 2, столбец «Дата подписания»: Не удалось прочитать дату «3 октября 2016». "
        f"Укажите её в формате {formats}.",
        "Строка 3, столбец «Дата подписания»: Даты «31.02.2016» не существует: проверьте день и месяц.",
        "Строка 4, столбец «Дата подписания»: Дата подписания не может быть раньше 1991 года.",
        "Строка 5, столбец «Дата подписания»: Дата подписания не может быть в будущем.",
        "Строка 6, столбец «Дата подписания»: Не удалось прочитать дату «2016/10/03». "
        f"Укажите её в формате {formats}.",
        f"Строка 7, столбец «Дата подписания»: «42646» — число, а не дата. Укажите дату в формате {formats} "
        "или задайте ячейке формат «Дата».",
    ]


# --- Bad files --------------------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


def party_file():
    return csv_bytes([["slug", "name"], ["x", "Компания"]])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("agreements.xlsx", b"", "Файл пуст: в нём нет ни заголовков, ни строк."),
        ("agreements.csv", "\ufeff\r\n".encode(), "Файл пуст: в нём нет ни заголовков, ни строк."),
        ("agreements.csv", csv_bytes([HEADERS]), "В файле нет строк с данными: только заголовки."),
        ("agreements.xlsx", b"%PDF-1.4 not a spreadsheet" * 10, "Файл не является таблицей Excel (XLSX)"),
        (
            "agreements.xlsx",
            b"PK\x03\x04 a broken archive",
            "Не удалось открыть файл как таблицу Excel (XLSX)",
        ),
        ("agreements.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "старого формата Excel (.xls)"),
        ("agreements.xlsx", os.urandom(TEN_MB), "Файл не является таблицей Excel (XLSX)"),
        ("agreements.csv", os.urandom(TEN_MB), "Файл не похож на таблицу CSV: в нём двоичные данные"),
        ("agreements.xlsx", b"\0" * (TEN_MB + 1), "Файл весит 10,1 МБ, а можно загрузить не больше 10 МБ."),
    ],
    ids=[
        "empty",
        "blank-csv",
        "headers-only",
        "renamed",
        "broken-zip",
        "xls",
        "garbage-xlsx",
        "garbage-csv",
        "big",
    ],
)
@pytest.mark.django_db
def test_it_refuses_an_unreadable_file_with_a_russian_message(admin_client, name, data, message):
    response = preview(admin_client, name, data)
    assert response.status_code == 200
    assert message in response.context["form"].errors["import_file"][0]
    assert "confirm_form" not in response.context


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["slug", "name", "country"], ["x", "Компания", "KZ"]],
            "В файле нет обязательных столбцов: «Название», «Вид документа», «Стороны». "
            "Неизвестные столбцы: «name» (B), «country» (C).",
        ),
        (
            [["Адрес (slug)", "Название", "Вид документа"], ["x", "Y", "mou"]],
            "нет обязательных столбцов: «Стороны»",
        ),
        ([[*HEADERS, "title"], ["x", "Y", "mou", "БИОКАД", "Y"]], "Столбцы повторяются: «Название»."),
        ([[*HEADERS, None], ["x", "Y", "mou", "БИОКАД", "?"]], "У столбцов E нет заголовка, но есть данные"),
    ],
    ids=["wrong-columns", "missing-parties", "repeated", "unnamed"],
)
@pytest.mark.django_db
def test_it_names_wrong_or_missing_columns(admin_client, seeded, rows, message):
    response = preview(admin_client, "a.xlsx", xlsx_bytes(rows))
    assert response.status_code == 200 and "confirm_form" not in response.context
    [problem] = response.context["result"].problems()
    assert message in problem.message
    assert "Первая строка должна содержать заголовки: «Адрес (slug)», «Название»" in problem.message
    page = response.content.decode()
    assert "Ошибки: 1" in page and "Traceback" not in page


@pytest.mark.django_db
def test_it_tells_which_files_the_import_form_accepts(admin_client):
    page = admin_client.get(IMPORT_URL).content.decode()
    assert "Таблица XLSX или CSV (UTF-8 или Windows-1251) размером не больше 10 МБ." in page
    assert "Адрес (slug), Название, Вид документа, Статус" in page  # the columns it reads

    response = preview(admin_client, "agreements.xlsx", xlsx_bytes([HEADERS]), fmt="0")  # XLSX sent as CSV
    assert response.context["form"].errors["import_file"] == [
        "Это файл Excel (XLSX), а выбран формат CSV. Выберите формат xlsx и загрузите файл снова."
    ]


@pytest.mark.django_db
def test_it_sends_files_too_long_for_a_web_request_to_the_command(admin_client, seeded, settings):
    settings.IMPORT_ADMIN_MAX_ROWS = 2
    rows = [HEADERS, *([f"a-{n}", f"Соглашение {n}", "mou", "БИОКАД"] for n in range(3))]
    [problem] = preview(admin_client, "a.csv", csv_bytes(rows)).context["result"].problems()
    assert problem.message == (
        "Строк с данными в файле: 3, а через админку можно загрузить не больше 2. Разделите файл на части. "
        "Большой файл можно загрузить и целиком командой «manage.py import_agreements»."
    )
    assert run_import(csv_bytes(rows)).counts["new"] == 3  # the command's resource has no limit


# --- Admin export and permissions -------------------------------------------------------------


@pytest.mark.django_db
def test_it_exports_only_what_the_changelist_filters_show(admin_client, seeded):
    make_agreement(title="Черновик о поставках", parties=[Party.objects.get(slug="biocad")], published=False)
    exported = export_from_admin(admin_client, "?is_published__exact=0", fmt="0").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][:2] == ["Адрес (slug)", "Название"]
    assert [row[1] for row in rows[1:]] == ["Черновик о поставках"]
    assert rows[1][9] == "ЗАО «БИОКАД»"


@pytest.mark.django_db
def test_it_lets_only_superusers_import_regions_and_sectors(client, admin_client, django_user_model):
    for model in ("region", "sector"):
        assert admin_client.get(reverse(f"admin:agreements_{model}_import")).status_code == 200
    editor = django_user_model.objects.create_user("editor", password=None, is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="agreements"))
    client.force_login(editor)
    for model in ("region", "sector"):
        assert client.get(reverse(f"admin:agreements_{model}_import")).status_code == 403
        data = {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("a.csv", b"code\nKZ-31\n")}
        assert client.post(reverse(f"admin:agreements_{model}_import"), data).status_code == 403
        assert client.get(reverse(f"admin:agreements_{model}_export")).status_code == 200
    for model in ("agreement", "party", "forum"):
        assert client.get(reverse(f"admin:agreements_{model}_import")).status_code == 200


@pytest.mark.django_db
def test_it_keeps_reference_party_and_forum_imports_idempotent(seeded):
    for resource_class, model in [
        (RegionResource, Region),
        (SectorResource, Sector),
        (PartyResource, Party),
        (ForumResource, Forum),
    ]:
        data = CSV().export_data(resource_class().export()).encode("utf-8")
        result = resource_class().import_data(CSV().create_dataset(data))
        assert result.problems() == [] and result.counts["skip"] == model.objects.count(), resource_class


@pytest.mark.django_db
def test_it_reports_an_unreadable_key_as_a_row_error(db):
    rows = [["Код NACE", "Раздел", "Название (рус.)", "Название (англ.)"], ["ZZ", "C", "Что-то", "Something"]]
    result = SectorResource().import_data(CSV().create_dataset(csv_bytes(rows)))
    assert problems(result) == [
        "Строка 2, столбец «Код NACE»: «ZZ» — не код NACE: укажите букву раздела (C) "
        "или две цифры подраздела (21)."
    ]


@pytest.mark.django_db
def test_it_refreshes_agreements_search_text_when_a_party_is_renamed_by_import(seeded):
    rows = [["Адрес (slug)", "Полное название"], ["biocad", "Биокад Фарма"]]
    result = PartyResource().import_data(CSV().create_dataset(csv_bytes(rows)))
    assert result.problems() == [] and result.counts["update"] == 1
    agreement = Agreement.objects.get(slug="xiii-05-karaganda-pharma-biocad-technology-transfer")
    assert "Биокад Фарма" in agreement.search_text


@pytest.mark.django_db
def test_it_publishes_only_agreements_with_a_source(seeded):
    rows = [
        [*HEADERS, "Ссылка на источник", "Опубликовано"],
        ["one", "Соглашение", "mou", "БИОКАД; ЕАБР", "", "да"],
    ]
    assert problems(run_import(csv_bytes(rows))) == [
        "Строка 2, столбец «Опубликовано»: Опубликовать можно только соглашение с источником: "
        "укажите источник или ссылку на него."
    ]
    assert not Agreement.objects.filter(slug="one").exists()
    rows[1][4] = "https://news.example/one"
    assert problems(run_import(csv_bytes(rows))) == []
    assert Agreement.objects.get(slug="one").is_published


@pytest.mark.django_db
def test_it_refuses_a_second_undated_step_of_a_status_in_the_row(seeded):
    agreement = Agreement.objects.get(slug="xiii-03-ktzh-coalco-central-dry-port")
    record_status(agreement, Agreement.Status.SIGNED)
    dataset = AgreementResource().export(Agreement.objects.filter(pk=agreement.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    row["Статус"] = "объявлено"  # the seed's undated first step
    data = csv_bytes([list(row), list(row.values())])
    assert problems(run_import(data)) == [
        "Строка 2, столбец «Статус»: «объявлено» уже есть в истории статусов без даты: второй такой "
        "шаг не добавить. Укажите его дату в администрировании соглашения."
    ]
    row["Статус"] = "реализуется"
    assert problems(run_import(csv_bytes([list(row), list(row.values())]))) == []
    assert Agreement.objects.get(pk=agreement.pk).status == "in_implementation"


@pytest.mark.django_db
def test_it_refuses_an_undated_status_that_would_not_be_current(seeded):
    agreement = Agreement.objects.get(slug="xiii-03-ktzh-coalco-central-dry-port")
    record_status(agreement, Agreement.Status.SIGNED, date=date(2016, 10, 3))
    dataset = AgreementResource().export(Agreement.objects.filter(pk=agreement.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    row["Статус"] = "реализуется"
    assert problems(run_import(csv_bytes([list(row), list(row.values())]))) == [
        "Строка 2, столбец «Статус»: У соглашения есть статусы с датой: статус «реализуется» без даты "
        "не станет текущим. Укажите его с датой в администрировании соглашения."
    ]
    assert Agreement.objects.get(pk=agreement.pk).status == "signed"
