"""The visitor register in a real browser: a consultant logs a walk-in on a phone, the manager signs the day
off on a desktop, and the consultant can no longer change the entry.

Elements are found by name, id, href or data attribute, not by their (translated) text. Expected messages are
the app's own msgids run through the zh-hans catalogue, so the tests hold whether or not a string is
translated yet.
"""

import re
from datetime import timedelta

import pytest

from leads.models import RegisterDay, Visit
from tests.factories import CarModelFactory, source
from tests.i18n import zh

from .conftest import DESKTOP, PHONE, expect, follow_nav_link, local_now, log_in, open_register

pytestmark = [
    pytest.mark.e2e,
    # The live server's thread must see the test's rows (committed), and the data migrations' rows (roles,
    # information sources) must be back for the next test after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REGISTER = re.compile(r"/register/$")
LOCKED = "This day is signed off; its entries are locked."  # leads/views/register.py, VisitUpdateView


def hhmm(value: str) -> tuple[int, int]:
    """'14:05' or '14:05:00' (how the time inputs hold their value) -> (14, 5)."""
    hour, minute = value.split(":")[:2]
    return int(hour), int(minute)


def minus_minutes(value: str, minutes: int) -> str:
    """What the form's shortcut buttons do: go back from the departure time, never before 00:00."""
    hour, minute = hhmm(value)
    total = max(hour * 60 + minute - minutes, 0)
    return f"{total // 60:02d}:{total % 60:02d}"


def register_row(page, name: str):
    return page.locator("#register-table tbody tr").filter(has=page.locator(f"td a:text-is('{name}')"))


def test_walk_in_logged_on_phone_then_signed_off_and_locked(
    new_page, consultant, other_consultant, manager, log_visit_today, register_now, screenshot
):
    camry = CarModelFactory(brand="丰田", name="凯美瑞")
    web = source("web")
    # A colleague's walk-in is already on today's sheet.
    log_visit_today(consultant=other_consultant, customer_name="赵女士", minutes_ago=150, minutes=40, grade="B")

    # --- The consultant, on a phone, right after the customer left.
    phone = log_in(new_page(**PHONE), consultant)
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    phone.locator("a[href='/register/new/']").filter(visible=True).first.click()
    expect(phone).to_have_url(re.compile(r"/register/new/$"))

    form = phone.locator("#visit-form")
    expect(form.locator("input[name=visit_date]")).to_have_value(register_now.date().isoformat())
    form.locator("input[name=kind][value=walk_in]").check()
    form.locator("input[name=customer_name]").fill("王先生")
    form.locator("input[name=gender][value=m]").check()
    form.locator("input[name=phone]").fill("139 1234 5678")
    departure = form.locator("input[name=departure_time]").input_value()  # the server's "now", prefilled
    assert departure, "departure should default to the current time"
    form.locator("#arrival-shortcuts button[data-minutes='30']").click()
    arrival = minus_minutes(departure, 30)
    expect(form.locator("input[name=arrival_time]")).to_have_value(arrival)
    form.locator("select[name=car_model]").select_option(str(camry.pk))
    form.locator("select[name=source]").select_option(str(web.pk))
    form.locator("select[name=grade]").select_option("A")
    form.locator("textarea[name=summary]").fill("试驾了凯美瑞，关心油耗和置换，约了周末再来")
    screenshot(phone, "visit-form-mobile")
    form.locator("button[type=submit]").click()

    # Back on the register, with the new entry on today's sheet.
    expect(phone).to_have_url(REGISTER)
    visit = Visit.objects.get(customer_name="王先生")
    expect(phone.locator(".alert-success")).to_contain_text(
        zh("Entry no. %(number)s saved: %(name)s.", number=visit.number, name="王先生")
    )
    row = register_row(phone, "王先生")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("13912345678")  # their own customer: the number in full
    expect(row).to_contain_text(f"{arrival}–{departure[:5]}")
    expect(row.locator(".grade-badge")).to_have_text("A")
    expect(row.locator(f"a[href='/register/{visit.pk}/edit/']")).to_be_visible()
    expect(register_row(phone, "赵女士")).to_contain_text("137****7000")  # a colleague's customer: masked
    screenshot(phone, "register-list-mobile")

    zone = consultant.showroom.zone
    assert visit.visit_date == local_now(consultant.showroom).date()
    assert visit.arrived_at.astimezone(zone).strftime("%H:%M") == arrival
    assert visit.left_at.astimezone(zone).strftime("%H:%M") == departure[:5]
    assert (visit.kind, visit.gender, visit.phone, visit.grade) == ("walk_in", "m", "13912345678", "A")
    assert (visit.car_model, visit.source, visit.consultant, visit.no_phone) == (camry, web, consultant, False)

    # --- The manager, at the desk before closing time: the daily review, then sign-off.
    desk = log_in(new_page(**DESKTOP), manager)
    follow_nav_link(desk, "/register/review/")
    expect(desk.locator("h1")).to_contain_text(visit.visit_date.isoformat())
    expect(desk.locator("#review-table tbody tr")).to_have_count(2)
    expect(desk.locator("#review-table")).to_contain_text("王先生")
    desk.locator("#sign-off-button").click()
    expect(desk.locator("#sign-off-card .bi-lock-fill")).to_be_visible()
    expect(desk.locator("#sign-off-button")).to_have_count(0)
    expect(desk.locator("#sign-off-card input[name=reason]")).to_be_visible()  # reopening needs a reason
    expect(desk.locator("#day-history li")).to_have_count(1)
    screenshot(desk, "register-review-desktop")
    day = RegisterDay.objects.get(showroom=consultant.showroom, date=visit.visit_date)
    assert day.signed_off_by == manager

    desk.goto("/register/")
    expect(desk.locator("#today-signed-off")).to_be_visible()
    expect(desk.locator("#register-table a[href$='/edit/']")).to_have_count(0)
    screenshot(desk, "register-list-desktop-signed-off")

    # --- The consultant reloads: the entry is locked.
    phone.reload()
    expect(phone.locator("#today-signed-off")).to_be_visible()
    row = register_row(phone, "王先生")
    expect(row.locator(".bi-lock-fill")).to_have_count(1)
    expect(row.locator("a[href$='/edit/']")).to_have_count(0)
    phone.locator(f"a[href='/register/{visit.pk}/']").click()
    expect(phone.locator("a[href$='/edit/']")).to_have_count(0)

    # Typing the edit address anyway: the app does not open the form, it goes back to the entry and says why.
    detail_url = re.compile(rf"/register/{visit.pk}/$")
    response = phone.goto(f"/register/{visit.pk}/edit/")
    assert response.request.redirected_from is not None  # a redirect, not an error page
    expect(phone).to_have_url(detail_url)
    expect(phone.locator("main > .alert-warning")).to_contain_text(zh(LOCKED))
    expect(phone.locator("#visit-form")).to_have_count(0)

    # The same POST without the form page (a tab opened before the sign-off, a script): refused as well.
    csrf = next(c["value"] for c in phone.context.cookies() if c["name"] == "csrftoken")
    posted = phone.request.post(
        f"/register/{visit.pk}/edit/",
        form={
            "kind": "walk_in",
            "customer_name": "王先生（改）",
            "gender": "m",
            "phone": "13912345678",
            "car_model": str(camry.pk),
            "source": str(web.pk),
            "party_size": "1",
            "grade": "H",
            "summary": "改过的记录",
            "arrival_time": arrival,
            "departure_time": departure[:5],
            "version": str(visit.version),
        },
        headers={"X-CSRFToken": csrf, "Referer": phone.url},
        max_redirects=0,
    )
    assert posted.status == 302, posted.status  # the same redirect; a save would also redirect, hence:
    assert detail_url.search(posted.headers["location"]), posted.headers["location"]
    phone.goto(posted.headers["location"])
    expect(phone.locator("main > .alert-warning")).to_contain_text(zh(LOCKED))
    visit.refresh_from_db()
    assert (visit.customer_name, visit.grade, visit.version) == ("王先生", "A", 1)
    assert visit.revisions.count() == 1


def test_departure_before_arrival_is_shown_at_the_field_and_input_kept(new_page, consultant, register_now, screenshot):
    camry = CarModelFactory(brand="丰田", name="凯美瑞")
    web = source("web")
    # Both times in the past of today: only the order is wrong.
    midnight = register_now.replace(hour=0, minute=0, second=0, microsecond=0)
    arrived = max(register_now - timedelta(minutes=20), midnight + timedelta(minutes=1))
    left = max(arrived - timedelta(minutes=15), midnight)
    arrival, departure = f"{arrived:%H:%M}", f"{left:%H:%M}"

    phone = log_in(new_page(**PHONE), consultant)
    phone.goto("/register/new/")
    form = phone.locator("#visit-form")
    form.locator("input[name=customer_name]").fill("王先生")
    form.locator("input[name=phone]").fill("139 1234 5678")
    form.locator("input[name=arrival_time]").fill(arrival)
    form.locator("input[name=departure_time]").fill(departure)
    form.locator("select[name=car_model]").select_option(str(camry.pk))
    form.locator("select[name=source]").select_option(str(web.pk))
    form.locator("select[name=grade]").select_option("B")
    form.locator("textarea[name=summary]").fill("看了凯美瑞，比较了几款车")
    form.locator("button[type=submit]").click()

    # The same page again, the message under the departure field, the arrival field not blamed.
    expect(phone).to_have_url(re.compile(r"/register/new/$"))
    message = zh("Departure must be after arrival.")
    expect(phone.locator("#div_id_departure_time .invalid-feedback")).to_contain_text(message)
    expect(form.locator("input[name=departure_time]")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(form.locator("input[name=arrival_time]")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(phone.locator("#visit-form > .alert-danger")).to_have_count(0)
    # Everything typed is still there.
    expect(form.locator("input[name=customer_name]")).to_have_value("王先生")
    expect(form.locator("input[name=phone]")).to_have_value("139 1234 5678")
    expect(form.locator("input[name=arrival_time]")).to_have_value(re.compile(rf"^{arrival}(:00)?$"))
    expect(form.locator("input[name=departure_time]")).to_have_value(re.compile(rf"^{departure}(:00)?$"))
    expect(form.locator("input[name=visit_date]")).to_have_value(register_now.date().isoformat())
    expect(form.locator("input[name=kind][value=walk_in]")).to_be_checked()
    expect(form.locator("select[name=car_model]")).to_have_value(str(camry.pk))
    expect(form.locator("select[name=source]")).to_have_value(str(web.pk))
    expect(form.locator("select[name=grade]")).to_have_value("B")
    expect(form.locator("textarea[name=summary]")).to_have_value("看了凯美瑞，比较了几款车")
    phone.locator("#div_id_departure_time").scroll_into_view_if_needed()
    screenshot(phone, "visit-form-error-mobile")
    assert not Visit.objects.exists()


def test_register_list_in_chinese_at_desktop_size(new_page, consultant, other_consultant, log_visit_today, screenshot):
    camry = CarModelFactory(brand="丰田", name="凯美瑞")
    rav4 = CarModelFactory(brand="丰田", name="RAV4荣放")
    log_visit_today(
        consultant=consultant,
        customer_name="王先生",
        phone="13912345678",
        minutes_ago=200,
        minutes=35,
        car_model=camry,
        grade="H",
        party_size=2,
    )
    log_visit_today(
        consultant=other_consultant,
        customer_name="赵女士",
        minutes_ago=170,
        minutes=50,
        car_model=rav4,
        grade="A",
        source=source("friends"),
    )
    log_visit_today(
        consultant=consultant,
        kind="call",
        customer_name="钱先生",
        phone="02112345678",
        minutes_ago=120,
        minutes=6,
        grade="C",
        source=source("tv"),
        summary="来电问价",
    )
    log_visit_today(
        consultant=other_consultant,
        customer_name="孙女士",
        phone="",
        no_phone=True,
        minutes_ago=60,
        minutes=15,
        source=source("passing_by"),
        summary="路过看看，没留电话",
    )
    log_visit_today(
        consultant=consultant,
        customer_name="周先生",
        phone="13612345678",
        minutes_ago=30,
        minutes=20,
        car_model=camry,
        grade="O",
        summary="当场交了定金，下周签合同",
    )

    desk = open_register(log_in(new_page(**DESKTOP), consultant))
    expect(desk.locator("#register-table tbody tr")).to_have_count(5)
    # Newest first, running numbers 5..1.
    expect(desk.locator("#register-table tbody tr td:nth-child(2)")).to_have_text(["5", "4", "3", "2", "1"])
    expect(register_row(desk, "王先生")).to_contain_text("13912345678")
    expect(register_row(desk, "赵女士")).to_contain_text("137****7000")
    expect(register_row(desk, "孙女士").locator("a[href$='/edit/']")).to_have_count(0)  # a colleague's entry
    expect(register_row(desk, "周先生").locator("a[href$='/edit/']")).to_have_count(1)
    path = screenshot(desk, "register-list-desktop-zh")
    assert path.stat().st_size > 10_000


def test_form_prefills_today_in_chinese(new_page, consultant, register_now):
    """Regression: Django renders an unbound date in the language's first DATE_INPUT_FORMATS, "2026/11/22"
    in zh-hans, which an <input type="date"> discards: the required date came up empty in Chinese."""
    phone = log_in(new_page(**PHONE), consultant)
    phone.goto("/register/new/")
    expect(phone.locator("input[name=visit_date]")).to_have_value(register_now.date().isoformat())
    expect(phone.locator("input[name=departure_time]")).to_have_value(re.compile(r"^\d\d:\d\d(:00)?$"))
    phone.goto(f"/register/?date_from={register_now.date().isoformat()}")
    expect(phone.locator("#register-filters input[name=date_from]")).to_have_value(register_now.date().isoformat())
