from django.core.management.base import BaseCommand

from agreements.models import Country, Region, Sector
from agreements.reference import load_reference_data


class Command(BaseCommand):
    help = "Load or refresh countries, KZ/RU regions and NACE sectors (idempotent; never deletes)."

    def handle(self, *args, **options):
        counts = load_reference_data(Country, Region, Sector)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
