"""The benchmark's database: which one, its data (generated or reused), its settings for the report,
and the filter values the scenarios take from it."""

import sqlite3
import time
import urllib.parse

from bench_common import OUT, PER_PAGE, PG_DATABASE, PG_SERVER, SEARCH_WORD, SEED


def database_url(backend: str, quick: bool = False) -> str:
    if backend == "postgres":
        return f"{PG_SERVER}/{PG_DATABASE}{'_quick' if quick else ''}"
    return f"sqlite:///{OUT / ('bench-quick.sqlite3' if quick else 'bench.sqlite3')}"


def ensure_postgres_database(url: str) -> None:
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare_data(agreements: int, seed: int = SEED, log=print) -> dict:
    """Migrate; generate N demo agreements unless exactly N are there already (then reuse them)."""
    from django.core.management import call_command

    from agreements.models import Agreement

    call_command("migrate", verbosity=0, interactive=False)
    existing = Agreement.objects.filter(slug__startswith="demo-").count()
    if existing == agreements:
        log(f"Reusing the {existing} demo agreements already in the database.")
        vacuum_analyze()
        return {"generated": False, "seconds": None}
    log(f"Generating {agreements} demo agreements (found {existing})…")
    started = time.monotonic()
    call_command("generate_demo_data", agreements=agreements, seed=seed, replace=True, no_progress=True)
    return {"generated": True, "seconds": round(time.monotonic() - started, 1)}


def vacuum_analyze() -> None:
    """PostgreSQL: the steady state autovacuum keeps (statistics, visibility map), even with it off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from agreements.models import Agreement, AgreementParty, Forum, Party

    tables = [m._meta.db_table for m in (Agreement, AgreementParty, Party, Forum)]
    tables += [getattr(Agreement, f).through._meta.db_table for f in ("regions", "sectors", "countries")]
    command = "ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) "
    with connection.cursor() as cursor:
        cursor.execute(command + ", ".join(connection.ops.quote_name(t) for t in tables))


def database_settings() -> str:
    """The server settings that decide how much of the data is cached, for the report."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ["server_version", "shared_buffers", "work_mem", "effective_cache_size", "autovacuum"]
            values = []
            for name in names:
                cursor.execute(f"SHOW {name}")
                values.append(f"{name}={cursor.fetchone()[0]}")
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('agreements_agreement'))")
            values.append(f"agreement table {cursor.fetchone()[0]}")
            return "PostgreSQL " + ", ".join(values)
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        return (
            f"SQLite {sqlite3.sqlite_version}, journal_mode={mode}, file {connection.settings_dict['NAME']}"
        )


def choose_params() -> dict:
    """The filter values the scenarios use, taken from the data: the busiest KZ region and section."""
    from django.db.models import Count, Q

    from agreements.models import Agreement, Region, Sector

    published = Q(agreements__is_published=True)
    region = (
        Region.objects.filter(country_id="KZ")
        .annotate(n=Count("agreements", filter=published))
        .order_by("-n", "code")
        .first()
    )
    sections = (
        Sector.objects.filter(parent__isnull=True)
        .annotate(n=Count("divisions__agreements", filter=Q(divisions__agreements__is_published=True)))
        .order_by("-n", "code")
    )
    section = sections.first()
    statuses = (
        Agreement.objects.public().values("status").annotate(n=Count("pk")).order_by("-n", "status").first()
    )
    return {
        "region": region.code if region else "KZ-31",
        "sector": section.code if section else "C",
        "status": statuses["status"] if statuses else "signed",
        "q": SEARCH_WORD,
        # Halfway through that region's pages: what a crawler or a reader paging on asks for.
        "page": max(1, (region.n if region else 0) // PER_PAGE // 2),
    }


def scenarios(params: dict) -> dict[str, dict]:
    """The listing pages measured: name → query parameters."""
    return {
        "unfiltered": {},
        "region": {"region": params["region"]},
        "sector": {"sector": params["sector"]},
        "search": {"q": params["q"]},
        "three_filters": {"region": params["region"], "sector": params["sector"], "status": params["status"]},
        "deep_page": {"region": params["region"], "page": params["page"]},
    }
