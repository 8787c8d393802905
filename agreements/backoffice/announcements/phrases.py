"""Grammar helpers on short phrases: quotes, top-level splits, noun phrases put into another case."""

import re

from agreements.backoffice.announcements.morph import CYRILLIC_RE, inflect_word, parses, tokens

QUOTE_PAIRS = re.compile(r"[\"“„]([^\"“”„«»]+)[\"”“]")


def normalise_quotes(text: str) -> str:
    """«ёлочки» for straight and curly quotes; a closing quote with no opening one is dropped.

    An opening quote never closed is most often a nested name short of its last «»»
    («Корпорация «Солтүстік»» for «… «Солтүстік»»»): it is closed after the first run of closing
    quotes; with no such run the stray opening quote is dropped.
    """
    text = QUOTE_PAIRS.sub(r"«\1»", text)
    out, depth = [], 0
    for ch in text:
        if ch == "«":
            depth += 1
        elif ch == "»":
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    text = "".join(out)
    if depth:
        run = re.search(r"»{2,}", text)
        if run:
            return text[: run.end()] + "»" * depth + text[run.end() :]
        for _ in range(depth):
            text = text[::-1].replace("«", "", 1)[::-1]
    return text


def unquote(name: str) -> str | None:
    """The name inside quotes that enclose all of it («Фонд «Даму»» → Фонд «Даму»), else None."""
    name = name.strip()
    if not (name.startswith("«") and name.endswith("»")):
        return None
    depths = depth_map(name)
    closes_early = any(d == 1 and ch == "»" for d, ch in zip(depths[:-1], name[:-1], strict=True))
    return None if closes_early else name[1:-1]


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;:.%")


def depth_map(text: str) -> list[int]:
    """Quote depth at each character (inside «…» → 1)."""
    depths, depth = [], 0
    for ch in text:
        if ch == "«":
            depth += 1
        depths.append(depth)
        if ch == "»" and depth:
            depth -= 1
    return depths


def split_top(text: str, separators: re.Pattern) -> list[tuple[int, int]]:
    """Spans of text between separators that stand outside quotes."""
    depths = depth_map(text)
    spans, start = [], 0
    for m in separators.finditer(text):
        if depths[m.start()] == 0:
            spans.append((start, m.start()))
            start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def case_parse(word: str, case: str, pos: tuple):
    return next((p for p in parses(word) if p.tag.POS in pos and case in p.tag), None)


def noun_phrase(text: str, case: str) -> list:
    """Tokens of the noun phrase opening text (adjectives then a noun) when it is in `case`, else []."""
    phrase = []
    for tok in tokens(text)[:6]:
        if not CYRILLIC_RE.search(tok.text):
            return []
        if case_parse(tok.text, case, ("NOUN",)):
            return [*phrase, tok]
        # An adjective in any case: the source's «Евразийском банком» is re-agreed with its noun.
        if any(p.tag.POS in ("ADJF", "PRTF") for p in parses(tok.text)):
            phrase.append(tok)
            continue
        return []
    return []


def inflect_phrase(text: str, case: str, target: str) -> str:
    """Text whose opening noun phrase (in `case`) is put into `target`.

    «Евразийском банком развития» → «Евразийский банк развития».
    """
    phrase = noun_phrase(text, case)
    if not phrase:
        return text
    noun = case_parse(phrase[-1].text, case, ("NOUN",))
    number = noun.tag.number or "sing"
    gender = noun.tag.gender
    out, last = [], 0
    for tok in phrase:
        grammemes = {target, number}
        if tok is not phrase[-1] and number == "sing" and gender:
            grammemes.add(gender)
        word = tok.text
        if tok is phrase[-1]:
            new = restore(word, noun.inflect({target, number}) or noun.inflect({target}))
        else:
            new = inflect_word(word, grammemes)
        out.append(text[last : tok.start] + new)
        last = tok.end
    return "".join(out) + text[last:]


def restore(original: str, parse) -> str:
    if not parse:
        return original
    word = parse.word
    if original.isupper() and len(original) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if original[:1].isupper() else word
