from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

app_name = "api"

# Codes and slugs are taken as any segment and checked in the view, so a malformed one is a JSON 404
# rather than the site's HTML page.
urlpatterns = [
    path("agreements/", views.AgreementListView.as_view(), name="agreement-list"),
    path("agreements/<str:slug>/", views.AgreementDetailView.as_view(), name="agreement-detail"),
    path("parties/", views.PartyListView.as_view(), name="party-list"),
    path("parties/<str:slug>/", views.PartyDetailView.as_view(), name="party-detail"),
    path("regions/", views.RegionListView.as_view(), name="region-list"),
    path("regions/<str:code>/", views.RegionDetailView.as_view(), name="region-detail"),
    path("sectors/", views.SectorListView.as_view(), name="sector-list"),
    path("sectors/<str:code>/", views.SectorDetailView.as_view(), name="sector-detail"),
    path("forums/", views.ForumListView.as_view(), name="forum-list"),
    path("forums/<str:slug>/", views.ForumDetailView.as_view(), name="forum-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    re_path(r"^.*$", views.not_found),
]
