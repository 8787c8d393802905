"""/sitemap.xml and /robots.txt: every public page, in Russian, English and Kazakh, for search engines.

/sitemap.xml is an index of one sitemap per kind of page (/sitemap-agreements.xml, …), each paginated
(?p=2): at 100,000 agreements the three languages make 300,000 URLs, beyond one file's 50,000.

Only what the site shows is listed: published agreements; parties, forums and sources through them
(their ``public()``); regions and sectors that have published agreements, since every code has a page
but one with an empty listing is not worth a crawler's visit. ``lastmod`` is the record's own change
or its newest published agreement's, whichever is later, as both change the page.
"""

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import F, Max, Q
from django.db.models.functions import Greatest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from agreements.models import Agreement, Forum, Party, Region, Sector, Source

SectorLink = Agreement.sectors.through
RegionLink = Agreement.regions.through


def newest_by(links, key: str) -> dict:
    """``key`` → the ``updated`` of its newest published agreement, in one GROUP BY over the links
    (a correlated subquery per region or sector took seconds at 100,000 agreements)."""
    rows = (
        links.objects.filter(agreement__is_published=True)
        .values_list(key)
        .annotate(Max("agreement__updated"))
    )
    return dict(rows.order_by())


def newest_published(relation: str) -> Max:
    return Max(f"{relation}__updated", filter=Q(**{f"{relation}__is_published": True}))


class LanguagePairs:
    """(row, language) pairs over a queryset, sliced in SQL.

    Django's i18n sitemap builds every pair in memory to paginate them, reading the whole table on
    each page; this counts and slices the queryset instead, so a page costs two queries."""

    def __init__(self, rows, languages: list[str]):
        self.rows, self.languages = rows, languages

    def count(self) -> int:
        size = len(self.rows) if isinstance(self.rows, list) else self.rows.count()
        return size * len(self.languages)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        n = len(self.languages)
        first = index.start // n
        last = -(-index.stop // n)  # ceiling
        pairs = [(row, language) for row in list(self.rows[first:last]) for language in self.languages]
        return pairs[index.start - first * n : index.stop - first * n]


class PublicSitemap(Sitemap):
    """Rows are (key, lastmod) tuples: model instances are not needed to write a URL."""

    i18n = True
    alternates = True
    x_default = True
    # URLs per page (the protocol allows 50,000): rendering a URL with its three alternates takes
    # about 0.2 ms, so a page of 2,000 is served in well under a second.
    limit = 2_000
    url_name = ""

    def rows(self):
        raise NotImplementedError

    def items(self):
        return self.rows()

    @property
    def paginator(self):
        return Paginator(LanguagePairs(self.rows(), self._languages()), self.limit)

    def location(self, item):
        # reverse() once per language and page, not three times per URL: the first key's URL gives
        # the prefix the others share (the converters pass keys through unchanged).
        prefixes = self.__dict__.setdefault("prefixes", {})
        language, key = get_language(), item[0]
        if language not in prefixes:
            prefixes[language] = reverse(self.url_name, args=[key]).removesuffix(f"{key}/")
        return f"{prefixes[language]}{key}/"

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        rows = self.rows()
        if isinstance(rows, list):
            return max((lastmod for _key, lastmod in rows), default=None)
        return rows.aggregate(latest=Max("lastmod"))["latest"]


class AgreementSitemap(PublicSitemap):
    url_name = "agreement_detail"

    def rows(self):
        return (
            Agreement.objects.public()
            .annotate(lastmod=F("updated"))
            .order_by("pk")
            .values_list("slug", "lastmod")
        )


class PartySitemap(PublicSitemap):
    url_name = "party_detail"

    def rows(self):
        latest = Max(
            "agreement_links__agreement__updated", filter=Q(agreement_links__agreement__is_published=True)
        )
        return (
            Party.objects.public()
            .annotate(lastmod=Greatest("updated", latest))
            .order_by("pk")
            .values_list("slug", "lastmod")
        )


class ForumSitemap(PublicSitemap):
    url_name = "forum_detail"

    def rows(self):
        return (
            Forum.objects.public()
            .annotate(lastmod=Greatest("updated", newest_published("agreements")))
            .order_by("pk")
            .values_list("slug", "lastmod")
        )


class SourceSitemap(PublicSitemap):
    url_name = "source_detail"

    def rows(self):
        return (
            Source.objects.public()
            .annotate(lastmod=F("updated"))
            .order_by("pk")
            .values_list("slug", "lastmod")
        )


class RegionSitemap(PublicSitemap):
    url_name = "region_detail"

    def rows(self):
        # About 100 regions: the list is small, its GROUP BY is what costs.
        newest = newest_by(RegionLink, "region_id")
        codes = Region.objects.filter(pk__in=newest).order_by("code").values_list("pk", "code")
        return [(code, newest[pk]) for pk, code in codes]


class SectorSitemap(PublicSitemap):
    url_name = "sector_detail"

    def rows(self):
        # A section's page lists its divisions' agreements too.
        newest = newest_by(SectorLink, "sector_id")
        sectors = list(Sector.objects.order_by("code").values_list("pk", "code", "parent_id"))
        for pk, _code, parent in sectors:
            if parent is not None and pk in newest:
                newest[parent] = max(newest[pk], newest.get(parent, newest[pk]))
        return [(code, newest[pk]) for pk, code, _parent in sectors if pk in newest]


class PageSitemap(PublicSitemap):
    """The home page and the listing: they change with any published agreement."""

    def rows(self):
        latest = Agreement.objects.public().order_by("-updated").values_list("updated", flat=True).first()
        return [("home", latest), ("agreement_list", latest)] if latest else []

    def location(self, item):
        return reverse(item[0])


SITEMAPS = {
    "pages": PageSitemap,
    "agreements": AgreementSitemap,
    "parties": PartySitemap,
    "forums": ForumSitemap,
    "sources": SourceSitemap,
    "regions": RegionSitemap,
    "sectors": SectorSitemap,
}


@require_safe
def robots_txt(request):
    sitemap_url = request.build_absolute_uri(reverse("sitemap_index"))
    return render(
        request, "robots.txt", {"sitemap_url": sitemap_url}, content_type="text/plain; charset=utf-8"
    )
