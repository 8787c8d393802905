"""The status timeline is the truth; ``Agreement.status`` is its latest step, kept for the listing's filter.

Every path that changes an agreement's status adds a step to its timeline through :func:`record_status`
(or :func:`record_statuses`, the same for many agreements at once: the spreadsheet import), or edits
the timeline itself (the admin's inline) and then calls :func:`refresh_current_status`. That function
is the only writer of ``Agreement.status``: no signal, no ``save()`` side effect, explicit calls only.
The agreement's own history does not record the column; the timeline's history (StatusChange's) does.
"""

from django.db.models import F

from agreements.models import Agreement, StatusChange

IMPORT_NOTE = "из импорта таблицы"
BATCH = 500
# Latest first: a dated step by date, an undated one (a source that gives no date) after every dated one
# (StatusChange.Meta.ordering, reversed), then the order they were entered in.
LATEST_FIRST = (F("date").desc(nulls_last=True), "-created", "-pk")


def latest_step(agreement: Agreement) -> StatusChange | None:
    return agreement.status_changes.order_by(*LATEST_FIRST).first()


def latest_statuses(agreement_ids) -> dict:
    """{agreement id: the status of its latest step}; an agreement with no step is not in it."""
    ids, latest = list(agreement_ids), {}
    for start in range(0, len(ids), BATCH):
        steps = (
            StatusChange.objects.filter(agreement_id__in=ids[start : start + BATCH])
            .order_by("agreement_id", *LATEST_FIRST)
            .values_list("agreement_id", "status")
        )
        for agreement_id, status in steps:
            latest.setdefault(agreement_id, status)
    return latest


def refresh_current_status(agreements) -> int:
    """Set each agreement's status to its timeline's latest step: the one writer of Agreement.status.

    An agreement with no step yet gets its first, for the status it holds (a new one: the default,
    «объявлено»). Sets the instances given; writes the rows whose stored status differs (whatever the
    instances held) and returns how many.
    """
    agreements = list(agreements)
    latest = latest_statuses(a.pk for a in agreements)
    for agreement in agreements:
        if agreement.pk not in latest:  # a new agreement: one by one, so simple-history records it
            StatusChange.objects.create(agreement=agreement, status=agreement.status)
            latest[agreement.pk] = agreement.status
    by_status: dict[str, list[int]] = {}
    for agreement in agreements:
        agreement.status = latest[agreement.pk]
        by_status.setdefault(agreement.status, []).append(agreement.pk)
    written = 0
    for status, ids in by_status.items():
        for start in range(0, len(ids), BATCH):
            rows = Agreement.objects.filter(pk__in=ids[start : start + BATCH]).exclude(status=status)
            written += rows.update(status=status)
    return written


def timelines(slugs) -> dict[str, tuple[str, set[str], bool]]:
    """{slug: (its status, the statuses of its undated steps, whether it has a dated step)}, for the
    agreements of ``slugs`` that have steps: what :func:`undated_step_refusal` needs, in a few queries."""
    slugs, found = list(slugs), {}
    for start in range(0, len(slugs), BATCH):
        steps = StatusChange.objects.filter(agreement__slug__in=slugs[start : start + BATCH]).values_list(
            "agreement__slug", "agreement__status", "status", "date"
        )
        for slug, current, status, date in steps:
            _, undated, dated = found.get(slug, (current, set(), False))
            if date is None:
                undated.add(status)
            found[slug] = (current, undated, dated or date is not None)
    return found


def undated_step_refusal(timeline, status) -> str:
    """Why an undated step for ``status`` (what an import adds) cannot go into ``timeline`` (an entry of
    :func:`timelines`, or ``None``), or "" if it can or none is needed."""
    if timeline is None or status == timeline[0]:
        return ""
    label = Agreement.Status(status).label
    if timeline[2]:
        # Undated steps come before dated ones (StatusChange.Meta.ordering): it would not be current.
        return (
            f"У соглашения есть статусы с датой: статус «{label}» без даты не станет текущим. "
            "Укажите его с датой в администрировании соглашения."
        )
    if status in timeline[1]:
        return (
            f"«{label}» уже есть в истории статусов без даты: второй такой шаг не добавить. "
            "Укажите его дату в администрировании соглашения."
        )
    return ""


def record_status(agreement: Agreement, status: str, date=None, note="", source=None) -> StatusChange | None:
    """Add a step for ``status`` unless the latest step already has it, then refresh the current status.

    Returns the new step, or ``None`` when the timeline already ends in that status.
    """
    latest = latest_step(agreement)
    step = None
    if latest is None or latest.status != status:
        step = StatusChange.objects.create(
            agreement=agreement, status=status, date=date, note=note, source=source
        )
    refresh_current_status([agreement])
    return step


def record_statuses(changes, note: str = IMPORT_NOTE) -> list[StatusChange]:
    """:func:`record_status` for many ``(agreement, status)`` pairs at once, in a few queries (the import).

    An agreement's first step has no note. The steps are bulk-created, so simple-history records
    none of them: the caller writes their history rows (returned) as it does for its other bulk rows.
    """
    changes = list(changes)
    latest = latest_statuses(agreement.pk for agreement, _ in changes)
    steps = [
        StatusChange(agreement=agreement, status=status, note=note if agreement.pk in latest else "")
        for agreement, status in changes
        if latest.get(agreement.pk) != status
    ]
    StatusChange.objects.bulk_create(steps, batch_size=BATCH)
    refresh_current_status(agreement for agreement, _ in changes)
    return steps
