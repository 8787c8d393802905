"""Parties (the organisations that sign agreements) and the other spellings of their names."""

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements.models.reference import Country, Region
from agreements.models.tracking import HistoricalRecords


class PartyManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def public(self):
        """Parties of at least one published agreement: one known only from drafts is not shown."""
        from agreements.models.registry import AgreementParty  # registry.py imports this module

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
        # No index on the name: the admin's search is UPPER(name) LIKE '%…%' (a scan of 20,000 parties in
        # 70 ms at 100,000 agreements) and the importer matches names in memory (PartyMatcher);
        # party_name_lower_idx (Lower(name)) served neither and was dropped (migration 0016).

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
