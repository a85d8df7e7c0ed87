"""After the order, in a real browser (issues 5 and 12), one test per step so that a failure names the step:

1. the consultant signs the contract of an H lead and sees the customer information card it opened (and prints it);
2. books the delivery: a colleague's booking already holds the first slot chosen, and the form says so at the
   time field; the week view shows both;
3. the customer comes a day early, so the delivery day page asks first for the VIN and to bring the appointment
   forward to now; the consultant walks round the car with the checklist on a phone, the customer draws a
   signature (kept when the first press is refused), the delivery completes with its callbacks scheduled;
4. the first callback, three days later, is on the Today list and recording it there takes it off;
5. a complaint is recorded from the contract, followed up and closed by the manager, its page showing its history.

Each step starts from the state the steps before it leave, built through the services (fixtures below), not
through the browser. Like the other journeys: the e2e clock (dates are showroom-local, from `register_now`),
elements found by name, id, href or data attribute, expected messages run through the zh-hans catalogue. The
printable card and the delivery confirmation are rendered for print and kept as PNGs in test-artifacts/.
"""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from delivery import services
from delivery.models import REQUIRED_ITEMS, Callback, Complaint, Contract, CustomerCard, Delivery
from leads.models import Contact, Lead, LeadStatus
from tests.factories import CarModelFactory
from tests.i18n import zh, zh_n

from .conftest import DESKTOP, PHONE, expect, follow_nav_link, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIN = "LSVAU2180N2123456"
A4_WIDTH_PX = 794  # 210 mm at 96 dpi: a print-media screenshot of this width looks like the sheet
PAGE_MARGIN = "@media print { body.paper { padding: 12mm; } }"  # @page's margins, which a screenshot lacks


def pdf_pages(page) -> int:
    """How many sheets the page prints on (Chromium's own print to PDF, A4 from the page's @page rule)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", page.pdf(prefer_css_page_size=True, print_background=True)))


def print_shot(page, screenshot, name: str):
    """The page as it prints: one A4 sheet (asserted), kept as a PNG with the sheet's margins."""
    page.emulate_media(media="print")
    assert pdf_pages(page) == 1, f"{name} does not fit on one A4 sheet"
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    page.add_style_tag(content=PAGE_MARGIN)
    path = screenshot(page, name)
    page.emulate_media(media="screen")
    return path


def draw_signature(page):
    """The customer signs with the mouse: a few strokes across the pad."""
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    strokes = [
        [(0.10, 0.60), (0.18, 0.30), (0.24, 0.70), (0.30, 0.35), (0.36, 0.65)],
        [(0.42, 0.40), (0.55, 0.42), (0.50, 0.75), (0.62, 0.30)],
        [(0.68, 0.55), (0.78, 0.35), (0.86, 0.62), (0.92, 0.45)],
    ]
    for stroke in strokes:
        page.mouse.move(x + stroke[0][0] * w, y + stroke[0][1] * h)
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x + fx * w, y + fy * h, steps=8)
        page.mouse.up()


# --- The starting state of each step, through the services ------------------------------------------------------


def slot(register_now: datetime, day: date, hour: int) -> datetime:
    """A delivery slot of `day` in the showroom's time, on the hour."""
    return register_now.replace(
        year=day.year, month=day.month, day=day.day, hour=hour, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def today(register_now) -> date:
    return register_now.date()


@pytest.fixture
def tomorrow(today) -> date:
    return today + timedelta(days=1)


@pytest.fixture
def camry(db):
    return CarModelFactory(brand="丰田", name="凯美瑞")


@pytest.fixture
def customer(log_visit_today, consultant, camry) -> Lead:
    """王建国, the consultant's H lead from a visit earlier today, interested in the Camry."""
    visit = log_visit_today(
        consultant=consultant,
        customer_name="王建国",
        phone="13912345678",
        grade="H",
        gender="m",
        car_model=camry,
        address="朝阳区建国路88号",
        minutes_ago=120,
        minutes=40,
    )
    return Lead.objects.get(contacts__visit=visit)


@pytest.fixture
def colleagues_booking(log_visit_today, other_consultant, camry, register_now, today, tomorrow) -> Delivery:
    """A colleague's customer, already booked into tomorrow's first slot (09:00)."""
    colleagues_lead = Lead.objects.get(
        contacts__visit=log_visit_today(consultant=other_consultant, phone="13687654321", grade="O", minutes_ago=60)
    )
    colleagues = services.contract_sign(
        lead=colleagues_lead,
        by=other_consultant,
        number="HT-LI-001",
        signed_on=today,
        car_model=camry,
        price=180000,
        deposit=10000,
        payment_method="own_funds",
        planned_delivery_date=tomorrow,
    )
    return services.delivery_book(
        contract=colleagues,
        by=other_consultant,
        starts_at=slot(register_now, tomorrow, 9),
        consultant=other_consultant,
        service_advisor="赵",
        expected_version=None,
    )


@pytest.fixture
def signed_contract(customer, consultant, camry, today) -> Contract:
    """The contract step 1 signs in the browser, as it signs it: no VIN yet."""
    return services.contract_sign(
        lead=customer,
        by=consultant,
        number="HT-2026-0815",
        signed_on=today,
        car_model=camry,
        trim="2.5L 豪华版",
        colour="珍珠白",
        price=Decimal("219800"),
        deposit=Decimal("20000"),
        payment_method="loan",
        insurance="人保 全险",
        planned_delivery_date=today + timedelta(days=7),
    )


@pytest.fixture
def booked_delivery(signed_contract, consultant, register_now, tomorrow) -> Delivery:
    """The delivery step 2 books: tomorrow at 10:00."""
    return services.delivery_book(
        contract=signed_contract,
        by=consultant,
        starts_at=slot(register_now, tomorrow, 10),
        consultant=consultant,
        service_advisor="孙师傅",
        expected_version=None,
    )


@pytest.fixture
def delivered(booked_delivery, consultant) -> Delivery:
    """The car handed over today as step 3 does it: the VIN on the contract, the appointment brought forward,
    the required items and the photo ticked, the customer's name typed; its callbacks scheduled."""
    contract = Contract.objects.get(pk=booked_delivery.contract_id)
    services.contract_update(contract=contract, by=consultant, expected_version=contract.version, vin=VIN)
    delivery = services.delivery_move_to_now(
        delivery=booked_delivery, by=consultant, expected_version=booked_delivery.version
    )
    return services.delivery_complete(
        delivery=delivery,
        by=consultant,
        items={**dict.fromkeys(REQUIRED_ITEMS, True), "ceremony_photo": True},
        customer_signed_name="王建国",
        expected_version=delivery.version,
    )


# --- 1. Signing the contract ----------------------------------------------------------------------------------


def test_1_signing_the_contract_refuses_a_deposit_over_the_price_and_opens_the_prefilled_card(
    new_page, consultant, customer, camry, today, screenshot
):
    lead = customer
    # At the desk: the lead, "sign contract", the contract form.
    desk = log_in(new_page(**DESKTOP), consultant)
    desk.goto(f"/leads/{lead.pk}/")
    desk.locator("#lead-contract").click()
    expect(desk).to_have_url(re.compile(rf"/delivery/leads/{lead.pk}/contract/$"))
    form = desk.locator("#contract-form")
    expect(form.locator("input[name=signed_on]")).to_have_value(today.isoformat())
    expect(form.locator("select[name=car_model]")).to_have_value(str(camry.pk))  # the lead's model of interest
    form.locator("input[name=number]").fill("HT-2026-0815")
    form.locator("input[name=trim]").fill("2.5L 豪华版")
    form.locator("input[name=colour]").fill("珍珠白")
    form.locator("input[name=price]").fill("219800")
    form.locator("input[name=deposit]").fill("300000")  # more than the price: refused at the field
    form.locator("input[name=payment_method][value=loan]").check()
    form.locator("input[name=insurance]").fill("人保 全险")
    form.locator("button[type=submit]").click()
    expect(desk.locator("#div_id_deposit .invalid-feedback")).to_contain_text(
        zh("The deposit cannot be more than the price.")
    )
    form.locator("input[name=deposit]").fill("20000")
    form.locator("button[type=submit]").click()

    contract = Contract.objects.get(lead=lead)
    card = CustomerCard.objects.get(lead=lead)
    expect(desk).to_have_url(re.compile(rf"/delivery/contracts/{contract.pk}/$"))
    expect(desk.locator(".alert-success")).to_contain_text(
        zh(
            "Contract %(number)s signed; customer information card no. %(card)s opened.",
            number="HT-2026-0815",
            card=card.number,
        )
    )
    lead.refresh_from_db()
    assert (lead.status, lead.grade) == (LeadStatus.ORDERED, "O")
    assert Contact.objects.filter(lead=lead, kind="order").count() == 1

    # The card it opened, prefilled; its printable form on one A4 sheet.
    desk.locator("#open-card").click()
    expect(desk.locator("#card-name")).to_have_text("王建国")
    expect(desk.locator("#card-model")).to_contain_text("凯美瑞")
    screenshot(desk, "card-detail-desktop")
    desk.goto(f"/delivery/cards/{card.pk}/print/")
    expect(desk.locator("#print-card-number")).to_have_text(f"{card.number:06d}")
    expect(desk.locator("#print-name")).to_have_text("王建国")
    expect(desk.locator("h1")).to_have_text(zh("Customer information card"))
    print_shot(desk, screenshot, "card-print-a4")


# --- 2. Booking the delivery ----------------------------------------------------------------------------------


def test_2_booking_the_delivery_names_a_colleagues_slot_at_the_time_field_and_the_week_shows_both(
    new_page, consultant, other_consultant, signed_contract, colleagues_booking, tomorrow, screenshot
):
    contract = signed_contract
    # Tomorrow's first slot is a colleague's; the form says so at the time field.
    desk = log_in(new_page(**DESKTOP), consultant)
    desk.goto(f"/delivery/contracts/{contract.pk}/")
    desk.locator("#book-delivery").click()
    booking = desk.locator("#delivery-form")
    booking.locator("input[name=date]").fill(tomorrow.isoformat())
    booking.locator("input[name=start_time]").fill("09:00")
    booking.locator("input[name=service_advisor]").fill("孙师傅")
    booking.locator("button[type=submit]").click()
    expect(desk.locator("#div_id_start_time .invalid-feedback")).to_contain_text(
        zh(
            "This slot is already booked (%(consultant)s). Choose another time; the week view shows the free slots.",
            consultant=str(other_consultant),
        )
    )
    booking.locator("input[name=start_time]").fill("10:00")
    booking.locator("button[type=submit]").click()
    expect(desk).to_have_url(re.compile(rf"/delivery/contracts/{contract.pk}/$"))
    expect(desk.locator("#delivery-time")).to_have_text(f"{tomorrow.isoformat()} 10:00")
    assert Delivery.objects.get(contract=contract).status == "booked"

    # The week view: both deliveries in tomorrow's column, the colleague's without whose customer it is.
    desk.goto(f"/delivery/week/{tomorrow.isoformat()}/")
    mine = desk.locator(f"td[data-slot='{tomorrow.isoformat()}T10:00']")
    expect(mine).to_contain_text("王建国")
    theirs = desk.locator(f"td[data-slot='{tomorrow.isoformat()}T09:00']")
    expect(theirs).to_contain_text(zh("Booked"))
    expect(theirs).not_to_contain_text(colleagues_booking.contract.lead.customer_name)
    expect(desk.locator("#week-table thead th[data-day]")).to_have_count(7)
    screenshot(desk, "delivery-week-desktop")

    # The navigation reaches it: the delivery menu's week view.
    follow_nav_link(desk, "/delivery/week/")
    expect(desk.locator("#week-table")).to_be_visible()


# --- 3. The delivery day --------------------------------------------------------------------------------------


def test_3_an_early_customer_gets_the_vin_and_the_appointment_settled_then_the_checklist_hands_the_car_over(
    new_page, consultant, customer, booked_delivery, register_now, today, tomorrow, screenshot
):
    lead, delivery, contract = customer, booked_delivery, booked_delivery.contract
    # The customer comes today, a day early, on a phone. Before the checklist the page asks for what the
    # handover needs: the car's VIN (typed with spaces, in lower case) and the appointment brought forward.
    phone = log_in(new_page(**PHONE), consultant)
    phone.goto(f"/delivery/contracts/{contract.pk}/")
    phone.locator("#open-checklist").click()
    expect(phone).to_have_url(re.compile(rf"/delivery/deliveries/{delivery.pk}/$"))
    expect(phone.locator("#complete-delivery")).to_be_disabled()
    prerequisites = phone.locator("#prerequisites")
    expect(prerequisites).to_contain_text(zh("Enter the car's VIN on the contract before handing it over."))
    phone.locator("#vin-form input[name=vin]").fill("lsvau 2180 n212 3456")
    phone.locator("#save-vin").click()
    expect(phone.locator(".alert-success")).to_contain_text(zh("VIN saved on the contract."))
    expect(phone.locator("#vin-form")).to_have_count(0)
    assert Contract.objects.get(pk=contract.pk).vin == VIN
    expect(prerequisites).to_contain_text(tomorrow.isoformat() + " 10:00")
    screenshot(phone, "delivery-early-mobile")
    phone.locator("#move-to-now").click()
    expect(phone.locator(".alert-success")).to_contain_text(zh("The appointment is brought forward to now."))
    expect(phone.locator("#prerequisites")).to_have_count(0)
    expect(phone.locator("#delivery-moved")).to_contain_text(f"{tomorrow.isoformat()} 10:00")
    delivery.refresh_from_db()
    assert delivery.moved_from.astimezone(register_now.tzinfo).strftime("%Y-%m-%d %H:%M") == f"{tomorrow} 10:00"

    # The checklist round the car, the customer's name and signature.
    checklist = phone.locator("#checklist-form")
    required = checklist.locator(".checklist-item[data-required=true] input[type=checkbox]")
    expect(required).to_have_count(6)
    for index in range(5):  # all but the last required item (service hours, booking and hotline)
        required.nth(index).check()
    checklist.locator(".checklist-item[data-item=ceremony_photo] input").check()
    checklist.locator("input[name=customer_signed_name]").fill("王建国")
    draw_signature(phone)
    phone.locator("#complete-delivery").click()
    # Refused: the open required item is named at its line; the ticks so far are kept.
    open_item = phone.locator(".checklist-item[data-item=service_explained]")
    expect(open_item.locator(".invalid-feedback")).to_have_text(zh("Required before the car is handed over."))
    expect(required.nth(0)).to_be_checked()
    expect(phone.locator("#open-items")).to_contain_text(
        zh_n("%(counter)s required item still open.", "%(counter)s required items still open.", 1, counter=1)
    )
    assert Delivery.objects.get(pk=delivery.pk).status == "booked"
    # Nothing the customer typed or drew is lost: the name is in its field, the signature still on the pad.
    expect(checklist.locator("input[name=customer_signed_name]")).to_have_value("王建国")
    expect(checklist.locator("input[name=signature]")).to_have_value(re.compile(r"^data:image/png;base64,"))
    open_item.locator("input").check()
    phone.evaluate("window.scrollTo(0, 0)")
    phone.wait_for_function("window.scrollY === 0")
    screenshot(phone, "delivery-checklist-mobile")
    phone.locator("#complete-delivery").click()

    # Done: back on the contract, the first callback three days on.
    first_due = today + timedelta(days=3)
    expect(phone).to_have_url(re.compile(rf"/delivery/contracts/{contract.pk}/$"))
    expect(phone.locator(".alert-success")).to_contain_text(
        zh(
            "Car delivered to %(name)s. The first callback is due on %(date)s.",
            name="王建国",
            date=first_due.isoformat(),
        )
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.delivered_on, delivery.customer_signed_name) == ("completed", today, "王建国")
    assert delivery.signature.startswith("data:image/png;base64,")
    assert Contact.objects.filter(lead=lead, kind="delivery").count() == 1
    callbacks = list(Callback.objects.filter(delivery=delivery).order_by("step"))
    assert [callback.offset for callback in callbacks] == ["3d", "3w", "3m", "6m"]
    assert callbacks[0].due_date == first_due
    expect(phone.locator("#callback-table tbody tr")).to_have_count(4)
    screenshot(phone, "contract-delivered-mobile")

    # The delivery's page keeps what happened, the handover first.
    phone.goto(f"/delivery/deliveries/{delivery.pk}/")
    expect(phone.locator("#delivery-history > li").first).to_have_attribute("data-action", "completed")

    # The printed confirmation carries the ticks and the drawn signature.
    desk = log_in(new_page(**DESKTOP), consultant)
    desk.goto(f"/delivery/deliveries/{delivery.pk}/confirmation/")
    expect(desk.locator("#print-vin")).to_have_text(VIN)
    signature = desk.locator("#print-signature")
    expect(signature).to_be_visible()
    assert signature.evaluate("img => img.complete && img.naturalWidth > 0")
    print_shot(desk, screenshot, "delivery-confirmation-a4")


# --- 4. The first callback on Today ---------------------------------------------------------------------------


def test_4_the_first_callback_is_on_today_once_due_and_recording_it_there_takes_it_off(
    new_page, consultant, customer, delivered, screenshot, e2e_clock
):
    lead = customer
    first = delivered.callbacks.order_by("step").first()
    desk = log_in(new_page(**DESKTOP), consultant)
    desk.goto("/today/")
    expect(desk.locator(f".today-callback[data-callback='{first.pk}']")).to_have_count(0)  # not due yet
    # Three days on (the server's clock and the new browser context's), the first callback is due.
    e2e_clock.shift(timedelta(days=3))
    phone = log_in(new_page(**PHONE), consultant)
    phone.goto("/today/")
    row = phone.locator(f".today-callback[data-callback='{first.pk}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text("王建国")
    with translation.override("zh-hans"):
        expect(row).to_contain_text(translation.pgettext("callback", "due today"))
    expect(row).to_contain_text(
        zh("%(after)s after delivery", after=zh_n("%(count)s day", "%(count)s days", 3, count=3))
    )
    expect(phone.locator("#nav-due-count-mobile")).to_have_text("1")
    screenshot(phone, "today-callback-mobile")

    # Recording the callback from Today takes it off the list.
    row.locator("a.btn-primary").click()
    expect(phone).to_have_url(re.compile(rf"/delivery/callbacks/{first.pk}/\?next=/today/$"))
    callback_form = phone.locator("#callback-form")
    callback_form.locator("input[name=reached][value=yes]").check()
    callback_form.locator("input[name=satisfaction][value='5']").check()
    callback_form.locator("textarea[name=remarks]").fill("车况很好，客户很满意")
    screenshot(phone, "callback-form-mobile")
    callback_form.locator("button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/today/$"))
    expect(phone.locator(".alert-success")).to_contain_text(zh("Callback recorded."))
    expect(phone.locator(".today-callback")).to_have_count(0)
    assert Contact.objects.filter(lead=lead, kind="callback").count() == 1

    # The callback's page keeps the result in its history.
    phone.goto(f"/delivery/callbacks/{first.pk}/")
    recorded = phone.locator("#callback-history > li[data-action=completed]")
    expect(recorded).to_contain_text(str(consultant))
    expect(recorded).to_contain_text("车况很好，客户很满意")


# --- 5. A complaint -------------------------------------------------------------------------------------------


def test_5_a_complaint_is_recorded_from_the_contract_followed_up_and_closed_with_its_history(
    new_page, consultant, manager, delivered, screenshot
):
    contract = delivered.contract
    desk = log_in(new_page(**DESKTOP), consultant)
    desk.goto(f"/delivery/contracts/{contract.pk}/")
    desk.locator(f"a[href='{reverse('delivery:complaint_create', args=[contract.pk])}']").click()
    form = desk.locator("#complaint-form")
    expect(form.locator("select[name=owner]")).to_have_value(str(consultant.pk))  # the customer's consultant
    form.locator("textarea[name=description]").fill("空调有异响")
    form.locator("button[type=submit]").click()
    complaint = Complaint.objects.get(delivery=delivered)
    expect(desk).to_have_url(re.compile(rf"/delivery/complaints/{complaint.pk}/$"))
    expect(desk.locator(".alert-success")).to_contain_text(zh("Complaint recorded."))

    # What was done, dated: the complaint is in progress.
    actions = desk.locator("#action-form")
    actions.locator("textarea[name=description]").fill("电话致歉，约周一到店检查")
    actions.locator("button[type=submit]").click()
    expect(desk.locator(".alert-success")).to_contain_text(zh("Action recorded."))
    expect(desk.locator("#complaint-actions")).to_contain_text("电话致歉，约周一到店检查")
    assert Complaint.objects.get(pk=complaint.pk).status == "in_progress"

    # The manager closes the loop with a note; the history shows each change, newest first.
    office = log_in(new_page(**DESKTOP), manager)
    office.goto(f"/delivery/complaints/{complaint.pk}/")
    office.locator("#close-form textarea[name=closing_note]").fill("已更换空调滤芯，客户认可")
    office.locator("#close-form button[type=submit]").click()
    expect(office.locator(".alert-success")).to_contain_text(zh("Complaint closed."))
    expect(office.locator("#closing-note")).to_have_text("已更换空调滤芯，客户认可")
    history = office.locator("#complaint-history > li")
    expect(history).to_have_count(3)
    assert [item.get_attribute("data-action") for item in history.all()] == ["closed", "updated", "created"]
    expect(history.nth(0)).to_contain_text(str(manager))
    expect(history.nth(0)).to_contain_text("已更换空调滤芯，客户认可")
    expect(history.nth(1)).to_contain_text("电话致歉，约周一到店检查")
    screenshot(office, "complaint-closed-desktop")
