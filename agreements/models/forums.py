"""Forums (where agreements are signed or announced) and the figures sources report about them."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements.models.sources import Source
from agreements.models.tracking import HistoricalRecords


class ForumManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def public(self):
        """Forums with at least one published agreement: one known only from drafts is not shown."""
        from agreements.models.registry import Agreement  # registry.py imports this module

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
        Forum,
        on_delete=models.CASCADE,
        related_name="figures",
        verbose_name=_("форум"),
        db_index=False,  # forum_figure_key_unique (forum, key) starts with it
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
