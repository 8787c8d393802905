"""«Импорт из сообщения»: paste a press release in the admin, check the preview, confirm drafts.

The confirmation's POST data is rebuilt from the rendered preview page's inputs (parsed HTML), as a
browser would send them, never from the forms' fields.
"""

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.backoffice.announcements.files import text_from_file
from agreements.backoffice.announcements.saving import CHANGE_REASON
from agreements.models import Agreement, AgreementParty, Forum, ForumFigure, Party, Source, StatusChange

pytest.importorskip("agreements.backoffice.announcements.reader")

URL = "/admin/agreements/agreement/announcement/"
SEED_TEXT = (Path(settings.BASE_DIR) / "fixtures" / "sources" / "xiii-forum-announcement.txt").read_text()
COUNTED = (Agreement, AgreementParty, Party, Forum, ForumFigure, Source, StatusChange)


class FormInputs(HTMLParser):
    """What a browser submits from the announcement form: inputs, checked boxes, selected options."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: list[tuple[str, str]] = []
        self.in_form = self.done = False
        self.select = self.textarea = None
        self.select_value = self.first_option = None
        self.text_parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and attrs.get("id", "").startswith("announcement"):
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "file", "button"):
                self.data.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self.select, self.select_value, self.first_option = name, None, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.select_value = value
        elif tag == "textarea" and name:
            self.textarea, self.text_parts = name, []

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            value = self.select_value if self.select_value is not None else self.first_option
            self.data.append((self.select, value or ""))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data.append((self.textarea, "".join(self.text_parts).removeprefix("\n")))
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True

    def handle_data(self, data):
        if self.textarea:
            self.text_parts.append(data)


def page_inputs(response) -> dict:
    parser = FormInputs()
    parser.feed(response.content.decode())
    return dict(parser.data)


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Редакторы"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def read(client, text="", upload=None, **fields):
    data = {
        "step": "read",
        "text": text,
        "forum_title": "XIII Форум межрегионального сотрудничества",
        **fields,
    }
    if upload is not None:
        data["upload"] = upload
    return client.post(URL, data)


def confirm(client, preview, **changes):
    data = {**page_inputs(preview), **changes}
    assert data["step"] == "confirm"
    return client.post(URL, data)


def test_it_redirects_anonymous_users_to_the_login_page(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_forbids_viewers(client, db):
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.groups.add(Group.objects.get(name="Наблюдатели"))
    client.force_login(viewer)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"step": "read", "text": SEED_TEXT}).status_code == 403
    changelist = client.get(reverse("admin:agreements_agreement_changelist"))
    assert "Импорт из сообщения" not in changelist.content.decode()


def test_it_shows_the_button_on_the_changelist_beside_import_and_export(editor_client):
    page = editor_client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    assert URL in page and "Импорт из сообщения" in page
    assert reverse("admin:agreements_agreement_import") in page
    assert reverse("admin:agreements_agreement_export") in page


def test_it_shows_the_form(editor_client):
    response = editor_client.get(URL)
    assert response.status_code == 200
    assert 'name="text"' in response.content.decode()


def test_it_imports_the_seed_text_end_to_end(editor_client, editor):
    before = counts()
    preview = read(editor_client, SEED_TEXT, forum_city="Астана", forum_number="XIII")
    assert preview.status_code == 200
    page = preview.content.decode()
    assert page.count('class="module aligned agreement"') == 12
    assert "56" in page and "двухсторонних документов" in page
    assert counts() == before  # the preview writes nothing

    response = confirm(editor_client, preview)
    assert response.status_code == 302
    drafts = Agreement.objects.filter(is_published=False)
    assert drafts.count() == 12
    assert "id__in=" in response["Location"]
    listing = editor_client.get(response["Location"])
    assert listing.context["cl"].result_count == 12  # the changelist shows these drafts
    assert "Создано черновиков: 12" in [str(m) for m in listing.context["messages"]]

    forum = Forum.objects.get(title="XIII Форум межрегионального сотрудничества")
    source = Source.objects.get()
    assert source.text == SEED_TEXT.replace("\r\n", "\n")
    assert ForumFigure.objects.filter(forum=forum, metric="documents", value=56, source=source).exists()
    eurochem = drafts.get(kind="mou", regions__code="KZ-31", party_links__party__name="Еврохим")
    assert [link.party.name for link in eurochem.party_links.order_by("order")] == [
        "Министерство по инвестициям и развитию РК",
        "Акимат Жамбылской области",
        "Еврохим",
    ]
    assert eurochem.source_quote in SEED_TEXT
    assert eurochem.status == "announced"
    assert eurochem.status_changes.get().status == "announced"
    assert "удобрен" in eurochem.search_stems
    for agreement in drafts:
        assert agreement.forum == forum and agreement.source == source
        assert agreement.source_quote and agreement.party_links.count() >= 2
        record = agreement.history.earliest()
        assert record.history_user == editor and record.history_change_reason == CHANGE_REASON
    # One party for «Евразийский банк развития» in two documents; a form without a choice stays in the name.
    assert Party.objects.filter(name="Евразийский банк развития").count() == 1
    assert Party.objects.filter(name="АКФ «ПИТ»", legal_form="").count() == 1
    assert all(p.history.earliest().history_user == editor for p in Party.objects.all())

    # The same text again: everything is already in the registry, nothing new is saved.
    after = counts()
    again = read(editor_client, SEED_TEXT, forum_title="", forum=str(forum.pk))
    assert again.content.decode().count("уже в реестре:") == 12
    response = confirm(editor_client, again)
    assert response.status_code == 302
    assert counts() == after
    messages = [str(m) for m in editor_client.get(response["Location"]).context["messages"]]
    assert "Создано черновиков: 0" in messages


def test_it_saves_what_staff_corrected_in_the_preview(editor_client):
    preview = read(editor_client, SEED_TEXT)
    response = confirm(
        editor_client,
        preview,
        **{
            "agreements-0-title": "Меморандум с «Еврохимом» (исправлено)",
            "agreements-0-sectors": "20",
            "agreements-0-amount": "1000000",
            "agreements-0-currency": "usd",
            "agreements-1-include": "",
            "figures-0-value": "57",
            "parties-2-name": "ЕвроХим",
        },
    )
    assert response.status_code == 302
    assert Agreement.objects.count() == 11
    fixed = Agreement.objects.get(title="Меморандум с «Еврохимом» (исправлено)")
    assert list(fixed.sectors.values_list("code", flat=True)) == ["20"]
    assert (fixed.amount, fixed.currency) == (1000000, "USD")
    assert "ЕвроХим" in [link.party.name for link in fixed.party_links.all()]
    assert ForumFigure.objects.filter(metric="documents", value=57).exists()


def test_it_shows_invalid_corrections_and_saves_nothing(editor_client):
    preview = read(editor_client, SEED_TEXT)
    before = counts()
    response = confirm(
        editor_client,
        preview,
        **{"agreements-0-regions": "KZ-99", "agreements-2-amount": "5", "agreements-2-currency": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Нет таких кодов" in page and "KZ-99" in page
    assert "Укажите валюту суммы." in page
    assert "ничего не сохранено" in page
    assert counts() == before
    # The page with its errors can be corrected and sent again.
    response = confirm(
        editor_client, response, **{"agreements-0-regions": "KZ-31", "agreements-2-currency": "KZT"}
    )
    assert response.status_code == 302
    assert Agreement.objects.count() == 12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Вставьте текст сообщения или загрузите файл."),
        ("   \n  ", "Вставьте текст сообщения или загрузите файл."),
        (
            "В Астане прошёл форум. Было тепло, участники обменялись мнениями.",
            "не найдено ни одного документа",
        ),
        ("x7#q " * 200_000, ""),
        (
            "A memorandum between the Ministry of Investment and KAZNEX INVEST on fertilisers was signed.\n"
            "- memorandum between Eurasian Development Bank and Interskol on power tools.",
            "",
        ),
        (
            "Астанада форум өтті. Қазақстан мен Ресей арасында меморандумға қол қойылды.\n"
            "- Жамбыл облысының әкімдігі мен «Еврохим» компаниясы арасындағы меморандум.",
            "",
        ),
    ],
    ids=["empty", "blank", "no-document", "junk-1mb", "english", "kazakh"],
)
def test_it_refuses_bad_text_with_a_message(editor_client, text, message):
    before = counts()
    response = read(editor_client, text)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors, "a bad text must be refused on the form"
    if message:
        assert message in " ".join(str(e) for e in form.errors.values())
    assert 'name="step" value="read"' in response.content.decode()
    assert counts() == before


def test_it_refuses_a_binary_file_renamed_txt(editor_client):
    before = counts()
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10
    response = read(editor_client, upload=SimpleUploadedFile("announcement.txt", png))
    assert response.status_code == 200
    assert "Файл не текстовый" in str(response.context["form"].errors["upload"])
    assert counts() == before


def test_it_reads_a_cp1251_file_and_says_so(editor_client):
    upload = SimpleUploadedFile("announcement.txt", SEED_TEXT.encode("cp1251"))
    response = read(editor_client, upload=upload)
    assert response.status_code == 200
    assert response.content.decode().count('class="module aligned agreement"') == 12
    assert "Windows-1251" in " ".join(str(m) for m in response.context["messages"])


def test_it_refuses_a_file_over_2_mb_before_reading_it(editor_client):
    response = read(editor_client, upload=SimpleUploadedFile("big.txt", "а".encode() * (2 * 1024 * 1024)))
    assert "2 МБ" in str(response.context["form"].errors["upload"])


def test_it_requires_a_forum(editor_client):
    response = read(editor_client, SEED_TEXT, forum_title="")
    assert "Выберите форум или укажите название нового." in str(response.context["form"].errors["forum"])


def test_it_reads_an_uploaded_docx(editor_client):
    import docx

    document = docx.Document()
    for paragraph in SEED_TEXT.split("\n\n"):
        document.add_paragraph(paragraph.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    upload = SimpleUploadedFile("announcement.docx", buffer.getvalue())
    response = read(editor_client, upload=upload)
    assert response.status_code == 200
    assert response.content.decode().count('class="module aligned agreement"') == 12


def test_it_reads_text_files_in_utf8_with_bom_and_cp1251():
    assert text_from_file("a.txt", "\ufeffМеморандум".encode()) == "Меморандум"
    assert (
        text_from_file("a.txt", "Меморандум между акиматом".encode("cp1251")) == "Меморандум между акиматом"
    )


def test_it_refuses_other_encodings_and_large_files():
    from agreements.backoffice.announcements.errors import AnnouncementError

    with pytest.raises(AnnouncementError, match="UTF-8"):
        text_from_file("a.txt", "Memorandum über Zusammenarbeit".encode("latin-1"))
    with pytest.raises(AnnouncementError, match="2 МБ"):
        text_from_file("a.txt", b"a" * (3 * 1024 * 1024))
    with pytest.raises(AnnouncementError, match=r"\.docx"):
        text_from_file("a.docx", b"not a zip file")
    with pytest.raises(AnnouncementError, match=r"\.txt"):
        text_from_file("a.pdf", b"%PDF-1.4")


def test_it_reads_html_without_scripts_and_styles():
    html = (
        "<html><head><style>p{}</style></head><body><script>alert(1)</script>"
        "<p>Форум</p><ul><li>меморандум</li></ul></body></html>"
    )
    text = text_from_file("a.html", html.encode())
    assert "alert" not in text and "p{}" not in text
    assert "Форум" in text and "- меморандум" in text


def test_it_refuses_more_documents_than_one_preview_can_post(editor_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    response = read(editor_client, SEED_TEXT)
    assert "слишком много для одного просмотра" in str(response.context["form"].errors["text"])


def test_it_posts_fewer_fields_than_django_accepts(editor_client):
    preview = read(editor_client, SEED_TEXT)
    parser = FormInputs()
    parser.feed(preview.content.decode())
    assert (
        len(parser.data) <= preview.context["preview"].field_count() <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    )
