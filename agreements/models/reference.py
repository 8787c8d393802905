"""Reference data: countries, regions and sectors, and the localized names they (and reports) show.

Reference data is keyed by its public code, so fixtures, URLs and spreadsheets name things the way
readers do (``KZ-31``, ``C``, ``21``), never by primary key.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


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
