"""A signed-off daily report keeps the figures it was signed with: on the report, on the manager's review and
in the monthly workbook; where the live figures moved since, the report says so, until the manager reopens it."""

import pytest
from django.urls import reverse

from dealer_crm.core.versioning import StaleError
from reports import services
from reports.models import DailyReport
from tests.conftest import TODAY
from tests.signing import reopen_report, report_version, sign_off_report

from .excel_support import build, data_rows, zh_excel


@pytest.fixture
def signed_report(make_visit, consultant, manager):
    """张伟 received one walk-in, submitted, and the manager signed the report off."""
    make_visit(consultant=consultant, customer_name="王先生", start="10:00")
    services.daily_report_submit(
        consultant=consultant, day=TODAY, remarks="", expected_version=report_version(consultant, TODAY)
    )
    return sign_off_report(consultant=consultant, day=TODAY, by=manager)


def report_page(client_for, manager, consultant):
    url = reverse("reports:daily_report_of", kwargs={"day": TODAY, "consultant_pk": consultant.pk})
    return client_for(manager).get(url)


def test_the_sign_off_stores_the_figures_as_they_were(signed_report):
    assert (signed_report.snapshot["visitors"], signed_report.snapshot["walk_ins"]) == (1, 1)
    assert signed_report.snapshot["contacts"] == 1  # the entry's contact on its new lead
    assert signed_report.version == 3  # submitted (2), signed (3)


def test_sign_off_needs_the_version_the_manager_saw(make_visit, consultant, manager):
    make_visit(consultant=consultant)
    services.daily_report_submit(
        consultant=consultant, day=TODAY, remarks="", expected_version=report_version(consultant, TODAY)
    )
    for version in (None, 1):
        with pytest.raises(StaleError):
            services.daily_report_sign_off(consultant=consultant, day=TODAY, by=manager, expected_version=version)
    assert not DailyReport.objects.get().is_signed_off


def test_the_signed_report_shows_the_signed_figures_and_what_moved_since(
    signed_report, make_visit, consultant, manager, client_for
):
    make_visit(consultant=consultant, customer_name="后来的客户", start="12:00", phone="13700001111")

    response = report_page(client_for, manager, consultant)

    assert response.context["figures"].visitors == 1
    assert response.context["reported"].changes == ["来访 +1", "留电话 +1", "新意向客户 +1", "跟进记录 +1", "来店 +1"]
    assert "签核后变化： 来访 +1" in response.content.decode()
    card = client_for(manager).get(reverse("reports:daily_review")).context["cards"]
    (zhang,) = [c for c in card if c.consultant == consultant]
    assert (zhang.figures.visitors, zhang.changes[0]) == (1, "来访 +1")


def test_the_monthly_workbook_shows_the_signed_figures(signed_report, make_visit, consultant, manager):
    make_visit(consultant=consultant, customer_name="后来的客户", start="12:00", phone="13700001111")

    sheet = build(consultant.showroom, TODAY, viewer=manager)[zh_excel("Daily sales reports")[:31]]
    (line,) = [row for row in data_rows(sheet) if row[1] == "张伟"]

    assert line[2] == 1  # walk-ins as signed, not the 2 of today's live register
    assert line[-1] == zh_excel("Signed off")


def test_reopening_shows_the_live_figures_again(signed_report, make_visit, consultant, manager, client_for):
    make_visit(consultant=consultant, customer_name="后来的客户", start="12:00", phone="13700001111")
    reopen_report(consultant=consultant, day=TODAY, by=manager, reason="补上12点的客户")

    response = report_page(client_for, manager, consultant)
    assert (response.context["figures"].visitors, response.context["reported"].changes) == (2, [])
    assert report_version(consultant, TODAY) == 4
