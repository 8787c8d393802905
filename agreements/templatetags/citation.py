"""An agreement page's machine-readable description (schema.org JSON-LD) and its ways to be cited.

The JSON-LD is a data block (``type="application/ld+json"``): browsers never run it, so the site's
Content-Security-Policy, which allows no inline script, does not apply to it. It is escaped as
Django's json_script escapes (<, > and & as \\u003C…), so no text in a record can close the element.
Everything comes from the relations the detail view has already prefetched: no query of its own.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
LICENSE_URL = (
    "https://creativecommons.org/licenses/by/4.0/"  # as agreements/public/downloads/opendata.py states
)
NACE = "https://ec.europa.eu/eurostat/web/nace"
BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def organization(link, request) -> dict:
    party = link.party
    described = {
        "@type": "Organization",
        "name": party.display_name,
        "url": request.build_absolute_uri(party.get_absolute_url()),
    }
    if party.country_id:
        described["address"] = {"@type": "PostalAddress", "addressCountry": party.country_id}
    if party.website:
        described["sameAs"] = party.website
    return described


def json_ld(agreement, request) -> dict:
    links = list(agreement.party_links.all())
    described = creative_work(agreement, links, request)
    # Keys a record may lack are left out rather than given as null.
    optional = {
        "description": agreement.subject,
        "dateCreated": agreement.signed_on.isoformat() if agreement.signed_on else None,
        "funder": funders(links, request),
        "spatialCoverage": places(agreement),
        "about": sectors(agreement),
        "funding": funding(agreement),
        "isBasedOn": based_on(agreement),
    }
    described.update({key: value for key, value in optional.items() if value})
    return described


def creative_work(agreement, links, request) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": request.build_absolute_uri(agreement.get_absolute_url()),
        "url": request.build_absolute_uri(agreement.get_absolute_url()),
        "identifier": agreement.slug,
        "name": agreement.title,
        "genre": agreement.get_kind_display(),
        "inLanguage": "ru",
        "datePublished": timezone.localdate(agreement.created).isoformat(),
        "dateModified": agreement.updated.isoformat(),
        "license": LICENSE_URL,
        # The signatories made the document; a financier is also its funder.
        "creator": [organization(link, request) for link in links],
        "isPartOf": {
            "@type": "Dataset",
            "name": _("Реестр соглашений Казахстан–Россия"),
            "url": request.build_absolute_uri("/"),
        },
    }


def funders(links, request) -> list[dict]:
    return [organization(link, request) for link in links if link.role == link.Role.FINANCIER]


def places(agreement) -> list[dict]:
    regions = [
        {
            "@type": "AdministrativeArea",
            "name": region.name,
            "identifier": region.code,
            "containedInPlace": {
                "@type": "Country",
                "name": region.country.name,
                "identifier": region.country_id,
            },
        }
        for region in agreement.regions.all()
    ]
    countries = [
        {"@type": "Country", "name": c.name, "identifier": c.code} for c in agreement.countries.all()
    ]
    return regions + countries


def sectors(agreement) -> list[dict]:
    return [
        {"@type": "DefinedTerm", "termCode": sector.code, "name": sector.name, "inDefinedTermSet": NACE}
        for sector in agreement.sectors.all()
    ]


def funding(agreement) -> dict | None:
    if agreement.amount is None:
        return None
    return {
        "@type": "Grant",
        "amount": {"@type": "MonetaryAmount", "value": str(agreement.amount), "currency": agreement.currency},
    }


def based_on(agreement) -> dict | None:
    """The source the record comes from: its publication, its link, its words."""
    if not (agreement.source_id or agreement.source_link):
        return None
    source = {"@type": "CreativeWork"}
    if agreement.source_id:
        source.update(publication(agreement.source))
    if agreement.source_link:
        source["url"] = agreement.source_link
    if agreement.source_quote:
        source["text"] = agreement.source_quote
    return source


def publication(source) -> dict:
    described = {"name": source.title}
    if source.publisher:
        described["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.published_on:
        described["datePublished"] = source.published_on.isoformat()
    return described


@register.simple_tag(takes_context=True)
def agreement_json_ld(context, agreement):
    text = json.dumps(json_ld(agreement, context["request"]), cls=DjangoJSONEncoder, ensure_ascii=False)
    escaped = text.translate(JSON_SCRIPT_ESCAPES)  # no "<": the text cannot end the element
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(escaped))  # noqa: S308


def bibtex_text(text: str) -> str:
    return "".join(BIBTEX_ESCAPES.get(char, char) for char in " ".join(text.split()))


@register.simple_tag(takes_context=True)
def agreement_citation(context, agreement) -> dict:
    """The page's stable URL, the record's last change, and the two citations built from them."""
    request = context["request"]
    url = request.build_absolute_uri(agreement.get_absolute_url())
    modified = timezone.localdate(agreement.updated)
    registry = _("Реестр соглашений Казахстан–Россия")
    plain = _("«%(title)s» // %(registry)s. Запись изменена %(modified)s. URL: %(url)s") % {
        "title": agreement.title,
        "registry": registry,
        "modified": modified.isoformat(),
        "url": url,
    }
    fields = [
        ("title", "{" + bibtex_text(agreement.title) + "}"),
        ("howpublished", r"\url{" + url + "}"),
        ("organization", bibtex_text(registry)),
        ("year", str(modified.year)),
        ("note", bibtex_text(_("Запись изменена %(modified)s") % {"modified": modified.isoformat()})),
        ("url", url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    key = "registry-" + agreement.slug
    return {"url": url, "modified": modified, "plain": plain, "bibtex": f"@misc{{{key},\n{body}\n}}"}
