"""The status timeline and the current status: which one follows the other depends on who edits.

In the admin the timeline is edited and the status follows its latest step; a spreadsheet import sets
the status and the timeline gains a step for it. Called explicitly (no signals), after links are saved.
"""

from django.db.models import F

from agreements.models import Agreement, StatusChange

IMPORT_NOTE = "из импорта таблицы"


def latest_step(agreement: Agreement) -> StatusChange | None:
    return agreement.status_changes.order_by(F("date").desc(nulls_last=True), "-created", "-pk").first()


def status_from_timeline(agreement: Agreement) -> None:
    """Admin: the current status is the latest step; a new agreement gets its first step."""
    latest = latest_step(agreement)
    if latest is None:
        StatusChange.objects.create(agreement=agreement, status=agreement.status)
    elif latest.status != agreement.status:
        agreement.status = latest.status
        agreement.save(update_fields=["status"])


def timeline_from_status(agreements) -> int:
    """Import: give each agreement whose status is not its latest step a step for that status."""
    added = 0
    for agreement in agreements:
        latest = latest_step(agreement)
        if latest is None or latest.status != agreement.status:
            StatusChange.objects.create(
                agreement=agreement, status=agreement.status, note="" if latest is None else IMPORT_NOTE
            )
            added += 1
    return added
