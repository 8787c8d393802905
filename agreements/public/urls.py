from django.urls import path, re_path, register_converter

from agreements.public.views import downloads, listing, pages


class RegionCodeConverter:
    """An ISO 3166-2 code in any case (kz-31 is KZ-31): anything else is a 404 before a query runs,
    so a NUL byte or a 10,000-character segment never reaches the database."""

    regex = r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}"

    def to_python(self, value):
        return value.upper()

    def to_url(self, value):
        return value


class SectorCodeConverter(RegionCodeConverter):
    """A NACE Rev.2 section letter (A–U, any case) or a two-digit division."""

    regex = r"[A-Ua-u]|[0-9]{2}"


register_converter(RegionCodeConverter, "region_code")
register_converter(SectorCodeConverter, "sector_code")

# Slugs use Django's ``slug`` converter (ASCII letters, digits, - and _), the shape SlugField stores.
urlpatterns = [
    path("", pages.home, name="home"),
    path("agreements/", listing.agreement_list, name="agreement_list"),
    re_path(
        r"^agreements/export\.(?P<extension>xlsx|csv|json)$",
        downloads.agreement_export,
        name="agreement_export",
    ),
    path("agreements/<slug:slug>/", pages.agreement_detail, name="agreement_detail"),
    path("parties/<slug:slug>/", pages.party_detail, name="party_detail"),
    path("regions/<region_code:code>/", pages.region_detail, name="region_detail"),
    path("sectors/<sector_code:code>/", pages.sector_detail, name="sector_detail"),
    path("forums/<slug:slug>/", pages.forum_detail, name="forum_detail"),
    path("sources/<slug:slug>/", pages.source_detail, name="source_detail"),
]

# Open data (issue #16): the listing's filters as an Atom feed. Imported here to keep this a hunk of its own.
from agreements.public.feeds import agreement_feed  # noqa: E402

urlpatterns += [path("agreements/feed.atom", agreement_feed, name="agreement_feed")]
