"""The translation catalogues: extract the Russian source strings, update locale/*/django.po, check them.

    python -m agreements.catalogs update   # extract from the sources, merge into locale/{ru,en,kk}
    python -m agreements.catalogs check    # list every msgid a catalogue does not translate; exit 1 if any

(`make messages-update`, `make messages-check`.) Babel does the work, as `pybabel extract -F babel.cfg`
and `pybabel update` would: babel.cfg says where the strings are, KEYWORDS names Django's gettext
functions, and Django templates go through Django's own `templatize` (what `makemessages` feeds to
xgettext) and then Babel's Python extractor, so {% translate %}, {% blocktranslate %} with plurals and
contexts, and `_("…")` in variables come out exactly as Django looks them up. No system gettext needed.
"""

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
DOMAIN = "django"
# Translated catalogues: every msgid needs a msgstr. Russian is the source language: its catalogue
# only carries the plural forms (an empty msgstr shows the msgid), so only its plurals are checked.
TRANSLATED = ("en", "kk")
SOURCE_LANGUAGE = "ru"

# Django's gettext functions (django.utils.translation), as Babel keyword specs: argument positions of
# the singular, the plural and the context ("c").
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("Translators",)


def extract_template(fileobj, keywords, comment_tags, options):
    """Babel extraction method for Django templates (babel.cfg names it)."""
    from django.utils.translation.template import templatize

    source = fileobj.read().decode("utf-8")
    # templatize keeps line numbers: text becomes XXXX, translation tags become gettext() calls, each
    # on one line. Python's tokenizer wants no stray indentation, so every line starts at column 0.
    python = "\n".join(line.lstrip() for line in templatize(source).split("\n")).encode("utf-8")
    yield from extract_python(io.BytesIO(python), keywords, comment_tags, {**options, "encoding": "utf-8"})


def extract_catalog() -> Catalog:
    """Every msgid in the sources, as a template catalogue (a .pot)."""
    with open(BASE_DIR / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    template = Catalog(project="agreements-registry", version="0.1.0", charset="utf-8")
    extracted = extract_from_dir(
        BASE_DIR,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in extracted:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    """The language's catalogue; a new, empty one (as `pybabel init` makes) if it has none yet."""
    if not po_path(language).exists():
        return Catalog(
            locale=language,
            domain=DOMAIN,
            project="agreements-registry",
            version="0.1.0",
            last_translator="agreements-registry team",
            language_team=language,
            fuzzy=False,
        )
    with open(po_path(language), "rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def write_catalog(catalog: Catalog, language: str) -> None:
    po_path(language).parent.mkdir(parents=True, exist_ok=True)
    with open(po_path(language), "wb") as handle:
        write_po(handle, catalog, width=110, omit_header=False, ignore_obsolete=True, include_previous=False)


def update(languages=(SOURCE_LANGUAGE, *TRANSLATED), template: Catalog | None = None) -> None:
    """`pybabel update`: new msgids added (untranslated), vanished ones dropped, locations refreshed."""
    template = template or extract_catalog()
    for language in languages:
        catalog = read_catalog(language)
        # Fuzzy guesses would be compiled out anyway; a missing string is listed by `check` instead.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        write_catalog(catalog, language)


def _is_translated(message) -> bool:
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(strings)


def problems(language: str, template: Catalog | None = None) -> list[str]:
    """What is wrong with one catalogue, one line each: untranslated msgids, a wrong number of plural
    forms, placeholders that do not match (Babel's checkers). Empty when the catalogue is complete."""
    template = template or extract_catalog()
    catalog = read_catalog(language)
    found = []
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id, context=source.context)
        if message is None:
            # A Russian msgid without an entry shows as it is; only its plural forms need one.
            if language in TRANSLATED or source.pluralizable:
                found.append(f"{language}: missing {source.id!r}")
            continue
        if source.pluralizable and len(message.string) != catalog.num_plurals:
            found.append(f"{language}: {catalog.num_plurals} plural forms needed for {source.id[0]!r}")
        needs_text = language in TRANSLATED or source.pluralizable
        if needs_text and not _is_translated(message):
            found.append(f"{language}: untranslated {source.id!r}")
    for message, errors in catalog.check():
        found.extend(f"{language}: {message.id!r}: {error}" for error in errors)
    return found


def main(argv=None) -> int:
    import django

    command = (argv or sys.argv[1:] or ["check"])[0]
    django.setup()  # templatize reads Django's settings
    template = extract_catalog()
    if command == "update":
        update(template=template)
        print(f"{len(template)} msgids; updated " + ", ".join(str(po_path(lang)) for lang in TRANSLATED))
    elif command != "check":
        print(__doc__, file=sys.stderr)
        return 2
    found = [line for lang in (SOURCE_LANGUAGE, *TRANSLATED) for line in problems(lang, template)]
    print("\n".join(found) or f"all {len(template)} msgids translated in " + ", ".join(TRANSLATED))
    return 1 if found else 0


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    sys.exit(main())
