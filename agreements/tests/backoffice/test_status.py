"""The timeline is the truth: every status change is a step, and the current status is the latest one."""

from datetime import date

import pytest

from agreements.backoffice.status import (
    record_status,
    record_statuses,
    refresh_current_status,
)
from agreements.models import Agreement, StatusChange
from agreements.tests.factories import make_agreement


@pytest.mark.django_db
def test_it_gives_a_new_agreement_its_first_step():
    agreement = make_agreement(slug="a")
    refresh_current_status([agreement])
    assert [(s.status, s.date) for s in agreement.status_changes.all()] == [("announced", None)]


@pytest.mark.django_db
def test_it_takes_the_status_from_the_latest_dated_step():
    agreement = make_agreement(slug="a")
    StatusChange.objects.create(agreement=agreement, status="signed", date=date(2017, 5, 1))
    StatusChange.objects.create(agreement=agreement, status="announced", date=date(2016, 10, 3))
    refresh_current_status([agreement])
    assert Agreement.objects.get(pk=agreement.pk).status == "signed"


@pytest.mark.django_db
def test_it_adds_a_step_when_an_import_changes_the_status():
    agreement = make_agreement(slug="a")
    StatusChange.objects.create(agreement=agreement, status="announced")
    assert len(record_statuses([(agreement, "in_implementation")])) == 1
    assert len(record_statuses([(agreement, "in_implementation")])) == 0  # idempotent
    assert [s.status for s in agreement.status_changes.all()] == ["announced", "in_implementation"]
    assert Agreement.objects.get(pk=agreement.pk).status == "in_implementation"


@pytest.mark.django_db
def test_it_records_a_status_as_a_step_and_makes_it_current():
    agreement = make_agreement(slug="a")
    step = record_status(agreement, "signed", date=date(2017, 5, 1), note="подписано")
    assert (step.status, step.date, step.note) == ("signed", date(2017, 5, 1), "подписано")
    assert record_status(agreement, "signed") is None  # the timeline already ends in it
    assert agreement.status == Agreement.objects.get(pk=agreement.pk).status == "signed"


@pytest.mark.django_db
def test_it_writes_only_the_rows_whose_status_is_not_the_latest_step():
    agreement = make_agreement(slug="a")
    StatusChange.objects.create(agreement=agreement, status="announced")
    assert refresh_current_status([agreement]) == 0
    StatusChange.objects.create(agreement=agreement, status="cancelled", date=date(2018, 1, 1))
    assert refresh_current_status(Agreement.objects.filter(pk=agreement.pk)) == 1
    assert Agreement.objects.get(pk=agreement.pk).status == "cancelled"
