"""The one optimistic lock: a write at a stale or missing version changes nothing and says so."""

import pytest
from django import forms

from dealer_crm.core.versioning import (
    STALE_MESSAGE,
    StaleError,
    VersionedFormMixin,
    form_conflict,
    save_with_version,
)
from leads.models import Visit


@pytest.fixture
def visit(make_visit, consultant):
    return make_visit(consultant=consultant, remarks="first")


def test_a_save_at_the_current_version_writes_and_moves_the_version_on(visit):
    visit.remarks = "second"
    save_with_version(visit, fields=["remarks"], expected_version=visit.version)
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.remarks, stored.version, visit.version) == ("second", 2, 2)


def test_of_two_editors_who_opened_the_same_version_only_the_first_writes(visit):
    mine, theirs = Visit.objects.get(pk=visit.pk), Visit.objects.get(pk=visit.pk)
    theirs.remarks = "theirs"
    save_with_version(theirs, fields=["remarks"], expected_version=1)
    mine.remarks = "mine"
    with pytest.raises(StaleError):
        save_with_version(mine, fields=["remarks"], expected_version=1)
    assert Visit.objects.get(pk=visit.pk).remarks == "theirs"


def test_a_missing_version_is_refused_like_a_stale_one(visit):
    visit.remarks = "blind overwrite"
    with pytest.raises(StaleError):
        save_with_version(visit, fields=["remarks"], expected_version=None)
    assert Visit.objects.get(pk=visit.pk).remarks == "first"


class RemarksForm(VersionedFormMixin, forms.Form):
    remarks = forms.CharField()


def test_a_form_posted_without_its_version_says_someone_else_saved_and_keeps_the_input():
    form = RemarksForm(data={"remarks": "typed by the user"})
    assert not form.is_valid()
    assert form.non_field_errors() == [str(STALE_MESSAGE)]
    assert "version" not in form.errors
    assert form["remarks"].value() == "typed by the user"


def test_a_conflict_keeps_the_input_and_carries_the_version_just_seen():
    form = RemarksForm(data={"remarks": "typed by the user", "version": "1"})
    assert form.is_valid()
    form_conflict(form, current_version=3)
    assert form.non_field_errors() == [str(STALE_MESSAGE)]
    assert form["remarks"].value() == "typed by the user"
    assert form["version"].value() == "3"
