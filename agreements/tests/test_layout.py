"""The house rules of issue #18, checked so they stay true: no module over 400 lines and no
function over 60 outside migrations and tests; the public site and the back office import each
other only where named below; only backend.py asks which database it runs on."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Commands that copy a whole database are about the database itself (backend.py says so).
VENDOR_ALLOWED = {
    "agreements/backend.py",
    "agreements/management/commands/backup.py",
    "agreements/management/commands/restore.py",
    "agreements/demo/writing.py",
}


def sources():
    for folder in ("agreements", "registry", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or "tests" in relative.parts:
                continue
            yield relative.as_posix(), path.read_text()


def test_it_keeps_every_module_under_400_lines():
    long = {name: n for name, text in sources() if (n := len(text.splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_it_keeps_every_function_under_60_lines():
    long = []
    for name, text in sources():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


def test_it_asks_the_database_vendor_only_in_the_backend_module():
    asking = [
        name
        for name, text in sources()
        if "connection.vendor" in text and name not in VENDOR_ALLOWED and not name.startswith("bench/")
    ]
    assert asking == []


def test_it_keeps_the_public_site_out_of_the_back_office():
    """The public site reads what the back office writes through the models alone."""
    importing = [
        name
        for name, text in sources()
        if name.startswith("agreements/public/") and "agreements.backoffice" in text
    ]
    assert importing == []
