"""/sitemap.xml and /robots.txt: every public page, in Russian and English, for search engines.

/sitemap.xml is an index of one sitemap per kind of page (/sitemap-agreements.xml, …), each paginated
(?p=2): at 100,000 agreements the two languages make 200,000 URLs, beyond one file's 50,000.

Only what the site shows is listed: published agreements; parties, forums and sources through them
(their ``public()``); regions and sectors that have published agreements, since every code has a page
but one with an empty listing is not worth a crawler's visit. ``lastmod`` is the record's own change
or its newest published agreement's, whichever is later, as both change the page.
"""

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Greatest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .models import Agreement, AgreementParty, Forum, Party, Region, Sector, Source

SectorLink = Agreement.sectors.through
RegionLink = Agreement.regions.through


def newest(links, **lookups) -> Subquery:
    """The ``updated`` of the newest published agreement among ``links`` (None if there is none)."""
    path = "updated" if links is Agreement else "agreement__updated"
    published = {"is_published": True} if links is Agreement else {"agreement__is_published": True}
    rows = links.objects.filter(*lookups.pop("conditions", ()), **published, **lookups)
    return Subquery(rows.order_by(f"-{path}").values(path)[:1])


class LanguagePairs:
    """(row, language) pairs over a queryset, sliced in SQL.

    Django's i18n sitemap builds every pair in memory to paginate them, reading the whole table on
    each page; this counts and slices the queryset instead, so a page costs two queries."""

    def __init__(self, queryset, languages: list[str]):
        self.queryset, self.languages = queryset, languages

    def count(self) -> int:
        return self.queryset.count() * len(self.languages)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        n = len(self.languages)
        first = index.start // n
        last = -(-index.stop // n)  # ceiling
        rows = list(self.queryset[first:last])
        pairs = [(row, language) for row in rows for language in self.languages]
        return pairs[index.start - first * n : index.stop - first * n]


class PublicSitemap(Sitemap):
    """Rows are (key, lastmod) tuples: model instances are not needed to write a URL."""

    i18n = True
    alternates = True
    x_default = True
    limit = 10_000  # URLs per page; the protocol allows 50,000, this keeps a page quick to render
    url_name = ""

    def rows(self):
        raise NotImplementedError

    def items(self):
        return self.rows()

    @property
    def paginator(self):
        return Paginator(LanguagePairs(self.rows(), self._languages()), self.limit)

    def location(self, item):
        return reverse(self.url_name, args=[item[0]])

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        # One query, where Sitemap's default reads every row.
        return self.rows().order_by("-lastmod").values_list("lastmod", flat=True).first()


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
        latest = newest(AgreementParty, party=OuterRef("pk"))
        return (
            Party.objects.public()
            .annotate(lastmod=Greatest("updated", latest))
            .order_by("pk")
            .values_list("slug", "lastmod")
        )


class ForumSitemap(PublicSitemap):
    url_name = "forum_detail"

    def rows(self):
        latest = newest(Agreement, forum=OuterRef("pk"))
        return (
            Forum.objects.public()
            .annotate(lastmod=Greatest("updated", latest))
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
        return (
            Region.objects.annotate(lastmod=newest(RegionLink, region=OuterRef("pk")))
            .filter(lastmod__isnull=False)
            .order_by("pk")
            .values_list("code", "lastmod")
        )


class SectorSitemap(PublicSitemap):
    url_name = "sector_detail"

    def rows(self):
        # A section's page lists its divisions' agreements too.
        in_sector = Q(sector=OuterRef("pk")) | Q(sector__parent=OuterRef("pk"))
        return (
            Sector.objects.annotate(lastmod=newest(SectorLink, conditions=[in_sector]))
            .filter(lastmod__isnull=False)
            .order_by("pk")
            .values_list("code", "lastmod")
        )


class PageSitemap(PublicSitemap):
    """The home page and the listing: they change with any published agreement."""

    def get_latest_lastmod(self):
        return Agreement.objects.public().order_by("-updated").values_list("updated", flat=True).first()

    def items(self):
        lastmod = self.get_latest_lastmod()
        return [("home", lastmod), ("agreement_list", lastmod)]

    @property
    def paginator(self):
        return Paginator(
            [(row, language) for row in self.items() for language in self._languages()], self.limit
        )

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
