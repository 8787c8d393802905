"""``read_announcement(text) -> dict``: the contract in /work/notes/announce-contract.md (skeleton)."""

from django.utils.translation import gettext as _


class AnnouncementError(ValueError):
    """Bad input; the message is user-facing Russian."""


def read_announcement(text: str) -> dict:
    if not text or not text.strip():
        raise AnnouncementError(_("Текст пуст."))
    return {"figures": [], "agreements": []}
