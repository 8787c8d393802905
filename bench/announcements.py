#!/usr/bin/env python
"""Announcement reader quality and speed: each bench/announcements/NAME.txt against NAME.json.

    .venv/bin/python bench/announcements.py            # prints the tables, rewrites RESULTS.md's section
    .venv/bin/python bench/announcements.py --no-write # prints only

The reader runs as in production but with no existing parties (every party must be read from the
text, nothing comes from the registry) and with the reference regions and countries the migrations
load. Fields are compared after the same normalisation staff would accept: party names by lemmas
(case, quotes and inflection ignored), lists as sets.
"""

import argparse
import os
import re
import resource
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path

from bench_common import replace_section

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "announcements"
# 00_ is the seed; 01–07 were used while improving the reader (06–07 began as held-out texts: their
# first read is in the report); 08_ and later were written last, and only a place-lookup bug they
# showed was fixed (no keyword added for them).
GROUPS = {
    "seed": "The seed (XIII forum)",
    "development": "Announcements written for the bench, used while improving the reader",
    "held_out": "Announcements written last (08–09); no keyword was added for them",
    "real": "Real-news texts real_01–09 (published news reworded, sources in announcements/SOURCES.md)",
    "real_held_out": "Real-news texts real_10–16, written after the reader was changed on real_01–09",
    "real_last": "Real-news texts real_17 and later, written last; the reader was not changed for them",
}
FIELDS = ["kind", "title", "parties", "legal_form", "country", "regions", "countries", "sectors", "amount"]


def setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()


def reader():
    from agreements.backoffice.announcements.parties import PartyIndex
    from agreements.backoffice.announcements.places import Lexicon
    from agreements.backoffice.announcements.reader import read_announcement
    from agreements.reference import country_rows, region_rows

    lexicon = Lexicon(
        [(r["code"], r["name_ru"]) for r in region_rows()],
        [(r["code"], r["name_ru"]) for r in country_rows()],
    )
    index = PartyIndex([], [])
    return lambda text: read_announcement(text, lexicon, index)


class Score:
    """Per field: fields right (accuracy), and item precision/recall for what was proposed."""

    def __init__(self):
        self.right = dict.fromkeys(FIELDS, 0)
        self.total = dict.fromkeys(FIELDS, 0)
        self.tp = dict.fromkeys(FIELDS, 0)
        self.proposed = dict.fromkeys(FIELDS, 0)
        self.expected = dict.fromkeys(FIELDS, 0)
        self.documents = [0, 0, 0]  # matched, found, expected
        self.figures = [0, 0, 0]
        self.misses: list[str] = []

    def field(self, name, got: set, want: set, right: bool | None = None, where=""):
        self.total[name] += 1
        ok = got == want if right is None else right
        self.right[name] += ok
        if not ok and where:
            self.misses.append(
                f"{where} {name}: got {sorted(got) if got else '—'}, want {sorted(want) if want else '—'}"
            )
        self.tp[name] += len(got & want)
        self.proposed[name] += len(got)
        self.expected[name] += len(want)


def group_of(filename: str) -> str:
    if filename.startswith("real_"):
        number = int(filename[5:7])
        return "real" if number <= 9 else "real_held_out" if number <= 16 else "real_last"
    number = int(filename[:2])
    return "seed" if number == 0 else "development" if number <= 7 else "held_out"


def name_key(name: str) -> str:
    from agreements.backoffice.announcements.morph import lemma_key

    return lemma_key(name.replace("ё", "е"))


def align(found: list[dict], wanted: list[dict]) -> list[tuple[dict, dict]]:
    pairs, free = [], list(found)
    for want in wanted:
        best = max(free, key=lambda f: SequenceMatcher(None, f["title"], want["title"]).ratio(), default=None)
        if best and SequenceMatcher(None, best["title"], want["title"]).ratio() >= 0.5:
            pairs.append((best, want))
            free.remove(best)
    return pairs


def compare(score: Score, name: str, proposal: dict, expected: dict):
    found, wanted = proposal["agreements"], expected["agreements"]
    pairs = align(found, wanted)
    score.documents[0] += len(pairs)
    score.documents[1] += len(found)
    score.documents[2] += len(wanted)
    figures = {f["key"]: (f["value"], f["unit"]) for f in proposal["figures"]}
    for key, want in expected["figures"].items():
        right = figures.get(key) == (want["value"], want["unit"])
        score.figures[0] += right
        if not right:
            score.misses.append(
                f"{name} figure {key}: got {figures.get(key)}, want {(want['value'], want['unit'])}"
            )
    score.figures[1] += len(figures)
    score.figures[2] += len(expected["figures"])
    for got, want in pairs:
        where = f"{name} «{want['title'][:50]}…»"
        score.field("kind", {got["kind"]}, {want["kind"]}, where=where)
        score.field("title", {got["title"]}, {want["title"]}, where=where)
        got_names = [name_key(p["name"]) for p in got["parties"]]
        want_names = [name_key(p["name"]) for p in want["parties"]]
        score.field("parties", set(got_names), set(want_names), got_names == want_names, where)
        for attribute in ("legal_form", "country"):
            got_values = {
                (n, p[attribute]) for n, p in zip(got_names, got["parties"], strict=True) if p[attribute]
            }
            want_values = {
                (n, p[attribute]) for n, p in zip(want_names, want["parties"], strict=True) if p[attribute]
            }
            score.field(attribute, got_values, want_values, where=where)
        for key in ("regions", "countries", "sectors"):
            score.field(key, set(got[key]), set(want[key]), where=where)
        got_amount = {(got["amount"], got["currency"])} if got["amount"] is not None else set()
        want_amount = {(want["amount"], want["currency"])} if want["amount"] is not None else set()
        score.field("amount", got_amount, want_amount, where=where)


def read_or_nothing(read, path: Path) -> dict:
    """A text in which the reader finds no document is an empty proposal (a real text may name none)."""
    from agreements.backoffice.announcements.errors import AnnouncementError
    from agreements.backoffice.announcements.figures import find_figures

    text = path.read_text("utf-8")
    try:
        return read(text)
    except AnnouncementError:
        return {"figures": find_figures(text), "agreements": []}


def ratio(a, b) -> str:
    return f"{a / b:.0%}" if b else "—"


def table(title: str, score: Score) -> list[str]:
    matched, found, expected = score.documents
    lines = [
        f"#### {title}",
        "",
        f"Documents found: {matched} of {expected} expected, {found - matched} not expected "
        f"(precision {ratio(matched, found)}, recall {ratio(matched, expected)}). "
        f"Figures right: {score.figures[0]} of {score.figures[2]} ({score.figures[1]} proposed).",
        "",
        "| field | fields right | precision | recall |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in FIELDS:
        right, total, tp = score.right[name], score.total[name], score.tp[name]
        precision, recall = ratio(tp, score.proposed[name]), ratio(tp, score.expected[name])
        lines.append(f"| {name} | {right}/{total} ({ratio(right, total)}) | {precision} | {recall} |")
    # The target (≥ 80 % right) counts a document the reader missed as wrong in every field.
    target = ", ".join(
        f"{name} {score.right[name]}/{expected} ({ratio(score.right[name], expected)})"
        for name in ("kind", "parties", "regions", "amount")
    )
    return [
        *lines,
        "",
        f"Over the {expected} expected documents (a missed one is wrong in every field): {target}.",
    ]


def timing(read) -> list[str]:
    texts = [path.read_text("utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    words = "\n\n".join(texts).split(" ")
    long_text = " ".join((words * 3)[:2000])
    started = time.perf_counter()
    seed = read(texts[0])
    seed_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    proposal = read(long_text)
    long_ms = (time.perf_counter() - started) * 1000
    index_ms = party_index_ms(texts)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        f"Time (warm analyzer): the seed ({len(texts[0].split())} words, "
        f"{len(seed['agreements'])} documents) {seed_ms:.0f} ms; a 2,000-word text (the corpus run together, "
        f"{len(proposal['agreements'])} documents) {long_ms:.0f} ms (budget < 2 s). "
        f"Peak RSS of the whole run, Django and the pymorphy3 dictionary included: {peak:.0f} MB. "
        f"Building the party index for {PARTIES:,} parties (once per process, again only after a party or "
        f"alias changes): {index_ms:.0f} ms.",
    ]


PARTIES = 20_000


def party_index_ms(texts: list[str]) -> float:
    """The party index over PARTIES made-up names of three corpus words each (a registry grown large)."""
    import random

    from agreements.backoffice.announcements.parties import PartyIndex

    words = sorted({w for text in texts for w in re.findall(r"[А-ЯЁа-яё]{4,}", text)})
    rng = random.Random(12)
    parties = [
        {
            "id": n,
            "slug": f"p{n}",
            "name": " ".join(rng.sample(words, 3)),
            "short_name": "",
            "legal_form": "ТОО",
        }
        for n in range(PARTIES)
    ]
    started = time.perf_counter()
    PartyIndex(parties, [])
    return (time.perf_counter() - started) * 1000


# How the reader came to read the corpus as it does: each group's first read, before the reader was
# changed for it, is the only honest measure of unseen text, so the history stays in the report.
FIRST_READS = [
    "The development texts' first reads, before the reader was improved on them: 01–05 titles 22/23, "
    "countries 22/23, sectors 17/23, figures 9/11, every other field 23/23 (then: nested quotes, figures "
    "named by the nearest word, no country from «долларов США», six sector keywords); 06–07, written "
    "as held-out texts after that, titles 8/9, sectors 5/9, every other field 9/9 (then: keyword stems, "
    "«акимат города Шымкент» → «города Шымкента»). 08–09, written after that, first read: regions 8/9 "
    "(«Атырауской области» unknown to pymorphy: places are now also found by Snowball stems), "
    "sectors 3/9 (precision 75%, recall 33%), every other field and figure right; no sector keyword "
    "was added for them, so their sectors row measures the keyword table on unseen text.",
    "",
    "Real-news texts (real_01–09, each reworded from the facts of published news, sources in "
    "`bench/announcements/SOURCES.md`; real_01 names no document a reader could file, only forum "
    "figures), first read before any reader change: documents 12 of 15 (precision 100%, recall 80%: "
    "two «протокол о намерениях» and a «план мероприятий (дорожная карта)» not seen as documents), "
    "figures 2/6, and of the 12 found: kind 11/12, title 8/12, parties 8/12 (precision 81%, recall 74%), "
    "legal_form 11/12, country 7/12, regions 11/12, countries 11/12, sectors 7/12 (recall 45%), amount "
    "12/12. Counted over the 15 expected documents (a missed document has every field wrong): kind 11/15 "
    "(73%), parties 8/15 (53%), regions 11/15 (73%), amount 12/15 (80%) — the 80% target held for "
    "amount only. Then, general rules only: «протокол», «план мероприятий», «дорожная карта» are "
    "documents of kind «другое»; «о межрегиональном сотрудничестве и промышленной кооперации между» "
    "(an adjective before the kind noun, the rest of the «о …» phrase before «между»); a party may open "
    "with an adjective («иранской компанией «…»»); a plural unnamed group («российскими инвесторами») "
    "is no party; a party that is a whole region («Республикой Татарстан») gets its country; "
    "«N межрегиональных и коммерческих документов», «общей стоимостью», and money right "
    "after the forum's count of documents («11 меморандумов … на сумму …») is the total; six sector "
    "keywords (селитра, карбамид, говядина, нефтепродукт, онкологический, марганец), so the real "
    "group's sectors row is no longer unseen text. Three expected answers were corrected after the first "
    "read, to conventions the seed already fixed, not to the reader: RU in a document's countries for "
    "«поставке в Российскую Федерацию» (the seed lists RU and KZ there too), titles keep the reader's "
    "capitalised «Управлением» and the text's «иранской компанией». Found = expected now, so the "
    "table's «fields right» is also the share of the expected documents; this group was tuned on, so "
    "it no longer measures unseen text.",
    "",
    "Real-news texts real_10–16 were written after that, from further news items, as a held-out set. "
    "First read, before any reader change for them: documents 7 of 8 expected, 4 not expected "
    "(precision 64%, recall 88%; headlines «Алтайский край и ВКО подписали протокол …» and «В Астрахани "
    "подписано соглашение …» read as documents besides the body's, «Меморандум опирается на договоры "
    "…» read as one, «протокол о пунктах пропуска …» with no parties got its subject as a party); of "
    "the 7 found: title 5/7, parties 5/7, country 5/7, regions 6/7 (the zone «Алтай» read as the "
    "Altai Republic), every other field right, figures 1/1. Over the 8 expected documents: kind 7/8 "
    "(88%), parties 5/8 (62%: «аким … и губернатор … подписали протокол … между акиматом … и "
    "Правительством …» took the officials, not the bodies after «между»), regions 6/8 (75%), amount "
    "7/8 (88%). Then, general rules again: the first line, when not a list item, is a headline and "
    "is read only if the body names no document; a kind word followed by a verb («Меморандум "
    "опирается …») refers back to a document, it names none; a top-level «между» later in the phrase "
    "(«протокол по реализации соглашения о … между …») introduces the parties, also after «… "
    "подписали»; a line may open with its subject when it names no parties; a place that is a whole "
    "«…» name («зоны «Алтай»») is not read as a region. After them every field of real_10–16 is right; "
    "the seed, development and held-out groups did not change. real_10–16 are now "
    "tuned on too: a next held-out set is the honest measure.",
    "",
    "Real-news texts real_17–20, written last from four more news items, first read with the reader "
    "as it was after real_10–16 (this is the held-out measure): documents 4 of 4, figures 0/1 (the "
    "stock of 28 thousand companies missed, the 4,000 opened in 2023 taken; «общий объем инвестиций» "
    "of two plants proposed as a forum total); kind 4/4, parties 2/4 (50%: «на 2025–2027 годы» read "
    "into the last party's name), regions 3/4 (75%: «Атырауской областью на …» as a party not placed), "
    "amount 4/4, sectors 3/4 («подготовке кадров» not a keyword). Then two general rules: «на/до "
    "<year(s)> год…» ends the parties; a party that is a whole region takes the reference name "
    "(«Атырауской областью» → «Атырауская область», not pymorphy's «Атырауска»). After them every "
    "target field of real_17–20 is right too, so every group below is now tuned on; the first reads "
    "above are the only held-out measures.",
    "",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    return parser.parse_args()


def warmed_reader():
    """The reader after its first call, and that call's milliseconds (the dictionary's loading)."""
    started = time.perf_counter()
    read = reader()
    read("- меморандум между ТОО «А» и ООО «Б» о строительстве завода.\nТекст на русском языке о форуме.")
    return read, (time.perf_counter() - started) * 1000


def scored_corpus(read) -> tuple[dict, dict]:
    """Every corpus text read and compared with its .json: scores and text counts per group."""
    import json

    groups = {group: Score() for group in GROUPS}
    counts = dict.fromkeys(GROUPS, 0)
    for path in sorted(CORPUS.glob("*.txt")):
        expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
        group = group_of(path.name)
        counts[group] += 1
        compare(groups[group], path.stem, read_or_nothing(read, path), expected)
    return groups, counts


def report(read, groups: dict, counts: dict, cold_ms: float) -> str:
    lines = [
        "## Announcement reader (issue #12)",
        "",
        f"`bench/announcements.py` on {time.strftime('%Y-%m-%d')}: every text in `bench/announcements/` "
        "read with no existing parties, compared with its hand-written `.json`. Precision and recall count "
        "items (a region, a sector, a party's legal form); «fields right» counts documents whose field is "
        "exactly right (an empty field expected and proposed counts as right).",
        "",
        *FIRST_READS,
    ]
    for group, title in GROUPS.items():
        lines += [*table(f"{title} ({counts[group]} texts)", groups[group]), ""]
    lines += [
        f"Cold start (first call: pymorphy3 dictionary and lexicons): {cold_ms:.0f} ms.",
        *timing(read),
        "",
        "Misses:",
        "",
        *[f"- {miss}" for score in groups.values() for miss in score.misses],
    ]
    return "\n".join(lines)


def main():
    args = parse_args()
    setup()
    read, cold_ms = warmed_reader()
    groups, counts = scored_corpus(read)
    text = report(read, groups, counts, cold_ms)
    print(text)
    if not args.no_write:
        replace_section("announcements", text)


if __name__ == "__main__":
    main()
