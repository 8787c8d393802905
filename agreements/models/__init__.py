"""The registry's data model, one module per part; every public name is importable from here.

``reference`` (countries, regions, sectors), ``parties``, ``sources``, ``forums`` (forums and their
reported figures), ``registry`` (agreements and their parties) and ``history`` (the status timeline).
Migrations and simple_history name classes as ``agreements.models.X``: keep each re-exported here.
"""

from agreements.models.forums import Forum, ForumFigure, ForumFigureManager, ForumManager
from agreements.models.history import StatusChange, StatusChangeManager
from agreements.models.parties import Party, PartyAlias, PartyAliasManager, PartyManager
from agreements.models.reference import (
    Country,
    CountryManager,
    LocalizedNameMixin,
    Name,
    Region,
    RegionManager,
    Sector,
    SectorManager,
    localized,
    localized_column,
)
from agreements.models.registry import (
    HAS_SOURCE,
    MIN_PUBLISHED_PARTIES,
    NO_SOURCE_MESSAGE,
    Agreement,
    AgreementParty,
    AgreementPartyManager,
    AgreementQuerySet,
)
from agreements.models.sources import Source, SourceManager

__all__ = [
    "HAS_SOURCE",
    "MIN_PUBLISHED_PARTIES",
    "NO_SOURCE_MESSAGE",
    "Agreement",
    "AgreementParty",
    "AgreementPartyManager",
    "AgreementQuerySet",
    "Country",
    "CountryManager",
    "Forum",
    "ForumFigure",
    "ForumFigureManager",
    "ForumManager",
    "LocalizedNameMixin",
    "Name",
    "Party",
    "PartyAlias",
    "PartyAliasManager",
    "PartyManager",
    "Region",
    "RegionManager",
    "Sector",
    "SectorManager",
    "Source",
    "SourceManager",
    "StatusChange",
    "StatusChangeManager",
    "localized",
    "localized_column",
]
