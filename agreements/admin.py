"""Django's admin autodiscovery imports ``agreements.admin``; the back office is agreements/backoffice/."""

from agreements.backoffice import admin  # noqa: F401  (registers the ModelAdmins)
