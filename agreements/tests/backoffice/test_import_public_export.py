"""The site's public export («Скачать Excel», CSV, CSV with «;») imports back: through the admin's import
and the import command, with no errors and no change to unchanged records."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from agreements.backoffice.imports.files import CSV, XLSX
from agreements.backoffice.resources import AgreementResource
from agreements.models import Agreement, AgreementParty, Party, Source
from agreements.public.downloads import exports
from agreements.tests.factories import make_agreement, make_forum, make_party

IMPORT_URL = reverse("admin:agreements_agreement_import")
PROCESS_URL = reverse("admin:agreements_agreement_process_import")
VARIANTS = [  # (language prefix, extension, query)
    ("", "xlsx", ""),
    ("", "csv", ""),
    ("", "csv", "sep=semicolon"),
    ("/en", "xlsx", ""),
    ("/en", "csv", ""),
]


def public_export(client, prefix="", extension="xlsx", query="") -> bytes:
    url = prefix + reverse("agreement_export", args=[extension]) + (f"?{query}" if query else "")
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    translation.activate("ru")  # a request under /en/ leaves English active in this thread
    return b"".join(response.streaming_content)


def snapshot() -> list:
    """Every agreement as stored, with its links in order, and how many history rows there are."""
    state = []
    for agreement in Agreement.objects.order_by("slug").prefetch_related(
        "party_links", "regions", "countries", "sectors"
    ):
        fields = {f.attname: getattr(agreement, f.attname) for f in Agreement._meta.concrete_fields}
        links = [
            (link.party_id, link.role, link.order) for link in agreement.party_links.order_by("order", "pk")
        ]
        related = [
            sorted(getattr(agreement, name).values_list("pk", flat=True))
            for name in ("regions", "countries", "sectors")
        ]
        state.append((fields, links, related))
    return [state, Agreement.history.count(), AgreementParty.objects.count()]


@pytest.fixture
def varied(seeded):
    """The seed, and one record with what the export writes in its own ways: an international party,
    roles with parentheses, a party without a country, names holding «;», «,» and parentheses."""
    forum = make_forum(title="XIV Форум, Омск")
    parties = [
        make_party(name="Зерно (Север)", legal_form="ТОО", country="KZ"),
        make_party(name="ЕАБР", country=None),
        make_party(name="Агро; Трейд", legal_form="ООО", country="RU"),
        make_party(name="Зерно (Север)", legal_form="ТОО", country="RU", slug="zerno-ru"),  # a namesake
    ]
    agreement = make_agreement(
        slug="varied",
        title="=Соглашение, о поставках; «зерна»",  # a formula character: the CSV marks it
        subject="-2+3: строительство элеватора",
        parties=parties,
        regions=["KZ-31", "RU-MOS"],
        sectors=["D", "38", "C"],  # «…газом и паром; кондиционирование воздуха», «Сбор, обработка …; …»
        countries=["BQ", "VG", "KZ"],  # «Бонайре, Синт-Эстатиус и Саба», «Виргинские острова (Британия)»
        signed_on=date(2021, 5, 4),
        amount=Decimal("3000000000.00"),
        currency="USD",
        forum=forum,
        source=Source.objects.create(slug="kaz-news", title="Новости", url="https://example.org/n?id=1&a=b"),
    )
    roles = {parties[0]: "host_authority", parties[1]: "financier", parties[2]: "investor"}
    for party, role in roles.items():
        AgreementParty.objects.filter(agreement=agreement, party=party).update(role=role)
    return agreement


def test_every_public_column_is_a_resource_column_or_read_for_the_record_or_ignored():
    resource = AgreementResource()
    others = resource.other_columns()
    for column in exports.COLUMNS:
        with translation.override("ru"):
            header = str(column.header)
        if column.imports in resource.fields:
            assert header == resource.fields[column.imports].column_name  # one name for both
        else:
            assert column.imports in (exports.RECORD_LINK, None)
            for spelling in resource.public_headers(column):
                assert spelling in others, header
        assert resource.public_headers(column) & ({*resource.header_aliases(), *others})


@pytest.mark.parametrize(("prefix", "extension", "query"), VARIANTS)
@pytest.mark.django_db
def test_the_import_command_reads_an_unchanged_export_back_unchanged(
    client, varied, tmp_path, capsys, prefix, extension, query
):
    path = tmp_path / f"export.{extension}"
    path.write_bytes(public_export(client, prefix, extension, query))
    before = snapshot()

    call_command("import_agreements", str(path))

    out = capsys.readouterr().out
    assert "Итог: новых — 0, изменённых — 0, без изменений — 13, ошибок — 0." in out
    assert "— адрес записи на сайте: по нему найдено соглашение" in out
    assert "(N) не импортируется: сайт составляет его сам" in out
    assert snapshot() == before


@pytest.mark.parametrize(("prefix", "extension", "query"), VARIANTS[:3])
@pytest.mark.django_db
def test_the_admin_previews_an_unchanged_export_as_unchanged_and_writes_nothing(
    admin_client, client, varied, prefix, extension, query
):
    data = public_export(client, prefix, extension, query)
    before = snapshot()
    upload = SimpleUploadedFile(f"agreements.{extension}", data)

    response = admin_client.post(IMPORT_URL, {"resource": "0", "format": "", "import_file": upload})

    assert response.status_code == 200
    result = response.context["result"]
    assert [str(problem) for problem in result.problems()] == []
    assert result.counts == {"new": 0, "update": 0, "skip": 13, "invalid": 0}
    page = response.content.decode()
    assert "Столбец «Ссылка» (A) — адрес записи на сайте" in page
    assert "Столбец «Источник (ссылка)» (N) не импортируется" in page

    initial = response.context["confirm_form"].initial
    fields = ("import_file_name", "original_file_name", "format", "resource")
    confirmed = admin_client.post(PROCESS_URL, {name: initial[name] for name in fields})

    assert confirmed.status_code == 302
    assert snapshot() == before


def edited_xlsx(content: bytes, edit) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        record = dict(zip(header, row, strict=True))
        edit(record)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_an_edited_export_changes_exactly_what_was_edited(client, varied):
    def edit(record):
        if record["Ссылка"].value.endswith("/varied/"):
            record["Сумма"].value = 2_500_000_000
            record["Стороны"].value = record["Стороны"].value.replace(
                "(Россия, инвестор)", "(Россия, партнёр)"
            )

    data = edited_xlsx(public_export(client), edit)
    result = AgreementResource().import_data(XLSX().create_dataset(data))

    assert [str(problem) for problem in result.problems()] == []
    assert result.counts == {"new": 0, "update": 1, "skip": 12, "invalid": 0}
    varied.refresh_from_db()
    assert varied.amount == Decimal("2500000000")
    assert AgreementParty.objects.get(agreement=varied, party__name="Агро; Трейд").role == "partner"
    assert varied.history.first().history_type == "~"


@pytest.mark.django_db
def test_a_row_without_a_link_is_a_new_draft(client, varied):
    def edit(record):
        if record["Ссылка"].value.endswith("/varied/"):
            record["Ссылка"].value = None
            record["Название"].value = "Новое соглашение о поставках"

    result = AgreementResource().import_data(XLSX().create_dataset(edited_xlsx(public_export(client), edit)))

    assert result.counts == {"new": 1, "update": 0, "skip": 12, "invalid": 0}
    created = Agreement.objects.get(title="Новое соглашение о поставках")
    assert created.is_published is False and created.party_links.count() == 4


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def csv_file(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@pytest.mark.parametrize(
    ("link", "slug", "message"),
    [
        (
            "https://example.org/news/1",
            "",
            "не ссылка на соглашение реестра: нужен адрес вида https://…/agreements/",
        ),
        ("/agreements/varied/", "", "не ссылка на соглашение реестра"),
        (
            "http://testserver/agreements/varied/",
            "other",
            "Ссылка ведёт на «varied», а в столбце «Адрес (slug)» — «other».",
        ),
    ],
)
@pytest.mark.django_db
def test_it_names_a_link_that_finds_no_record(client, varied, link, slug, message):
    rows = csv_rows(public_export(client, extension="csv", query="sep=comma"))
    header = [*rows[0], "Адрес (slug)"]
    row = next(r for r in rows[1:] if r[0].endswith("/varied/"))
    row = [link, *row[1:], slug]

    result = AgreementResource().import_data(CSV().create_dataset(csv_file([header, row])))

    (problem,) = result.problems()
    assert problem.row == 2 and problem.column == "Ссылка"
    assert message in problem.message


@pytest.mark.django_db
def test_it_finds_the_record_from_another_host_and_language(client, varied):
    rows = csv_rows(public_export(client, extension="csv"))
    row = next(r for r in rows[1:] if r[0].endswith("/varied/"))
    row[0] = "https://registry.example.org/en/agreements/varied/"

    result = AgreementResource().import_data(CSV().create_dataset(csv_file([rows[0], row])))

    assert [str(problem) for problem in result.problems()] == []
    assert result.counts == {"new": 0, "update": 0, "skip": 1, "invalid": 0}


@pytest.mark.django_db
def test_it_refuses_a_party_whose_country_the_file_changed(client, varied):
    rows = csv_rows(public_export(client, extension="csv"))
    row = next(r for r in rows[1:] if r[0].endswith("/varied/"))
    parties = rows[0].index("Стороны")
    row[parties] = row[parties].replace("ЕАБР (международная организация", "ЕАБР (Казахстан")

    result = AgreementResource().import_data(CSV().create_dataset(csv_file([rows[0], row])))

    (problem,) = result.problems()
    assert problem.column == "Стороны"
    assert "«ЕАБР»: в файле страна «Казахстан», а в реестре — «международная организация»" in problem.message
    assert Party.objects.filter(name="ЕАБР", country=None).exists()


@pytest.mark.django_db
def test_it_refuses_a_code_with_another_name(client, varied):
    rows = csv_rows(public_export(client, extension="csv"))
    row = next(r for r in rows[1:] if r[0].endswith("/varied/"))
    regions = rows[0].index("Регионы реализации")
    row[regions] = row[regions].replace("KZ-31 Жамбылская", "KZ-11 Жамбылская")

    result = AgreementResource().import_data(CSV().create_dataset(csv_file([rows[0], row])))

    (problem,) = result.problems()
    assert problem.column == "Регионы реализации"
    assert "Регион «KZ-11 Жамбылская область»: код KZ-11 — это «Акмолинская область»" in problem.message
