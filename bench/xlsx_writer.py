"""The XLSX writer alone (agreements/public/downloads/xlsx.py), 100,000 export-like rows, with and
without the hyperlink
and amount columns: what the real links (spooled, at most 65,530 a sheet) cost in time and memory.

    .venv/bin/python bench/xlsx_writer.py [--rows 100000]
"""

import argparse
import os
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")


def rows(count):
    for n in range(count):
        yield (
            f"https://registry.example.org/agreements/agreement-{n}/", f"Соглашение о поставках № {n}",
            "соглашение", "подписано", date(2020, 1, 1), "XIII Форум",
            "ТОО «Зерно» (Казахстан, сторона); ООО «Агро» (Россия, сторона)", "KZ-31 Жамбылская область",
            "Казахстан", "C Обрабатывающие производства", Decimal("1500000.50"), "USD",
            "Поставки зерна " * 5, "https://example.org/news/1",
        )  # fmt: skip


def run(xlsx, count, traced, **formats):
    sheet = xlsx.Sheet("S", [str(i) for i in range(14)], rows(count), widths=[10] * 14, **formats)
    if traced:
        tracemalloc.start()
    started, size = time.perf_counter(), 0
    for chunk in xlsx.stream_xlsx([sheet], datetime.now(UTC)):
        size += len(chunk)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    return seconds, size, peak, sheet.links_dropped


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    count = parser.parse_args().rows
    import django

    django.setup()
    from agreements.public.downloads import xlsx

    for label, formats in (
        ("plain", {}),
        ("links+amounts", {"link_columns": (0, 13), "amount_columns": (10,)}),
    ):
        seconds, size, _, dropped = run(xlsx, count, False, **formats)
        _, _, peak, _ = run(xlsx, count, True, **formats)
        print(
            f"{label}: {seconds:.2f} s, {size / 1e6:.1f} MB, traced peak {peak / 1e6:.1f} MB, "
            f"links left as text {dropped}"
        )


if __name__ == "__main__":
    main()
