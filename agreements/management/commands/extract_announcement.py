"""Read a forum press release and print the proposed figures and draft agreements; writes nothing.

    python manage.py extract_announcement announcement.txt          # readable, in Russian
    python manage.py extract_announcement announcement.txt --json   # one JSON object (the contract)

Bad input (not UTF-8, binary, another language, no documents named) ends with a message on stderr
and exit code 2. .txt is read here; .html and .docx go through ``agreements.announcements.files``
(the admin upload's reader) when that module is present.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from agreements.backoffice.announcements.reader import AnnouncementError, read_announcement
from agreements.models import Agreement, ForumFigure

MAX_BYTES = 2 * 1024 * 1024


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise CommandError(
            _("Не удалось прочитать файл %(name)s: %(error)s") % {"name": path, "error": exc.strerror},
            returncode=2,
        ) from None
    if path.suffix.lower() != ".txt":
        try:
            from agreements.backoffice.announcements.files import text_from_file
        except ImportError:
            raise CommandError(_("Поддерживаются только файлы .txt (UTF-8)."), returncode=2) from None
        try:
            return text_from_file(path.name, data)
        except (AnnouncementError, ValueError) as exc:
            raise CommandError(str(exc), returncode=2) from None
    if b"\x00" in data:
        raise CommandError(_("Это двоичный файл, а не текст: загрузите текст пресс-релиза."), returncode=2)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(_("Файл не в кодировке UTF-8: сохраните текст в UTF-8."), returncode=2) from None


class Command(BaseCommand):
    help = (
        "Предложение показателей форума и проектов соглашений по тексту пресс-релиза (ничего не записывает)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Текст пресс-релиза: .txt в UTF-8.")
        parser.add_argument("--json", action="store_true", help="Вывести один объект JSON.")

    def handle(self, *args, file, json, **options):
        with translation.override("ru"):
            text = read_text(Path(file))
            try:
                proposal = read_announcement(text)
            except AnnouncementError as exc:
                raise CommandError(str(exc), returncode=2) from None
            if json:
                self.stdout.write(dump(proposal))
            else:
                self.stdout.write(readable(proposal))


def dump(proposal: dict) -> str:
    return json.dumps(proposal, ensure_ascii=False, indent=2)


def readable(proposal: dict) -> str:
    kinds, metrics = dict(Agreement.Kind.choices), dict(ForumFigure.Metric.choices)
    lines = [_("Показатели форума: %(count)s") % {"count": len(proposal["figures"])}]
    for figure in proposal["figures"]:
        lines.append(
            f"  {metrics.get(figure['key'], figure['key'])}: {figure['value']:,} {figure['unit']}".replace(
                ",", " "
            )
        )
        lines.append(f"    «{figure['quote']}»")
    lines.append("")
    lines.append(_("Документы: %(count)s") % {"count": len(proposal["agreements"])})
    for number, item in enumerate(proposal["agreements"], start=1):
        lines.append(f"{number}. {item['title']} [{kinds.get(item['kind'], item['kind'])}]")
        lines.append("   " + _("Предмет: %(subject)s") % {"subject": item["subject"]})
        for party in item["parties"]:
            match = party["match"] or _("новый участник")
            name = f"{party['legal_form']} «{party['name']}»" if party["legal_form"] else party["name"]
            lines.append(f"   — {name} ({party['country'] or '?'}; {match})")
        for label, key in ((_("Регионы"), "regions"), (_("Страны"), "countries"), (_("Отрасли"), "sectors")):
            if item[key]:
                lines.append(f"   {label}: {', '.join(item[key])}")
        if item["amount"] is not None:
            lines.append(
                "   "
                + _("Сумма: %(amount)s %(currency)s")
                % {"amount": item["amount"], "currency": item["currency"]}
            )
        lines.append(f"   «{item['quote']}»")
    return "\n".join(lines)
