"""The one exception the reader raises for bad input."""


class AnnouncementError(ValueError):
    """Input that is not a Russian press release naming documents; the message is user-facing Russian."""
