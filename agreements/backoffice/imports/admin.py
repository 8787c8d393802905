"""The import in the admin: the upload form and the mixin every importable ModelAdmin uses.

It adds to django-import-export's admin what staff need: size and row limits, the format guessed from
the file, Russian messages, and a refusal to write anything when the confirmed file has errors.
"""

import math

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm

from agreements.backoffice.imports.files import (
    EMPTY_FILE,
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    ImportFileError,
    format_for_file,
)
from agreements.backoffice.imports.results import ImportResult


def max_upload_size() -> int:
    return getattr(settings, "IMPORT_MAX_FILE_SIZE", settings.FILE_UPLOAD_MAX_MEMORY_SIZE)


def admin_max_rows() -> int:
    """Rows an admin import may have: it runs twice (preview, confirm) within the server's 120 s timeout."""
    return getattr(settings, "IMPORT_ADMIN_MAX_ROWS", 1000)


def megabytes(size: int, up=False) -> str:
    """``10``, ``10,1``: a size in MB with one decimal, rounded up (a file's size) or down (a limit)."""
    tenths = size * 10 / 1024 / 1024
    tenths = math.ceil(tenths) if up else math.floor(tenths)
    whole, tenth = divmod(tenths, 10)
    return f"{whole},{tenth}" if tenth else str(whole)


class RegistryImportForm(ImportForm):
    """The admin's upload form: says what it accepts, refuses big files, guesses the format."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        limit = megabytes(max_upload_size())
        upload = self.fields["import_file"]
        upload.help_text = (
            f"Таблица XLSX или CSV (UTF-8 или Windows-1251) размером не больше {limit} МБ. "
            "Кодировку CSV можно выбрать явно в поле формата. "
            "Первая строка — заголовки столбцов, как в файле выгрузки."
        )
        upload.error_messages["empty"] = EMPTY_FILE
        upload.widget.attrs["accept"] = ".xlsx,.csv"
        self.fields["format"].required = False
        self.fields["format"].help_text = (
            "Если не выбран, определяется по расширению файла; для CSV кодировка определяется сама "
            "(UTF-8 или русский текст в Windows-1251) — или выберите её здесь."
        )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = max_upload_size()
        if upload.size > limit:
            raise ValidationError(
                f"Файл весит {megabytes(upload.size, up=True)} МБ, а можно загрузить не больше "
                f"{megabytes(limit)} МБ. "
                "Разделите таблицу на несколько файлов."
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload and not cleaned.get("format"):
            head = upload.read(8)
            upload.seek(0)
            try:
                chosen = format_for_file(upload.name, head)
            except ImportFileError as exc:
                self.add_error("import_file", exc.message)
                return cleaned
            cleaned["format"] = str(self.formats.index(chosen))
        return cleaned


class RegistryImportExportMixin(ImportExportMixin):
    """django-import-export's admin mixin with this registry's formats, messages and safeguards."""

    import_form_class = RegistryImportForm
    import_template_name = "admin/agreements/import.html"
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS

    def has_import_permission(self, request):
        # An import adds and changes records: it needs both permissions (reference data: superusers).
        return (
            super().has_import_permission(request)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "max_rows": admin_max_rows()}

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", e.message)
        else:
            form.add_error(
                "import_file",
                "Не удалось прочитать файл: он повреждён или не совпадает "
                "с выбранным форматом (CSV или XLSX).",
            )

    def import_url(self):
        # Django's ModelAdmin.opts, not the library's undocumented get_model_info().
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_import"
        return reverse(name, current_app=self.admin_site.name)

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except (FileNotFoundError, ImportFileError):
            messages.error(
                request,
                "Файл этого импорта не найден: вероятно, импорт уже подтверждён. "
                "Проверьте список записей или загрузите файл снова.",
            )
            return redirect(self.import_url())

    def process_result(self, result, request):
        if isinstance(result, ImportResult) and result.failed:
            # Data changed between the preview and the confirmation: nothing was written.
            for problem in result.problems()[:20]:
                messages.error(request, str(problem))
            messages.error(
                request, "Импорт не выполнен, ничего не записано: исправьте ошибки и загрузите файл снова."
            )
            return redirect(self.import_url())
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        counts = result.counts if isinstance(result, ImportResult) else {}
        messages.success(
            request,
            "Импорт завершён: новых — {}, изменённых — {}, без изменений — {}.".format(
                counts.get("new", 0), counts.get("update", 0), counts.get("skip", 0)
            ),
        )
