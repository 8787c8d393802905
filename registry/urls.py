from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from agreements.public.views import pages

# A database outage outside a view is a 503 too (agreements.middleware).
handler500 = "agreements.middleware.server_error"

urlpatterns = [
    path("healthz", pages.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # One URL per record in every language (?lang= or Accept-Language): not under i18n_patterns.
    path("api/", include("agreements.public.api.urls")),
]
# Open data (issue #16): one document for every language, so outside i18n_patterns. Imported here to
# keep this a hunk of its own.
from django.contrib.sitemaps import views as sitemap_views  # noqa: E402

from agreements.public.downloads import opendata  # noqa: E402
from agreements.public.sitemaps import SITEMAPS, robots_txt  # noqa: E402

urlpatterns += [
    path("robots.txt", robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap"},
        name="sitemap_index",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("data/datapackage.json", opendata.datapackage, name="datapackage"),
    path("data/<slug:resource>.csv", opendata.resource_csv, name="datapackage_csv"),
]
# Russian pages live at /agreements/…, English ones at /en/agreements/…: each view is a shareable URL.
urlpatterns += i18n_patterns(path("", include("agreements.public.urls")), prefix_default_language=False)

# A 404 under /api/ is JSON (agreements.api), elsewhere Django's page (templates/404.html).
handler404 = "agreements.public.api.base.not_found"
