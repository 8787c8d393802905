"""Which follows which: the admin edits the timeline, an import sets the status."""

from datetime import date

import pytest

from agreements.backoffice.status import status_from_timeline, timeline_from_status
from agreements.models import Agreement, StatusChange
from agreements.tests.factories import make_agreement


@pytest.mark.django_db
def test_it_gives_a_new_agreement_its_first_step():
    agreement = make_agreement(slug="a")
    status_from_timeline(agreement)
    assert [(s.status, s.date) for s in agreement.status_changes.all()] == [("announced", None)]


@pytest.mark.django_db
def test_it_takes_the_status_from_the_latest_dated_step():
    agreement = make_agreement(slug="a")
    StatusChange.objects.create(agreement=agreement, status="signed", date=date(2017, 5, 1))
    StatusChange.objects.create(agreement=agreement, status="announced", date=date(2016, 10, 3))
    status_from_timeline(agreement)
    assert Agreement.objects.get(pk=agreement.pk).status == "signed"


@pytest.mark.django_db
def test_it_adds_a_step_when_an_import_changes_the_status():
    agreement = make_agreement(slug="a")
    StatusChange.objects.create(agreement=agreement, status="announced")
    Agreement.objects.filter(pk=agreement.pk).update(status="in_implementation")
    assert timeline_from_status(Agreement.objects.filter(pk=agreement.pk)) == 1
    assert timeline_from_status(Agreement.objects.filter(pk=agreement.pk)) == 0  # idempotent
    assert [s.status for s in agreement.status_changes.all()] == ["announced", "in_implementation"]
