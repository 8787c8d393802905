"""manage.py extract_announcement: the seed end to end as JSON and readable; bad files exit 2 with a
message and no traceback; nothing is written to the database."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agreements.models import Agreement, Party

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "fixtures/sources/xiii-forum-announcement.txt"
pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("extract_announcement", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_seeds_proposal_as_one_json_object(seeded):
    agreements_before = Agreement.objects.count()
    proposal = json.loads(run(str(SEED), "--json"))
    assert len(proposal["agreements"]) == 12
    assert proposal["agreements"][0]["kind"] == "mou"
    assert proposal["agreements"][0]["regions"] == ["KZ-31"]
    assert proposal["agreements"][3]["parties"][0]["match"] == "eurasian-development-bank"
    figures = {f["key"]: (f["value"], f["unit"]) for f in proposal["figures"]}
    assert figures["documents"] == (56, "documents")
    assert figures["total_amount"] == (3_000_000_000, "USD")
    assert Agreement.objects.count() == agreements_before


def test_it_prints_a_readable_proposal_in_russian():
    output = run(str(SEED))
    assert "Документы: 12" in output
    assert "Меморандум о намерениях между Евразийским банком развития и АО «ИНТЕРСКОЛ»" in output
    assert "новый участник" in output
    assert Party.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "\u043f\u0443\u0441\u0442"),
        ("Меморандум между ТОО «А» и ООО «Б»".encode("cp1251"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "двоичный"),
        (b"The parties signed a memorandum of understanding on a fertiliser plant.", "не на русском"),
    ],
)
def test_it_refuses_a_bad_file_with_exit_code_2(tmp_path, content, message):
    path = tmp_path / "announcement.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        run(str(path), "--json")
    assert error.value.returncode == 2
    assert message in str(error.value)


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as error:
        run(str(tmp_path / "missing.txt"))
    assert error.value.returncode == 2


def test_it_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "english.txt"
    path.write_text("The forum signed a memorandum between the bank and the company.", "utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", "extract_announcement", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "не на русском" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_reads_html_through_the_upload_reader_when_present(tmp_path):
    """.html/.docx go through agreements/backoffice/announcements/files.py (the admin upload's
    reader, merged from
    the admin branch); without it the command says it reads .txt only."""
    import html
    import importlib.util

    body = "".join(f"<p>{html.escape(line)}</p>" for line in SEED.read_text("utf-8").split("\n"))
    path = tmp_path / "announcement.html"
    path.write_text(f"<html><head><style>p {{}}</style></head><body>{body}</body></html>", "utf-8")
    if importlib.util.find_spec("agreements.backoffice.announcements.files") is None:
        with pytest.raises(CommandError, match=r"\.txt"):
            run(str(path))
    else:
        assert len(json.loads(run(str(path), "--json"))["agreements"]) == 12
