"""Reading the change log (migration 0013): which agreements the versions since an index's changed.

Triggers write one row per changed agreement in the writing transaction, and the version is stamped
on the rows at COMMIT under the version row's lock: versions follow commit order, so a reader that
has seen version V sees every row up to V, whichever transaction took its ids first.
"""

from django.db import connection

# Above this many changed agreements one full build is about as quick as the update, and a bulk
# import is usually the cause: the index is rebuilt in the background instead.
MOST_CHANGED = 5000
# Versions of the log kept behind the newest full build: a worker (on any host) whose index is
# older than that rebuilds in full instead of reading the rows.
KEPT_VERSIONS = 10_000


def version_number(version: str) -> int:
    """The committed version's number, from dataversion.data_version()'s ``number.nonce[+own]``."""
    return int(version.split(".", 1)[0])


def changes_since(after: int, upto: int) -> set[int] | None:
    """The agreements changed by the versions ``after`` + 1 to ``upto``, or None when only a full
    build covers them (reference data, a bulk statement, too many changes, a pruned stretch)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT agreement_id FROM agreements_indexchange "
            "WHERE version > %s AND version <= %s LIMIT %s",
            [after, upto, MOST_CHANGED + 1],
        )
        changed = {agreement for (agreement,) in cursor.fetchall()}
    if None in changed or len(changed) > MOST_CHANGED:  # `everything` rows name no agreement
        return None
    return changed


def prune(built: int) -> None:
    """Drop the rows of versions long before the index built at ``built``; a marker row tells a
    worker still older than that to build in full."""
    cut = built - KEPT_VERSIONS
    if cut <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM agreements_indexchange WHERE version < %s", [cut])
        if cursor.rowcount:
            cursor.execute(
                "INSERT INTO agreements_indexchange (version, everything) VALUES (%s, %s)", [cut, True]
            )
