"""The intent-lead tracker in a real browser.

Issue 3: a consultant on a phone records a call that moves a lead from B to A (the grade assistant disagrees,
so the form asks why) and sees the next follow-up three days on; then asks to close another lead as lost, the
manager approves it at the desk, and the lead leaves the tracker for both of them.

Issue 4: the consultant's Today page lists the overdue H lead first, the navbar counts what is due; recording a
call from there keeps the lead at H, takes it off Today and puts its next follow-up on tomorrow.

Like test_register_journey: the e2e clock (dates are showroom-local, from `register_now`), elements found by
name, id, href or data attribute, expected messages run through the zh-hans catalogue.
"""

import re
from datetime import timedelta

import pytest

from leads.models import Contact, Lead, LeadStatus, LostReason, LostRequest
from leads.services import tracker as lead_services
from tests.i18n import zh, zh_n

from .conftest import DESKTOP, PHONE, expect, follow_nav_link, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GRADE_SUGGEST = "/leads/grade-suggest/"


def suggestion_text(grade: str, *reasons: str) -> str:
    """The grade assistant's line (lead_views.suggestion_message), each reason translated."""
    return zh("Suggested grade: %(grade)s — %(reasons)s", grade=grade, reasons=" ".join(reasons))


ALL_THREE = "Need, decision power and purchasing power are all there."


@pytest.fixture
def log_lead_today(log_visit_today):
    """A lead the way the app makes one: today's register entry with a phone, through the service."""

    def make(**fields) -> Lead:
        visit = log_visit_today(**fields)
        return Lead.objects.get(contacts__visit=visit)

    return make


def lead_url(lead: Lead, action: str = "") -> str:
    return f"/leads/{lead.pk}/{action + '/' if action else ''}"


def next_follow_up_cell(page):
    """The lead page's "next follow-up" value (the <dd> after its translated <dt>)."""
    return page.locator(f"#lead-details dt:text-is('{zh('Next follow-up')}') + dd")


def to_top(page):
    """Back to the top before a full-page shot; Bootstrap scrolls smoothly, hence the wait for the end."""
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("window.scrollY === 0")


def tick_and_wait_for_assistant(page, checkbox):
    """Tick a deciding factor and wait for the grade assistant's answer before the next input: the page
    fires one request per change and would let a late answer overwrite a newer one."""
    with page.expect_response(lambda response: GRADE_SUGGEST in response.url) as answer:
        checkbox.check()
    assert answer.value.ok, answer.value.status


def test_call_moves_lead_from_b_to_a_then_lost_lead_approved_by_manager(
    new_page, consultant, manager, log_lead_today, register_now, screenshot
):
    today = register_now.date()
    lead = log_lead_today(
        consultant=consultant, customer_name="王先生", phone="13912345678", grade="B", minutes_ago=90, minutes=30
    )
    gone = log_lead_today(
        consultant=consultant, customer_name="赵女士", phone="13698765432", grade="C", minutes_ago=50, minutes=20
    )
    assert (lead.grade, lead.next_follow_up) == ("B", today + timedelta(days=7))

    # --- The consultant, on a phone: the lead from the tracker, then "record a contact".
    phone = log_in(new_page(**PHONE), consultant)
    follow_nav_link(phone, "/leads/")
    phone.locator(f"#lead-table tr[data-lead='{lead.pk}'] a[href='{lead_url(lead)}']").click()
    expect(phone).to_have_url(re.compile(rf"{lead_url(lead)}$"))
    expect(phone.locator("h1 .grade-badge")).to_have_text("B")
    phone.locator("#record-contact").click()
    expect(phone).to_have_url(re.compile(rf"{lead_url(lead, 'contact')}$"))

    form = phone.locator("#contact-form")
    expect(form.locator("input[name=kind][value=phone_call]")).to_be_checked()
    expect(form.locator("input[name=contact_date]")).to_have_value(today.isoformat())
    expect(form.locator("input[name=grade_after][value=B]")).to_be_checked()
    # Nothing known of the factors yet: no suggestion, only the hint; the next date follows the lead's grade B.
    expect(phone.locator("#grade-suggestion")).to_have_text(
        zh("Tick what you learned of the need, decision power and purchasing power for a suggested grade.")
    )
    expect(form.locator("input[name=next_follow_up]")).to_have_value((today + timedelta(days=7)).isoformat())

    form.locator("textarea[name=summary]").fill("电话回访：全家都看好凯美瑞，首付已备好，太太同意")
    for name in ("has_need", "has_decision_power", "has_purchasing_power"):
        tick_and_wait_for_assistant(phone, form.locator(f"input[name={name}]"))
    # All three factors but no purchase date: the assistant stays at B.
    expect(phone.locator("#grade-suggestion")).to_have_text(suggestion_text("B", zh(ALL_THREE)))
    expect(form.locator("input[name=suggested_grade]")).to_have_value("B")
    expect(form.locator("input[name=grade_after][value=B]")).to_be_checked()

    # The consultant knows better: A. The next date moves to A's interval, three days on.
    form.locator("input[name=grade_after][value=A]").check()
    expect(form.locator("input[name=next_follow_up]")).to_have_value((today + timedelta(days=3)).isoformat())
    to_top(phone)  # a full-page shot of a scrolled page draws the sticky navbar mid-page
    screenshot(phone, "contact-form-suggestion-mobile")
    form.locator("button[type=submit]").click()

    # Another grade than the assistant's: the form asks why, at the reason field, with the input kept.
    expect(phone).to_have_url(re.compile(rf"{lead_url(lead, 'contact')}$"))
    expect(phone.locator("#div_id_grade_reason .invalid-feedback")).to_contain_text(
        zh(
            "The assistant suggests %(grade)s from what you ticked; say why the customer deserves a higher grade.",
            grade="B",
        )
    )
    expect(form.locator("input[name=grade_after][value=A]")).to_be_checked()
    expect(form.locator("input[name=has_decision_power]")).to_be_checked()
    expect(form.locator("input[name=next_follow_up]")).to_have_value((today + timedelta(days=3)).isoformat())
    expect(form.locator("textarea[name=summary]")).to_have_value("电话回访：全家都看好凯美瑞，首付已备好，太太同意")
    lead.refresh_from_db()
    assert (lead.grade, lead.has_need) == ("B", False)  # nothing saved, the factors neither
    form.locator("input[name=grade_reason]").fill("客户说两周内一定定车，只是还没定具体日子")
    form.locator("#div_id_grade_reason").scroll_into_view_if_needed()
    screenshot(phone, "contact-form-grade-reason-mobile", full_page=False)
    form.locator("button[type=submit]").click()

    # Back on the lead: grade A, the next follow-up three days on, the call at the top of the timeline.
    next_date = (today + timedelta(days=3)).isoformat()
    expect(phone).to_have_url(re.compile(rf"{lead_url(lead)}$"))
    expect(phone.locator(".alert-success")).to_contain_text(
        zh("Contact saved. Next follow-up: %(date)s.", date=next_date)
    )
    expect(phone.locator("h1 .grade-badge")).to_have_text("A")
    expect(next_follow_up_cell(phone)).to_contain_text(next_date)
    call = phone.locator("#lead-timeline li.timeline-contact").filter(has=phone.locator(".grade-badge.grade-A"))
    expect(call).to_have_count(1)
    expect(call.locator(".grade-badge")).to_have_text(["B", "A"])
    expect(call).to_contain_text(zh("next contact %(d)s", d=next_date))
    expect(call).to_contain_text(zh("Assistant suggested %(g)s", g="B"))
    expect(call).to_contain_text("客户说两周内一定定车")
    screenshot(phone, "lead-detail-timeline-mobile")

    lead.refresh_from_db()
    assert (lead.grade, lead.next_follow_up.isoformat()) == ("A", next_date)
    assert (lead.has_need, lead.has_decision_power, lead.has_purchasing_power) == (True, True, True)
    contact = lead.contacts.get(visit__isnull=True)
    assert (contact.kind, contact.grade_before, contact.grade_after, contact.suggested_grade) == (
        "phone_call",
        "B",
        "A",
        "B",
    )
    assert contact.contact_date == today

    # --- The consultant asks to close the other lead as lost: bought a competitor.
    phone.goto(lead_url(gone))
    phone.locator(f"a[href='{lead_url(gone, 'lost')}']").click()
    expect(phone).to_have_url(re.compile(rf"{lead_url(gone, 'lost')}$"))
    lost_form = phone.locator("#lost-form")
    expect(lost_form.locator("#competitor-fields")).to_be_hidden()
    lost_form.locator(f"input[name=reason][value={LostReason.COMPETITOR}]").check()
    expect(lost_form.locator("#competitor-fields")).to_be_visible()
    lost_form.locator("input[name=competitor_brand]").fill("比亚迪")
    lost_form.locator("input[name=competitor_model]").fill("汉")
    lost_form.locator("textarea[name=note]").fill("客户上周在比亚迪订了汉，已交定金")
    lost_form.locator("button[type=submit]").click()
    expect(phone).to_have_url(re.compile(rf"{lead_url(gone)}$"))
    expect(phone.locator(".alert-success")).to_contain_text(
        zh("Lost request sent to the manager; the lead stays open until approved.")
    )
    expect(phone.locator("#pending-lost")).to_contain_text("比亚迪 汉")
    expect(phone.locator(f"a[href='{lead_url(gone, 'lost')}']")).to_have_count(0)  # one request at a time
    request = LostRequest.objects.get(lead=gone)
    assert request.state == LostRequest.State.PENDING
    # Still open, and still in the tracker until the manager decides.
    follow_nav_link(phone, "/leads/")
    expect(phone.locator(f"#lead-table tr[data-lead='{gone.pk}']")).to_have_count(1)

    # --- The manager, at the desk: the lost leads page, the request, approve.
    desk = log_in(new_page(**DESKTOP), manager)
    follow_nav_link(desk, "/leads/lost/")
    expect(desk).to_have_url(re.compile(r"/leads/lost/$"))
    pending = desk.locator(f"#lost-{request.pk}")
    expect(pending).to_contain_text("赵女士")
    expect(pending).to_contain_text("比亚迪 汉")
    expect(pending).to_contain_text("客户上周在比亚迪订了汉")
    pending.locator("input[name=comment]").fill("同意，记得把资料归档")
    screenshot(desk, "lost-list-pending-desktop")
    pending.locator("button[name=decision][value=approve]").click()
    expect(desk.locator(".alert-success")).to_contain_text(zh("%(name)s is closed as lost.", name="赵女士"))
    expect(desk.locator(f"#lost-{request.pk}")).to_have_count(0)
    expect(desk.locator("#lost-by_competitor")).to_contain_text("比亚迪")
    expect(desk.locator("#lost-by_reason")).to_contain_text(zh(LostReason.COMPETITOR.label))
    screenshot(desk, "lost-list-decided-desktop")

    gone.refresh_from_db()
    request.refresh_from_db()
    assert (gone.status, gone.grade, gone.next_follow_up) == (LeadStatus.LOST, "F", None)
    assert (request.state, request.decided_by) == (LostRequest.State.APPROVED, manager)

    # No longer in the tracker, for the manager nor the consultant; the other lead still is.
    follow_nav_link(desk, "/leads/")
    expect(desk.locator(f"#lead-table tr[data-lead='{lead.pk}']")).to_have_count(1)
    expect(desk.locator(f"#lead-table tr[data-lead='{gone.pk}']")).to_have_count(0)
    phone.reload()
    expect(phone.locator(f"#lead-table tr[data-lead='{lead.pk}']")).to_have_count(1)
    expect(phone.locator(f"#lead-table tr[data-lead='{gone.pk}']")).to_have_count(0)
    # Its page stays, closed: no more contacts to record.
    phone.goto(lead_url(gone))
    expect(phone.locator("#lead-status")).to_be_visible()
    expect(phone.locator("#record-contact")).to_have_count(0)


def test_today_lists_overdue_h_first_and_a_call_takes_it_off(
    new_page, consultant, other_consultant, log_lead_today, register_now, screenshot
):
    today = register_now.date()
    hot = log_lead_today(
        consultant=consultant, customer_name="黄先生", phone="13900000001", grade="H", minutes_ago=200, minutes=20
    )
    warm = log_lead_today(
        consultant=consultant, customer_name="周女士", phone="13900000002", grade="A", minutes_ago=170, minutes=20
    )
    due = log_lead_today(
        consultant=consultant, customer_name="吴先生", phone="13900000003", grade="B", minutes_ago=140, minutes=20
    )
    later = log_lead_today(
        consultant=consultant, customer_name="郑女士", phone="13900000004", grade="C", minutes_ago=110, minutes=20
    )
    colleagues = log_lead_today(
        consultant=other_consultant, customer_name="钱女士", phone="13900000005", grade="H", minutes_ago=80, minutes=20
    )
    # What the H customer said before: everything there, buying within the week (the assistant's H).
    lead_services.lead_update_details(
        lead=hot,
        by=consultant,
        expected_version=hot.version,
        has_need=True,
        has_decision_power=True,
        has_purchasing_power=True,
        expected_purchase_date=today + timedelta(days=5),
    )
    # Due dates as if the leads had been followed up on earlier days: the A lead is more overdue than the H
    # lead and still comes after it.
    Lead.objects.filter(pk=hot.pk).update(next_follow_up=today - timedelta(days=2))
    Lead.objects.filter(pk=warm.pk).update(next_follow_up=today - timedelta(days=4))
    Lead.objects.filter(pk=due.pk).update(next_follow_up=today)
    Lead.objects.filter(pk=later.pk).update(next_follow_up=today + timedelta(days=1))
    Lead.objects.filter(pk=colleagues.pk).update(next_follow_up=today - timedelta(days=3))

    # --- The consultant logs in on a phone: home is Today.
    phone = log_in(new_page(**PHONE), consultant)
    expect(phone).to_have_url(re.compile(r"/today/$"))
    expect(phone.locator("#nav-due-count")).to_have_text("3")
    expect(phone.locator(".today-group")).to_have_count(3)
    for position, grade in enumerate(["H", "A", "B"]):
        expect(phone.locator(".today-group").nth(position)).to_have_attribute("data-grade", grade)
    rows = phone.locator(".today-lead")
    expect(rows).to_have_count(3)
    for position, lead in enumerate([hot, warm, due]):
        expect(rows.nth(position)).to_have_attribute("data-lead", str(lead.pk))
    hot_row = phone.locator(f".today-lead[data-lead='{hot.pk}']")
    expect(hot_row).to_have_class(re.compile(r"\blist-group-item-danger\b"))
    expect(hot_row).to_contain_text(zh_n("%(days)s day overdue", "%(days)s days overdue", 2, days=2))
    expect(phone.locator(f".today-lead[data-lead='{due.pk}']")).to_contain_text(zh("due today"))
    expect(phone.locator(f".today-lead[data-lead='{later.pk}']")).to_have_count(0)
    expect(phone.locator(f".today-lead[data-lead='{colleagues.pk}']")).to_have_count(0)
    screenshot(phone, "today-mobile-zh")

    # The navbar's count, with the menu open the way a person sees it on a phone.
    phone.locator("nav .navbar-toggler").click()
    expect(phone.locator("nav .navbar-collapse.show")).to_be_visible()  # "show" once the menu is fully open
    expect(phone.locator("#nav-due-count")).to_be_visible()
    screenshot(phone, "today-mobile-zh-menu-open", full_page=False)
    phone.locator("nav .navbar-toggler").click()
    expect(phone.locator("nav .navbar-collapse.show")).to_have_count(0)

    # --- "Record contact" on the H lead: a call, the customer still buying this week, grade H kept.
    hot_row.locator(f"a[href^='{lead_url(hot, 'contact')}']").click()
    expect(phone).to_have_url(re.compile(rf"{lead_url(hot, 'contact')}\?next=/today/$"))
    form = phone.locator("#contact-form")
    expect(form.locator("input[name=kind][value=phone_call]")).to_be_checked()
    expect(form.locator("input[name=grade_after][value=H]")).to_be_checked()
    expect(phone.locator("#grade-suggestion")).to_have_text(
        suggestion_text("H", zh(ALL_THREE), zh("Expects to buy in %(days)s days.", days=5))
    )
    tomorrow = (today + timedelta(days=1)).isoformat()
    expect(form.locator("input[name=next_follow_up]")).to_have_value(tomorrow)
    form.locator("textarea[name=summary]").fill("电话确认周六来店签合同，顺便看置换评估")
    to_top(phone)
    screenshot(phone, "contact-form-h-mobile")
    form.locator("button[type=submit]").click()

    # --- Straight back to Today: the H lead is done for today.
    expect(phone).to_have_url(re.compile(r"/today/$"))
    expect(phone.locator(".alert-success")).to_contain_text(
        zh("Contact saved. Next follow-up: %(date)s.", date=tomorrow)
    )
    expect(phone.locator(f".today-lead[data-lead='{hot.pk}']")).to_have_count(0)
    expect(phone.locator(".today-lead")).to_have_count(2)
    expect(phone.locator(".today-group")).to_have_count(2)
    expect(phone.locator(".today-group").first).to_have_attribute("data-grade", "A")
    expect(phone.locator("#nav-due-count-mobile")).to_have_text("2")

    # --- The lead page shows grade H kept and tomorrow as the next follow-up.
    phone.goto(lead_url(hot))
    expect(phone.locator("h1 .grade-badge")).to_have_text("H")
    expect(next_follow_up_cell(phone)).to_contain_text(tomorrow)
    expect(next_follow_up_cell(phone).locator(".overdue")).to_have_count(0)

    hot.refresh_from_db()
    assert (hot.grade, hot.status, hot.next_follow_up.isoformat()) == ("H", LeadStatus.OPEN, tomorrow)
    call = Contact.objects.get(lead=hot, visit__isnull=True)
    assert (call.kind, call.grade_before, call.grade_after, call.suggested_grade) == ("phone_call", "H", "H", "H")
