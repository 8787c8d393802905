"""Drafts never reach the public side: every public URL, in every language, with every format of export.

Parties, forums and sources are shown only through published agreements: one known only from drafts
answers exactly as a slug nobody uses does (a 404 page, a 400 for ``?party=``), so the public side
cannot even tell that it exists.
"""

import io
import itertools
import json
import zipfile

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from agreements.models import (
    Agreement,
    AgreementParty,
    Forum,
    ForumFigure,
    Party,
    PartyAlias,
    Source,
    StatusChange,
)
from agreements.tests.factories import make_agreement, make_forum, make_party

# Words that only the drafts hold (case-sensitive: a search box echoes its lower-case query).
SECRETS = [
    "Тайноборск",  # the draft agreement's title
    "Кварцеворудн",  # its subject
    "Засекреченная цитата",  # its quote
    "Секретнейшая",  # the draft-only party's name
    "Тайнописн",  # its alias
    "draft-secret-site",  # its website
    "Невидимок",  # the draft-only forum's title
    "Невидимый показатель",  # its figure
    "Скрытый полный текст",  # the draft-only source's text
    "Потаённый источник",  # its title
]
LANGUAGES = ("ru", "en", "kk")
LIST_QUERIES = [{}, {"region": "KZ-31"}, {"sector": "20"}, {"q": "тайноборска"}, {"kind": "agreement"}]


@pytest.fixture
def drafts(seeded):
    source = Source.objects.create(
        slug="potaenny-istochnik", title="Потаённый источник", text="Скрытый полный текст публикации."
    )
    party = make_party(
        name="Секретнейшая компания", slug="sekretneyshaya", website="https://draft-secret-site.kz"
    )
    PartyAlias.objects.create(party=party, name="Тайнописное название")
    forum = make_forum(title="Форум Невидимок", slug="forum-nevidimok")
    ForumFigure.objects.create(
        forum=forum,
        key="hidden",
        metric=ForumFigure.Metric.DOCUMENTS,
        label="Невидимый показатель",
        value=77,
        unit="documents",
        source=source,
    )
    agreement = make_agreement(
        title="Черновик о заводе Тайноборск",
        subject="Кварцеворудный комбинат",
        source_quote="Засекреченная цитата из черновика",
        slug="chernovik-tainoborsk",
        parties=[party, Party.objects.get(slug="eurasian-development-bank")],
        regions=["KZ-31"],
        sectors=["20"],
        published=False,
        forum=forum,
        source=source,
    )
    StatusChange.objects.create(agreement=agreement, status=Agreement.Status.ANNOUNCED, source=source)
    return {"party": party, "forum": forum, "source": source, "agreement": agreement}


def public_patterns(patterns=None):
    """Every URL pattern outside the admin, with its parameter names."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                yield from public_patterns(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            yield entry


def urls_of(pattern: URLPattern, values: dict[str, list[str]]) -> list[str]:
    """The pattern reversed with every combination of candidate values that fits it, in each language."""
    names = list(pattern.pattern.regex.groupindex)
    urls = []
    for language in LANGUAGES:
        with translation.override(language):
            for combination in itertools.product(*(values[name] for name in names)):
                try:
                    urls.append(reverse(pattern.name, kwargs=dict(zip(names, combination, strict=True))))
                except NoReverseMatch:
                    continue
    return sorted(set(urls))


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode() for name in archive.namelist())
    text = content.decode("utf-8-sig")
    if kind.startswith("application/json") and response.status_code == 200:
        # \u escapes would hide a leaked Cyrillic word from a plain substring check.
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def assert_no_secrets(url, response):
    assert response.status_code < 500, url
    text = body_text(response)
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"{url}: {leaked}"


@pytest.mark.django_db
def test_it_shows_no_draft_text_at_any_public_url(client, drafts):
    draft_slugs = [drafts[name].slug for name in ("party", "forum", "source", "agreement")]
    values = {
        "slug": [
            *draft_slugs,
            "xiii-01-eurochem-karatau-fertilisers",
            "eurasian-development-bank",
            "kz-ru-interregional-forum-xiii",
            "xiii-forum-announcement",
        ],
        "code": ["KZ-31", "kz-31", "C", "20"],
        "extension": ["csv", "json", "xlsx"],
        # Open data: /sitemap-<section>.xml and /data/<resource>.csv.
        "section": ["pages", "agreements", "parties", "forums", "sources", "regions", "sectors"],
        "resource": [
            "agreements",
            "parties",
            "agreement_parties",
            "regions",
            "sectors",
            "forums",
            "forum_figures",
        ],
    }
    patterns = list(public_patterns())
    assert {"home", "agreement_list", "agreement_export", "party_detail", "source_detail"} <= {
        p.name for p in patterns
    }
    requested = 0
    for pattern in patterns:
        urls = urls_of(pattern, values)
        assert urls, f"no URL built for {pattern.pattern}"
        takes_filters = pattern.name in ("home", "agreement_list", "agreement_export", "agreement_feed")
        for url in urls:
            for query in LIST_QUERIES if takes_filters else [{}]:
                assert_no_secrets(url, client.get(url, query))
                requested += 1
    assert requested > 60


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.django_db
def test_it_answers_a_draft_only_detail_page_as_an_unknown_one(client, drafts, language):
    for name, view in [
        ("party", "party_detail"),
        ("forum", "forum_detail"),
        ("source", "source_detail"),
        ("agreement", "agreement_detail"),
    ]:
        draft = client.get(language + reverse(view, args=[drafts[name].slug]))
        unknown = client.get(language + reverse(view, args=["no-such-" + name]))
        assert draft.status_code == unknown.status_code == 404, name


@pytest.mark.parametrize("extension", [None, "csv", "json", "xlsx"])
@pytest.mark.parametrize("param", ["party", "forum"])
@pytest.mark.django_db
def test_it_answers_a_draft_only_party_or_forum_filter_as_an_unknown_one(client, drafts, param, extension):
    url = reverse("agreement_list") if extension is None else reverse("agreement_export", args=[extension])
    slug = drafts[param].slug
    made_up = "x" * len(slug)
    draft, unknown = client.get(url, {param: slug}), client.get(url, {param: made_up})
    assert draft.status_code == unknown.status_code == 400
    assert draft.content.decode().replace(slug, made_up) == unknown.content.decode()


@pytest.mark.django_db
def test_it_keeps_a_party_forum_or_source_public_through_published_agreements_only(drafts):
    assert not Party.objects.public().filter(pk=drafts["party"].pk).exists()
    assert Party.objects.public().filter(slug="eurasian-development-bank").exists()
    assert not Forum.objects.public().filter(pk=drafts["forum"].pk).exists()
    assert not Source.objects.public().filter(pk=drafts["source"].pk).exists()
    assert Source.objects.public().filter(slug="xiii-forum-announcement").exists()
    # Published, the agreement brings its party, forum and source (and the forum's figures' sources).
    Agreement.objects.filter(pk=drafts["agreement"].pk).update(is_published=True)
    assert Party.objects.public().filter(pk=drafts["party"].pk).exists()
    assert Forum.objects.public().filter(pk=drafts["forum"].pk).exists()
    assert Source.objects.public().filter(pk=drafts["source"].pk).exists()
    assert AgreementParty.objects.filter(party=drafts["party"]).count() == 1


@pytest.mark.django_db
def test_it_makes_a_source_public_through_a_public_forums_figure(seeded):
    source = Source.objects.create(slug="figures-only", title="Только показатели")
    forum = Forum.objects.get(slug="kz-ru-interregional-forum-xiii")
    ForumFigure.objects.create(
        forum=forum, key="extra", metric=ForumFigure.Metric.OTHER, value=1, unit="USD", source=source
    )
    assert Source.objects.public().filter(pk=source.pk).exists()
