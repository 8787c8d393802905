"""Finding the documents a press release names and cutting each into kind, parties and subject.

A document is a list line («-», «—», «•», «1.») that opens with a kind word, or a sentence such as
«подписан меморандум о … между …» / «Акимат … и ТОО «…» подписали соглашение о …».
"""

import re
from dataclasses import dataclass

from agreements.backoffice.announcements.kinds import KindPhrase, head_of, next_lemma, read_kind
from agreements.backoffice.announcements.legal_forms import ABBREVIATIONS
from agreements.backoffice.announcements.morph import correct_typo, tokens
from agreements.backoffice.announcements.parties import ORG_HEADS
from agreements.backoffice.announcements.phrases import (
    case_parse,
    clean,
    depth_map,
    inflect_phrase,
    normalise_quotes,
    noun_phrase,
    split_top,
)

BULLET = re.compile(r"^\s*(?:[-—–•*·]|\d{1,2}[.)])\s*")
# «министерство по инвестициям», «комитет по туризму»: this «по» belongs to a name, not a subject.
NAME_PREP_HEADS = {
    "министерство", "комитет", "агентство", "департамент", "управление", "ассоциация", "палата", "совет",
    "центр", "фонд", "союз", "комиссия",
}  # fmt: skip
SUBJECT_CASE = {
    "о": "loct",
    "об": "loct",
    "обо": "loct",
    "по": "datv",
    "в": "loct",
    "во": "loct",
    "на": "loct",
}
COORDINATION = re.compile(r",\s*(?:а также\s+)?|\s+и\s+|\s+а также\s+")


@dataclass
class Document:
    quote: str  # the verbatim line or sentence
    kind: KindPhrase
    party_text: str
    party_case: str  # "ablt" after «между», "nomn" before «подписали»
    subject_text: str
    subject: str


def find_documents(text: str) -> list[Document]:
    """Documents in text; each quote is the source's own line or sentence, quotes and typos as written."""
    lines = [line for line in text.split("\n") if line.strip()]
    per_line = [line_documents(line) for line in lines]
    # A headline («Алтайский край и ВКО подписали протокол …») repeats a document the body names; it
    # is read only when the body names none. A first line that is a list item is no headline.
    if len(per_line) > 1 and not BULLET.match(lines[0]) and any(per_line[1:]):
        per_line = per_line[1:]
    return [document for found in per_line for document in found]


def line_documents(original: str) -> list[Document]:
    line = normalise_quotes(original)
    bullet = BULLET.match(line)
    if not bullet:
        return prose_documents(line, original)
    content = line[bullet.end() :].strip()
    toks = tokens(content)
    index = next((i for i, t in enumerate(toks[:3]) if head_of(t, next_lemma(toks, i))), None)
    if index is None or read_kind(content, toks, index).plural:
        return []
    quote = BULLET.sub("", original, count=1).strip()
    return [cut(quote, content[toks[index].start :], None)]


def prose_documents(line: str, original: str) -> list[Document]:
    from agreements.backoffice.announcements.figures import sentences

    found = []
    for start, stop in sentences(line):
        sentence = line[start:stop].strip()
        quote = original[start:stop].strip() if len(line) == len(original) else sentence
        toks = tokens(sentence)
        for i, tok in enumerate(toks):
            if not head_of(tok, next_lemma(toks, i)) or read_kind(sentence, toks, i).plural:
                continue
            if i and toks[i - 1].text.isdigit():  # «56 меморандумов», «подписано 3 соглашения»
                continue
            if i + 1 < len(toks) and is_finite_verb(toks[i + 1].text):
                break  # «Меморандум опирается на …», «Соглашение предусматривает …»: one already named
            after = sentence[tok.start :]
            signed_by = i and toks[i - 1].lemma == "подписать" and "подписали" in toks[i - 1].text.lower()
            # «аким … и губернатор … подписали протокол … между акиматом … и Правительством …»: the bodies
            # after «между» are the parties, not the officials who signed for them.
            if signed_by and not top_level_between(after):
                found.append(cut(quote, after, lead_parties(sentence[: toks[i - 1].start])))
            elif re.search(r"\sмежду\s", after) or "«" in after:
                found.append(cut(quote, after, None))
            break
    return found


def lead_parties(text: str) -> str:
    """«В рамках форума акимат … и ТОО «…»» → «акимат … и ТОО «…»»: the parties start at an organisation."""
    for tok in tokens(text):
        if tok.lemma in ORG_HEADS or tok.text in ABBREVIATIONS or text[max(tok.start - 1, 0)] == "«":
            return (
                text[tok.start :].strip(" «") if text[max(tok.start - 1, 0)] != "«" else text[tok.start - 1 :]
            )
    return text


def cut(quote: str, text: str, parties_before: str | None) -> Document:
    toks = tokens(text)
    kind = read_kind(text, toks, 0)
    rest = re.sub(r"^\s*\)", "", text[kind.end :])  # «план мероприятий (дорожная карта) между …»
    if parties_before is not None:
        return Document(quote, kind, parties_before, "nomn", rest, normalise_subject(rest))
    between = top_level_between(rest)
    if between and not re.match(r"\s*между\s", rest):
        # «протокол по реализации соглашения о … между акиматом … и Правительством …», «меморандум о
        # сотрудничестве и промышленной кооперации между …»: the parties follow «между», the words before
        # it belong to the subject.
        before, rest = rest[: between.start()], rest[between.end() :]
        at = subject_start(rest)
        subject = before + rest[at:] if re.match(r"\s*(о|об|обо|по)\s", before) else rest[at:]
        return Document(quote, kind, rest[:at], "ablt", subject, normalise_subject(subject))
    rest = re.sub(r"^\s*между\s+", "", rest)
    at = subject_start(rest, first=True)
    return Document(quote, kind, rest[:at], "ablt", rest[at:], normalise_subject(rest[at:]))


def is_period(toks) -> bool:
    """«2026–2028 годы», «2015 год», «2030 года»: a year or years, then «год»."""
    years = 0
    while years < len(toks) and toks[years].text.isdigit() and len(toks[years].text) == 4:
        years += 1
    return 0 < years < len(toks) and toks[years].lemma == "год"


def top_level_between(text: str) -> re.Match | None:
    """The first «между» outside quotes."""
    depths = depth_map(text)
    return next((m for m in re.finditer(r"\sмежду\s+", text) if not depths[m.start()]), None)


def is_finite_verb(word: str) -> bool:
    from agreements.backoffice.announcements.morph import parses

    return "VERB" in parses(word)[0].tag


def subject_start(text: str, first: bool = False) -> int:
    """Where the parties end: the first «о/об/по/в/на» outside quotes that opens a subject noun phrase.

    first: the text may open with the subject («протокол о пунктах пропуска …», no parties named)."""
    depths = depth_map(text)
    toks = tokens(text)
    opens_subject = first and len(toks) > 1 and toks[0].text in ("о", "об", "обо")
    if opens_subject and case_parse(toks[1].text, "loct", ("NOUN", "ADJF", "PRTF")):
        return toks[0].start
    for i, tok in enumerate(toks[1:-1], start=1):
        word = tok.text
        if word in ("на", "до") and not depths[tok.start] and is_period(toks[i + 1 :]):
            return tok.start  # «… и акиматом города Актау на 2026–2028 годы»: a period ends the parties
        if word not in SUBJECT_CASE or depths[tok.start] or toks[i - 1].lemma in NAME_PREP_HEADS:
            continue
        following = toks[i + 1].text
        if word in ("в", "во", "на") and (not following.islower() or toks[i + 1].lemma == "лицо"):
            continue
        if case_parse(following, SUBJECT_CASE[word], ("NOUN", "ADJF", "PRTF")):
            return tok.start
    return len(text)


def normalise_subject(text: str) -> str:
    """«о строительстве завода … и разработке …» → «Строительство завода … и разработка …»."""
    text = clean(text)
    match = re.match(r"(о|об|обо|по|в|во|на)\s+", text)
    if not match:
        return sentence_case(fix_typos(text))
    prep, body = match.group(1), text[match.end() :]
    if prep in ("в", "во", "на"):
        return sentence_case(fix_typos("сотрудничество " + text))
    case = SUBJECT_CASE[prep]
    pieces, last = [], 0
    for n, (a, b) in enumerate(split_top(body, COORDINATION)):
        piece = body[a:b]
        if n == 0 or (piece[:1].islower() and noun_phrase(piece, case)):
            piece = inflect_phrase(piece, case, "nomn")
        pieces.append(body[last:a] + piece)
        last = b
    return sentence_case(fix_typos("".join(pieces) + body[last:]))


def fix_typos(text: str) -> str:
    text = re.sub(r"(?<=[а-яё]) м (?=[а-яё])", " и ", text)  # «компонентов м сорбитола»
    return re.sub(r"(?<![^\W\d_])[а-яё]{5,}(?![^\W\d_])", lambda m: correct_typo(m.group()), text)


def sentence_case(text: str) -> str:
    text = clean(text)
    return (text[:1].upper() + text[1:] + ".") if text else ""
