"""The consultant's daily report: submitting remarks, correcting them, the lock a sign-off puts on it and the
reopening with a reason; the cut-off against a frozen clock."""

from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dealer_crm.core.history import Revision
from dealer_crm.core.versioning import STALE_MESSAGE
from reports import services
from reports.analytics.selectors import daily_report_status
from reports.models import DailyReport, ReportSettings
from tests.conftest import CURRENT_TIME, TODAY
from tests.i18n import shown, zh
from tests.reports.conftest import at, nov
from tests.signing import reopen_report, report_version, sign_off_report

REPORT_URL = reverse("reports:daily_report")


def report_url(day) -> str:
    return reverse("reports:daily_report_day", kwargs={"day": day})


def events(report: DailyReport) -> list[tuple]:
    return [(event.action, event.by.username, event.at, event.reason) for event in report.revisions.all()]


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The page -------------------------------------------------------------------------------------------------


def test_the_consultant_sees_their_own_figures_and_contacts_of_the_day(world, client_for):
    response = client_for(world.zhang).get(REPORT_URL)

    assert response.status_code == 200
    assert response.context["day"] == TODAY
    figures = response.context["figures"]
    assert (figures.visitors, figures.new_leads, figures.contacts, figures.orders, figures.callbacks) == (1, 1, 2, 1, 1)
    assert figures.missed_follow_ups == 2
    assert [contact.lead.customer_name for contact in response.context["contacts"]] == ["V4客户", "V6客户"]
    assert response.context["status"].code == "pending"  # 15:30, the cut-off is 18:30
    html = response.content.decode()
    assert 'id="submit-report"' in html
    assert "V9客户" not in html  # li's visitor


def test_a_past_day_of_ones_own_and_no_day_to_come(world, client_for):
    client = client_for(world.li)

    past = client.get(report_url(nov(20)))
    assert past.status_code == 200
    assert past.context["figures"].lost == 1  # L5, approved on the 20th
    assert past.context["status"].code == "missing"  # never submitted, the day's cut-off long gone
    assert client.get(report_url(nov(22))).status_code == 404


def test_the_report_page_runs_the_same_queries_however_busy_the_day(
    world, request, client_for, django_assert_num_queries
):
    client = client_for(world.zhang)
    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="有历史", expected_version=report_version(world.zhang, TODAY)
    )
    with django_assert_num_queries(18):
        client.get(REPORT_URL)

    request.getfixturevalue("busier")  # three more consultants with a month of entries, leads and calls
    services.daily_report_submit(consultant=world.zhang, day=TODAY, remarks="改过", expected_version=2)

    with django_assert_num_queries(18):
        response = client.get(REPORT_URL)
    assert response.context["figures"].visitors == 1


# --- Submitting ---------------------------------------------------------------------------------------------------


def test_submitting_keeps_the_remarks_the_time_and_a_history_line(world, client_for):
    client = client_for(world.zhang)

    response = client.post(
        REPORT_URL, {"remarks": "  L1客户明天一定回电  ", "version": report_version(world.zhang, TODAY)}
    )

    assert response.status_code == 302
    assert response["Location"] == report_url(TODAY)
    report = DailyReport.objects.get(consultant=world.zhang, date=TODAY)
    assert (report.remarks, report.submitted_at, report.showroom, report.version) == (
        "L1客户明天一定回电",
        CURRENT_TIME,
        world.zhang.showroom,
        2,
    )
    assert events(report) == [("submitted", "zhang", CURRENT_TIME, "L1客户明天一定回电")]
    assert flash(response) == [zh("Daily report of %(date)s submitted.") % {"date": "2026-11-21"}]


def test_a_correction_keeps_the_first_submission_time(world, frozen_clock):
    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="第一版", expected_version=report_version(world.zhang, TODAY)
    )
    frozen_clock.move_to(at(11, 21, 19))

    report = services.daily_report_submit(consultant=world.zhang, day=TODAY, remarks="第二版", expected_version=2)

    report.refresh_from_db()
    assert (report.remarks, report.submitted_at, report.version) == ("第二版", CURRENT_TIME, 3)
    assert [action for action, *_rest in events(report)] == ["submitted", "corrected"]


def test_a_stale_page_does_not_overwrite_a_newer_submission(world, client_for):
    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="手机上提交的", expected_version=report_version(world.zhang, TODAY)
    )  # version 2

    response = client_for(world.zhang).post(REPORT_URL, {"remarks": "电脑上的旧页面", "version": "1"})

    assert response.status_code == 200
    assert DailyReport.objects.get(consultant=world.zhang).remarks == "手机上提交的"
    form = response.context["form"]
    assert form.non_field_errors() == [shown(STALE_MESSAGE)]
    assert (form["remarks"].value(), form["version"].value()) == ("电脑上的旧页面", "2")


def test_a_submission_without_its_version_is_refused_keeping_the_remarks(world, client_for):
    response = client_for(world.zhang).post(REPORT_URL, {"remarks": "没有版本的页面"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [shown(STALE_MESSAGE)]
    assert response.context["form"]["remarks"].value() == "没有版本的页面"
    assert shown(STALE_MESSAGE) in response.content.decode()
    assert not DailyReport.objects.filter(consultant=world.zhang).exists()


def test_no_report_for_a_day_to_come(world):
    with pytest.raises(ValidationError):
        services.daily_report_submit(
            consultant=world.zhang, day=nov(22), remarks="", expected_version=report_version(world.zhang, nov(22))
        )


# --- Sign-off locks, reopening unlocks ------------------------------------------------------------------------


def test_sign_off_locks_the_remarks_and_the_comment_until_reopened_with_a_reason(world, client_for, frozen_clock):
    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="今天订了一台", expected_version=report_version(world.zhang, TODAY)
    )
    frozen_clock.move_to(at(11, 21, 18))
    sign_off_report(consultant=world.zhang, day=TODAY, by=world.manager, comment="好，明天跟L1")

    with pytest.raises(ValidationError) as refused:
        services.daily_report_submit(
            consultant=world.zhang, day=TODAY, remarks="改一下", expected_version=report_version(world.zhang, TODAY)
        )
    assert refused.value.code == "signed_off"
    with pytest.raises(ValidationError):
        services.daily_report_comment(
            consultant=world.zhang,
            day=TODAY,
            by=world.manager,
            comment="再改",
            expected_version=report_version(world.zhang, TODAY),
        )
    # Through the page: the form is gone, and a post is refused with the reason.
    client = client_for(world.zhang)
    html = client.get(REPORT_URL).content.decode()
    assert 'id="remarks-form"' not in html and "今天订了一台" in html and "好，明天跟L1" in html
    response = client.post(REPORT_URL, {"remarks": "改一下", "version": report_version(world.zhang, TODAY)})
    assert flash(response) == [
        zh("The daily report of %(date)s is signed off; ask the manager to reopen it.") % {"date": "2026-11-21"}
    ]

    frozen_clock.move_to(at(11, 21, 18, 30))
    reopen_report(consultant=world.zhang, day=TODAY, by=world.manager, reason="订单数要更正")
    frozen_clock.move_to(at(11, 21, 18, 40))
    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="改一下", expected_version=report_version(world.zhang, TODAY)
    )

    report = DailyReport.objects.get(consultant=world.zhang, date=TODAY)
    assert (report.remarks, report.signed_off_at, report.manager_comment) == ("改一下", None, "好，明天跟L1")
    assert events(report) == [
        ("submitted", "zhang", CURRENT_TIME, "今天订了一台"),
        ("commented", "boss", at(11, 21, 18), "好，明天跟L1"),
        ("signed_off", "boss", at(11, 21, 18), ""),
        ("reopened", "boss", at(11, 21, 18, 30), "订单数要更正"),
        ("corrected", "zhang", at(11, 21, 18, 40), "改一下"),
    ]


def test_only_a_submitted_report_is_signed_off_and_twice_signs_off_once(world):
    with pytest.raises(ValidationError):
        sign_off_report(consultant=world.zhang, day=TODAY, by=world.manager)
    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="", expected_version=report_version(world.zhang, TODAY)
    )
    sign_off_report(consultant=world.zhang, day=TODAY, by=world.manager)
    sign_off_report(consultant=world.zhang, day=TODAY, by=world.manager)

    assert Revision.objects.filter(action="signed_off").count() == 1


def test_the_database_refuses_a_sign_off_without_submission(world):
    from django.db import IntegrityError, transaction

    report = DailyReport.objects.create(showroom=world.zhang.showroom, consultant=world.zhang, date=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyReport.objects.filter(pk=report.pk).update(signed_off_at=CURRENT_TIME, signed_off_by=world.manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyReport.objects.create(showroom=world.zhang.showroom, consultant=world.zhang, date=TODAY)


def test_reopening_needs_a_reason_and_reviewing_needs_a_manager_of_the_showroom(world, other_manager):
    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="", expected_version=report_version(world.zhang, TODAY)
    )
    sign_off_report(consultant=world.zhang, day=TODAY, by=world.manager)

    with pytest.raises(ValidationError):
        reopen_report(consultant=world.zhang, day=TODAY, by=world.manager, reason="  ")
    for someone in (world.li, other_manager):
        with pytest.raises(PermissionDenied):
            reopen_report(consultant=world.zhang, day=TODAY, by=someone, reason="看看")
        with pytest.raises(PermissionDenied):
            services.daily_report_comment(
                consultant=world.li,
                day=TODAY,
                by=someone,
                comment="看看",
                expected_version=report_version(world.li, TODAY),
            )


# --- Cut-off -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "now", "code", "late"),
    [
        (None, at(11, 21, 18, 30), "pending", False),  # the cut-off itself: not yet late
        (None, at(11, 21, 18, 31), "missing", False),
        (at(11, 21, 18, 30), at(11, 21, 20), "submitted", False),  # on the minute
        (at(11, 21, 18, 31), at(11, 21, 20), "submitted", True),
        (at(11, 22, 9), at(11, 22, 10), "submitted", True),  # the next morning
    ],
)
def test_a_report_is_flagged_when_not_submitted_by_the_cut_off(world, submitted, now, code, late):
    report = DailyReport(consultant=world.zhang, date=TODAY, submitted_at=submitted)

    status = daily_report_status(report, cutoff_at=at(11, 21, 18, 30), now=now)

    assert (status.code, status.late, status.flagged) == (code, late, late or code == "missing")


def test_the_cut_off_is_a_showroom_setting(world, client_for, frozen_clock):
    review = reverse("reports:daily_review")
    client = client_for(world.manager)
    frozen_clock.move_to(at(11, 21, 17, 30))
    assert {card.consultant.username: card.status.code for card in client.get(review).context["cards"]} == {
        "zhang": "pending",
        "li": "pending",
    }

    ReportSettings.objects.create(showroom=world.zhang.showroom, daily_report_cutoff=time(17))
    services.daily_report_submit(
        consultant=world.li, day=TODAY, remarks="", expected_version=report_version(world.li, TODAY)
    )  # at 17:30, after 17:00

    response = client.get(review)
    cards = {card.consultant.username: card.status for card in response.context["cards"]}
    assert {name: (status.code, status.late) for name, status in cards.items()} == {
        "zhang": ("missing", False),
        "li": ("submitted", True),
    }
    assert response.context["flagged"] == 2
    html = response.content.decode()
    assert 'data-status="missing"' in html and 'data-late="1"' in html
