from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    re_path(
        r"^agreements/export\.(?P<extension>xlsx|csv|json)$", views.agreement_export, name="agreement_export"
    ),
    path("agreements/<slug:slug>/", views.agreement_detail, name="agreement_detail"),
    path("parties/<slug:slug>/", views.party_detail, name="party_detail"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("sectors/<str:code>/", views.sector_detail, name="sector_detail"),
    path("forums/<slug:slug>/", views.forum_detail, name="forum_detail"),
    path("sources/<slug:slug>/", views.source_detail, name="source_detail"),
]
