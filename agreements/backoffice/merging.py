"""Merging duplicate parties into one, recorded in the audit trail."""

from django.db import transaction

from agreements.models import Agreement, AgreementParty, Party, PartyAlias
from agreements.search import refresh_search_fields

MERGE_REASON = "Объединение участников"


def spellings(party: Party) -> set[str]:
    return {name for name in (party.name, party.display_name, party.short_name) if name}


@transaction.atomic
def merge_parties(target: Party, others: list[Party]) -> dict:
    """Move every agreement link and alias of ``others`` to ``target``, keep their names as aliases,
    and delete them. Each step is an ordinary save or delete, so the history shows all of it."""
    others = [party for party in others if party.pk != target.pk]
    moved = dropped = 0
    affected = set()
    known = {name.casefold() for name in spellings(target)} | {
        alias.name.casefold() for alias in target.aliases.all()
    }
    for other in others:
        for link in AgreementParty.objects.filter(party=other).select_related("agreement"):
            affected.add(link.agreement_id)
            link._change_reason = MERGE_REASON  # simple-history stores it with the record
            if AgreementParty.objects.filter(agreement_id=link.agreement_id, party=target).exists():
                link.delete()  # the agreement already names the target: one link is enough
                dropped += 1
            else:
                link.party = target
                link.save()
                moved += 1
        new_aliases = [alias.name for alias in other.aliases.all()] + sorted(spellings(other))
        for alias in other.aliases.all():
            alias._change_reason = MERGE_REASON
            alias.delete()
        other._change_reason = MERGE_REASON
        other.delete()
        for name in new_aliases:
            if name.casefold() not in known:
                known.add(name.casefold())
                alias = PartyAlias(party=target, name=name)
                alias._change_reason = MERGE_REASON
                alias.save()
    refresh_search_fields(Agreement.objects.filter(pk__in=affected))
    return {"merged": len(others), "links_moved": moved, "links_dropped": dropped}
