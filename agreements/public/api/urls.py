from csp.decorators import csp_update
from django.urls import path
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agreements.public.api.agreement_views import AgreementDetailView, AgreementListView
from agreements.public.api.party_views import ForumDetailView, ForumListView, PartyDetailView, PartyListView
from agreements.public.api.reference_views import (
    RegionDetailView,
    RegionListView,
    SectorDetailView,
    SectorListView,
)

# Swagger UI with nothing inline (the site's CSP): its start-up script is ?script on the same URL; its
# stylesheet draws icons as data: SVG images, allowed on this page only. GET and HEAD only: any other
# method made its HTML renderer fail for want of a template (a 500).
docs = csp_update({"img-src": ["data:"]})(
    require_safe(
        SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="public/api/swagger_ui.html")
    )
)

# Codes and slugs are taken as any segment and checked in the view, so a malformed one is a JSON 404
# rather than the site's HTML page (any other /api/ address: registry.urls's handler404). Names are
# prefixed rather than namespaced, like the site's own.
urlpatterns = [
    path("agreements/", AgreementListView.as_view(), name="api_agreement_list"),
    path("agreements/<str:slug>/", AgreementDetailView.as_view(), name="api_agreement_detail"),
    path("parties/", PartyListView.as_view(), name="api_party_list"),
    path("parties/<str:slug>/", PartyDetailView.as_view(), name="api_party_detail"),
    path("regions/", RegionListView.as_view(), name="api_region_list"),
    path("regions/<str:code>/", RegionDetailView.as_view(), name="api_region_detail"),
    path("sectors/", SectorListView.as_view(), name="api_sector_list"),
    path("sectors/<str:code>/", SectorDetailView.as_view(), name="api_sector_detail"),
    path("forums/", ForumListView.as_view(), name="api_forum_list"),
    path("forums/<str:slug>/", ForumDetailView.as_view(), name="api_forum_detail"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", docs, name="api_docs"),
]
