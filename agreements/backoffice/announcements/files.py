"""An uploaded announcement (.txt, .docx, .html) → its plain text, or a message saying why not.

Every refusal is an ``AnnouncementError`` with a Russian message for the form: a wrong file is the
user's mistake to correct, never a server error.
"""

import io
import re
import zipfile
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from agreements.backoffice.announcements.errors import AnnouncementError

MAX_FILE_SIZE = 2 * 1024 * 1024
TEXT_EXTENSIONS = (".txt",)
DOCX_EXTENSIONS = (".docx",)
HTML_EXTENSIONS = (".html", ".htm")
ACCEPT = ".txt,.docx,.html,.htm"
# cp1251 bytes decode to *something* whatever the file is; accept them only when it reads as Russian.
MIN_CYRILLIC_SHARE = 0.5


def text_from_file(name: str, data: bytes) -> str:
    """The text of an uploaded file; ``AnnouncementError`` if it is too large, binary or unreadable."""
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if len(data) > MAX_FILE_SIZE:
        raise AnnouncementError(too_large_message())
    if not data.strip():
        raise AnnouncementError(_("Файл пустой."))
    if extension in DOCX_EXTENSIONS:
        return text_from_docx(data)
    if extension in HTML_EXTENSIONS:
        return text_from_html(decode_text(data))
    if extension in TEXT_EXTENSIONS:
        return decode_text(data)
    raise AnnouncementError(
        _("Можно загрузить файл .txt, .docx или .html; этот файл — «%(name)s».") % {"name": name}
    )


def too_large_message() -> str:
    return _("Файл больше 2 МБ: сообщение для импорта — это текст на несколько страниц. Вставьте его текст.")


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: an image, an archive or a Word file renamed .txt."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
    return controls > len(head) * 0.05


def decode_text(data: bytes) -> str:
    if looks_binary(data):
        raise AnnouncementError(
            _("Файл не текстовый (похоже на картинку, архив или документ Word под другим именем).")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if "а" <= c.lower() <= "я" or c.lower() == "ё")
    if letters and cyrillic / len(letters) >= MIN_CYRILLIC_SHARE and "\ufffd" not in text:
        return text
    raise AnnouncementError(
        _("Файл не в кодировке UTF-8. Сохраните его как «Текст (UTF-8)» или вставьте текст в поле.")
    )


def cp1251_note(data: bytes) -> str:
    """A message for the preview when the text came from a Windows-1251 file, else an empty string."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _("Файл прочитан в кодировке Windows-1251: проверьте, что буквы в тексте не искажены.")
    return ""


def text_from_docx(data: bytes) -> str:
    import docx  # python-docx; imported here so the rest of the app does not pay for lxml

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise AnnouncementError(
            _("Не удалось прочитать файл .docx: он повреждён или это не документ Word.")
        ) from exc
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" ".join(cell.text for cell in row.cells))
    return "\n\n".join(paragraphs)


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page; block elements become line breaks, scripts and styles vanish."""

    SKIPPED = {"script", "style", "noscript", "template", "head"}
    BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "ul",
        "ol",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def text_from_html(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
