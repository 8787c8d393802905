"""The comparison with Datasette: the published agreements exported as Datasette users publish data,
its metadata, the table views compared with our listing, and their timings over HTTP."""

import json
import sqlite3
import urllib.parse
import urllib.request
from pathlib import Path

from bench_common import BENCH, HTTP_TIMEOUT, PER_PAGE, measure_http
from bench_servers import datasette, ensure_datasette_venv

COLUMNS = (
    "[id] INTEGER PRIMARY KEY, [slug] TEXT, [title] TEXT, [subject] TEXT, [kind] TEXT, [status] TEXT,"
    " [forum] TEXT, [signed_on] TEXT, [amount] FLOAT, [currency] TEXT, [regions] TEXT,"
    " [first_region] TEXT, [sectors] TEXT, [countries] TEXT, [parties] TEXT"
)


def published_links() -> dict[str, dict[int, list]]:
    """Per published agreement, in order: its region, sector and country codes and its parties' names."""
    from collections import defaultdict

    from agreements.models import Agreement, AgreementParty

    published = {"agreement__is_published": True}
    sources = {
        "regions": Agreement.regions.through.objects.filter(**published)
        .order_by("agreement_id", "id")
        .values_list("agreement_id", "region__code"),
        "sectors": Agreement.sectors.through.objects.filter(**published)
        .order_by("agreement_id", "id")
        .values_list("agreement_id", "sector__code"),
        "countries": Agreement.countries.through.objects.filter(**published)
        .order_by("agreement_id", "id")
        .values_list("agreement_id", "country_id"),
        "parties": AgreementParty.objects.filter(**published)
        .order_by("agreement_id", "order", "id")
        .values_list("agreement_id", "party__name"),
    }
    links = defaultdict(lambda: defaultdict(list))
    for kind, pairs in sources.items():
        for agreement_id, value in pairs:
            links[kind][agreement_id].append(value)
    return links


def flat_rows(links: dict):
    """The published agreements as rows of the flat table (see COLUMNS), streamed."""
    from agreements.models import Agreement

    def array(kind, pk):
        return json.dumps(links[kind].get(pk, []), ensure_ascii=False)

    fields = ["id", "slug", "title", "subject", "kind", "status", "forum__title", "signed_on"]
    for a in (
        Agreement.objects.public()
        .order_by("pk")
        .values(*fields, "amount", "currency")
        .iterator(chunk_size=5000)
    ):
        yield (
            *(a[field] for field in fields[:7]),
            a["signed_on"].isoformat() if a["signed_on"] else None,
            float(a["amount"]) if a["amount"] is not None else None,
            a["currency"],
            array("regions", a["id"]),
            (links["regions"].get(a["id"]) or [None])[0],
            array("sectors", a["id"]),
            array("countries", a["id"]),
            array("parties", a["id"]),
        )


def export_for_datasette(path: Path) -> dict:
    """The published agreements as one flat table (plus FTS5 on title+subject), as Datasette users export.

    Columns: title, subject, kind, status, forum (its title), signed_on, amount, currency, JSON arrays
    ``regions``, ``sectors``, ``countries``, ``parties`` (names), and ``first_region``, the cheap
    single-column filter. Indexes on the scalar columns a Datasette user would facet or filter on.
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    links = published_links()
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE [agreements] ({COLUMNS})")
    db.executemany("INSERT INTO [agreements] VALUES (" + ", ".join(["?"] * 15) + ")", flat_rows(links))
    for column in ("first_region", "kind", "status", "forum", "signed_on"):
        db.execute(f"CREATE INDEX [idx_agreements_{column}] ON [agreements] ([{column}])")
    # What `sqlite-utils enable-fts bench.db agreements title subject` runs.
    db.execute("CREATE VIRTUAL TABLE [agreements_fts] USING FTS5 ([title], [subject], content=[agreements])")
    db.execute(
        "INSERT INTO [agreements_fts] (rowid, [title], [subject])"
        " SELECT rowid, [title], [subject] FROM [agreements]"
    )
    db.execute("ANALYZE")
    db.commit()
    count = db.execute("SELECT COUNT(*) FROM agreements").fetchone()[0]
    db.close()
    return {"path": str(path), "rows": count}


def datasette_metadata(path: Path) -> Path:
    meta = path.with_suffix(".metadata.json")
    name = path.stem
    meta.write_text(
        json.dumps(
            {
                "databases": {
                    name: {"tables": {"agreements": {"fts_table": "agreements_fts", "fts_pk": "id"}}}
                }
            },
            indent=2,
        )
    )
    return meta


def datasette_queries(params: dict) -> dict[str, dict]:
    """The Datasette table views compared with ours: name → query parameters."""
    all_facets = [
        ("_facet_array", "regions"),
        ("_facet_array", "sectors"),
        ("_facet_array", "countries"),
        ("_facet", "kind"),
        ("_facet", "status"),
        ("_facet", "forum"),
    ]
    return {
        "any_region": [
            ("regions__arraycontains", params["region"]),
            *all_facets,
            ("_size", PER_PAGE),
            ("_nosuggest", 1),
        ],
        "any_region_suggest": [
            ("regions__arraycontains", params["region"]),
            *all_facets,
            ("_size", PER_PAGE),
        ],
        "first_region": [
            ("first_region", params["region"]),
            ("_facet", "kind"),
            ("_facet", "status"),
            ("_size", PER_PAGE),
            ("_nosuggest", 1),
        ],
        "search": [
            ("_search", params["q"]),
            ("_facet", "kind"),
            ("_facet", "status"),
            ("_size", PER_PAGE),
            ("_nosuggest", 1),
        ],
    }


def datasette_version() -> str:
    for line in (BENCH / "requirements.txt").read_text().splitlines():
        if line.lower().startswith("datasette=="):
            return line.split("==", 1)[1]
    return ""


def measure_datasette(
    export_path: Path, params: dict, requests: int, warmup: int, log_path: Path, log=print
) -> dict[str, dict]:
    """Serve the export with Datasette (its venv created if needed) and time each compared view."""
    ensure_datasette_venv(log)
    metadata = datasette_metadata(export_path)
    results = {}
    with datasette(export_path, metadata, log_path) as server:
        for name, query in datasette_queries(params).items():
            path = f"/{export_path.stem}/agreements?" + urllib.parse.urlencode(query)
            figures = measure_http(server.base + path, requests, warmup)
            json_path = f"/{export_path.stem}/agreements.json?" + urllib.parse.urlencode(query)
            with urllib.request.urlopen(server.base + json_path, timeout=HTTP_TIMEOUT) as response:
                body = json.load(response)
            figures.update(
                path=path,
                rows=body.get("filtered_table_rows_count"),
                facets_timed_out=body.get("facets_timed_out", []),
            )
            results[name] = figures
            log(f"  datasette {name}: p50 {figures['p50_ms']} ms ({figures['rows']} rows)")
    return results
