"""``read_announcement(text) -> dict``: a press release → proposed forum figures and draft agreements.

The contract (keys, types) is fixed with the admin workflow; see README «Announcement import».
Pure: it reads parties, regions and countries from the database and writes nothing.
"""

import logging

from django.utils.translation import gettext as _

from agreements.backoffice.announcements.amounts import find_amounts
from agreements.backoffice.announcements.checks import check_text
from agreements.backoffice.announcements.documents import Document, find_documents
from agreements.backoffice.announcements.errors import AnnouncementError
from agreements.backoffice.announcements.figures import find_figures
from agreements.backoffice.announcements.parties import PartyIndex, read_party, split_parties
from agreements.backoffice.announcements.phrases import clean
from agreements.backoffice.announcements.places import Lexicon
from agreements.backoffice.announcements.sectors import find_sectors

__all__ = ["AnnouncementError", "read_announcement"]
logger = logging.getLogger(__name__)
# A matched party of these kinds is a territory or its authority: its region is where the deal is.
TERRITORIAL_KINDS = {"regional_authority", "sez"}


def read_announcement(text: str, lexicon: Lexicon | None = None, index: PartyIndex | None = None) -> dict:
    text = check_text(text)
    try:
        return read_checked(text, lexicon, index)
    except AnnouncementError:
        raise
    except (IndexError, KeyError, ValueError, AttributeError, TypeError) as exc:
        # A reader bug on an odd text must reach staff as a message, not a 500; the log keeps the trace.
        logger.exception("announcement reader failed")
        raise AnnouncementError(_("Не удалось разобрать текст; сообщите разработчикам.")) from exc


def read_checked(text: str, lexicon: Lexicon | None, index: PartyIndex | None) -> dict:
    documents = find_documents(text)
    if not documents:
        raise AnnouncementError(
            _("В тексте не найдено ни одного документа («- меморандум между …», «подписано соглашение …»).")
        )
    lexicon = lexicon or Lexicon.from_db()
    index = index or PartyIndex.from_db()
    return {
        "figures": find_figures(text),
        "agreements": [read_document(document, lexicon, index) for document in documents],
    }


def read_document(document: Document, lexicon: Lexicon, index: PartyIndex) -> dict:
    parties, regions, countries = [], {}, {}
    for mention in split_parties(document.party_text):
        reading = read_party(mention, document.party_case, lexicon)
        party = index.match(reading)
        for code, evidence in reading.regions:
            regions.setdefault(code, evidence)
        if party and party["kind"] in TERRITORIAL_KINDS and party["home_region__code"]:
            regions.setdefault(party["home_region__code"], reading.evidence)
        parties.append((reading, party))
    subject_text = without_amounts(document.subject_text)
    for place in lexicon.find(subject_text):
        if is_whole_quoted_name(subject_text, place):
            continue  # «особой природной зоны «Алтай»»: a thing named after a place, not a place
        (countries if place.is_country else regions).setdefault(place.code, place.evidence)
    sectors = find_sectors(document.subject_text)
    money = find_amounts(document.quote, money_only=True)
    amount = money[0] if money else None
    names = [reading.title_form for reading, _party in parties]
    title = document.kind.title + (" между " + join(names) if names else "")
    return {
        "kind": document.kind.kind,
        "title": title,
        "subject": document.subject,
        "parties": [party_dict(reading, party) for reading, party in parties],
        "regions": list(regions),
        "countries": list(countries),
        "sectors": [code for code, _words in sectors],
        "amount": amount.value if amount else None,
        "currency": amount.currency if amount else None,
        "quote": document.quote,
        "evidence": {
            "kind": document.kind.evidence,
            "title": document.kind.evidence + " " + clean(document.party_text),
            "subject": clean(document.subject_text),
            "regions": regions,
            "countries": countries,
            "sectors": dict(sectors),
            "amount": amount.text if amount else "",
        },
    }


def party_dict(reading, party) -> dict:
    if party:  # the registry's spelling of a known party wins over the text's
        return {
            "name": party["name"],
            "legal_form": party["legal_form"],
            "country": party["country_id"] or "",
            "match": party["slug"],
            "evidence": reading.evidence,
        }
    return {
        "name": reading.name,
        "legal_form": reading.legal_form,
        "country": reading.country,
        "match": None,
        "evidence": reading.evidence,
    }


def is_whole_quoted_name(text: str, place) -> bool:
    """The place is all of a «…» name (a zone, a company called after it); «Химический парк Тараз» is not."""
    return text[place.start - 1 : place.start] == "«" and text[place.end : place.end + 1] == "»"


def without_amounts(text: str) -> str:
    """The text with its money amounts blanked: «120 млн долларов США» names no country."""
    for amount in find_amounts(text, money_only=True):
        text = text[: amount.start] + " " * (amount.end - amount.start) + text[amount.end :]
    return text


def join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " и " + names[-1]
