"""generate_demo_data: deterministic, realistic in shape, search-ready, and safe for real records."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from agreements import models as app_models
from agreements.backoffice.status import refresh_current_status
from agreements.management.commands.generate_demo_data import timeline_model
from agreements.models import HAS_SOURCE, Agreement, AgreementParty, Forum, Party, PartyAlias
from agreements.search import apply_search, refresh_search_fields, words
from agreements.tests.factories import make_agreement

pytestmark = pytest.mark.django_db

N = 50


def generate(agreements=N, **options):
    out = io.StringIO()
    call_command("generate_demo_data", agreements=agreements, no_progress=True, stdout=out, **options)
    return out.getvalue()


def digest() -> str:
    """Everything generated, by slugs and codes (never database ids, which differ between runs)."""
    demo = {"slug__startswith": "demo-"}
    parts = [
        Agreement.objects.filter(**demo)
        .order_by("slug")
        .values_list(
            "slug", "title", "subject", "kind", "status", "signed_on", "amount", "currency", "is_published"
        ),
        Agreement.objects.filter(**demo).order_by("slug").values_list("slug", "forum__slug"),
        AgreementParty.objects.filter(agreement__slug__startswith="demo-")
        .order_by("agreement__slug", "order")
        .values_list("agreement__slug", "party__slug", "role", "order"),
        Agreement.regions.through.objects.filter(agreement__slug__startswith="demo-")
        .order_by("agreement__slug", "region__code")
        .values_list("agreement__slug", "region__code"),
        Agreement.sectors.through.objects.filter(agreement__slug__startswith="demo-")
        .order_by("agreement__slug", "sector__code")
        .values_list("agreement__slug", "sector__code"),
        Agreement.countries.through.objects.filter(agreement__slug__startswith="demo-")
        .order_by("agreement__slug", "country_id")
        .values_list("agreement__slug", "country_id"),
        Party.objects.filter(**demo)
        .order_by("slug")
        .values_list("slug", "name", "short_name", "legal_form", "kind", "country_id", "home_region__code"),
        PartyAlias.objects.filter(party__slug__startswith="demo-")
        .order_by("name")
        .values_list("party__slug", "name"),
        Forum.objects.filter(**demo).order_by("slug").values_list("slug", "title", "start_date", "city"),
    ]
    if timeline_model() is not None:
        parts.append(
            timeline_model()
            .objects.filter(agreement__slug__startswith="demo-")
            .order_by("agreement__slug", "status")
            .values_list("agreement__slug", "status", "date")
        )
    text = repr([list(part) for part in parts])
    return hashlib.sha256(text.encode()).hexdigest()


def stored_vectors() -> dict:
    """PostgreSQL's stored tsvector per demo agreement, as text (empty elsewhere)."""
    if connection.vendor != "postgresql" or not hasattr(Agreement, "search_vector"):
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, search_vector::text FROM agreements_agreement WHERE slug LIKE %s", ["demo-%"]
        )
        vectors = dict(cursor.fetchall())
    assert all(vectors.values()), "every demo agreement has its search vector"
    return vectors


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    generate(seed=7)
    first = digest()
    assert Agreement.objects.filter(slug__startswith="demo-").count() == N
    generate(seed=7, replace=True)
    assert digest() == first
    assert Agreement.objects.filter(slug__startswith="demo-").count() == N
    generate(seed=8, replace=True)
    assert digest() != first


def test_it_refuses_to_run_twice_without_replace():
    generate(seed=1)
    with pytest.raises(CommandError, match="--replace"):
        generate(seed=1)
    assert Agreement.objects.filter(slug__startswith="demo-").count() == N


def test_replace_removes_only_demo_records():
    real = make_agreement(title="Настоящее соглашение о поставках зерна", slug="real-agreement")
    generate(seed=1)
    output = generate(agreements=20, seed=2, replace=True)
    assert "Deleted earlier demo data: 50 agreements" in output
    assert Agreement.objects.filter(slug__startswith="demo-").count() == 20
    assert Agreement.objects.filter(pk=real.pk).exists()
    assert real.party_links.count() == 2
    assert Forum.objects.filter(slug__startswith="demo-").count() == 3


def test_shape_of_the_generated_registry():
    output = generate(seed=3)
    assert "Generated 50 agreements" in output and " s (seed 3)" in output
    agreements = Agreement.objects.filter(slug__startswith="demo-").annotate(
        n_parties=Count("party_links", distinct=True),
        n_regions=Count("regions", distinct=True),
        n_sectors=Count("sectors", distinct=True),
    )
    assert agreements.count() == N
    for agreement in agreements:
        assert 2 <= agreement.n_parties <= 3, agreement.slug
        assert 1 <= agreement.n_regions <= 2, agreement.slug
        assert 1 <= agreement.n_sectors <= 2, agreement.slug
        assert agreement.title.strip() and agreement.subject.strip()
        assert agreement.amount is None or agreement.currency
        agreement.full_clean()  # the model's own rules: dates, currencies, slugs
    published = agreements.filter(is_published=True).count()
    assert 0.75 * N <= published < N  # about 90 % published, some drafts
    assert agreements.values("kind").distinct().count() >= 4
    assert agreements.values("status").distinct().count() >= 3
    assert agreements.filter(signed_on__isnull=False).count() >= 0.8 * N
    assert agreements.filter(amount__isnull=False).exists()
    assert agreements.filter(regions__country_id="KZ").exists()
    assert agreements.filter(regions__country_id="RU").exists()
    # Parties: legal forms by country, some international without a country, Russian names.
    parties = Party.objects.filter(slug__startswith="demo-")
    assert parties.count() >= N // 5
    assert set(
        parties.filter(country_id="KZ").exclude(legal_form="").values_list("legal_form", flat=True)
    ) <= {
        "ТОО",
        "АО",
    }
    assert set(
        parties.filter(country_id="RU").exclude(legal_form="").values_list("legal_form", flat=True)
    ) <= {
        "ООО",
        "ЗАО",
        "ПАО",
        "ОАО",
    }
    assert parties.filter(country__isnull=True, kind=Party.Kind.INTERNATIONAL).exists()
    # Each agreement's status timeline ends in its current status, in date order.
    if hasattr(app_models, "current_status"):
        for agreement in Agreement.objects.filter(slug__startswith="demo-"):
            assert app_models.current_status(agreement) == agreement.status, agreement.slug
            dates = [d for d in agreement.status_changes.order_by("pk").values_list("date", flat=True) if d]
            assert dates == sorted(dates), agreement.slug
    forums = Forum.objects.filter(slug__startswith="demo-forum-")
    assert forums.count() >= 3
    assert Agreement.objects.filter(slug__startswith="demo-", forum__in=forums).exists()


def test_search_fields_are_filled_as_refresh_search_fields_fills_them():
    generate(agreements=30, seed=4)
    demo = Agreement.objects.filter(slug__startswith="demo-")
    stored = dict(demo.values_list("pk", "search_stems"))
    stored_text = dict(demo.values_list("pk", "search_text"))
    stored_keys = dict(demo.values_list("pk", "title_key"))
    assert all(stored_keys.values())
    assert all(text.strip() for text in stored_text.values())
    assert all(stems.startswith(" ") and stems.endswith(" ") for stems in stored.values())
    vectors = stored_vectors()
    refresh_search_fields(demo)  # on PostgreSQL this also recomputes the stored search vector
    assert dict(demo.values_list("pk", "search_stems")) == stored
    assert dict(demo.values_list("pk", "search_text")) == stored_text
    assert dict(demo.values_list("pk", "title_key")) == stored_keys
    assert stored_vectors() == vectors
    # Parties' names and aliases are part of the text, as search.agreement_search_text puts them.
    for link in AgreementParty.objects.filter(agreement__in=demo).select_related("party", "agreement"):
        assert link.party.name in link.agreement.search_text
        for alias in link.party.aliases.all():
            assert alias.name in link.agreement.search_text
    # And the public search finds a generated agreement by a word of its title.
    agreement = demo.order_by("slug").first()
    word = max(words(agreement.title), key=len)
    assert agreement in apply_search(Agreement.objects.all(), word)


def test_its_status_is_the_latest_step_of_its_timeline_and_published_ones_cite_a_source():
    generate(seed=3)
    demo = Agreement.objects.filter(slug__startswith="demo-")
    assert refresh_current_status(demo) == 0  # agreements.status would change no row
    assert not demo.filter(is_published=True).exclude(HAS_SOURCE).exists()
