"""Characters XML 1.0 cannot hold: the registry's exports (XLSX is XML inside) would break on them.

Typed or pasted text can carry them — a vertical tab from Word, a form feed from a PDF, a NUL from a
broken copy — so the back office rejects them where they come in.
"""

import re

# Everything below U+0020 except tab, newline and carriage return; U+FFFE, U+FFFF; lone surrogates
# (Python strings can hold them, UTF-8 cannot).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def find_xml_illegal(text: str) -> re.Match | None:
    """The first character of ``text`` XML cannot hold, or None."""
    return XML_ILLEGAL.search(text)


def strip_xml_illegal(text: str) -> str:
    return XML_ILLEGAL.sub("", text)


def describe_character(char: str) -> str:
    """How a message names an invisible character: its code point, U+000B."""
    return f"U+{ord(char):04X}"
