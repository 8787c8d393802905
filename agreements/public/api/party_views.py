"""Parties and forums: those with a published agreement only (``public()``), counted."""

from django.db.models import Count, Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view

from agreements.models import AgreementParty, Forum, ForumFigure, Party
from agreements.public.api import params
from agreements.public.api import serializers as out
from agreements.public.api.base import (
    COMMON_RESPONSES,
    DETAIL_RESPONSES,
    LIST_PARAMETERS,
    SLUG_PATTERN,
    ApiView,
    page_schema,
    paginated,
    paginated_queryset,
    slug_or_404,
)
from agreements.public.listing.caching import cached
from agreements.public.listing.facets import current_index

# Counts are attached to the page's rows only: an annotated COUNT over every party's links, grouped
# and sorted by name, took 2 s at 100,000 agreements.
PARTIES = Party.objects.public().select_related("country", "home_region").order_by("name", "pk")
FORUMS = Forum.objects.public().order_by("-start_date", "title", "pk")


def with_party_counts(parties: list) -> list:
    links = AgreementParty.objects.filter(party__in=parties, agreement__is_published=True)
    counts = dict(links.values_list("party_id").annotate(n=Count("pk")).order_by())
    for party in parties:
        party.published_agreements = counts.get(party.pk, 0)
    return parties


def with_forum_counts(forums: list) -> list:
    index = current_index()  # the facet index: published agreements per forum slug
    for forum in forums:
        forum.published_agreements = index.count("forum", forum.slug)
    return forums


def public_party_ids() -> list[int]:
    """Every public party's id by name, cached under the data version: which parties have a published
    agreement is a join over every party link (0.2–0.3 s at 100,000 agreements), once per change."""
    return cached("api-party-ids", {}, lambda: list(PARTIES.values_list("pk", flat=True)))


def parties_at(ids: list[int]) -> list:
    found = Party.objects.select_related("country", "home_region").in_bulk(ids)
    return with_party_counts([found[pk] for pk in ids if pk in found])


@extend_schema_view(
    get=extend_schema(
        operation_id="parties_list",
        parameters=LIST_PARAMETERS,
        responses={200: page_schema("PartyPage", out.PartySerializer), **COMMON_RESPONSES},
        description="Parties of published agreements, by name.",
    )
)
class PartyListView(ApiView):
    def data(self, request):
        ids = public_party_ids()
        return paginated(
            self, request, out.PartySerializer, len(ids), lambda start, stop: parties_at(ids[start:stop])
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="parties_detail",
        parameters=params.detail_parameters("slug", SLUG_PATTERN, "semaz"),
        responses={200: out.PartyDetailSerializer, **DETAIL_RESPONSES},
    )
)
class PartyDetailView(ApiView):
    def data(self, request, slug):
        party = PARTIES.prefetch_related("aliases").filter(slug=slug_or_404(slug)).first()
        if party is None:
            raise Http404
        with_party_counts([party])
        return out.PartyDetailSerializer(party, context=self.context()).data


@extend_schema_view(
    get=extend_schema(
        operation_id="forums_list",
        parameters=LIST_PARAMETERS,
        responses={200: page_schema("ForumPage", out.ForumSerializer), **COMMON_RESPONSES},
        description="Forums with published agreements, newest first.",
    )
)
class ForumListView(ApiView):
    def data(self, request):
        return paginated_queryset(self, request, out.ForumSerializer, FORUMS, with_forum_counts)


@extend_schema_view(
    get=extend_schema(
        operation_id="forums_detail",
        parameters=params.detail_parameters("slug", SLUG_PATTERN, "kz-ru-interregional-forum-xiii"),
        responses={200: out.ForumDetailSerializer, **DETAIL_RESPONSES},
    )
)
class ForumDetailView(ApiView):
    def data(self, request, slug):
        figures = Prefetch("figures", queryset=ForumFigure.objects.select_related("source").order_by("pk"))
        forum = FORUMS.prefetch_related(figures).filter(slug=slug_or_404(slug)).first()
        if forum is None:
            raise Http404
        with_forum_counts([forum])
        forum.announced_documents = next(
            (int(f.value) for f in forum.figures.all() if f.metric == ForumFigure.Metric.DOCUMENTS), None
        )
        return out.ForumDetailSerializer(forum, context=self.context()).data
