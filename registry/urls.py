from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from agreements import views

# A database outage outside a view is a 503 too (agreements.middleware).
handler500 = "agreements.middleware.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # One URL per record in every language (?lang= or Accept-Language): not under i18n_patterns.
    path("api/", include("agreements.api.urls")),
]
# Russian pages live at /agreements/…, English ones at /en/agreements/…: each view is a shareable URL.
urlpatterns += i18n_patterns(path("", include("agreements.urls")), prefix_default_language=False)

# A 404 under /api/ is JSON (agreements.api), elsewhere Django's page (templates/404.html).
handler404 = "agreements.api.views.not_found"
