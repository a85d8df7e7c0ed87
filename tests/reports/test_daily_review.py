"""The manager's daily review: every consultant's report side by side, the register's sign-off, comments and
sign-off per report; managers of the showroom only."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from dealer_crm.core.versioning import STALE_MESSAGE
from reports import services
from reports.models import DailyReport
from tests.conftest import CURRENT_TIME, TODAY
from tests.i18n import shown, zh
from tests.reports.conftest import nov
from tests.signing import report_version, sign_off_day, sign_off_report

REVIEW_URL = reverse("reports:daily_review")


def review_url(day=TODAY) -> str:
    return reverse("reports:daily_review_day", kwargs={"day": day})


def comment_url(user, day=TODAY) -> str:
    return reverse("reports:daily_review_comment", kwargs={"day": day, "consultant_pk": user.pk})


def reopen_url(user, day=TODAY) -> str:
    return reverse("reports:daily_review_reopen", kwargs={"day": day, "consultant_pk": user.pk})


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def boss(world, client_for):
    return client_for(world.manager)


def test_every_consultants_report_side_by_side_with_their_figures(world, boss):
    services.daily_report_submit(
        consultant=world.li, day=TODAY, remarks="下午没有客户", expected_version=report_version(world.li, TODAY)
    )

    response = boss.get(REVIEW_URL)

    assert response.status_code == 200
    cards = response.context["cards"]
    # The showroom's consultants (the manager received no one today), family name order: 张 before 李.
    assert [card.consultant.username for card in cards] == ["zhang", "li"]
    zhang, li = cards
    assert (zhang.figures.visitors, zhang.figures.orders, zhang.figures.missed_follow_ups) == (1, 1, 2)
    assert [contact.kind for contact in zhang.contacts] == ["callback", "order"]
    assert (zhang.report, zhang.status.code) == (None, "pending")
    assert (li.figures.visitors, li.figures.with_phone, li.contacts) == (1, 0, [])
    assert (li.report.remarks, li.status.code, li.status.late) == ("下午没有客户", "submitted", False)
    assert response.context["submitted"] == 1
    html = response.content.decode()
    assert len(re.findall(r'class="card h-100 review-card', html)) == 2
    assert "下午没有客户" in html


def test_a_past_day_lists_who_left_follow_ups_behind(world, boss):
    cards = boss.get(review_url(nov(19))).context["cards"]

    assert {card.consultant.username: card.figures.missed_follow_ups for card in cards} == {"zhang": 2, "li": 1}
    assert {card.status.code for card in cards} == {"missing"}  # nobody submitted the 19th


def test_the_registers_sign_off_state_is_shown(world, boss):
    html = boss.get(REVIEW_URL).content.decode()
    assert reverse("leads:register_review_day", kwargs={"day": TODAY}) in html

    sign_off_day(showroom=world.manager.showroom, day=TODAY, by=world.manager)

    response = boss.get(REVIEW_URL)
    assert response.context["register_day"].is_signed_off
    state = re.search(r'id="register-state">(.*?)</div></div>', response.content.decode(), re.S).group(1)
    assert zh("Signed off") in state and "刘强" in state


def test_the_manager_comments_then_signs_off_with_a_last_word(world, boss):
    response = boss.post(
        comment_url(world.zhang),
        {"comment": "明天一早给L1回电", "action": "comment", "version": report_version(world.zhang, TODAY)},
    )

    assert response.status_code == 302
    assert response["Location"] == review_url() + f"#report-{world.zhang.pk}"
    report = DailyReport.objects.get(consultant=world.zhang, date=TODAY)
    assert (report.manager_comment, report.submitted_at) == ("明天一早给L1回电", None)  # before the report, to ask
    # Not submitted: no sign-off.
    response = boss.post(
        comment_url(world.zhang),
        {"comment": "明天一早给L1回电", "action": "sign_off", "version": report_version(world.zhang, TODAY)},
    )
    assert flash(response)[-1] == zh("This report has not been submitted yet.")

    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="L1没接电话", expected_version=report_version(world.zhang, TODAY)
    )
    response = boss.post(
        comment_url(world.zhang),
        {
            "comment": "明天一早给L1回电，再不接就发短信",
            "action": "sign_off",
            "version": report_version(world.zhang, TODAY),
        },
    )

    report.refresh_from_db()
    assert (report.manager_comment, report.signed_off_by, report.signed_off_at) == (
        "明天一早给L1回电，再不接就发短信",
        world.manager,
        CURRENT_TIME,
    )
    assert flash(response)[-1] == zh("%(name)s's report is signed off.") % {"name": "张伟"}
    card = boss.get(REVIEW_URL).context["cards"][0]
    assert card.status.code == "signed_off"


def test_reopening_from_the_review_keeps_the_reason(world, boss):
    services.daily_report_submit(
        consultant=world.zhang, day=TODAY, remarks="", expected_version=report_version(world.zhang, TODAY)
    )
    sign_off_report(consultant=world.zhang, day=TODAY, by=world.manager)

    assert boss.post(reopen_url(world.zhang), {"reason": ""}).status_code == 302
    assert DailyReport.objects.get(consultant=world.zhang).is_signed_off  # no reason, no reopening
    boss.post(reopen_url(world.zhang), {"reason": "漏了一个来电", "version": report_version(world.zhang, TODAY)})

    report = DailyReport.objects.get(consultant=world.zhang)
    assert not report.is_signed_off
    assert report.revisions.last().reason == "漏了一个来电"


def test_consultants_may_not_review(world, client_for):
    client = client_for(world.zhang)

    assert client.get(REVIEW_URL).status_code == 403
    assert (
        client.post(
            comment_url(world.li), {"comment": "x", "action": "comment", "version": report_version(world.li, TODAY)}
        ).status_code
        == 403
    )
    assert client.post(reopen_url(world.li), {"reason": "x"}).status_code == 403
    assert not DailyReport.objects.exists()


def test_another_showrooms_manager_sees_their_own_showroom_and_cannot_touch_this_one(world, other_manager, client_for):
    client = client_for(other_manager)

    cards = client.get(REVIEW_URL).context["cards"]
    assert [card.consultant.username for card in cards] == ["wu"]  # 上海一店's consultant
    assert (
        client.post(
            comment_url(world.zhang),
            {"comment": "x", "action": "comment", "version": report_version(world.zhang, TODAY)},
        ).status_code
        == 404
    )
    assert client.post(reopen_url(world.zhang), {"reason": "x"}).status_code == 404
    assert not DailyReport.objects.exists()


def test_the_review_runs_the_same_queries_however_many_consultants(world, request, boss, django_assert_num_queries):
    services.daily_report_submit(
        consultant=world.li, day=TODAY, remarks="", expected_version=report_version(world.li, TODAY)
    )
    services.daily_report_comment(
        consultant=world.zhang,
        day=TODAY,
        by=world.manager,
        comment="加油",
        expected_version=report_version(world.zhang, TODAY),
    )
    with django_assert_num_queries(20):
        boss.get(REVIEW_URL)

    extra = request.getfixturevalue("busier")
    for user in extra:
        services.daily_report_submit(
            consultant=user, day=TODAY, remarks="", expected_version=report_version(user, TODAY)
        )

    with django_assert_num_queries(20):
        response = boss.get(REVIEW_URL)
    assert len(response.context["cards"]) == 5


def test_a_card_lists_the_first_contacts_and_the_report_all_of_them(world, boss, monkeypatch):
    from reports.analytics import selectors

    monkeypatch.setattr(selectors, "REVIEW_CONTACTS", 1)
    report_of = reverse("reports:daily_report_of", kwargs={"day": TODAY, "consultant_pk": world.zhang.pk})

    response = boss.get(REVIEW_URL)

    zhang = response.context["cards"][0]
    assert [contact.kind for contact in zhang.contacts] == ["callback"]  # the first of the day's two
    assert zhang.figures.contacts == 2
    html = response.content.decode()
    assert f'href="{report_of}"' in html and zh("All %(n)s contacts in the report") % {"n": 2} in html

    page = boss.get(report_of)
    assert page.status_code == 200
    assert [contact.kind for contact in page.context["contacts"]] == ["callback", "order"]
    assert page.context["consultant"] == world.zhang and not page.context["own"]
    assert 'id="remarks-form"' not in page.content.decode()  # the manager reads; the consultant writes


def test_only_the_showrooms_managers_read_a_consultants_report(world, client_for, other_manager):
    report_of = reverse("reports:daily_report_of", kwargs={"day": TODAY, "consultant_pk": world.zhang.pk})

    assert client_for(world.li).get(report_of).status_code == 403
    assert client_for(world.zhang).get(report_of).status_code == 403  # one's own is at reports:daily_report
    assert client_for(other_manager).get(report_of).status_code == 404


@pytest.mark.parametrize("version", [None, "1"], ids=["without a version", "on a stale version"])
def test_a_comment_refused_as_stale_is_shown_on_the_review_with_what_was_typed(world, boss, version):
    services.daily_report_submit(consultant=world.zhang, day=TODAY, remarks="第一版", expected_version=1)  # v2
    posted = {"comment": "经理在旧页面上写的", "action": "comment", "version": version}

    response = boss.post(comment_url(world.zhang), {key: value for key, value in posted.items() if value})

    assert response.status_code == 200
    html = response.content.decode()
    assert shown(STALE_MESSAGE) in html
    assert "经理在旧页面上写的" in html
    assert DailyReport.objects.values_list("manager_comment", "version").get(consultant=world.zhang) == ("", 2)
