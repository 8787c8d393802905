#!/usr/bin/env python
"""Staff writing while bench/under_writes.py reads: run by it as a subprocess, one JSON line out.

    write_load.py edits BASE_URL SECONDS EVERY   # save one agreement with history every EVERY s
    write_load.py import BASE_URL ROWS           # import a ROWS-row file (new drafts), once

``edits`` switches one published agreement's kind (memorandum ↔ agreement) through the ORM, with a
history record as an admin save writes, then reads the listing filtered by the new kind over HTTP
until its count shows the change in five requests in a row (gunicorn spreads them over its
workers), at most 10 s: the time until an edit is visible in counts and pages. Bounded: SECONDS
of edits, one at a time.
"""

import io
import json
import os
import re
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COUNT = re.compile(r"Найдено\s+([\d\s\u00a0\u202f]+?)\s+соглашени")
VISIBLE_IN_A_ROW = 5
VISIBLE_TIMEOUT = 10.0


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()


def listed_count(base: str, kind: str) -> int | None:
    assert base.startswith("http://127.0.0.1:"), "benchmarks only load 127.0.0.1"
    with urllib.request.urlopen(f"{base}/agreements/?kind={kind}", timeout=30) as response:
        match = COUNT.search(response.read().decode())
    return int(re.sub(r"\D", "", match.group(1))) if match else None


def seconds_until_visible(base: str, kind: str, expected: int, saved_at: float) -> float | None:
    in_a_row = 0
    while time.monotonic() - saved_at < VISIBLE_TIMEOUT:
        in_a_row = in_a_row + 1 if listed_count(base, kind) == expected else 0
        if in_a_row >= VISIBLE_IN_A_ROW:
            return time.monotonic() - saved_at
        time.sleep(0.02)
    return None


def edits(base: str, seconds: float, every: float) -> dict:
    from agreements.models import Agreement

    kinds = (Agreement.Kind.MOU, Agreement.Kind.AGREEMENT)
    agreement = Agreement.objects.public().filter(kind__in=kinds).order_by("pk").first()
    visible, saves = [], 0
    # Counted once, then followed switch by switch: a COUNT per save took ~100 ms of PostgreSQL at
    # 100,000 agreements, on the cores the measured server shares.
    counts = {kind: Agreement.objects.public().filter(kind=kind).count() for kind in kinds}
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        tick = time.monotonic()
        counts[agreement.kind] -= 1
        agreement.kind = kinds[1] if agreement.kind == kinds[0] else kinds[0]
        counts[agreement.kind] += 1
        expected = counts[agreement.kind]
        agreement._change_reason = "bench: read under writes"
        agreement.save()  # simple-history writes its record in the same transaction
        saves += 1
        visible.append(seconds_until_visible(base, agreement.kind, expected, time.monotonic()))
        time.sleep(max(0.0, every - (time.monotonic() - tick)))
    seen = sorted(v for v in visible if v is not None)
    return {
        "saves": saves,
        "not_visible_within_10s": len(visible) - len(seen),
        "visible_p50_s": round(seen[len(seen) // 2], 2) if seen else None,
        "visible_max_s": round(seen[-1], 2) if seen else None,
    }


def import_rows(rows: int) -> dict:
    """A file of ``rows`` new agreements (copies of demo ones under new slugs), imported as the
    command imports it (one transaction, history rows)."""
    import tablib
    from django.core.management import call_command
    from import_export.formats.base_formats import CSV

    from agreements.backoffice.resources import AgreementResource
    from agreements.models import Agreement

    source = Agreement.objects.filter(slug__startswith="demo-").order_by("pk")[:rows]
    dataset = AgreementResource().export(queryset=source)
    stamp = int(time.time())
    slug_column = dataset.headers.index("Адрес (slug)")
    title_column = dataset.headers.index("Название")
    data = [list(row) for row in dataset]
    for n, row in enumerate(data):
        row[slug_column] = f"bench-import-{stamp}-{n}"
        row[title_column] = f"{row[title_column]} (импорт {stamp})"
    dataset = tablib.Dataset(*data, headers=dataset.headers)
    path = Path(tempfile.mkdtemp()) / f"bench-import-{stamp}.csv"
    path.write_text(CSV().export_data(dataset), encoding="utf-8")
    started = time.monotonic()
    out = io.StringIO()
    call_command("import_agreements", str(path), stdout=out, stderr=io.StringIO())
    path.unlink()
    return {"rows": rows, "import_s": round(time.monotonic() - started, 2), "summary": out.getvalue().strip()}


def main(argv: list[str]) -> None:
    setup()
    mode, *args = argv
    if mode == "edits":
        base, seconds, every = args
        result = edits(base, float(seconds), float(every))
    else:
        _base, rows = args
        result = import_rows(int(rows))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
