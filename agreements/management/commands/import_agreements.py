"""Import agreements from an XLSX or CSV file: the admin's import, for files too big to upload.

    python manage.py import_agreements agreements.xlsx --dry-run
    python manage.py import_agreements agreements.xlsx

The columns are the admin's (``AgreementResource``). The import is all-or-nothing: with any error
nothing is written, every error is printed with its spreadsheet row and column, and the command
exits with a non-zero status. A summary (new / changed / unchanged / errors) ends the output.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from agreements.backoffice.imports.files import ImportFileError, read_file
from agreements.backoffice.resources import AgreementResource


class Command(BaseCommand):
    help = "Импорт соглашений из таблицы XLSX или CSV (те же столбцы, что у импорта в админке)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Файл .xlsx или .csv (UTF-8 или Windows-1251).")
        parser.add_argument(
            "--encoding",
            choices=["utf-8", "cp1251"],
            help="Кодировка CSV, если её нельзя определить: utf-8 или cp1251 (Windows-1251). "
            "Без неё принимается UTF-8, а Windows-1251 — только если текст читается как русский.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Только проверить файл и показать итог, ничего не записывая.",
        )

    def handle(self, *args, file, dry_run, verbosity, encoding=None, **options):
        with translation.override("ru"):
            try:
                dataset = read_file(file, encoding=encoding)
            except ImportFileError as exc:
                raise CommandError(str(exc)) from None
            stream = getattr(self.stderr, "_out", self.stderr)
            with tqdm(
                total=len(dataset),
                desc="Импорт",
                unit=" стр.",
                file=stream,
                disable=verbosity == 0,
                leave=True,
            ) as bar:
                resource = AgreementResource(progress=bar.update, diff=False)
                result = resource.import_data(dataset, dry_run=dry_run, raise_errors=False)

            for note in result.notes:  # how the file was read: its encoding, columns not imported
                self.stdout.write(note)
            problems = result.problems()
            for problem in problems:
                self.stderr.write(str(problem))
            counts = result.counts
            self.stdout.write(
                f"Итог: новых — {counts['new']}, изменённых — {counts['update']}, "
                f"без изменений — {counts['skip']}, ошибок — {len(problems)}."
            )
            if problems:
                raise CommandError(f"Импорт не выполнен, ничего не записано: ошибок — {len(problems)}.")
            if dry_run:
                self.stdout.write("Пробный запуск (--dry-run): ничего не записано.")
            else:
                self.stdout.write(self.style.SUCCESS("Импорт завершён."))
