#!/usr/bin/env python
"""Peak memory and time of ``manage.py import_agreements`` on hostile files, each refused with a message.

    .venv/bin/python bench/hostile_imports.py            # SQLite file bench/out/hostile.sqlite3
    .venv/bin/python bench/hostile_imports.py --database-url postgres://postgres@127.0.0.1:5432/registry_imports

The files are generated into ``bench/out/hostile/`` (small on disk, huge once unzipped or parsed):
a 100 MB cell in a 100 KB XLSX, the same with the archive lying about its size, 20 million empty
rows, 100,000 filled rows, a billion-laughs entity bomb, HTML saved as .xlsx, a CSV with 100,000
columns, a sparse 50 MB file, a UTF-8 CSV with one stray byte, and an ordinary 12-row file for
reference. Each runs in its own process; its peak resident memory is the child's ``ru_maxrss``
from ``wait4``. Prints a Markdown table: file, size on disk, exit status, seconds, peak MB, message.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out" / "hostile"
HEADERS = ["Адрес (slug)", "Название", "Вид документа", "Стороны"]
SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    + '<row r="1"><c r="A1" t="inlineStr"><is><t>Название</t></is></c></row>'.encode()
)
TAIL = b"</sheetData></worksheet>"
TIMEOUT = 300  # seconds per file


def workbook(rows) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet(write, lie_size=None) -> bytes:
    """A real workbook whose first sheet is what ``write(stream)`` writes, streamed (constant memory)."""
    source = zipfile.ZipFile(io.BytesIO(workbook([HEADERS, ["h-1", "Соглашение", "соглашение", "БИОКАД"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                target.writestr(info, source.read(info.filename))
    data = bytearray(buffer.getvalue())
    if lie_size is not None:  # the central directory's "uncompressed size" of the sheet
        position = data.find(b"PK\x01\x02")
        while position != -1:
            length = int.from_bytes(data[position + 28 : position + 30], "little")
            if data[position + 46 : position + 46 + length] == SHEET.encode():
                data[position + 24 : position + 28] = lie_size.to_bytes(4, "little")
            position = data.find(b"PK\x01\x02", position + 1)
    return bytes(data)


def huge_cell(megabytes):
    def write(stream):
        stream.write(HEAD + b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
        for _ in range(megabytes):
            stream.write(b"A" * 1024 * 1024)
        stream.write(b"</t></is></c></row>" + TAIL)

    return write


def empty_rows(count):
    def write(stream):
        stream.write(HEAD)
        for _ in range(count // 100_000):
            stream.write(b"<row/>" * 100_000)
        stream.write(TAIL)

    return write


def filled_rows(count):
    def write(stream):
        stream.write(HEAD)
        for start in range(2, count + 2, 10_000):
            stream.write(
                b"".join(
                    b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
                    for n in range(start, min(start + 10_000, count + 2))
                )
            )
        stream.write(TAIL)

    return write


def laughs(stream):
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    stream.write(
        (
            '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">' + entities + "]>"
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
        ).encode()
    )


def generate() -> dict[str, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    russian = "\n".join(
        [",".join(HEADERS)] + [f"r-{n},Соглашение о поставках № {n},соглашение,БИОКАД" for n in range(12)]
    )
    files = {
        "ordinary.csv": russian.encode() + b"\n",
        "cell-39mb.xlsx": with_sheet(huge_cell(39)),  # under the unzipped limit: parsed, then refused
        "cell-100mb.xlsx": with_sheet(huge_cell(100)),
        "cell-1gb.xlsx": with_sheet(huge_cell(1024)),
        "cell-1gb-lying.xlsx": with_sheet(huge_cell(1024), lie_size=1000),
        "rows-20m-empty.xlsx": with_sheet(empty_rows(20_000_000)),
        "rows-100k.xlsx": with_sheet(filled_rows(100_000)),
        "rows-1m-small.xlsx": with_sheet(filled_rows(1_000_000)),
        "billion-laughs.xlsx": with_sheet(laughs),
        "html.xlsx": b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
        "columns-100k.csv": ",".join(["a"] * 100_000).encode() + b"\n1\n",
        "stray-byte.csv": russian.encode().replace(
            "поставках № 5".encode(), "поставках № 5".encode() + b"\xff"
        ),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = OUT / name
        paths[name].write_bytes(data)
    paths["sparse-50mb.csv"] = OUT / "sparse-50mb.csv"
    with paths["sparse-50mb.csv"].open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    return paths


def measure(path: Path, env: dict) -> tuple[int, float, float, str]:
    """Exit status, seconds, peak RSS (MB, the child's own ``ru_maxrss``) and the last line printed."""
    command = [sys.executable, "manage.py", "import_agreements", str(path), "--dry-run", "-v", "0"]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        watchdog = threading.Timer(TIMEOUT, child.kill)  # a file that hangs is killed, not waited for
        watchdog.start()
        _, status, usage = os.wait4(child.pid, 0)  # this child's rusage alone, unlike RUSAGE_CHILDREN
        watchdog.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        lines = output.read().decode(errors="replace").strip().splitlines()
    seconds = time.perf_counter() - started
    return child.returncode, seconds, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{BENCH / 'out' / 'hostile.sqlite3'}")
    args = parser.parse_args(argv)
    env = {**os.environ, "DATABASE_URL": args.database_url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    subprocess.run(
        [sys.executable, "manage.py", "load_seed", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    print(
        "| file | on disk | exit | seconds | peak RSS MB | message |\n| --- | --- | --- | --- | --- | --- |"
    )
    for name, path in generate().items():
        status, seconds, peak, message = measure(path, env)
        size = path.stat().st_size
        shown = f"{size / 1024 / 1024:.1f} MB" if size > 1024 * 1024 else f"{size / 1024:.0f} KB"
        print(f"| {name} | {shown} | {status} | {seconds:.1f} | {peak:.0f} | {message[:110]} |", flush=True)


if __name__ == "__main__":
    main()
