"""The lead tracker's pages: who may open what, a fixed number of queries, and each form's round trip."""

import json
import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from dealer_crm.core.versioning import STALE_MESSAGE
from leads.models import Contact, Lead, LeadEvent, LostRequest, OwnershipClash
from leads.services.tracker import contact_record, lead_reassign, lead_request_lost, lead_update_details
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import CarModelFactory, UserFactory
from tests.i18n import shown

PHONE = "13800138000"
OTHER_PHONE = "13900139000"


@pytest.fixture
def english(client_for):
    """A logged-in client that reads the pages in English (the msgids), for asserting on messages."""

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def lead(make_visit, consultant, car_model):
    """张伟's B lead, from a walk-in this morning."""
    make_visit(consultant=consultant, phone=PHONE, grade="B", car_model=car_model)
    return Lead.objects.get(phone=PHONE)


@pytest.fixture
def world(lead, make_visit, consultant, other_consultant):
    """Everything the lead pages act on: the lead, a clash on it (李娜 met the same customer), and a second
    lead of 张伟 whose lost request waits for the manager."""
    make_visit(consultant=other_consultant, phone=PHONE, start="11:00")
    make_visit(consultant=consultant, phone=OTHER_PHONE, start="12:00", customer_name="李女士", grade="C")
    second = Lead.objects.get(phone=OTHER_PHONE)
    lost = lead_request_lost(lead=second, by=consultant, reason="price", note="嫌贵")
    lead.refresh_from_db()
    return SimpleNamespace(lead=lead, second=second, lost=lost, clash=OwnershipClash.objects.get(lead=lead))


def block_classes(html: str, element_id: str) -> str:
    """The class attribute of the element with that id ("" when it has none)."""
    tag = re.search(rf'<[a-z]+ id="{element_id}"[^>]*>', html).group(0)
    found = re.search(r'class="([^"]*)"', tag)
    return found.group(1).strip() if found else ""


STALE_EN = shown(STALE_MESSAGE, "en")


def contact_data(lead: Lead, **overrides) -> dict:
    """A phone call of 15:00 today in which the customer confirmed all three factors and buying in 10 days."""
    data = {
        "kind": "phone_call",
        "contact_date": TODAY.isoformat(),
        "contact_time": "15:00",
        "summary": "确认了配置，下周来看车",
        "has_need": "on",
        "has_decision_power": "on",
        "has_purchasing_power": "on",
        "expected_purchase_date": (TODAY + timedelta(days=10)).isoformat(),
        "suggested_grade": "A",
        "grade_after": "A",
        "grade_reason": "",
        "next_follow_up": "",
        "late_reason": "",
        "version": str(lead.version),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def details_data(lead: Lead, **overrides) -> dict:
    """The edit form of `lead` as it is rendered for it, with `overrides`."""
    data = {
        "customer_name": lead.customer_name,
        "gender": lead.gender,
        "district": lead.district_id or "",
        "channel": lead.channel,
        "expected_purchase_date": lead.expected_purchase_date.isoformat() if lead.expected_purchase_date else "",
        "budget": lead.budget,
        "competitors": lead.competitors,
        "car_models": [str(pk) for pk in lead.car_models.values_list("pk", flat=True)],
        "version": str(lead.version),
    }
    for flag in ("has_need", "has_decision_power", "has_purchasing_power", "trade_in"):
        if getattr(lead, flag):
            data[flag] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Who may open what -------------------------------------------------------------------------------------

ROLES = ["anonymous", "consultant", "other_consultant", "other_manager", "manager"]
LOGIN = "LOGIN"  # 302 to the login page


def _owner(world):
    return Lead.objects.get(pk=world.lead.pk).owner_id


# name, method, url, data, what a successful request changes, expected status per role (order of ROLES)
VIEWS = [
    ("lead_list", "get", lambda w: reverse("leads:lead_list"), None, None, [LOGIN, 200, 200, 200, 200]),
    (
        "lead_detail",
        "get",
        lambda w: reverse("leads:lead_detail", args=[w.lead.pk]),
        None,
        None,
        [LOGIN, 200, 404, 404, 200],
    ),
    (
        "lead_update",
        "get",
        lambda w: reverse("leads:lead_update", args=[w.lead.pk]),
        None,
        None,
        [LOGIN, 200, 404, 404, 200],
    ),
    (
        "lead_update",
        "post",
        lambda w: reverse("leads:lead_update", args=[w.lead.pk]),
        lambda w: details_data(w.lead, customer_name="王总"),
        lambda w: Lead.objects.get(pk=w.lead.pk).customer_name,
        [LOGIN, 302, 404, 404, 302],
    ),
    (
        "contact_create",
        "get",
        lambda w: reverse("leads:contact_create", args=[w.lead.pk]),
        None,
        None,
        [LOGIN, 200, 404, 404, 200],
    ),
    (
        "contact_create",
        "post",
        lambda w: reverse("leads:contact_create", args=[w.lead.pk]),
        lambda w: contact_data(w.lead),
        lambda w: Contact.objects.filter(lead=w.lead).count(),
        [LOGIN, 302, 404, 404, 302],
    ),
    (
        "lost_request",
        "get",
        lambda w: reverse("leads:lost_request", args=[w.lead.pk]),
        None,
        None,
        [LOGIN, 200, 404, 404, 200],
    ),
    (
        "lost_request",
        "post",
        lambda w: reverse("leads:lost_request", args=[w.lead.pk]),
        lambda w: {"reason": "no_need", "note": "不买了"},
        lambda w: LostRequest.objects.filter(lead=w.lead).count(),
        [LOGIN, 302, 404, 404, 302],
    ),
    ("grade_suggest", "get", lambda w: reverse("leads:grade_suggest"), None, None, [LOGIN, 200, 200, 200, 200]),
    ("grade_status", "get", lambda w: reverse("leads:grade_status"), None, None, [LOGIN, 200, 200, 200, 200]),
    ("lost_list", "get", lambda w: reverse("leads:lost_list"), None, None, [LOGIN, 403, 403, 200, 200]),
    (
        "lost_decide",
        "post",
        lambda w: reverse("leads:lost_decide", args=[w.lost.pk]),
        lambda w: {"decision": "approve", "comment": ""},
        lambda w: LostRequest.objects.get(pk=w.lost.pk).state,
        [LOGIN, 403, 403, 404, 302],
    ),
    (
        "lead_reassign",
        "post",
        lambda w: reverse("leads:lead_reassign"),
        lambda w: {"leads": [str(w.lead.pk)], "to": str(w.clash.met_by_id), "reason": "调岗"},
        _owner,
        # Another showroom's manager gets the list back with an error: none of the ids is theirs.
        [LOGIN, 403, 403, 302, 302],
    ),
    (
        "lead_reassign_all",
        "post",
        lambda w: reverse("leads:lead_reassign_all"),
        lambda w: {"from_owner": str(w.lead.owner_id), "to": str(w.clash.met_by_id), "reason": "离职"},
        _owner,
        [LOGIN, 403, 403, 302, 302],
    ),
    (
        "clash_resolve",
        "post",
        lambda w: reverse("leads:clash_resolve", args=[w.lead.pk, w.clash.pk]),
        lambda w: {"keep": "met_by"},
        lambda w: OwnershipClash.objects.get(pk=w.clash.pk).resolved_at,
        [LOGIN, 403, 403, 404, 302],
    ),
]


def test_every_lead_url_is_in_the_matrix():
    from leads import urls

    lead_views = {p.name for p in urls.urlpatterns if p.callback.__module__ == "leads.views.tracker"}
    assert lead_views == {name for name, *_ in VIEWS}


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
@pytest.mark.parametrize("name,method,url,data,effect,expected", VIEWS, ids=[f"{v[0]}-{v[1]}" for v in VIEWS])
def test_permission_matrix(request, client_for, world, role_index, role, name, method, url, data, effect, expected):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    before = effect(world) if effect else None

    response = getattr(client, method)(url(world), data(world) if data else None)

    want = expected[role_index]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want
    if effect:
        # Only the lead's own consultant and its showroom's manager change anything.
        succeeded = role in ("consultant", "manager") and want == 302
        assert (effect(world) != before) is succeeded


@pytest.mark.parametrize(
    "url_name,args",
    [
        ("lead_reassign", []),
        ("lead_reassign_all", []),
        ("lost_decide", ["lost"]),
        ("clash_resolve", ["lead", "clash"]),
    ],
)
def test_state_changes_refuse_get(client_for, manager, world, url_name, args):
    url = reverse(f"leads:{url_name}", args=[getattr(world, a).pk for a in args])

    assert client_for(manager).get(url).status_code == 405


def test_state_changes_need_the_csrf_token(manager, world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("leads:lost_decide", args=[world.lost.pk]), {"decision": "approve"})

    assert response.status_code == 403
    assert LostRequest.objects.get(pk=world.lost.pk).state == "pending"


# --- The tracker -------------------------------------------------------------------------------------------


def make_leads(make_visit, consultant, count: int, first: int = 0) -> None:
    for i in range(first, first + count):
        make_visit(consultant=consultant, phone=f"1370000{i:04d}", customer_name=f"客户{i}", grade="B")


def tracker_queries(client, django_assert_num_queries, expected: int) -> int:
    with django_assert_num_queries(expected) as captured:
        response = client.get(reverse("leads:lead_list"))
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("role,expected", [("consultant", 12), ("manager", 16)])
def test_tracker_runs_the_same_queries_for_3_or_30_leads(
    request, client_for, make_visit, consultant, car_model, other_car_model, django_assert_num_queries, role, expected
):
    client = client_for(request.getfixturevalue(role))
    make_leads(make_visit, consultant, 3)
    for lead in Lead.objects.all():
        lead.car_models.add(car_model, other_car_model)
    small = tracker_queries(client, django_assert_num_queries, expected)

    make_leads(make_visit, consultant, 27, first=3)
    for lead in Lead.objects.all():
        lead.car_models.add(car_model, other_car_model)
    lead_request_lost(lead=Lead.objects.first(), by=consultant, reason="price")
    large = tracker_queries(client, django_assert_num_queries, expected)

    assert small == large == expected


def test_tracker_shows_overdue_leads_first_highlighted_with_their_delay(english, consultant, make_visit, frozen_clock):
    make_visit(consultant=consultant, phone="13700000001", customer_name="准时", grade="C")
    make_visit(consultant=consultant, phone="13700000002", customer_name="逾期", grade="H", day=TODAY - timedelta(3))

    html = english(consultant).get(reverse("leads:lead_list")).content.decode()

    rows = re.findall(r'<tr class="([^"]*)" data-lead="\d+">.*?</tr>', html, re.S)
    assert rows == ["table-danger", ""]  # H lead due 2 days ago comes first, highlighted
    assert html.index("逾期") < html.index("准时")
    assert "2 days overdue" in html


def test_consultant_sees_only_their_own_leads_with_the_full_phone(client_for, world, other_consultant, consultant):
    own = client_for(consultant).get(reverse("leads:lead_list"))
    colleague = client_for(other_consultant).get(reverse("leads:lead_list"))

    assert {lead.pk for lead in own.context["object_list"]} == {world.lead.pk, world.second.pk}
    assert PHONE in own.content.decode()
    assert list(colleague.context["object_list"]) == []
    assert "owner" not in own.context["filter"].form.fields  # nothing to choose between


def test_tracker_marks_a_pending_lost_request(english, world, consultant):
    html = english(consultant).get(reverse("leads:lead_list")).content.decode()

    second_row = re.search(rf'data-lead="{world.second.pk}">.*?</tr>', html, re.S).group(0)
    first_row = re.search(rf'data-lead="{world.lead.pk}">.*?</tr>', html, re.S).group(0)
    assert "Lost request pending" in second_row
    assert "Lost request pending" not in first_row


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"grade": "C"}, {"second"}),
        ({"grade": "B"}, {"lead"}),
        ({"q": "李女"}, {"second"}),
        ({"q": PHONE}, {"lead"}),
        ({"q": "8000"}, {"lead"}),
        ({"overdue": "true"}, set()),
        ({"overdue": "false"}, {"lead", "second"}),
        ({"channel": "walk_in"}, {"lead", "second"}),
        ({"channel": "referral"}, set()),
        ({"created_from": TODAY.isoformat()}, {"lead", "second"}),
        ({"created_to": (TODAY - timedelta(1)).isoformat()}, set()),
        ({"contact_to": TODAY.isoformat()}, {"lead", "second"}),
        ({"contact_from": (TODAY + timedelta(1)).isoformat()}, set()),
    ],
)
def test_tracker_filters(client_for, manager, world, query, expected):
    response = client_for(manager).get(reverse("leads:lead_list"), query)

    shown = {lead.pk for lead in response.context["object_list"]}
    assert shown == {getattr(world, name).pk for name in expected}


def test_tracker_filters_by_model_and_by_consultant(client_for, manager, world, car_model, other_consultant):
    client = client_for(manager)

    by_model = client.get(reverse("leads:lead_list"), {"car_model": car_model.pk})
    by_owner = client.get(reverse("leads:lead_list"), {"owner": other_consultant.pk})

    assert [lead.pk for lead in by_model.context["object_list"]] == [world.lead.pk]
    assert list(by_owner.context["object_list"]) == []


def test_reassigning_ticked_leads_records_an_event_on_each(client_for, manager, world, other_consultant, consultant):
    response = client_for(manager).post(
        reverse("leads:lead_reassign"),
        {"leads": [world.lead.pk, world.second.pk], "to": other_consultant.pk, "reason": "张伟休假"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:lead_list")
    for lead in (world.lead, world.second):
        lead.refresh_from_db()
        assert lead.owner == other_consultant
        event = lead.events.filter(kind=LeadEvent.Kind.REASSIGNED).get()
        assert (event.by, event.owner, event.note) == (manager, other_consultant, "张伟休假")
        assert event.details == {"from": str(consultant), "to": str(other_consultant)}


def test_reassigning_nothing_ticked_says_so(english, manager, world):
    response = english(manager).post(reverse("leads:lead_reassign"), {"to": world.clash.met_by_id}, follow=True)

    assert "Tick the leads to reassign." in response.content.decode()
    assert not LeadEvent.objects.filter(kind=LeadEvent.Kind.REASSIGNED).exists()


def test_reassigning_all_of_a_leaving_consultant(client_for, manager, world, consultant, other_consultant):
    client_for(manager).post(
        reverse("leads:lead_reassign_all"), {"from_owner": consultant.pk, "to": other_consultant.pk, "reason": "离职"}
    )

    assert set(Lead.objects.values_list("owner", flat=True)) == {other_consultant.pk}
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.REASSIGNED, note="离职").count() == 2


def test_tracker_offers_reassignment_to_managers_only(client_for, manager, consultant, world):
    assert 'id="reassign-form"' in client_for(manager).get(reverse("leads:lead_list")).content.decode()
    assert 'id="reassign-form"' not in client_for(consultant).get(reverse("leads:lead_list")).content.decode()


# --- The lead page -----------------------------------------------------------------------------------------


def lead_page_queries(client, lead, django_assert_num_queries, expected: int) -> int:
    with django_assert_num_queries(expected) as captured:
        response = client.get(reverse("leads:lead_detail", args=[lead.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def add_contacts(lead, by, count: int, car_model, start_minute: int) -> None:
    for i in range(count):
        lead.refresh_from_db()
        contact_record(
            lead=lead,
            by=by,
            kind="test_drive" if i % 2 else "phone_call",
            occurred_at=CURRENT_TIME - timedelta(minutes=start_minute - i),
            grade_after="A" if i % 2 else "B",
            summary=f"第{i}次",
            model_driven=car_model if i % 2 else None,
            licence_number="110101199001011234" if i % 2 else "",
            agreement_signed=bool(i % 2),
            expected_version=lead.version,
        )


# The manager's one more: the lead's online inquiry, for the DCC desk's "Assign to…" (dcc registers it).
@pytest.mark.parametrize("role,expected", [("consultant", 12), ("manager", 14)])
def test_lead_page_runs_the_same_queries_for_2_or_20_contacts(
    request, client_for, world, consultant, manager, car_model, django_assert_num_queries, role, expected
):
    client = client_for(request.getfixturevalue(role))
    lead = world.lead
    add_contacts(lead, consultant, 2, car_model, start_minute=200)
    lead.refresh_from_db()
    lead_update_details(lead=lead, by=consultant, expected_version=lead.version, budget="20万")
    small = lead_page_queries(client, lead, django_assert_num_queries, expected)

    add_contacts(lead, consultant, 18, car_model, start_minute=100)
    lead_reassign(leads=[Lead.objects.get(pk=lead.pk)], to=consultant, by=manager)
    lead_request_lost(lead=Lead.objects.get(pk=lead.pk), by=consultant, reason="competitor", competitor_brand="本田")
    large = lead_page_queries(client, lead, django_assert_num_queries, expected)

    assert small == large == expected
    assert Contact.objects.filter(lead=lead).count() == 22  # the visit's, the clash visit's, and 20 more


def test_lead_page_shows_details_and_the_whole_timeline(english, world, consultant, car_model):
    lead = world.lead
    lead_update_details(lead=lead, by=consultant, expected_version=lead.version, budget="20万", trade_in=True)
    lead.refresh_from_db()
    contact_record(
        lead=lead,
        by=consultant,
        kind="test_drive",
        occurred_at=CURRENT_TIME - timedelta(minutes=10),
        grade_after="A",
        summary="试驾很满意",
        model_driven=car_model,
        licence_number="110101199001011234",
        agreement_signed=True,
        impression="动力好",
        expected_version=lead.version,
    )

    response = english(consultant).get(reverse("leads:lead_detail", args=[lead.pk]))

    html = response.content.decode()
    assert "20万" in html and PHONE in html and "丰田 凯美瑞" in html
    kinds = [event.kind for event in response.context["events"]]
    # Newest first. The clash is dated when it was recorded (now), after the 15:20 test drive.
    assert kinds == ["edited", "clash", "contact", "contact", "contact", "created"]
    assert "试驾很满意" in html and "动力好" in html
    assert "Budget: <del" in html  # the edit's line
    assert 'id="record-contact"' in html


def test_lead_page_shows_the_clash_to_the_manager_who_gives_the_lead_away(
    english, manager, consultant, other_consultant, world
):
    client = english(manager)
    page = client.get(reverse("leads:lead_detail", args=[world.lead.pk])).content.decode()
    assert "Two consultants met this customer" in page
    assert "Two consultants met this customer" not in (
        english(consultant).get(reverse("leads:lead_detail", args=[world.lead.pk])).content.decode()
    )

    client.post(reverse("leads:clash_resolve", args=[world.lead.pk, world.clash.pk]), {"keep": "met_by"})

    world.clash.refresh_from_db()
    assert world.clash.kept_by == other_consultant and world.clash.resolved_by == manager
    assert Lead.objects.get(pk=world.lead.pk).owner == other_consultant


# --- Recording a contact -----------------------------------------------------------------------------------


def test_contact_form_opens_with_now_the_lead_grade_and_its_suggestion(english, consultant, lead):
    response = english(consultant).get(reverse("leads:contact_create", args=[lead.pk]))

    form = response.context["form"]
    assert form["contact_date"].value() == TODAY
    assert form["contact_time"].value().strftime("%H:%M") == "15:30"
    assert form["grade_after"].value() == "B"
    assert form["version"].value() == lead.version
    assert form["suggested_grade"].value() == ""  # nothing known yet about the three factors: no suggestion
    html = response.content.decode()
    assert "Suggested grade" not in html
    assert "Tick what you learned of the need, decision power and purchasing power" in html
    assert json.loads(re.search(r'data-follow-up-days="([^"]+)"', html).group(1).replace("&quot;", '"')) == {
        "H": 1,
        "A": 3,
        "B": 7,
        "C": 15,
    }
    assert block_classes(html, "test-drive-fields") == "d-none"  # until the kind is test drive


def test_contact_form_renders_radios_and_iso_dates_the_browser_accepts_in_chinese(client_for, consultant, lead):
    # The default language is zh-hans, whose first date format is 2026/11/21: a date input would drop it.
    html = client_for(consultant).get(reverse("leads:contact_create", args=[lead.pk])).content.decode()

    assert re.search(r'<input type="date" name="contact_date" value="2026-11-21"', html)
    assert re.search(r'<input type="time" name="contact_time" value="15:30"', html)
    assert re.search(r'<input type="radio"[^>]*name="grade_after" value="B"[^>]*checked', html)
    assert re.search(r'<input type="radio"[^>]*name="kind" value="phone_call"[^>]*checked', html)
    assert 'type="select"' not in html


def test_phone_call_moving_b_to_a_sets_the_next_follow_up_three_days_on(english, consultant, lead):
    client = english(consultant)
    response = client.post(reverse("leads:contact_create", args=[lead.pk]), contact_data(lead))

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:lead_detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.grade == "A"
    assert lead.next_follow_up == TODAY + timedelta(days=3)
    assert (lead.has_need, lead.has_decision_power, lead.has_purchasing_power) == (True, True, True)
    assert lead.expected_purchase_date == TODAY + timedelta(days=10)
    contact = lead.contacts.order_by("-id").first()
    assert (contact.kind, contact.grade_before, contact.grade_after, contact.consultant) == (
        "phone_call",
        "B",
        "A",
        consultant,
    )
    assert contact.occurred_at == datetime(2026, 11, 21, 15, 0, tzinfo=lead.showroom.zone)
    assert contact.suggested_grade == "A"
    page = client.get(response["Location"]).content.decode()
    assert f"Contact saved. Next follow-up: {(TODAY + timedelta(days=3)).isoformat()}." in page


def test_a_grade_against_the_suggestion_needs_a_reason_shown_next_to_it(english, consultant, lead):
    url = reverse("leads:contact_create", args=[lead.pk])
    # The page's hidden suggestion says H, but the server weighs the inputs itself: they say A.
    response = english(consultant).post(url, contact_data(lead, grade_after="H", suggested_grade="C"))

    assert response.status_code == 200
    assert response.context["form"].errors["grade_reason"] == [
        "The assistant suggests A from what you ticked; say why the customer deserves a higher grade."
    ]
    html = response.content.decode()
    assert re.search(r'id="error_1_id_grade_reason"[^>]*><strong>The assistant suggests A', html)
    assert "确认了配置，下周来看车" in html  # what was typed is kept
    assert "Suggested grade: A" in html
    assert Lead.objects.get(pk=lead.pk).grade == "B"

    saved = english(consultant).post(url, contact_data(lead, grade_after="B", grade_reason="客户说还要比较"))
    assert saved.status_code == 302
    assert Lead.objects.get(pk=lead.pk).grade == "B"


def test_refused_test_drive_keeps_the_input_and_changes_nothing(english, consultant, lead, car_model):
    version_before = lead.version
    data = contact_data(lead, kind="test_drive", model_driven=str(car_model.pk), impression="很喜欢")

    response = english(consultant).post(reverse("leads:contact_create", args=[lead.pk]), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["licence_number"] == ["A test drive needs the driving licence number."]
    assert errors["agreement_signed"] == ["A test drive needs the signed agreement."]
    html = response.content.decode()
    assert "d-none" not in block_classes(html, "test-drive-fields")  # open, with its errors
    assert 'value="很喜欢"' in html
    # The lead's factors were saved in the same transaction as the contact: both or nothing.
    lead.refresh_from_db()
    assert (lead.has_need, lead.grade, lead.version) == (False, "B", version_before)
    assert lead.contacts.count() == 1


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"contact_time": "16:00"}, "contact_time", "A contact cannot be in the future."),
        (
            {"next_follow_up": (TODAY + timedelta(days=10)).isoformat()},
            "late_reason",
            "Grade A is followed up by 2026-11-24; say why the next contact is later.",
        ),
        ({"next_follow_up": (TODAY - timedelta(days=1)).isoformat()}, "next_follow_up", None),
        ({"contact_date": ""}, "contact_date", "This field is required."),
    ],
)
def test_contact_errors_are_shown_next_to_their_field(english, consultant, lead, overrides, field, message):
    response = english(consultant).post(
        reverse("leads:contact_create", args=[lead.pk]), contact_data(lead, **overrides)
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert Contact.objects.filter(lead=lead).count() == 1


def test_an_order_needs_no_reason_against_the_assistant(client_for, consultant, lead):
    response = client_for(consultant).post(
        reverse("leads:contact_create", args=[lead.pk]), contact_data(lead, kind="order", grade_after="O")
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.next_follow_up) == ("ordered", "O", None)


def test_contact_on_a_lead_changed_meanwhile_is_refused_and_keeps_the_input(english, consultant, manager, lead):
    page_version = lead.version
    lead_update_details(lead=lead, by=manager, expected_version=lead.version, budget="15万")

    response = english(consultant).post(
        reverse("leads:contact_create", args=[lead.pk]), contact_data(lead, version=str(page_version))
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this while you were editing it." in html
    assert "确认了配置，下周来看车" in html
    assert Lead.objects.get(pk=lead.pk).grade == "B"
    assert response.context["form"]["version"].value() == str(page_version + 1)


def test_the_contact_form_shows_its_own_errors_and_the_contact_rules_together(english, consultant, lead):
    response = english(consultant).post(
        reverse("leads:contact_create", args=[lead.pk]),
        contact_data(lead, kind="test_drive", contact_time="", grade_after="H"),
    )

    errors = response.context["form"].errors
    assert errors == {
        "contact_time": ["This field is required."],
        "grade_reason": [
            "The assistant suggests A from what you ticked; say why the customer deserves a higher grade."
        ],
        "model_driven": ["Which model was driven?"],
        "licence_number": ["A test drive needs the driving licence number."],
        "agreement_signed": ["A test drive needs the signed agreement."],
    }
    assert response.context["form"]["summary"].value() == "确认了配置，下周来看车"
    assert Contact.objects.filter(lead=lead).count() == 1


def test_contact_posted_without_its_version_is_refused_and_keeps_the_input(english, consultant, lead):
    response = english(consultant).post(
        reverse("leads:contact_create", args=[lead.pk]), contact_data(lead, version=None)
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [STALE_EN]
    assert response.context["form"]["summary"].value() == "确认了配置，下周来看车"
    assert Contact.objects.filter(lead=lead).count() == 1
    assert Lead.objects.values_list("grade", "version").get(pk=lead.pk) == (lead.grade, lead.version)


# --- Editing the details -----------------------------------------------------------------------------------


def test_details_posted_without_their_version_are_refused_and_keep_the_input(english, consultant, lead):
    response = english(consultant).post(
        reverse("leads:lead_update", args=[lead.pk]), details_data(lead, budget="25万", version=None)
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [STALE_EN]
    assert response.context["form"]["budget"].value() == "25万"
    assert Lead.objects.values_list("budget", "version").get(pk=lead.pk) == (lead.budget, lead.version)


def test_concurrent_edit_of_details_is_refused_with_a_clear_message_and_input_kept(english, consultant, manager, lead):
    client = english(consultant)
    url = reverse("leads:lead_update", args=[lead.pk])
    opened = client.get(url).context["form"]["version"].value()
    lead_update_details(lead=lead, by=manager, expected_version=lead.version, budget="30万")

    response = client.post(url, details_data(lead, customer_name="王建国", budget="25万", version=str(opened)))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [STALE_EN]
    assert form["customer_name"].value() == "王建国" and form["budget"].value() == "25万"
    assert Lead.objects.get(pk=lead.pk).budget == "30万"

    # Saving again, knowing, goes through: the form now carries the version just seen.
    again = client.post(url, details_data(lead, customer_name="王建国", budget="25万", version=form["version"].value()))
    assert again.status_code == 302
    assert Lead.objects.values_list("customer_name", "budget").get(pk=lead.pk) == ("王建国", "25万")


def test_editing_details_records_what_changed(client_for, consultant, lead, other_car_model):
    client_for(consultant).post(
        reverse("leads:lead_update", args=[lead.pk]),
        details_data(lead, budget="20万", car_models=[str(other_car_model.pk)]),
    )

    lead.refresh_from_db()
    assert list(lead.car_models.all()) == [other_car_model]
    assert lead.events.get(kind=LeadEvent.Kind.EDITED).details == {"budget": ["", "20万"]}


# --- Lost leads --------------------------------------------------------------------------------------------


def test_competitor_without_brand_is_refused_next_to_the_brand(english, consultant, lead):
    response = english(consultant).post(
        reverse("leads:lost_request", args=[lead.pk]), {"reason": "competitor", "note": "买了别家"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"competitor_brand": ["Which brand did the customer buy?"]}
    html = response.content.decode()
    assert "d-none" not in block_classes(html, "competitor-fields")
    assert "买了别家" in html
    assert not LostRequest.objects.exists()


def test_lost_request_approved_by_the_manager_takes_the_lead_out_of_the_tracker(client_for, consultant, manager, lead):
    owner = client_for(consultant)
    owner.post(
        reverse("leads:lost_request", args=[lead.pk]),
        {"reason": "competitor", "competitor_brand": "本田", "competitor_model": "雅阁", "note": "价格更低"},
    )
    request = LostRequest.objects.get()
    assert lead in owner.get(reverse("leads:lead_list")).context["object_list"]  # open until decided

    boss = client_for(manager)
    page = boss.get(reverse("leads:lost_list"))
    assert [r.pk for r in page.context["pending"]] == [request.pk]
    response = boss.post(reverse("leads:lost_decide", args=[request.pk]), {"decision": "approve", "comment": ""})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.next_follow_up) == ("lost", "F", None)
    assert list(owner.get(reverse("leads:lead_list")).context["object_list"]) == []
    assert list(boss.get(reverse("leads:lead_list")).context["object_list"]) == []
    analysis = {key: rows for key, _title, rows in boss.get(reverse("leads:lost_list")).context["tables"]}
    assert [(row["label"], row["n"]) for row in analysis["by_competitor"]] == [("本田", 1)]
    assert [row["n"] for row in analysis["by_reason"]] == [1]
    assert [(row["label"], row["n"]) for row in analysis["by_consultant"]] == [(str(consultant), 1)]


def test_sending_back_needs_a_comment_shown_next_to_it(english, manager, world):
    client = english(manager)
    url = reverse("leads:lost_decide", args=[world.lost.pk])

    response = client.post(url, {"decision": "return", "comment": "  "})

    assert response.status_code == 200
    assert LostRequest.objects.get(pk=world.lost.pk).state == "pending"
    html = response.content.decode()
    assert re.search(
        rf'id="error_1_id_lost{world.lost.pk}_comment"[^>]*><strong>Say what the consultant should do instead', html
    )

    client.post(url, {"decision": "return", "comment": "再打一次电话"})

    world.lost.refresh_from_db()
    assert (world.lost.state, world.lost.comment) == ("returned", "再打一次电话")
    assert world.second.events.filter(kind=LeadEvent.Kind.LOST_RETURNED, note="再打一次电话").exists()
    assert Lead.objects.get(pk=world.second.pk).status == "open"


def test_deciding_twice_says_it_was_already_decided(english, manager, world):
    client = english(manager)
    url = reverse("leads:lost_decide", args=[world.lost.pk])
    client.post(url, {"decision": "approve"})

    response = client.post(url, {"decision": "return", "comment": "等等"}, follow=True)

    assert "This request was already decided." in response.content.decode()
    assert LostRequest.objects.get(pk=world.lost.pk).state == "approved"


def test_lost_analysis_defaults_to_this_month_and_reads_a_chosen_period(client_for, manager, world):
    client = client_for(manager)
    client.post(reverse("leads:lost_decide", args=[world.lost.pk]), {"decision": "approve"})

    this_month = client.get(reverse("leads:lost_list"))
    last_month = client.get(reverse("leads:lost_list"), {"start": "2026-10-01", "end": "2026-10-31"})

    assert (this_month.context["start"], this_month.context["end"]) == (TODAY.replace(day=1), TODAY)
    assert this_month.context["total_lost"] == 1
    assert last_month.context["total_lost"] == 0


# --- Grade assistant and monthly grade status -------------------------------------------------------------


def test_grade_suggest_endpoint_returns_the_suggestion_and_why(english, consultant, frozen_clock):
    response = english(consultant).get(
        reverse("leads:grade_suggest"),
        {
            "has_need": "on",
            "has_decision_power": "on",
            "has_purchasing_power": "on",
            "expected_purchase_date": (TODAY + timedelta(days=20)).isoformat(),
            "signals": ["model_decided", "extras"],
        },
    )

    data = response.json()
    assert data["grade"] == "H"  # all three factors and two H signals
    assert "Expects to buy in 20 days." in data["reasons"]
    assert data["message"].startswith("Suggested grade: H — Need, decision power and purchasing power")


def test_grade_suggest_endpoint_refuses_a_bad_date(client_for, consultant, frozen_clock):
    response = client_for(consultant).get(reverse("leads:grade_suggest"), {"expected_purchase_date": "soon"})

    assert response.status_code == 400
    assert "expected_purchase_date" in response.json()["errors"]


def test_grade_status_shows_managers_everyone_with_totals_and_consultants_themselves(
    client_for, manager, consultant, other_consultant, make_visit
):
    make_visit(consultant=consultant, phone="13700000001", grade="A")
    make_visit(consultant=consultant, phone="13700000002", grade="C", start="11:00")
    make_visit(consultant=other_consultant, phone="13700000003", grade="A", start="12:00")

    boss = client_for(manager).get(reverse("leads:grade_status"), {"month": "2026-11"})
    own = client_for(consultant).get(reverse("leads:grade_status"))

    rows = {row.consultant: row for row in boss.context["rows"]}
    assert set(rows) == {consultant, other_consultant}
    assert rows[consultant].new == 2 and rows[consultant].at_end == {"H": 0, "A": 1, "B": 0, "C": 1}
    assert boss.context["totals"]["new"] == 3
    assert boss.context["totals"]["at_end"] == {"H": 0, "A": 2, "B": 0, "C": 1}
    assert 'id="grade-status-totals"' in boss.content.decode()
    assert [row.consultant for row in own.context["rows"]] == [consultant]
    assert own.context["month"] == TODAY.replace(day=1)


def test_grade_status_of_an_earlier_month_and_a_bad_month(client_for, manager, consultant, make_visit):
    make_visit(consultant=consultant, phone="13700000001", grade="A")
    client = client_for(manager)

    october = client.get(reverse("leads:grade_status"), {"month": "2026-10"})
    bad = client.get(reverse("leads:grade_status"), {"month": "october"})

    assert october.context["rows"] == []
    assert bad.context["month"] == TODAY.replace(day=1)
    assert bad.context["form"].errors["month"]


def test_reassign_targets_are_the_showrooms_active_consultants(client_for, manager, consultant, other_consultant):
    UserFactory(username="gone", showroom=consultant.showroom, is_active=False)
    CarModelFactory()
    form = client_for(manager).get(reverse("leads:lead_list")).context["reassign_form"]

    assert set(form.fields["to"].queryset) == {consultant, other_consultant}
