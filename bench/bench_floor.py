"""The raw-SQL floor: a listing page's SQL (count, page, its parties and regions, every facet) written by
hand against our schema and timed on a plain DB-API connection — no ORM, template or HTTP.

The statements have the shape of the app's (codes resolved to ids first, as the app does from its
cached reference data), so "cold / floor" is the cost of the web stack, not of another query plan;
agreements/tests/test_bench.py checks that they mean what the app's FilterSet means.
"""

import sqlite3
import statistics
import time

from bench_common import PER_PAGE, summary


def schema_tables() -> dict[str, str]:
    """Our table names, from the models (the floor SQL is written against our schema)."""
    from agreements.models import Agreement, AgreementParty, Forum, Party, Region, Sector

    return {
        "agreement": Agreement._meta.db_table,
        "party_link": AgreementParty._meta.db_table,
        "party": Party._meta.db_table,
        "forum": Forum._meta.db_table,
        "region": Region._meta.db_table,
        "sector": Sector._meta.db_table,
        "region_link": Agreement.regions.through._meta.db_table,
        "sector_link": Agreement.sectors.through._meta.db_table,
        "country_link": Agreement.countries.through._meta.db_table,
        "country": "agreements_country",
        # PostgreSQL searches a stored tsvector when the model has one (agreements.search).
        "search_vector": any(f.name == "search_vector" for f in Agreement._meta.get_fields()),
    }


def raw_connection(url: str):
    """A plain DB-API connection for the floor: psycopg for PostgreSQL, sqlite3 for SQLite."""
    if url.startswith("postgres"):
        import psycopg

        return psycopg.connect(url, autocommit=True), "postgresql"
    return sqlite3.connect(url.removeprefix("sqlite:///")), "sqlite"


def _paramstyle(sql: str, vendor: str) -> str:
    return sql if vendor == "postgresql" else sql.replace("%s", "?")


def resolve_codes(conn, vendor: str, params: dict, tables: dict) -> dict[str, list[int]]:
    """Region and sector codes → ids (a section → itself and its divisions), as the app resolves them
    from its cached reference data before querying; done once, outside the timings."""
    cursor = conn.cursor()
    resolved = {}
    if params.get("region"):
        cursor.execute(
            _paramstyle("SELECT id FROM {region} WHERE code = %s".format(**tables), vendor),
            [params["region"]],
        )
        resolved["region"] = [row[0] for row in cursor.fetchall()]
    if params.get("sector"):
        cursor.execute(
            _paramstyle(
                "SELECT s.id FROM {sector} s LEFT JOIN {sector} ps ON ps.id = s.parent_id"
                " WHERE s.code = %s OR ps.code = %s".format(**tables),
                vendor,
            ),
            [params["sector"], params["sector"]],
        )
        resolved["sector"] = sorted(row[0] for row in cursor.fetchall())
    cursor.close()
    return resolved


def _ids(values: list[int]) -> str:
    return ", ".join(str(int(v)) for v in values) or "NULL"


def floor_where(params: dict, vendor: str, tables: dict, resolved: dict, skip: str = "") -> tuple[str, list]:
    """WHERE of the public listing under ``params`` (minus ``skip``), as the app's FilterSet means it."""
    clauses, args = ["a.is_published = %s"], [True]
    if params.get("region") and skip != "region":
        clauses.append(
            "EXISTS (SELECT 1 FROM {region_link} rl WHERE rl.agreement_id = a.id".format(**tables)
            + f" AND rl.region_id IN ({_ids(resolved['region'])}))"
        )
    if params.get("sector") and skip != "sector":
        clauses.append(
            "EXISTS (SELECT 1 FROM {sector_link} sl WHERE sl.agreement_id = a.id".format(**tables)
            + f" AND sl.sector_id IN ({_ids(resolved['sector'])}))"
        )
    if params.get("status") and skip != "status":
        clauses.append("a.status = %s")
        args.append(params["status"])
    if params.get("q") and skip != "q":
        if vendor == "postgresql":
            clauses.append(f"{search_vector_sql(tables)} @@ plainto_tsquery('russian'::regconfig, %s)")
            args.append(params["q"])
        else:
            from agreements.search import stems

            for stem in stems(params["q"]):
                clauses.append("a.search_stems LIKE %s ESCAPE '\\'")
                args.append(f"% {stem}%")
    return " AND ".join(clauses), args


def search_vector_sql(tables: dict, weighted: bool = False) -> str:
    """PostgreSQL: the stored search vector if the schema has one, else the expressions it replaced."""
    if tables.get("search_vector"):
        return "a.search_vector"
    if weighted:
        return (
            "(setweight(to_tsvector('russian'::regconfig, COALESCE(a.title, '')), 'A')"
            " || setweight(to_tsvector('russian'::regconfig, COALESCE(a.search_text, '')), 'D'))"
        )
    return "to_tsvector('russian'::regconfig, COALESCE(a.search_text, ''))"


def floor_order(params: dict, vendor: str, tables: dict) -> tuple[str, list]:
    """ORDER BY of the listing: by relevance for a search, else newest first."""
    if params.get("q"):
        if vendor == "postgresql":
            # The app's relevance: how many of the words the title (weight A) has (backend.title_rank).
            from agreements.search import query_words

            words = query_words(params["q"])
            vector = search_vector_sql(tables, weighted=True)
            in_title = f"(ts_filter({vector}, '{{a}}') @@ plainto_tsquery('russian'::regconfig, %s))::int"
            return "(" + (" + ".join([in_title] * len(words)) or "0") + ") DESC, a.id", words
        from agreements.search import stems

        order = " + ".join("instr(a.search_stems, %s)" for _ in stems(params["q"])) + ", a.id"
        return order, [f" {stem}" for stem in stems(params["q"])]
    # Undated agreements last, as the app sorts (SQLite ≥ 3.30 and PostgreSQL both say NULLS LAST).
    return "a.signed_on DESC NULLS LAST, a.title, a.id", []


# Each facet counts the agreements matching every filter but its own ({base}: their ids).
FACETS = {
    "region": (
        "SELECT r.code, r.name_ru, r.name_en, COUNT(rl.agreement_id) AS n FROM {region_link} rl"
        " JOIN {region} r ON r.id = rl.region_id WHERE rl.agreement_id IN ({base})"
        " GROUP BY r.code, r.name_ru, r.name_en ORDER BY n DESC, r.code"
    ),
    "sector": (
        "SELECT s.code, s.name_ru, s.name_en, ps.code, ps.name_ru, ps.name_en, COUNT(sl.agreement_id)"
        " FROM {sector_link} sl JOIN {sector} s ON s.id = sl.sector_id"
        " LEFT JOIN {sector} ps ON ps.id = s.parent_id WHERE sl.agreement_id IN ({base})"
        " GROUP BY s.code, s.name_ru, s.name_en, ps.code, ps.name_ru, ps.name_en"
    ),
    "section": (
        "SELECT COALESCE(ps.code, s.code), COUNT(DISTINCT sl.agreement_id)"
        " FROM {sector_link} sl JOIN {sector} s ON s.id = sl.sector_id"
        " LEFT JOIN {sector} ps ON ps.id = s.parent_id WHERE sl.agreement_id IN ({base})"
        " GROUP BY COALESCE(ps.code, s.code)"
    ),
    "country": (
        "SELECT u.country_id, c.name_ru, c.name_en, COUNT(*) AS n FROM ("
        " SELECT rl.agreement_id, r.country_id"
        " FROM {region_link} rl JOIN {region} r ON r.id = rl.region_id"
        " WHERE rl.agreement_id IN ({base})"
        " UNION SELECT cl.agreement_id, cl.country_id FROM {country_link} cl"
        " WHERE cl.agreement_id IN ({base})"
        ") u JOIN {country} c ON c.code = u.country_id GROUP BY u.country_id, c.name_ru, c.name_en"
        " ORDER BY n DESC, u.country_id"
    ),
}


def facet_statements(params: dict, vendor: str, tables: dict, resolved: dict) -> list[tuple[str, str, list]]:
    """(label, sql, args) of the linked facets (region, sector, section, country)."""
    statements = []
    for name, sql in FACETS.items():
        base_where, base_args = floor_where(params, vendor, tables, resolved, skip=name)
        base = "SELECT a.id FROM {agreement} a WHERE ".format(**tables) + base_where
        count = sql.count("{base}")
        statements.append((f"facet:{name}", sql.format(base=base, **tables), base_args * count))
    return statements


def floor_statements(params: dict, vendor: str, tables: dict, resolved: dict) -> list[tuple[str, str, list]]:
    """(label, sql, args) for one listing page: count, first page, its parties and regions, every facet."""
    where, args = floor_where(params, vendor, tables, resolved)
    t = {**tables, "where": where}
    order, order_args = floor_order(params, vendor, tables)
    statements = [
        ("count", "SELECT COUNT(*) FROM {agreement} a WHERE {where}".format(**t), args),
        (
            "page",
            "SELECT a.id, a.slug, a.title, a.subject, a.kind, a.status, a.signed_on,"
            " f.title, f.number, f.slug"
            " FROM {agreement} a LEFT JOIN {forum} f ON f.id = a.forum_id WHERE {where}".format(**t)
            + f" ORDER BY {order} LIMIT {PER_PAGE} OFFSET {(int(params.get('page', 1)) - 1) * PER_PAGE}",
            [*args, *order_args],
        ),
        *facet_statements(params, vendor, tables, resolved),
    ]
    scalar = "SELECT a.kind, a.status, f.slug, f.title, COUNT(a.id) FROM {agreement} a"
    scalar += (
        " LEFT JOIN {forum} f ON f.id = a.forum_id WHERE {where} GROUP BY a.kind, a.status, f.slug, f.title"
    )
    statements.append(("facet:kind+status+forum", scalar.format(**t), args))
    if params.get("status"):
        base_where, base_args = floor_where(params, vendor, tables, resolved, skip="status")
        statements.append(
            (
                "facet:status",
                "SELECT a.status, COUNT(a.id) FROM {agreement} a WHERE ".format(**tables)
                + base_where
                + " GROUP BY a.status",
                base_args,
            )
        )
    return statements


def page_relations(cursor, vendor: str, tables: dict, page_ids: list) -> None:
    """The page's parties and regions, as the listing shows them."""
    marks = ", ".join(["%s"] * len(page_ids))
    cursor.execute(
        _paramstyle(
            "SELECT pl.agreement_id, p.name, p.legal_form, p.slug, p.country_id"
            " FROM {party_link} pl JOIN {party} p ON p.id = pl.party_id".format(**tables)
            + f" WHERE pl.agreement_id IN ({marks})"
            + ' ORDER BY pl.agreement_id, pl."order", pl.id',
            vendor,
        ),
        page_ids,
    )
    cursor.fetchall()
    cursor.execute(
        _paramstyle(
            "SELECT rl.agreement_id, r.code, r.name_ru FROM {region_link} rl"
            " JOIN {region} r ON r.id = rl.region_id".format(**tables)
            + f" WHERE rl.agreement_id IN ({marks})",
            vendor,
        ),
        page_ids,
    )
    cursor.fetchall()


def floor_pass(conn, vendor: str, tables: dict, statements: list) -> tuple[dict[str, float], list]:
    """One run of a page's statements: seconds per label, and the ids on the page."""
    timings, page_ids = {}, []
    cursor = conn.cursor()
    for label, sql, args in statements:
        started = time.perf_counter()
        cursor.execute(_paramstyle(sql, vendor), args)
        rows = cursor.fetchall()
        timings[label] = time.perf_counter() - started
        if label == "page":
            page_ids = [row[0] for row in rows]
            if page_ids:
                started = time.perf_counter()
                page_relations(cursor, vendor, tables, page_ids)
                timings["page relations"] = time.perf_counter() - started
    cursor.close()
    return timings, page_ids


def run_floor(conn, vendor: str, params: dict, tables: dict, repeats: int = 10, warmup: int = 2) -> dict:
    """Time the floor statements of one page on a DB-API connection (psycopg or sqlite3)."""
    statements = floor_statements(params, vendor, tables, resolve_codes(conn, vendor, params, tables))
    page_ids: list = []
    for _ in range(warmup):
        _timings, page_ids = floor_pass(conn, vendor, tables, statements)
    passes = []
    for _ in range(repeats):
        timings, page_ids = floor_pass(conn, vendor, tables, statements)
        passes.append(timings)
    totals = [sum(p.values()) for p in passes]
    labels = passes[0].keys()
    return {
        **summary(totals),
        "statements": len(statements) + (1 if page_ids else 0),
        "by_statement_ms": {
            label: round(statistics.median(p[label] for p in passes) * 1000, 2) for label in labels
        },
    }
