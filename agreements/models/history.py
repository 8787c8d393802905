"""The status timeline: dated steps of an agreement's life, the latest of which is current."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models.registry import Agreement
from agreements.models.sources import Source
from agreements.models.tracking import HistoricalRecords


class StatusChangeManager(models.Manager):
    def get_by_natural_key(self, agreement_slug, status, date):
        return self.get(agreement__slug=agreement_slug, status=status, date=date)


class StatusChange(models.Model):
    """One dated step of an agreement's life: announced, signed, in implementation… The latest is current."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("соглашение"),
        db_index=False,  # status_change_timeline_idx and status_change_unique start with it
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
            # A status once per date in a timeline (natural_key), so no step is entered twice.
            models.UniqueConstraint(fields=["agreement", "status", "date"], name="status_change_unique"),
            # …and once undated: NULL dates are distinct to the constraint above. A partial unique index
            # rather than nulls_distinct=False, which SQLite does not support (PostgreSQL 15+ only):
            # this one is the same rule on both databases.
            models.UniqueConstraint(
                fields=["agreement", "status"],
                condition=models.Q(date__isnull=True),
                name="status_change_undated_unique",
            ),
        ]
        indexes = [
            # The timeline of one agreement, in order, and agreements.status.latest_statuses (agreement_id
            # = ANY(500 ids)); with the single-column index gone, EXPLAIN shows both use this one.
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
