"""Sources: the publications the registry's facts come from."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SourceManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def public(self):
        """Sources the public pages cite: of a published agreement or one of its status steps, or of a
        figure of a forum that has published agreements (the forum's page shows its figures)."""
        from agreements.models.forums import Forum, ForumFigure  # these modules import this one
        from agreements.models.history import StatusChange
        from agreements.models.registry import Agreement

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
