"""Give existing agreements a first timeline step, and create the staff roles.

Редакторы (editors) add, change and delete agreements, parties, forums and sources, and import them;
Наблюдатели (viewers) only look. Reference data (countries, regions, sectors) is changed by superusers
only, whatever the group (see admin.SuperuserEditsOnlyMixin).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Редакторы"
VIEWERS = "Наблюдатели"
EDITED = [
    "agreement",
    "agreementparty",
    "party",
    "partyalias",
    "forum",
    "forumfigure",
    "source",
    "statuschange",
]
REFERENCE = ["country", "region", "sector"]


def first_timeline_steps(apps, schema_editor):
    Agreement = apps.get_model("agreements", "Agreement")
    StatusChange = apps.get_model("agreements", "StatusChange")
    StatusChange.objects.bulk_create(
        StatusChange(agreement_id=pk, status=status, date=None)
        for pk, status in Agreement.objects.filter(status_changes__isnull=True).values_list("pk", "status")
    )


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.filter(content_type__app_label="agreements")
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(
        ours.filter(content_type__model__in=EDITED)
        | ours.filter(content_type__model__in=REFERENCE, codename__startswith="view_")
        | ours.filter(content_type__model__startswith="historical", codename__startswith="view_")
    )
    viewers, _ = Group.objects.get_or_create(name=VIEWERS)
    viewers.permissions.set(ours.filter(codename__startswith="view_"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, VIEWERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("agreements", "0004_status_history"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunPython(first_timeline_steps, migrations.RunPython.noop),
        migrations.RunPython(create_roles, remove_roles),
    ]
