"""Agreements and the parties each names (with their roles)."""

from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models.forums import Forum
from agreements.models.parties import Party
from agreements.models.reference import Country, Region, Sector
from agreements.models.sources import Source
from agreements.models.tracking import HistoricalRecords

# A published agreement names at least this many parties (admin form, publish action and import).
MIN_PUBLISHED_PARTIES = 2
# …and cites a source (its Source or a link to the publication), as the site's footer promises.
HAS_SOURCE = Q(source__isnull=False) | ~Q(source_url="")
NO_SOURCE_MESSAGE = _(
    "Опубликовать можно только соглашение с источником: укажите источник или ссылку на него."
)


class AgreementQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_published=True)

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Agreement(models.Model):
    class Kind(models.TextChoices):
        MOU = "mou", _("меморандум о взаимопонимании")
        MEMORANDUM = "memorandum", _("меморандум")
        MEMORANDUM_OF_INTENT = "memorandum_of_intent", _("меморандум о намерениях")
        MEMORANDUM_OF_COOPERATION = "memorandum_of_cooperation", _("меморандум о сотрудничестве")
        AGREEMENT = "agreement", _("соглашение")
        AGREEMENT_OF_INTENT = "agreement_of_intent", _("соглашение о намерениях")
        OTHER = "other", _("другое")

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("объявлено")
        SIGNED = "signed", _("подписано")
        IN_IMPLEMENTATION = "in_implementation", _("реализуется")
        COMPLETED = "completed", _("завершено")
        CANCELLED = "cancelled", _("отменено")

    forum = models.ForeignKey(
        Forum,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("форум"),
        help_text=_("Где подписано или объявлено. Пусто, если документ подписан вне форума."),
    )
    slug = models.SlugField(
        _("адрес (slug)"),
        max_length=150,
        unique=True,
        help_text=_("Постоянный адрес записи: /agreements/<slug>/ и ключ строки при импорте. Не меняйте."),
    )
    kind = models.CharField(_("вид документа"), max_length=30, choices=Kind.choices)
    title = models.CharField(
        _("название"),
        max_length=500,
        help_text=_("Вид документа и стороны, без опечаток источника: «Меморандум между … и …»."),
    )
    subject = models.TextField(
        _("предмет"), blank=True, help_text=_("О чём документ: что строят, производят, финансируют.")
    )
    sectors = models.ManyToManyField(
        Sector,
        blank=True,
        related_name="agreements",
        verbose_name=_("отрасли"),
        help_text=_("Самый точный код NACE: подраздел (21), если понятен, иначе раздел (C)."),
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="agreements",
        verbose_name=_("регионы реализации"),
        help_text=_("Только регионы, названные в источнике."),
    )
    countries = models.ManyToManyField(
        Country,
        blank=True,
        related_name="agreements",
        verbose_name=_("страны реализации"),
        help_text=_("Когда источник называет страны, но не регионы (например, Россия, Казахстан, Беларусь)."),
    )
    parties = models.ManyToManyField(
        Party, through="AgreementParty", related_name="agreements", verbose_name=_("стороны")
    )
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.ANNOUNCED)
    signed_on = models.DateField(
        _("дата подписания"), null=True, blank=True, help_text=_("Пусто, если источник не называет дату.")
    )
    amount = models.DecimalField(
        _("сумма"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Только если источник называет сумму именно этого документа."),
    )
    currency = models.CharField(
        _("валюта"),
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Код валюты ISO 4217: USD, KZT, RUB."))],
        help_text=_("Код ISO 4217 (USD, KZT, RUB); обязателен, если указана сумма."),
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("источник"),
    )
    source_url = models.URLField(
        _("ссылка на источник"),
        max_length=500,
        blank=True,
        help_text=_("Ссылка на публикацию; если пусто, показывается ссылка источника."),
    )
    source_quote = models.TextField(
        _("цитата из источника"),
        blank=True,
        help_text=_("Строка источника дословно, с его опечатками. Не исправляйте её."),
    )
    is_published = models.BooleanField(
        _("опубликовано"), default=False, help_text=_("Черновики не видны на сайте и в выгрузках.")
    )
    # Kept by agreements.search.refresh_search_fields(); never edited by hand.
    title_key = models.CharField(max_length=500, editable=False, blank=True, default="")
    search_text = models.TextField(editable=False, blank=True, default="")
    search_stems = models.TextField(editable=False, blank=True, default="")
    # PostgreSQL only: the weighted tsvector (title A, the rest D) behind search and its ranking.
    search_vector = SearchVectorField(null=True, editable=False)
    created = models.DateTimeField(_("создано"), auto_now_add=True)
    updated = models.DateTimeField(_("изменено"), auto_now=True)

    objects = AgreementQuerySet.as_manager()
    # Links to regions, sectors and countries are versioned with the agreement, so a revert restores them.
    history = HistoricalRecords(
        excluded_fields=["title_key", "search_text", "search_stems", "search_vector"],
        m2m_fields=["regions", "sectors", "countries"],
    )

    class Meta:
        ordering = ["-signed_on", "title", "pk"]
        verbose_name = _("соглашение")
        verbose_name_plural = _("соглашения")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="agreement_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | ~Q(currency=""),
                name="agreement_amount_has_currency",
            ),
            # The source is a column of this table (a foreign key), so the rule can be a CHECK (on
            # PostgreSQL: migration 0015 says why not on SQLite); clean() says it on the «опубликовано»
            # field, the import on the row, the publish action per record.
            models.CheckConstraint(
                condition=Q(is_published=False) | HAS_SOURCE,
                name="agreement_published_has_source",
            ),
        ]
        indexes = [
            # The public listing's default order (newest first, undated last) has an index of its own,
            # created per database by migration 0007: SQLite cannot say NULLS LAST in an index. It also
            # serves ?signed_from=/?signed_to= (is_published, signed_on range) and the pages of ?kind=
            # and ?status= (walked in order, the other kinds filtered out). On PostgreSQL it includes
            # kind, status and forum (0019): the facet index's build reads them from it alone.
            # The COUNT of ?kind= (an index-only scan: 0.5 ms for 4,572 of 100,000).
            models.Index(fields=["kind", "is_published"], name="agreement_kind_idx"),
            # The COUNT of ?status= (index-only, as above).
            models.Index(fields=["status", "is_published"], name="agreement_status_idx"),
            # The admin's changelist order (drafts too: newest first, undated last, then the title) and
            # its year filter (a range of signed_on) have an index of their own, created per database by
            # migration 0017 for the reason above.
            # ?sort=title and -title: the case-folded title (search.title_sort_key), then the id.
            models.Index(fields=["title_key", "id"], name="agreement_title_key_idx"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("agreement_detail", args=[self.slug])

    @property
    def source_link(self) -> str:
        return self.source_url or (self.source.url if self.source_id else "")

    @property
    def has_source(self) -> bool:
        return bool(self.source_id or self.source_url)

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.is_published and not self.has_source:
            errors["is_published"] = NO_SOURCE_MESSAGE
        if self.amount is not None and not self.currency:
            errors["currency"] = _("Укажите валюту суммы.")
        if self.signed_on:
            if self.signed_on.year < 1991:
                errors["signed_on"] = _("Дата подписания не может быть раньше 1991 года.")
            elif self.signed_on > timezone.localdate():
                errors["signed_on"] = _("Дата подписания не может быть в будущем.")
        if errors:
            raise ValidationError(errors)


class AgreementPartyManager(models.Manager):
    def get_by_natural_key(self, agreement_slug, party_slug):
        return self.get(agreement__slug=agreement_slug, party__slug=party_slug)


class AgreementParty(models.Model):
    class Role(models.TextChoices):
        SIGNATORY = "signatory", _("сторона")
        INVESTOR = "investor", _("инвестор")
        FINANCIER = "financier", _("финансирующая сторона")
        HOST_AUTHORITY = "host_authority", _("принимающая сторона (власти)")
        PARTNER = "partner", _("партнёр")
        TECHNOLOGY_PROVIDER = "technology_provider", _("поставщик технологии")
        RECIPIENT = "recipient", _("получатель")

    # No single-column indexes: agreement_party_unique starts with the agreement, agreementparty_party_idx
    # with the party (EXPLAIN at 100,000 agreements: the same lookups use those, as fast).
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="party_links",
        verbose_name=_("соглашение"),
        db_index=False,
    )
    party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="agreement_links",
        verbose_name=_("участник"),
        db_index=False,
    )
    role = models.CharField(_("роль"), max_length=30, choices=Role.choices, default=Role.SIGNATORY)
    order = models.PositiveSmallIntegerField(_("порядок"), default=0)

    objects = AgreementPartyManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "order", "pk"]
        verbose_name = _("сторона соглашения")
        verbose_name_plural = _("стороны соглашения")
        constraints = [
            # A party is listed once per agreement; also the links of a page of agreements
            # (listing.attach_parties: agreement_id = ANY(…)) and of one agreement (its page, a cascade).
            models.UniqueConstraint(fields=["agreement", "party"], name="agreement_party_unique"),
        ]
        indexes = [
            # An agreement's parties in their order, from the index alone (PostgreSQL: party and role
            # included): the exports' party column, a subquery per row, 8 → 3 µs a row at 1,000,000.
            models.Index(
                fields=["agreement", "order", "id"],
                include=["party", "role"],
                name="agreementparty_order_idx",
            ),
            # ?party=<slug>: the agreements of a party (an index-only scan at 100,000 agreements).
            models.Index(fields=["party", "agreement"], name="agreementparty_party_idx"),
        ]

    def __str__(self):
        return f"{self.party} — {self.get_role_display()}"

    def natural_key(self):
        return (self.agreement.slug, self.party.slug)

    natural_key.dependencies = ["agreements.agreement", "agreements.party"]
