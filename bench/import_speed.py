#!/usr/bin/env python
"""How fast the staff import is: rows per second for the admin's preview and confirm and the command.

    .venv/bin/python bench/import_speed.py --backend sqlite --rows 1000
    .venv/bin/python bench/import_speed.py --backend postgres --rows 1000
    .venv/bin/python bench/import_speed.py --backend sqlite --rows 1000 --code /path/to/old/checkout

The file is real: ``generate_demo_data --agreements N`` makes N agreements with parties, regions,
sectors and countries, the admin's export writes them to XLSX, and the agreements are deleted (their
parties, forums and reference data stay), so the import creates all N again. Then, for the command's
path (``AgreementResource`` as ``import_agreements`` runs it) and for the admin (Django's test client,
logged in as a superuser, the preview with its per-row diff, then the confirm):

* **new**: the N rows into a registry without them (preview = dry run, then confirm);
* **unchanged**: the same file again (every row skipped);
* **changed**: every title edited (every row an update).

Each figure is the whole step — reading the file included — once, on a database used only by this
script (SQLite ``bench/out/import-speed.sqlite3`` or PostgreSQL ``registry_imports``; created if
missing). ``--code DIR`` imports the project from another checkout (the code before a change) while
the output stays here. Results print as a Markdown table; nothing leaves 127.0.0.1.
"""

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
DATABASES = {
    "sqlite": f"sqlite:///{OUT / 'import-speed.sqlite3'}",
    "postgres": "postgres://postgres@127.0.0.1:5432/registry_imports",
}


def setup(backend: str, code: Path) -> None:
    os.environ["DATABASE_URL"] = DATABASES[backend]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # the test client speaks plain http
    os.environ["SECRET_KEY"] = "import-bench-only-" + "k" * 40
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    sys.path.insert(0, str(code))
    os.chdir(code)
    if backend == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'registry_imports'").fetchone():
                conn.execute("CREATE DATABASE registry_imports")
    import django

    django.setup()


def prepare(rows: int) -> bytes:
    """The demo agreements exported by the admin's Resource, then deleted: the file imports them again."""
    from django.core.management import call_command
    from import_export.formats.base_formats import XLSX

    from agreements.backoffice.resources import AgreementResource
    from agreements.models import Agreement, Country

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO(), "verbosity": 0}
    call_command("migrate", **quiet)
    call_command("collectstatic", interactive=False, **quiet)  # DEBUG=0 serves the admin's manifest
    if not Country.objects.exists():
        call_command("load_reference_data", **quiet)
    if not Agreement.objects.filter(slug__startswith="xiii-").exists():
        call_command("load_seed", **quiet)
    call_command("generate_demo_data", agreements=rows, seed=1, replace=True, no_progress=True, **quiet)
    demo = Agreement.objects.filter(slug__startswith="demo-")
    data = XLSX().export_data(AgreementResource().export(demo))
    demo.delete()
    return data


def edited(data: bytes) -> bytes:
    """The same file with every title changed, so that every row is an update."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    column = [cell.value for cell in sheet[1]].index("Название") + 1
    for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        cell.value = f"{cell.value} (уточнено)"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed(function):
    """Wall seconds of ``function()`` (CPU seconds of this process are in CPU_SECONDS)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function()
    CPU_SECONDS.append(time.process_time() - cpu)
    return time.perf_counter() - started, result


# This process's CPU time per step: on a busy machine wall time also counts waiting for a core.
CPU_SECONDS = []


def command_step(data: bytes, dry_run: bool):
    from agreements.backoffice.imports.files import XLSX
    from agreements.backoffice.resources import AgreementResource

    def run():
        dataset = XLSX().create_dataset(data)
        result = AgreementResource(diff=False).import_data(dataset, dry_run=dry_run)
        assert not (result.has_errors() or result.has_validation_errors()), result.base_errors[:1]
        return result

    return timed(run)


def admin_client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # so that responses carry their template context (the confirm form)

    user, _ = get_user_model().objects.get_or_create(
        username="import-bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def admin_steps(client, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = {"resource": "0", "format": "1", "import_file": SimpleUploadedFile("bench.xlsx", data)}
    seconds_preview, response = timed(
        lambda: client.post(reverse("admin:agreements_agreement_import"), upload)
    )
    assert response.status_code == 200 and "confirm_form" in response.context, response.content[:2000]
    initial = response.context["confirm_form"].initial
    confirm = {
        name: initial[name] for name in ("import_file_name", "original_file_name", "format", "resource")
    }
    seconds_confirm, response = timed(
        lambda: client.post(reverse("admin:agreements_agreement_process_import"), confirm)
    )
    assert response.status_code == 302, response.content[:2000]
    return seconds_preview, seconds_confirm


def delete_imported():
    from agreements.models import Agreement

    Agreement.objects.filter(slug__startswith="demo-").delete()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=sorted(DATABASES), required=True)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--code", type=Path, default=BENCH.parent, help="the checkout whose code is measured")
    parser.add_argument("--skip-admin", action="store_true", help="only the command's path")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    setup(args.backend, args.code.resolve())
    data = prepare(args.rows)
    changed = edited(data)
    n = args.rows
    lines = []

    def line(path, case, step, seconds):
        cpu = CPU_SECONDS[-1] if path == "command" else CPU_SECONDS[-2 if step == "preview" else -1]
        lines.append(f"| {path} | {case} | {step} | {seconds:.2f} | {n / seconds:,.0f} | {cpu:.2f} |")
        print(lines[-1], flush=True)

    print(f"{args.backend}, {n} rows, code at {args.code}, file {len(data) / 1024:.0f} KB", flush=True)
    for case, content in (("new", data), ("unchanged", data), ("changed", changed)):
        seconds, _ = command_step(content, dry_run=True)
        line("command", case, "preview (--dry-run)", seconds)
        seconds, _ = command_step(content, dry_run=False)
        line("command", case, "import", seconds)
    if not args.skip_admin:
        delete_imported()
        client = admin_client()
        for case, content in (("new", data), ("unchanged", data), ("changed", edited(changed))):
            preview, confirm = admin_steps(client, content)
            line("admin", case, "preview", preview)
            line("admin", case, "confirm", confirm)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the whole run: {peak:.0f} MB")
    print("\n| path | rows | step | seconds | rows/s | CPU s (this process) |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
