"""Refusing input that is not a Russian press release: empty, binary, junk, too long, another language."""

import re

from django.utils.translation import gettext as _

from agreements.backoffice.announcements.errors import AnnouncementError

# A forum press release is a few pages; a megabyte is a wrong file, not a long announcement.
MAX_CHARS = 200_000
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
WORD_RE = re.compile(r"[^\W\d_]{2,}")
CYRILLIC_WORD_RE = re.compile(r"^[а-яёА-ЯЁәғқңөұүһіӘҒҚҢӨҰҮҺІ-]+$")


def check_text(text) -> str:
    """The text with line ends unified, or AnnouncementError saying in Russian what is wrong with it."""
    if not isinstance(text, str):
        raise AnnouncementError(_("Ожидался текст пресс-релиза."))
    if not text.strip():
        raise AnnouncementError(_("Текст пуст: вставьте или загрузите текст пресс-релиза."))
    if len(text) > MAX_CHARS:
        raise AnnouncementError(
            _("Текст слишком длинный (%(size)s символов, не больше %(limit)s): это не пресс-релиз.")
            % {"size": len(text), "limit": MAX_CHARS}
        )
    unprintable = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\n\r\t") or ch == "\ufffd")
    if "\x00" in text or unprintable > len(text) * 0.01:
        raise AnnouncementError(_("Это двоичный файл, а не текст: загрузите текст пресс-релиза."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    words = WORD_RE.findall(text)
    letters = sum(len(w) for w in words)
    if len(words) < 5 or letters < len(text.replace(" ", "").replace("\n", "")) * 0.4:
        raise AnnouncementError(_("Текст не похож на пресс-релиз: в нём почти нет слов."))
    cyrillic = [w for w in words if CYRILLIC_WORD_RE.match(w)]
    if len(cyrillic) < len(words) * 0.5:
        raise AnnouncementError(_("Текст не на русском языке: читаются только пресс-релизы на русском."))
    kazakh = sum(1 for w in cyrillic if KAZAKH_LETTERS.intersection(w))
    if kazakh > len(cyrillic) * 0.05:
        raise AnnouncementError(
            _("Текст на казахском языке: читаются только пресс-релизы на русском, загрузите русскую версию.")
        )
    return text
