"""The Atom feed of newly published agreements, for the listing's filters (issue #16).

``/agreements/feed.atom?region=KZ-31`` is what a journalist following the Zhambyl region subscribes to:
the same parameters as the listing, validated the same way, newest first. A bad parameter is a 400 in
plain text, as the exports answer, since a feed reader shows no page.
"""

import re

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from agreements.models import Agreement, Country, Forum, Party, Region, Sector
from agreements.public import querystrings
from agreements.public.filters import AgreementFilter, public_filterset

FEED_ITEMS = 50
# Characters XML 1.0 cannot carry; a search may hold them (the admin refuses them in records).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def refusal(filterset: AgreementFilter) -> HttpResponse:
    problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items())
    message = _("Запрос не понят: %(problems)s") % {"problems": problems}
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")


def value_labels(name: str, values: list[str]) -> list[str]:
    """What a reader calls the filtered values: «Жамбылская область», not KZ-31."""
    if name == "region":
        names = {r.code: r.name for r in Region.objects.filter(code__in=values)}
    elif name == "sector":
        names = {s.code: f"{s.code} {s.name}" for s in Sector.objects.filter(code__in=values)}
    elif name in ("country", "party_country"):
        names = {c.code: c.name for c in Country.objects.filter(code__in=values)}
    elif name == "party":
        names = {p.slug: p.display_name for p in Party.objects.public().filter(slug__in=values)}
    elif name == "forum":
        names = {f.slug: f.title for f in Forum.objects.public().filter(slug__in=values)}
    elif name == "kind":
        names = {value: str(label) for value, label in Agreement.Kind.choices}
    elif name == "status":
        names = {value: str(label) for value, label in Agreement.Status.choices}
    else:
        names = {}
    return [names.get(value, value) for value in values]


def describe(filterset: AgreementFilter, params: dict) -> str:
    """«регион: Жамбылская область; отрасль: 20 Производство химических веществ…», sort left out."""
    parts = []
    for name, value in params.items():
        if name == "sort":
            continue
        values = value if isinstance(value, list) else [value]
        if name == "q":
            values = [f"«{value}»"]
        label = str(filterset.filters[name].label).lower()
        parts.append(f"{label}: {', '.join(value_labels(name, values))}")
    return NOT_XML.sub("", "; ".join(parts))


class AgreementFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        filterset = public_filterset(request.GET)
        if not filterset.is_valid():
            return refusal(filterset)
        # One Feed instance serves every request and thread: the filter travels on the request.
        request.agreement_filterset = filterset
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        filterset = request.agreement_filterset
        params = {name: value for name, value in filterset.active_params().items() if name != "sort"}
        return {"filterset": filterset, "params": params, "description": describe(filterset, params)}

    def title(self, obj):
        if obj["description"]:
            return _("Новые соглашения — %(filter)s") % {"filter": obj["description"]}
        return _("Новые соглашения — Реестр соглашений Казахстан–Россия")

    def subtitle(self, obj):
        return _("Последние %(n)d опубликованных соглашений реестра, новые сверху.") % {"n": FEED_ITEMS}

    def link(self, obj):
        return reverse("agreement_list") + querystrings.encode(obj["params"]).rstrip("?")

    def feed_url(self, obj):
        return reverse("agreement_feed") + querystrings.encode(obj["params"]).rstrip("?")

    def items(self, obj):
        # Newest published first, whatever ?sort= says: a feed is read by what is new.
        queryset = obj["filterset"].qs.order_by("-created", "-pk")
        return list(
            queryset.only("slug", "title", "subject", "kind", "created", "updated").prefetch_related(
                Prefetch("regions", queryset=Region.objects.only("code", "name_ru", "name_en", "name_kk"))
            )[:FEED_ITEMS]
        )

    def item_title(self, item):
        return item.title  # Atom1Feed escapes it

    def item_description(self, item):
        # Atom1Feed marks the summary type="html": a "<" in a subject must stay text.
        return escape(item.subject or item.title)

    def item_pubdate(self, item):
        return item.created

    def item_updateddate(self, item):
        return item.updated

    def item_categories(self, item):
        return [item.get_kind_display(), *(region.name for region in item.regions.all())]


agreement_feed = AgreementFeed()
