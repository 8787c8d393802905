"""Confirming an announcement import: the source, figures, new parties and draft agreements, all or nothing.

Every record is saved the ordinary way (history rows by the importing user, reason «импорт из
сообщения»); what the registry already holds — the same forum, kind and set of parties, or the same
figure — is not saved again, so confirming the same text twice adds nothing.
"""

from django.db import transaction
from django.db.models import Count, Q
from slugify import slugify

from agreements.backoffice.status import refresh_current_status
from agreements.models import Agreement, AgreementParty, Forum, ForumFigure, Party, Source, StatusChange
from agreements.search import refresh_search_fields

CHANGE_REASON = "импорт из сообщения"
STATUS_NOTE = "из импорта сообщения"


def tracked(instance, user):
    """simple-history takes the user and the reason from the instance, for its save and m2m rows alike."""
    instance._history_user = user
    instance._change_reason = CHANGE_REASON
    return instance


def unique_slug(model, text: str, max_length: int, fallback: str) -> str:
    base = slugify(text, max_length=max_length - 4, word_boundary=True) or fallback
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def existing_agreement(forum, kind: str, party_ids: list[int] | None) -> Agreement | None:
    """The registry's agreement of this forum and kind with exactly these parties (as probable_duplicates)."""
    if forum is None or forum.pk is None or not party_ids:
        return None
    wanted = set(party_ids)
    return (
        Agreement.objects.filter(forum=forum, kind=kind)
        .annotate(
            parties_total=Count("party_links", distinct=True),
            parties_shared=Count("party_links", filter=Q(party_links__party_id__in=wanted), distinct=True),
        )
        .filter(parties_total=len(wanted), parties_shared=len(wanted))
        .order_by("pk")
        .first()
    )


def existing_figure(forum, metric: str, value, unit: str) -> ForumFigure | None:
    if forum is None or forum.pk is None:
        return None
    return ForumFigure.objects.filter(forum=forum, metric=metric, value=value, unit=unit).first()


def known_party_ids(parties: list[dict]) -> list[int] | None:
    """The ids of an agreement's parties if every one is already in the registry, else None."""
    if any(party["match"] is None for party in parties):
        return None
    return [party["match"].pk for party in parties]


def figure_key(forum, metric: str) -> str:
    key, n = metric, 1
    while ForumFigure.objects.filter(forum=forum, key=key).exists():
        n += 1
        key = f"{metric}-{n}"
    return key


def get_forum(step: dict, user) -> Forum:
    if step.get("forum"):
        return step["forum"]
    title = step["forum_title"].strip()
    forum = Forum(
        title=title,
        number=step.get("forum_number", ""),
        city=step.get("forum_city", ""),
        start_date=step.get("forum_start_date"),
        slug=unique_slug(Forum, title, 120, "forum"),
    )
    tracked(forum, user).save()
    return forum


def get_source(step: dict) -> Source:
    """The same full text confirmed again is the same source."""
    text = step["text"]
    source = Source.objects.filter(text=text).order_by("pk").first()
    if source:
        return source
    title = step.get("source_title") or next(line.strip() for line in text.splitlines() if line.strip())[:300]
    return Source.objects.create(
        slug=unique_slug(Source, title, 120, "source"),
        title=title,
        publisher=step.get("source_publisher", ""),
        url=step.get("source_url", ""),
        published_on=step.get("source_published_on"),
        text=text,
    )


class NewParties:
    """Parties created by this import, once each: one «Евразийский банк развития» for two documents."""

    def __init__(self, user):
        self.user = user
        self.created: dict[tuple, Party] = {}

    def get(self, party: dict) -> Party:
        if party["match"] is not None:
            return party["match"]
        key = (party["name"].casefold(), party["legal_form"])
        if key not in self.created:
            new = Party(
                name=party["name"],
                legal_form=party["legal_form"],
                country_id=party["country"] or None,
                slug=unique_slug(Party, party["name"], 120, "party"),
            )
            tracked(new, self.user).save()
            self.created[key] = new
        return self.created[key]


@transaction.atomic
def save_announcement(user, step: dict, figures: list[dict], agreements: list[tuple[dict, list[dict]]]):
    """Save the included figures and agreements; returns the new draft agreements.

    ``agreements`` pairs each included agreement's cleaned data with its parties' (in order).
    """
    forum = get_forum(step, user)
    source = get_source(step)
    for figure in figures:
        if existing_figure(forum, figure["metric"], figure["value"], figure["unit"]):
            continue
        ForumFigure.objects.create(
            forum=forum,
            key=figure_key(forum, figure["metric"]),
            metric=figure["metric"],
            label=figure["label"],
            value=figure["value"],
            unit=figure["unit"],
            is_approximate=figure["approximate"],
            source=source,
            source_url=step.get("source_url", ""),
            source_quote=figure["quote"],
            reported_on=step.get("source_published_on"),
        )
    new_parties = NewParties(user)
    drafts = []
    for data, parties in agreements:
        if existing_agreement(forum, data["kind"], known_party_ids(parties)):
            continue
        party_objects = [new_parties.get(party) for party in parties]
        drafts.append(save_agreement(user, forum, source, data, party_objects, parties))
    refresh_search_fields(Agreement.objects.filter(pk__in=[a.pk for a in drafts]))
    return drafts


def save_agreement(
    user, forum, source, data: dict, party_objects: list[Party], parties: list[dict]
) -> Agreement:
    agreement = Agreement(
        forum=forum,
        slug=unique_slug(Agreement, data["title"], 150, "agreement"),
        kind=data["kind"],
        title=data["title"],
        subject=data["subject"],
        amount=data["amount"],
        currency=data["currency"] if data["amount"] is not None else "",
        source=source,
        source_quote=data["quote"],
        is_published=False,
    )
    tracked(agreement, user).save()
    for order, (party, reading) in enumerate(zip(party_objects, parties, strict=True), start=1):
        link = AgreementParty(agreement=agreement, party=party, role=reading["role"], order=order)
        tracked(link, user).save()
    agreement.regions.set(data["regions"])
    agreement.countries.set(data["countries"])
    agreement.sectors.set(data["sectors"])
    step = StatusChange(
        agreement=agreement, status=Agreement.Status.ANNOUNCED, note=STATUS_NOTE, source=source
    )
    tracked(step, user).save()
    refresh_current_status([agreement])
    return agreement
