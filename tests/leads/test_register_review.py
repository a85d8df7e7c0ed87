"""The manager's daily review: flags, sign-off, the lock it puts on the day, reopening with a reason."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealer_crm.core.history import Revision
from leads.models import RegisterDay, Visit
from leads.services import register as services
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import visit_times
from tests.i18n import zh
from tests.leads.form_data import create_form_data, edit_form_data
from tests.signing import reopen_day, sign_off_day

YESTERDAY = TODAY - timedelta(days=1)


def review_url(day=TODAY) -> str:
    return reverse("leads:register_review_day", kwargs={"day": day})


@pytest.fixture
def boss(client_for, manager):
    return client_for(manager)


@pytest.fixture
def zhang(client_for, consultant):
    return client_for(consultant)


def flags_by_name(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    return {visit.customer_name: visit.flags for visit in response.context["visits"]}


def test_review_flags_entries_without_phone_with_short_summary_or_over_four_hours(boss, make_visit, consultant):
    make_visit(consultant=consultant, customer_name="完整", summary="看了凯美瑞，关心油耗和价格")
    make_visit(consultant=consultant, customer_name="没留电话", phone="", no_phone=True)
    make_visit(consultant=consultant, customer_name="简短", summary="随便看看")
    make_visit(consultant=consultant, customer_name="太久", start="09:00", minutes=241)
    make_visit(
        consultant=consultant, customer_name="全都有", phone="", no_phone=True, summary="", minutes=300, start="08:00"
    )

    response = boss.get(reverse("leads:register_review"))

    assert flags_by_name(response) == {
        "完整": [],
        "没留电话": ["no_phone"],
        "简短": ["short_summary"],
        "太久": ["long_visit"],
        "全都有": ["no_phone", "short_summary", "long_visit"],
    }
    assert response.context["flagged"] == 4
    assert response.context["totals"] == {
        "entries": 5,
        "walk_ins": 5,
        "calls": 0,
        "without_phone": 2,
        "last_number": 5,
    }


@pytest.mark.parametrize(
    ("summary", "minutes", "flags"),
    [
        ("一二三四五六七八九十", 240, []),  # exactly 10 characters, exactly 4 hours: both fine
        ("一二三四五六七八九", 240, ["short_summary"]),
        ("  一二三四五六七八九  ", 30, ["short_summary"]),  # spaces do not count
        ("一二三四五六七八九十", 241, ["long_visit"]),
    ],
)
def test_review_flag_thresholds(boss, make_visit, consultant, summary, minutes, flags):
    make_visit(consultant=consultant, customer_name="客户", summary=summary, minutes=minutes, start="09:00")

    assert flags_by_name(boss.get(reverse("leads:register_review"))) == {"客户": flags}


def test_review_shows_the_chosen_day_only_in_running_order(boss, make_visit, consultant):
    make_visit(consultant=consultant, day=YESTERDAY, customer_name="昨天一", start="10:00")
    make_visit(consultant=consultant, day=YESTERDAY, customer_name="昨天二", start="11:00")
    make_visit(consultant=consultant, customer_name="今天")

    response = boss.get(review_url(YESTERDAY))

    assert list(flags_by_name(response)) == ["昨天一", "昨天二"]
    assert response.context["day"] == YESTERDAY


def test_sign_off_records_who_and_when(boss, manager, make_visit, consultant):
    make_visit(consultant=consultant)

    response = boss.post(reverse("leads:register_sign_off", kwargs={"day": TODAY}), {"version": 1})

    assert response.status_code == 302
    assert response["Location"] == review_url()
    day = RegisterDay.objects.get(showroom=manager.showroom, date=TODAY)
    assert (day.signed_off_by, day.signed_off_at) == (manager, CURRENT_TIME)
    event = day.revisions.get()
    assert (event.action, event.by, event.at, event.reason) == ("signed_off", manager, CURRENT_TIME, "")
    html = boss.get(review_url()).content.decode()
    assert re.search(r"刘强.*2026-11-21 15:30", html)
    assert 'id="sign-off-button"' not in html


def test_signing_off_twice_records_one_sign_off(manager):
    sign_off_day(showroom=manager.showroom, day=TODAY, by=manager)
    sign_off_day(showroom=manager.showroom, day=TODAY, by=manager)

    assert Revision.objects.filter(action="signed_off").count() == 1


def test_consultant_cannot_sign_off_through_the_service(consultant):
    with pytest.raises(PermissionDenied):
        sign_off_day(showroom=consultant.showroom, day=TODAY, by=consultant)

    assert not RegisterDay.objects.filter(signed_off_at__isnull=False).exists()


@pytest.fixture
def signed_off_entry(make_visit, consultant, manager):
    """张伟's entry of today, in a day the manager has signed off."""
    visit = make_visit(consultant=consultant, customer_name="王先生", summary="看了凯美瑞，关心油耗和价格")
    sign_off_day(showroom=manager.showroom, day=TODAY, by=manager)
    return visit


def unchanged(visit: Visit) -> bool:
    fresh = Visit.objects.get(pk=visit.pk)
    return (fresh.customer_name, fresh.summary, fresh.version, fresh.deleted_at) == (
        visit.customer_name,
        visit.summary,
        visit.version,
        None,
    )


def test_signed_off_entry_cannot_be_updated_through_the_service(signed_off_entry, consultant):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_update(
            visit=signed_off_entry,
            editor=consultant,
            expected_version=signed_off_entry.version,
            summary="改一下",
        )

    assert excinfo.value.code == "signed_off"
    assert unchanged(signed_off_entry)


def test_signed_off_entry_cannot_be_deleted_through_the_service(signed_off_entry, manager):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_delete(visit=signed_off_entry, by=manager, reason="重复")

    assert excinfo.value.code == "signed_off"
    assert unchanged(signed_off_entry)


def test_no_entry_can_be_logged_on_a_signed_off_day(signed_off_entry, make_visit, consultant):
    with pytest.raises(ValidationError) as excinfo:
        make_visit(consultant=consultant, customer_name="补登")

    assert excinfo.value.code == "signed_off"
    assert Visit.objects.count() == 1


def test_other_days_stay_open_after_a_sign_off(signed_off_entry, make_visit, consultant):
    assert make_visit(consultant=consultant, day=YESTERDAY).number == 1


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


SIGNED_OFF_MESSAGE = zh("The register of %(date)s is signed off; ask the manager to reopen it.") % {
    "date": "2026-11-21"
}


@pytest.mark.parametrize("who", ["zhang", "boss"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_page_of_a_signed_off_entry_sends_back_to_the_entry_with_a_message(signed_off_entry, request, who, method):
    client = request.getfixturevalue(who)
    url = reverse("leads:visit_update", kwargs={"pk": signed_off_entry.pk})
    data = edit_form_data(signed_off_entry, summary="事后补充：客户已到店两次") if method == "post" else None

    response = getattr(client, method)(url, data, follow=True)

    assert response.redirect_chain == [(reverse("leads:visit_detail", kwargs={"pk": signed_off_entry.pk}), 302)]
    assert zh("This day is signed off; its entries are locked.") in response.content.decode()
    assert unchanged(signed_off_entry)


def test_delete_of_a_signed_off_entry_is_refused_with_a_message(signed_off_entry, boss):
    response = boss.post(reverse("leads:visit_delete", kwargs={"pk": signed_off_entry.pk}), {"reason": "重复"})

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:visit_detail", kwargs={"pk": signed_off_entry.pk})
    assert messages_of(response) == [SIGNED_OFF_MESSAGE]
    assert unchanged(signed_off_entry)


def test_new_entry_on_a_signed_off_day_asks_why_it_is_late_with_the_form_kept(signed_off_entry, zhang):
    response = zhang.post(reverse("leads:visit_create"), create_form_data(customer_name="补登的客户"))

    assert response.status_code == 200
    assert response.context["form"]["customer_name"].value() == "补登的客户"
    assert response.context["late_form"].errors == {"late_reason": [zh("Say why this entry comes after the sign-off.")]}
    assert Visit.objects.count() == 1


def test_detail_page_of_a_signed_off_entry_offers_neither_edit_nor_delete(signed_off_entry, boss):
    html = boss.get(reverse("leads:visit_detail", kwargs={"pk": signed_off_entry.pk})).content.decode()

    assert reverse("leads:visit_update", kwargs={"pk": signed_off_entry.pk}) not in html
    assert reverse("leads:visit_delete", kwargs={"pk": signed_off_entry.pk}) not in html


def test_reopen_without_a_reason_is_refused(signed_off_entry, boss, manager):
    response = boss.post(reverse("leads:register_reopen", kwargs={"day": TODAY}), {"reason": "  ", "version": 2})

    assert response.status_code == 302
    assert messages_of(response) == [zh("Say why the day is reopened.")]
    assert RegisterDay.objects.get(date=TODAY).is_signed_off
    with pytest.raises(ValidationError):
        reopen_day(showroom=manager.showroom, day=TODAY, by=manager, reason="")
    assert not Revision.objects.filter(action="reopened").exists()


def test_reopen_keeps_the_reason_in_the_days_history_and_unlocks_edits(
    signed_off_entry, boss, zhang, manager, frozen_clock
):
    frozen_clock.shift(timedelta(minutes=20))

    response = boss.post(
        reverse("leads:register_reopen", kwargs={"day": TODAY}), {"reason": "张伟漏填了意向车型", "version": 2}
    )

    assert response.status_code == 302
    day = RegisterDay.objects.get(date=TODAY)
    assert not day.is_signed_off and day.signed_off_by is None
    assert [(event.action, event.by, event.reason) for event in day.revisions.all()] == [
        ("signed_off", manager, ""),
        ("reopened", manager, "张伟漏填了意向车型"),
    ]
    assert day.revisions.last().at == CURRENT_TIME + timedelta(minutes=20)
    history = boss.get(review_url()).content.decode()
    assert re.search(rf'id="day-history">.*{zh("signed off")}.*{zh("reopened")}.*张伟漏填了意向车型', history, re.S)

    saved = zhang.post(
        reverse("leads:visit_update", kwargs={"pk": signed_off_entry.pk}),
        edit_form_data(signed_off_entry, summary="看了凯美瑞和汉兰达，关心油耗"),
    )
    assert saved.status_code == 302
    assert Visit.objects.get(pk=signed_off_entry.pk).summary == "看了凯美瑞和汉兰达，关心油耗"


def test_consultants_list_shows_when_their_day_was_reopened(signed_off_entry, zhang, manager):
    reopen_day(showroom=manager.showroom, day=TODAY, by=manager, reason="补登")

    html = zhang.get(reverse("leads:visit_list")).content.decode()

    assert 'id="today-signed-off"' not in html
    assert reverse("leads:visit_update", kwargs={"pk": signed_off_entry.pk}) in html


# session, user, SAVEPOINT, the manager's permissions (user and groups), the user's showroom, the day's rows
# with their consultant/model/source/district, the register day, the totals aggregate, the day's events,
# the late entries waiting and the day's decided ones, RELEASE SAVEPOINT, and the due follow-ups count in the
# navigation.
REVIEW_QUERIES = 14


def test_review_runs_as_many_queries_for_50_entries_as_for_5(boss, make_visit, consultant, other_consultant, manager):
    def log(first, count):
        for n in range(first, first + count):
            arrived_at, left_at = visit_times(manager.showroom, TODAY, f"{8 + n // 10:02d}:{n % 10 * 5:02d}", 4)
            make_visit(
                consultant=(consultant, other_consultant)[n % 2],
                arrived_at=arrived_at,
                left_at=left_at,
                phone="" if n % 3 == 0 else f"138{n:08d}",
                no_phone=n % 3 == 0,
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = boss.get(reverse("leads:register_review"))
        assert response.status_code == 200
        return len(queries), len(response.context["visits"])

    log(0, 5)
    sign_off_day(showroom=manager.showroom, day=YESTERDAY, by=manager)
    boss.get(reverse("leads:register_review"))  # warm-up
    with_5 = count()
    log(5, 45)
    with_50 = count()

    assert (with_5[1], with_50[1]) == (5, 50)
    assert with_5[0] == with_50[0]
    assert with_50[0] == REVIEW_QUERIES
