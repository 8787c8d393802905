"""What a listed agreement shows (title, labels, forum, parties, regions), read as plain values.

The listing, the detail pages' related lists and the home page show the same item. Model instances
for 50 agreements with their forums, party links, parties, countries and regions — about 500 objects
through ``prefetch_related`` — took a third of a cold listing page at 100,000 agreements; three
``values_list`` queries and small records take a fraction of that. Labels and link prefixes are
computed once per page: ``get_kind_display()`` re-hashes every lazy choice label and ``reverse()``
walks the URL patterns, per item.
"""

from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

from agreements.models import Agreement, AgreementParty, Party, localized
from agreements.public.filters import RegionLink

AGREEMENT_FIELDS = (
    "pk",
    "slug",
    "title",
    "kind",
    "status",
    "signed_on",
    "subject",
    "forum__slug",
    "forum__number",
    "forum__title",
)


@dataclass
class ListedForum:
    url: str
    number: int | None
    title: str


@dataclass
class ListedParty:
    url: str
    name: str
    country: str | None  # ISO code
    country_name: str


@dataclass
class ListedRegion:
    url: str
    code: str
    name: str


@dataclass
class ListedAgreement:
    pk: int
    url: str
    slug: str
    title: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    signed_on: date | None
    subject: str
    forum: ListedForum | None
    parties: list[ListedParty] = field(default_factory=list)
    regions: list[ListedRegion] = field(default_factory=list)


class Prefixes:
    """Choice labels and link prefixes in the active language, computed once per page."""

    def __init__(self):
        self.kinds = {value: str(label) for value, label in Agreement.Kind.choices}
        self.statuses = {value: str(label) for value, label in Agreement.Status.choices}
        self.agreement = reverse("agreement_list")
        self.party = reverse("party_detail", args=["-"]).removesuffix("-/")
        # The region converter takes only code shapes, so the prefix is cut from a real-looking one.
        self.region = reverse("region_detail", args=["XX-0"]).removesuffix("XX-0/")
        self.forum = reverse("forum_detail", args=["-"]).removesuffix("-/")


def listed(queryset) -> list[ListedAgreement]:
    """The agreements of ``queryset`` (already filtered, ordered and sliced), in its order."""
    prefixes = Prefixes()
    items = {}
    for pk, slug, title, kind, status, signed_on, subject, *forum in queryset.values_list(*AGREEMENT_FIELDS):
        items[pk] = ListedAgreement(
            pk=pk,
            url=f"{prefixes.agreement}{slug}/",
            slug=slug,
            title=title,
            kind=kind,
            kind_label=prefixes.kinds.get(kind, kind),
            status=status,
            status_label=prefixes.statuses.get(status, status),
            signed_on=signed_on,
            subject=subject,
            forum=listed_forum(prefixes, *forum),
        )
    if items:
        attach_parties(items, prefixes)
        attach_regions(items, prefixes)
    return list(items.values())


def listed_in_order(ids: list[int]) -> list[ListedAgreement]:
    """The published agreements with these ids, in the order of ``ids``."""
    order = {pk: n for n, pk in enumerate(ids)}
    return sorted(listed(Agreement.objects.public().filter(pk__in=ids)), key=lambda item: order[item.pk])


def listed_forum(prefixes: Prefixes, slug, number, title) -> ListedForum | None:
    if slug is None:
        return None
    return ListedForum(url=f"{prefixes.forum}{slug}/", number=number, title=title)


def attach_parties(items: dict[int, ListedAgreement], prefixes: Prefixes) -> None:
    links = (
        AgreementParty.objects.filter(agreement_id__in=items)
        .order_by("agreement_id", "order", "pk")
        .values_list(
            "agreement_id",
            "party__slug",
            "party__name",
            "party__legal_form",
            "party__country_id",
            "party__country__name_ru",
            "party__country__name_en",
            "party__country__name_kk",
        )
    )
    for agreement, slug, name, legal_form, country, *country_names in links:
        items[agreement].parties.append(
            ListedParty(
                url=f"{prefixes.party}{slug}/",
                name=Party.format_display_name(name, legal_form),
                country=country,
                country_name=localized(*country_names) if country else "",
            )
        )


def attach_regions(items: dict[int, ListedAgreement], prefixes: Prefixes) -> None:
    links = (
        RegionLink.objects.filter(agreement_id__in=items)
        # The order of Region.Meta.ordering, which the item showed before.
        .order_by("agreement_id", "region__country_id", "region__name_ru")
        .values_list("agreement_id", "region__code", "region__name_ru", "region__name_en", "region__name_kk")
    )
    for agreement, code, *names in links:
        items[agreement].regions.append(
            ListedRegion(url=f"{prefixes.region}{code}/", code=code, name=localized(*names))
        )
