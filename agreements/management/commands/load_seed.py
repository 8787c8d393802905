"""Load the seed fixtures (``fixtures/seed/*.json``) and the source texts they cite.

Fixtures name every record by natural key, so this works on any database whatever its ids. Unlike
``loaddata`` it writes only what differs from the database: a second run changes nothing, not even
``updated`` timestamps or history rows.
"""

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand
from django.db import transaction

from agreements.backoffice.status import refresh_current_status
from agreements.models import Agreement, Source
from agreements.search import refresh_search_fields

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seed"
SOURCES_DIR = Path(settings.BASE_DIR) / "fixtures" / "sources"
AUTOMATIC_FIELDS = {"created", "updated", "title_key", "search_text", "search_stems", "search_vector"}
# An agreement's status is its timeline's latest step (agreements.status), whatever a fixture says.
DERIVED_FIELDS = {"status"}


def field_values(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in AUTOMATIC_FIELDS | DERIVED_FIELDS
    }


def differs(deserialized) -> bool:
    instance = deserialized.object
    model = type(instance)
    stored = model._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    if stored is None:
        return True
    if field_values(stored) != field_values(instance):
        return True
    for name, ids in (deserialized.m2m_data or {}).items():
        current = set(getattr(stored, name).values_list("pk", flat=True))
        if current != {model._meta.get_field(name).related_model._meta.pk.to_python(i) for i in ids}:
            return True
    return False


def agreement_pk(instance):
    if isinstance(instance, Agreement):
        return instance.pk
    return getattr(instance, "agreement_id", None)


def with_source_text(instance):
    """A Source whose slug names a file in fixtures/sources/ takes its text from that file, verbatim."""
    if isinstance(instance, Source):
        path = SOURCES_DIR / f"{instance.slug}.txt"
        if path.exists():
            instance.text = path.read_text(encoding="utf-8")
    return instance


def save(deserialized) -> None:
    """An ordinary save (timestamps set, history recorded), keeping what the fixture does not hold."""
    instance = deserialized.object
    stored = type(instance)._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    for name in AUTOMATIC_FIELDS | DERIVED_FIELDS:
        if stored is not None and hasattr(stored, name):
            setattr(instance, name, getattr(stored, name))
    if stored is None and isinstance(instance, Agreement):
        instance.status = Agreement._meta.get_field("status").default  # until its timeline is loaded
    instance.save()
    for name, ids in (deserialized.m2m_data or {}).items():
        getattr(instance, name).set(ids)


class Command(BaseCommand):
    help = "Load the seed fixtures (idempotent: a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="Fixture files (default: fixtures/seed/*.json).")

    @transaction.atomic
    def handle(self, *args, files, **options):
        paths = [Path(f) for f in files] or sorted(SEED_DIR.glob("*.json"))
        written = seen = 0
        touched = set()  # agreements whose search text may have changed
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                objects = serializers.deserialize(
                    "json", handle, handle_forward_references=True, ignorenonexistent=False
                )
                for deserialized in objects:
                    seen += 1
                    with_source_text(deserialized.object)
                    if differs(deserialized):
                        save(deserialized)
                        written += 1
                        touched.add(agreement_pk(deserialized.object))
        touched.discard(None)
        if touched:
            refresh_current_status(Agreement.objects.filter(pk__in=touched))
            refresh_search_fields(Agreement.objects.filter(pk__in=touched))
        if options["verbosity"]:
            self.stdout.write(f"Seed: {seen} records in {len(paths)} file(s), {written} written.")
