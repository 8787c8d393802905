"""The registry's data model.

Reference data (countries, regions, sectors) is keyed by its public code, so fixtures, URLs and
spreadsheets name things the way readers do (``KZ-31``, ``C``, ``21``), never by primary key.
"""

from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Name(str):
    """A name with the language it is in: a Kazakh page shows the Russian name where no Kazakh one is
    known, and marks it (templatetags.names.lang_attr writes lang="ru" on its element)."""

    lang = "ru"

    def __new__(cls, value, lang: str):
        name = super().__new__(cls, value)
        name.lang = lang
        return name

    def __reduce__(self):  # kept in the facet and page caches
        return (Name, (str(self), self.lang))


def localized(name_ru, name_en, name_kk=""):
    """The name in the active language: Russian by default, English or Kazakh when that session's name
    is known, else Russian (a Name saying so)."""
    language = (get_language() or "ru")[:2]
    if language == "en" and name_en:
        return name_en
    if language == "kk":
        return Name(name_kk, "kk") if name_kk else Name(name_ru, "ru")
    return name_ru


def localized_column(prefix: str = ""):
    """``localized`` in SQL, for values_list(): the reference name column of the active language."""
    language = (get_language() or "ru")[:2]
    if language == "kk":
        return Coalesce(NullIf(F(f"{prefix}name_kk"), Value("")), F(f"{prefix}name_ru"))
    return F(f"{prefix}name_en" if language == "en" else f"{prefix}name_ru")


class LocalizedNameMixin:
    @property
    def name(self) -> str:
        if (get_language() or "ru")[:2] == "kk":  # name_kk only then: querysets may defer it
            return localized(self.name_ru, self.name_en, self.name_kk)
        return localized(self.name_ru, self.name_en)


# --- Reference data -------------------------------------------------------------------------


class CountryManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Country(LocalizedNameMixin, models.Model):
    code = models.CharField(
        _("код ISO 3166-1"),
        max_length=2,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Два заглавных латинских символа, например KZ."))],
        help_text=_("Двухбуквенный код страны ISO 3166-1 alpha-2, например KZ, RU, BY."),
    )
    name_ru = models.CharField(_("название (рус.)"), max_length=200)
    name_en = models.CharField(_("название (англ.)"), max_length=200)
    name_kk = models.CharField(_("название (каз.)"), max_length=200, blank=True)

    objects = CountryManager()

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("страна")
        verbose_name_plural = _("страны")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class RegionManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Region(LocalizedNameMixin, models.Model):
    class Kind(models.TextChoices):
        OBLAST = "oblast", _("область")
        CITY = "city", _("город республиканского значения")
        REPUBLIC = "republic", _("республика")
        KRAI = "krai", _("край")
        FEDERAL_CITY = "federal_city", _("город федерального значения")
        AUTONOMOUS_OKRUG = "autonomous_okrug", _("автономный округ")
        AUTONOMOUS_OBLAST = "autonomous_oblast", _("автономная область")

    code = models.CharField(
        _("код ISO 3166-2"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}-[A-Z0-9]{1,3}$", _("Код вида KZ-31 или RU-MOS."))],
        help_text=_("Код субъекта по ISO 3166-2, например KZ-31 (Жамбылская область), RU-MOS."),
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="regions", verbose_name=_("страна")
    )
    name_ru = models.CharField(_("название (рус.)"), max_length=200)
    name_en = models.CharField(_("название (англ.)"), max_length=200)
    name_kk = models.CharField(_("название (каз.)"), max_length=200, blank=True)
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices)

    objects = RegionManager()

    class Meta:
        ordering = ["country_id", "name_ru"]
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")

    def __str__(self):
        return f"{self.name} ({self.code})"

    def natural_key(self):
        return (self.code,)

    def get_absolute_url(self):
        return reverse("region_detail", args=[self.code])


class SectorManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Sector(LocalizedNameMixin, models.Model):
    """A NACE Rev.2 section (``C``) or division (``21``); OKED and OKVED2 share these codes."""

    code = models.CharField(
        _("код NACE"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^([A-U]|\d{2})$", _("Буква раздела A–U или две цифры подраздела."))],
        help_text=_("Раздел NACE Rev.2 (буква A–U) или подраздел (две цифры, как в ОКЭД/ОКВЭД2)."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="divisions",
        verbose_name=_("раздел"),
        help_text=_("Для подраздела — раздел, в который он входит; у раздела пусто."),
    )
    name_ru = models.CharField(_("название (рус.)"), max_length=300)
    name_en = models.CharField(_("название (англ.)"), max_length=300)
    # Empty until a published source of the OKED's Kazakh names is committed (README, reference data).
    name_kk = models.CharField(_("название (каз.)"), max_length=300, blank=True)

    objects = SectorManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("отрасль")
        verbose_name_plural = _("отрасли")
        constraints = [
            # A section has no parent, a division always has one.
            models.CheckConstraint(
                condition=Q(parent__isnull=True, code__regex=r"^[A-U]$")
                | Q(parent__isnull=False, code__regex=r"^[0-9]{2}$"),
                name="sector_section_or_division",
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def natural_key(self):
        return (self.code,)

    natural_key.dependencies = []

    @property
    def is_section(self) -> bool:
        return self.parent_id is None

    def get_absolute_url(self):
        return reverse("sector_detail", args=[self.code])


# --- Organisations, sources, forums ---------------------------------------------------------


class PartyManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def public(self):
        """Parties of at least one published agreement: one known only from drafts is not shown."""
        return self.filter(
            models.Exists(
                AgreementParty.objects.filter(party=models.OuterRef("pk"), agreement__is_published=True)
            )
        )


class Party(models.Model):
    class LegalForm(models.TextChoices):
        AO = "АО", "АО"
        TOO = "ТОО", "ТОО"
        OAO = "ОАО", "ОАО"
        PAO = "ПАО", "ПАО"
        ZAO = "ЗАО", "ЗАО"
        OOO = "ООО", "ООО"
        MHK = "МХК", "МХК"
        GU = "ГУ", "ГУ"
        RGP = "РГП", "РГП"
        FGUP = "ФГУП", "ФГУП"
        NAO = "НАО", "НАО"
        IP = "ИП", "ИП"

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("министерство / государственный орган")
        REGIONAL_AUTHORITY = "regional_authority", _("региональная власть (акимат)")
        STATE_COMPANY = "state_company", _("государственная компания")
        PRIVATE_COMPANY = "private_company", _("частная компания")
        DEVELOPMENT_INSTITUTION = "development_institution", _("институт развития")
        FUND = "fund", _("фонд")
        SEZ = "sez", _("специальная экономическая зона")
        TECHNOPARK = "technopark", _("технопарк")
        INTERNATIONAL = "international", _("международная организация")
        OTHER = "other", _("другое")

    name = models.CharField(
        _("полное название"),
        max_length=300,
        help_text=_("Как организация называет себя, без кавычек-ёлочек вокруг всего названия."),
    )
    short_name = models.CharField(
        _("краткое название"), max_length=120, blank=True, help_text=_("Например, ЕАБР, КТЖ.")
    )
    slug = models.SlugField(
        _("адрес (slug)"),
        max_length=120,
        unique=True,
        help_text=_("Латиница для адреса страницы: /parties/<slug>/. Не меняйте у опубликованных."),
    )
    legal_form = models.CharField(
        _("организационно-правовая форма"), max_length=10, choices=LegalForm.choices, blank=True
    )
    kind = models.CharField(_("тип"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parties",
        verbose_name=_("страна"),
        help_text=_("Страна регистрации. Пусто только у международных организаций."),
    )
    home_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parties",
        verbose_name=_("регион"),
        help_text=_("Регион, где организация находится (для акиматов — их область)."),
    )
    website = models.URLField(_("сайт"), blank=True)
    created = models.DateTimeField(_("создано"), auto_now_add=True)
    updated = models.DateTimeField(_("изменено"), auto_now=True)

    objects = PartyManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("участник")
        verbose_name_plural = _("участники")
        indexes = [
            # Party name search in the admin and the importer's name match.
            models.Index(Lower("name"), name="party_name_lower_idx"),
        ]

    def __str__(self):
        return self.display_name

    def natural_key(self):
        return (self.slug,)

    @property
    def display_name(self) -> str:
        return self.format_display_name(self.name, self.legal_form)

    @staticmethod
    def format_display_name(name: str, legal_form: str) -> str:
        return f"{legal_form} «{name}»" if legal_form else name

    def get_absolute_url(self):
        return reverse("party_detail", args=[self.slug])


class PartyAliasManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name__iexact=name)


class PartyAlias(models.Model):
    """Another spelling of a party's name (a typo in a source, an abbreviation, a translation)."""

    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("участник")
    )
    name = models.CharField(
        _("вариант написания"),
        max_length=300,
        help_text=_("Как название встречается в источниках, включая опечатки: по нему ищут и сопоставляют."),
    )

    objects = PartyAliasManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("вариант названия")
        verbose_name_plural = _("варианты названия")
        constraints = [
            # One spelling points at one party, or matching an import row would be ambiguous.
            models.UniqueConstraint(Lower("name"), name="party_alias_name_unique_ci"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    natural_key.dependencies = ["agreements.party"]


class SourceManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def public(self):
        """Sources the public pages cite: of a published agreement or one of its status steps, or of a
        figure of a forum that has published agreements (the forum's page shows its figures)."""
        source = models.OuterRef("pk")
        return self.filter(
            models.Exists(Agreement.objects.public().filter(source=source))
            | models.Exists(StatusChange.objects.filter(source=source, agreement__is_published=True))
            | models.Exists(ForumFigure.objects.filter(source=source, forum__in=Forum.objects.public()))
        )


class Source(models.Model):
    """A publication the registry's facts come from: the provenance of agreements and figures."""

    slug = models.SlugField(_("адрес (slug)"), max_length=120, unique=True)
    title = models.CharField(_("заголовок"), max_length=300)
    publisher = models.CharField(_("издатель"), max_length=200, blank=True)
    url = models.URLField(_("ссылка"), max_length=500, blank=True)
    published_on = models.DateField(_("дата публикации"), null=True, blank=True)
    text = models.TextField(
        _("текст"),
        blank=True,
        help_text=_("Полный текст публикации как есть, с опечатками: цитаты в записях сверяются с ним."),
    )
    # The admin's edit-conflict check compares it (OptimisticLockForm).
    updated = models.DateTimeField(_("изменено"), auto_now=True)

    objects = SourceManager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("источник")
        verbose_name_plural = _("источники")

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("source_detail", args=[self.slug])


class ForumManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def public(self):
        """Forums with at least one published agreement: one known only from drafts is not shown."""
        return self.filter(models.Exists(Agreement.objects.public().filter(forum=models.OuterRef("pk"))))


class Forum(models.Model):
    title = models.CharField(_("название"), max_length=300)
    number = models.CharField(
        _("номер"), max_length=10, blank=True, help_text=_("Римскими цифрами, как в названии: XIII.")
    )
    slug = models.SlugField(_("адрес (slug)"), max_length=120, unique=True)
    city = models.CharField(_("город"), max_length=100, blank=True)
    start_date = models.DateField(
        _("начало"), null=True, blank=True, help_text=_("Оставьте пустым, если источник не называет дату.")
    )
    end_date = models.DateField(_("окончание"), null=True, blank=True)
    theme = models.CharField(_("тема"), max_length=300, blank=True)
    description = models.TextField(_("описание"), blank=True)
    created = models.DateTimeField(_("создано"), auto_now_add=True)
    updated = models.DateTimeField(_("изменено"), auto_now=True)

    objects = ForumManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("форум")
        verbose_name_plural = _("форумы")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="forum_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("forum_detail", args=[self.slug])

    def announced_documents(self):
        """The first announced document count, for "recorded N of M" (figures can disagree)."""
        figure = self.figures.filter(metric=ForumFigure.Metric.DOCUMENTS).order_by("pk").first()
        return int(figure.value) if figure else None


class ForumFigureManager(models.Manager):
    def get_by_natural_key(self, forum_slug, key):
        return self.get(forum__slug=forum_slug, key=key)


class ForumFigure(models.Model):
    """A number a source reports about a forum. Sources disagree, so each is kept with its own."""

    class Metric(models.TextChoices):
        DOCUMENTS = "documents", _("документов к подписанию")
        TOTAL_AMOUNT = "total_amount", _("общая сумма документов")
        COMPANIES = "companies", _("компаний с участием")
        TRADE_TURNOVER = "trade_turnover", _("товарооборот")
        EXPORT = "export", _("экспорт")
        IMPORT = "import", _("импорт")
        OTHER = "other", _("другое")

    forum = models.ForeignKey(
        Forum, on_delete=models.CASCADE, related_name="figures", verbose_name=_("форум")
    )
    key = models.SlugField(
        _("ключ"),
        max_length=60,
        help_text=_("Короткий ключ показателя внутри форума, например documents-press-service."),
    )
    metric = models.CharField(_("что посчитано"), max_length=20, choices=Metric.choices)
    label = models.CharField(
        _("подпись"),
        max_length=300,
        blank=True,
        help_text=_("Уточнение: «Казахстана в Россию», «компании с российским участием в Казахстане»."),
    )
    value = models.DecimalField(_("значение"), max_digits=20, decimal_places=4)
    unit = models.CharField(
        _("единица или валюта"),
        max_length=20,
        help_text=_("Код валюты ISO 4217 (USD) или единица: documents, companies."),
    )
    period = models.CharField(_("период"), max_length=30, blank=True, help_text=_("Например, 2015."))
    is_approximate = models.BooleanField(_("приблизительно"), default=False)
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="figures",
        verbose_name=_("источник"),
    )
    source_url = models.URLField(_("ссылка на источник"), max_length=500, blank=True)
    source_quote = models.TextField(_("цитата из источника"), blank=True)
    reported_on = models.DateField(_("дата сообщения"), null=True, blank=True)

    objects = ForumFigureManager()

    class Meta:
        ordering = ["forum", "pk"]
        verbose_name = _("заявленный показатель")
        verbose_name_plural = _("заявленные показатели")
        constraints = [
            # The fixture key: a figure is named within its forum.
            models.UniqueConstraint(fields=["forum", "key"], name="forum_figure_key_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="forum_figure_value_non_negative"),
            models.CheckConstraint(
                condition=~Q(source__isnull=True, source_url=""), name="forum_figure_has_source"
            ),
        ]

    def __str__(self):
        return f"{self.get_metric_display()}: {self.value.normalize():f} {self.unit}"

    def natural_key(self):
        return (self.forum.slug, self.key)

    natural_key.dependencies = ["agreements.forum", "agreements.source"]


# --- Agreements -----------------------------------------------------------------------------


# A published agreement names at least this many parties (admin form, publish action and import).
MIN_PUBLISHED_PARTIES = 2


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
        ]
        indexes = [
            # The public listing's default order (newest first, undated last) has an index of its own,
            # created per database by migration 0007: SQLite cannot say NULLS LAST in an index.
            # ?kind= and the kind facet.
            models.Index(fields=["kind", "is_published"], name="agreement_kind_idx"),
            # ?status= and the status facet.
            models.Index(fields=["status", "is_published"], name="agreement_status_idx"),
            # ?signed_from=/?signed_to= date ranges.
            models.Index(fields=["signed_on"], name="agreement_signed_idx"),
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

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
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

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="party_links", verbose_name=_("соглашение")
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="agreement_links", verbose_name=_("участник")
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
            # A party is listed once per agreement.
            models.UniqueConstraint(fields=["agreement", "party"], name="agreement_party_unique"),
        ]
        indexes = [
            # ?party=<slug> and a party's page: agreements of one party.
            models.Index(fields=["party", "agreement"], name="agreementparty_party_idx"),
        ]

    def __str__(self):
        return f"{self.party} — {self.get_role_display()}"

    def natural_key(self):
        return (self.agreement.slug, self.party.slug)

    natural_key.dependencies = ["agreements.agreement", "agreements.party"]


class StatusChangeManager(models.Manager):
    def get_by_natural_key(self, agreement_slug, status, date):
        return self.get(agreement__slug=agreement_slug, status=status, date=date)


class StatusChange(models.Model):
    """One dated step of an agreement's life: announced, signed, in implementation… The latest is current."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("соглашение")
    )
    status = models.CharField(_("статус"), max_length=20, choices=Agreement.Status.choices)
    date = models.DateField(
        _("дата"),
        null=True,
        blank=True,
        help_text=_("Когда статус наступил; пусто, если источник не называет дату."),
    )
    note = models.CharField(_("примечание"), max_length=300, blank=True)
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("источник"),
    )
    source_url = models.URLField(_("ссылка на источник"), max_length=500, blank=True)
    created = models.DateTimeField(_("внесено"), auto_now_add=True)

    objects = StatusChangeManager()
    history = HistoricalRecords()

    class Meta:
        # Oldest first; an undated step (a source that gives no date) precedes dated ones.
        ordering = [models.F("date").asc(nulls_first=True), "created", "pk"]
        verbose_name = _("изменение статуса")
        verbose_name_plural = _("история статусов")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "status", "date"], name="status_change_unique"),
        ]
        indexes = [
            # The timeline of one agreement, in order.
            models.Index(fields=["agreement", "date"], name="status_change_timeline_idx"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} ({self.date or _('дата неизвестна')})"

    def natural_key(self):
        return (self.agreement.slug, self.status, self.date)

    natural_key.dependencies = ["agreements.agreement", "agreements.source"]

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("Дата статуса не может быть в будущем.")})
