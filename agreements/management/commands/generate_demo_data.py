"""Generate a large, realistic, deterministic demo registry for benchmarks and demos.

``manage.py generate_demo_data --agreements 100000 [--seed 1] [--replace]``

Everything it creates has a slug starting with ``demo-`` (agreements, parties, forums), so it never
collides with real records and ``--replace`` can remove exactly what an earlier run made. Names,
titles and subjects are Russian, built from word lists in several grammatical cases («поставки
минеральных удобрений», «о поставках…», «по сборке автобусов», «строительство завода по переработке
зерна»), so the Russian search has real stemming work to do. The same seed gives the same data.

Rows are plain tuples, not model instances. On PostgreSQL each table gets one COPY per batch of
2,000 agreements, from a thread of its own so the server inserts one batch while Python makes the
next; agreements' ids come from their sequence first, and the stored search vector is computed by
the server (one INSERT … SELECT per batch from a temporary table, with ``search.weighted_vector()``).
On SQLite, executemany of the same tuples. The search texts and stems are computed in Python with
``agreements.search`` (stems cached per word: the vocabulary is small). Triggers (data version,
change log, SQLite's search index) fire as for any insert and foreign keys are checked. 100,000
agreements take about a minute on PostgreSQL, most of it the server's inserts and index updates
(bench/RESULTS.md). No history rows are written for demo data.

The work is in ``agreements/demo/``: ``vocabulary.py`` (word lists, weights, text helpers),
``texts.py`` (names, titles, subjects, status steps; the search fields), ``generator.py`` (the
rows, in the order the random draws make them), ``writing.py`` (COPY or executemany, ids),
``storage.py`` (deleting earlier demo data, VACUUM); this module is the command.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agreements.demo.generator import Generator
from agreements.demo.storage import delete_demo_data, demo_counts, timeline_model, vacuum
from agreements.demo.writing import writer


class Command(BaseCommand):
    help = (
        "Generate N deterministic demo agreements (slugs demo-*) with parties, forums and links, "
        "for benchmarks. Refuses if demo data exists unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agreements", type=int, required=True, help="How many agreements (N).")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete earlier demo-* agreements, parties and forums first.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, agreements, seed, replace, no_progress, **options):
        if agreements < 1:
            raise CommandError("--agreements must be at least 1.")
        started = time.monotonic()
        existing = demo_counts()
        if any(existing.values()) and not replace:
            raise CommandError(
                "Demo data already exists ({agreements} agreements, {parties} parties, {forums} forums); "
                "pass --replace to delete it and generate again.".format(**existing)
            )
        if any(existing.values()):
            # Deleted and committed first: PostgreSQL can reuse the space of rows deleted by a committed
            # transaction once VACUUM has seen them; deleting and inserting in one transaction would
            # leave the tables twice their size, and every scan twice as slow.
            with transaction.atomic():
                delete_demo_data()
            self.stdout.write("Deleted earlier demo data: {agreements} agreements.".format(**existing))
            vacuum(analyze=False)
        with transaction.atomic():
            progress = not no_progress and options["verbosity"] > 0
            generator = Generator(seed, agreements, writer(), progress=progress)
            counts = generator.run(sys.stderr)
        # What autovacuum does soon after a bulk insert on a production server: row statistics for the
        # planner and the visibility map index-only scans need. Run here because autovacuum may be off,
        # and benchmarks should see the steady state rather than a fresh bulk load.
        vacuum(analyze=True)
        elapsed = time.monotonic() - started
        self.stdout.write(
            "Generated {agreements} agreements, {parties} parties, {forums} forums, "
            "{party_links} party links, {region_links} region links, {sector_links} sector links, "
            "{country_links} country links, {status_steps} status steps".format(**counts)
            + f" in {elapsed:.1f} s (seed {seed})."
        )


__all__ = ["Command", "timeline_model"]  # timeline_model: imported by the tests from here
