"""Countries of implementation: one definition for the country facet, the detail page and the API.

An agreement is implemented in the countries its source names (``Agreement.countries``, for records
whose source names a country but no region) and in the countries of its regions: a record with the
Zhambyl region is implemented in Kazakhstan though no one typed «Казахстан». The second kind is
*derived*, and pages say so («Казахстан (по регионам)»). The country filter
(``AgreementFilter.filter_country``) matches the same union in SQL; the facet index and the detail
page both take it from ``implementation_countries``, so the facet's count, the filtered listing (and
so the filtered exports) and each record's page agree.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


class ImplementationCountry(NamedTuple):  # a tuple: the facet index makes one per agreement and country
    code: str  # ISO 3166-1
    derived: bool  # only its regions name it


def implementation_countries(named: Iterable[str], of_regions: Iterable[str]) -> list[ImplementationCountry]:
    """The named countries in their order, then the regions' countries not named, each once."""
    named = list(dict.fromkeys(named))
    derived = [code for code in dict.fromkeys(of_regions) if code not in named]
    return [ImplementationCountry(code, False) for code in named] + [
        ImplementationCountry(code, True) for code in derived
    ]


@dataclass(frozen=True)
class ShownCountry:
    country: object  # a Country
    derived: bool


def agreement_countries(agreement) -> list[ShownCountry]:
    """For a detail page: the agreement's countries with ``regions__country`` and ``countries``
    prefetched (no query of its own)."""
    named = list(agreement.countries.all())
    of_regions = [region.country for region in agreement.regions.all()]
    by_code = {country.code: country for country in [*named, *of_regions]}
    found = implementation_countries([c.code for c in named], [c.code for c in of_regions])
    return [ShownCountry(by_code[item.code], item.derived) for item in found]
