"""The permission matrix: every URL of the project, as every role, for objects of every owner, GET and POST.

The resolver is walked (the app's URLs and the Django admin's), each pattern's arguments are filled with ids
of objects owned by the requesting user, by a colleague in the same showroom and by someone of another
showroom, and each cell is requested with a real CSRF token. What should happen lives in ACCESS (app URLs)
and ADMIN_MODELS / ADMIN_PAGES (the admin's): a URL without an entry fails the test, so every new view has to
say who may see it. Each POST runs in a savepoint that is rolled back, so every cell sees the same data.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import Workbook

from dcc.models import LeadSource, Platform, Via
from dcc.services.intake import online_lead_receive
from dealer_crm.core.models import Role, User
from delivery import services as delivery_services
from delivery.models import Callback, CustomerCard, DeliverySettings
from leads.models import LostReason, Visit
from leads.services import register as register_services
from leads.services import tracker as lead_services
from reports.excel import register_import
from reports.excel.export_services import export_record_start
from reports.models import DailyReport, ExportRecord, ReportSettings
from tests.conftest import TODAY
from tests.delivery.conftest import ALL_REQUIRED, VIN, contract_fields, next_slot
from tests.factories import (
    CarModelFactory,
    DealerGroupFactory,
    DistrictFactory,
    ShowroomFactory,
    UserFactory,
    source,
    visit_times,
)
from tests.signing import sign_off_day

# --- Outcomes -------------------------------------------------------------------------------------------------

OK = "ok"  # 200, or a redirect that is not to a login page
LOGIN = "login"  # redirect to the app's login page
ADMIN_LOGIN = "admin-login"  # redirect to the admin's login page (not staff)
DENIED = "403"
MISSING = "404"
NOT_ALLOWED = "405"
UNAUTHENTICATED = "401"  # the intake API without a lead source's token

# How the object's owner stands to the requesting user.
OWN, SHOWROOM, FOREIGN = "own", "showroom", "foreign"


def relations(own, showroom, foreign=MISSING) -> dict[str, str]:
    return {OWN: own, SHOWROOM: showroom, FOREIGN: foreign}


ONLY_OWN = relations(OK, MISSING)  # a consultant's own records: a colleague's do not exist for them
WHOLE_SHOWROOM = relations(OK, OK)
OWN_WRITES = relations(OK, DENIED)  # the shared register: a colleague's entry is seen, not changed
ALL_DENIED = relations(DENIED, DENIED, DENIED)


@dataclass(frozen=True)
class Access:
    """Who may do what on one URL, per method: for each kind of role (the two consultants share "consultant",
    both managers "manager") an outcome, or an outcome per owner relation. Anonymous: login unless said."""

    get: dict = field(default_factory=dict)
    post: dict = field(default_factory=dict)


def by_role(consultant, manager, admin=None, group=None, anonymous=LOGIN) -> dict:
    return {
        "anonymous": anonymous,
        "consultant": consultant,
        "manager": manager,
        "admin": manager if admin is None else admin,
        "group": manager if group is None else group,
    }


# GET: what a page shows. The group role reads what managers read, and gets no form to fill in.
EVERYONE = by_role(OK, OK)
STAFF = by_role(OK, OK, group=DENIED)
MANAGERS_AND_GROUP = by_role(DENIED, OK)
MANAGERS = by_role(DENIED, OK, group=DENIED)
OWN_RECORD = by_role(ONLY_OWN, WHOLE_SHOWROOM)  # a consultant's own; the showroom's for managers and the group
OWN_RECORD_FORM = by_role(ONLY_OWN, WHOLE_SHOWROOM, group=relations(DENIED, DENIED))
POST_ONLY = by_role(NOT_ALLOWED, NOT_ALLOWED)  # a GET to a require_POST view

# POST: the group role is refused before any view runs (core.middleware), whatever the object.
NO_POST = by_role(NOT_ALLOWED, NOT_ALLOWED, group=DENIED)  # the view takes no POST
STAFF_POST = by_role(OK, OK, group=DENIED)
MANAGERS_POST = by_role(DENIED, OK, group=DENIED)
OWN_RECORD_POST = by_role(ONLY_OWN, WHOLE_SHOWROOM, group=ALL_DENIED)
# A manager's action on a record: a consultant's own is refused (403), a colleague's does not exist for them.
MANAGER_ACTION = by_role(relations(DENIED, MISSING), WHOLE_SHOWROOM, group=ALL_DENIED)
# A manager's action whose view checks the role before it looks the record up: 403 for consultants.
MANAGER_ONLY_ACTION = by_role(DENIED, WHOLE_SHOWROOM, group=ALL_DENIED)

ACCESS: dict[str, Access] = {
    # The project's own pages
    "home": Access(get=EVERYONE, post=STAFF_POST),
    "healthz": Access(
        get=by_role(OK, OK, anonymous=OK), post=by_role(NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, DENIED, NOT_ALLOWED)
    ),
    "manifest": Access(
        get=by_role(OK, OK, anonymous=OK), post=by_role(NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, DENIED, NOT_ALLOWED)
    ),
    "set_language": Access(get=by_role(OK, OK, anonymous=OK), post=by_role(OK, OK, anonymous=OK)),
    "view_showroom": Access(get=POST_ONLY, post=by_role(DENIED, DENIED, group=MISSING)),  # no showroom posted
    "login": Access(get=by_role(OK, OK, anonymous=OK), post=by_role(OK, OK, anonymous=OK)),
    "logout": Access(get=by_role(NOT_ALLOWED, NOT_ALLOWED), post=by_role(LOGIN, LOGIN)),
    "password_change": Access(get=EVERYONE, post=by_role(OK, OK)),
    "password_change_done": Access(get=EVERYONE, post=NO_POST),
    # Visitor register: one shared sheet per showroom; a colleague's entry is seen, not changed
    "leads:visit_list": Access(get=EVERYONE, post=NO_POST),
    "leads:visit_create": Access(get=STAFF, post=STAFF_POST),
    "leads:phone_check": Access(get=EVERYONE, post=NO_POST),
    "leads:visit_detail": Access(get=by_role(WHOLE_SHOWROOM, WHOLE_SHOWROOM), post=NO_POST),
    "leads:visit_update": Access(
        get=by_role(OWN_WRITES, WHOLE_SHOWROOM, group=relations(DENIED, DENIED)),
        post=by_role(OWN_WRITES, WHOLE_SHOWROOM, group=ALL_DENIED),
    ),
    "leads:visit_delete": Access(
        get=POST_ONLY, post=by_role(relations(DENIED, DENIED), WHOLE_SHOWROOM, group=ALL_DENIED)
    ),
    "leads:register_review": Access(get=MANAGERS_AND_GROUP, post=MANAGERS_POST),
    "leads:register_review_day": Access(get=MANAGERS_AND_GROUP, post=MANAGERS_POST),
    "leads:register_sign_off": Access(get=POST_ONLY, post=MANAGERS_POST),
    "leads:register_reopen": Access(get=POST_ONLY, post=MANAGERS_POST),
    "leads:register_day_status": Access(get=EVERYONE, post=NO_POST),
    "leads:late_entry_decide": Access(get=POST_ONLY, post=MANAGER_ONLY_ACTION),
    # Lead tracker
    "leads:lead_list": Access(get=EVERYONE, post=NO_POST),
    "leads:lead_reassign": Access(get=POST_ONLY, post=MANAGERS_POST),
    "leads:lead_reassign_all": Access(get=POST_ONLY, post=MANAGERS_POST),
    "leads:grade_suggest": Access(get=EVERYONE, post=NO_POST),
    "leads:grade_status": Access(get=EVERYONE, post=STAFF_POST),
    "leads:lost_list": Access(get=MANAGERS_AND_GROUP, post=MANAGERS_POST),
    "leads:lost_decide": Access(get=POST_ONLY, post=MANAGER_ONLY_ACTION),
    "leads:lead_detail": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "leads:lead_update": Access(get=OWN_RECORD_FORM, post=OWN_RECORD_POST),
    "leads:contact_create": Access(get=OWN_RECORD_FORM, post=OWN_RECORD_POST),
    "leads:lost_request": Access(get=OWN_RECORD_FORM, post=OWN_RECORD_POST),
    "leads:clash_resolve": Access(get=POST_ONLY, post=MANAGER_ONLY_ACTION),
    # Follow-ups
    "followups:today": Access(get=EVERYONE, post=STAFF_POST),
    "followups:overdue_board": Access(get=MANAGERS_AND_GROUP, post=MANAGERS_POST),
    # Delivery: contracts, cards, deliveries, callbacks and complaints of a consultant's own customers
    "delivery:contract_create": Access(get=OWN_RECORD_FORM, post=OWN_RECORD_POST),
    "delivery:contract_list": Access(get=EVERYONE, post=NO_POST),
    "delivery:contract_detail": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "delivery:contract_update": Access(get=OWN_RECORD_FORM, post=OWN_RECORD_POST),
    "delivery:contract_cancel": Access(
        get=by_role(relations(DENIED, MISSING), WHOLE_SHOWROOM, group=relations(DENIED, DENIED)), post=MANAGER_ACTION
    ),
    "delivery:delivery_book": Access(get=OWN_RECORD_FORM, post=OWN_RECORD_POST),
    "delivery:complaint_create": Access(get=OWN_RECORD_FORM, post=OWN_RECORD_POST),
    "delivery:card_detail": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "delivery:card_update": Access(get=OWN_RECORD_FORM, post=OWN_RECORD_POST),
    "delivery:card_print": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "delivery:week": Access(get=EVERYONE, post=STAFF_POST),
    "delivery:week_of": Access(get=EVERYONE, post=STAFF_POST),
    "delivery:delivery_day": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "delivery:delivery_confirmation": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "delivery:callback_list": Access(get=EVERYONE, post=NO_POST),
    "delivery:callback_record": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "delivery:complaint_list": Access(get=EVERYONE, post=NO_POST),
    "delivery:complaint_detail": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "delivery:complaint_add_action": Access(get=POST_ONLY, post=OWN_RECORD_POST),
    "delivery:complaint_close": Access(get=POST_ONLY, post=MANAGER_ACTION),
    # Reports
    "reports:daily_report": Access(get=STAFF, post=STAFF_POST),
    "reports:daily_report_day": Access(get=STAFF, post=STAFF_POST),
    "reports:daily_report_of": Access(get=by_role(DENIED, WHOLE_SHOWROOM), post=MANAGER_ONLY_ACTION),
    "reports:daily_review": Access(get=MANAGERS_AND_GROUP, post=MANAGERS_POST),
    "reports:daily_review_day": Access(get=MANAGERS_AND_GROUP, post=MANAGERS_POST),
    "reports:daily_review_comment": Access(get=POST_ONLY, post=MANAGER_ONLY_ACTION),
    "reports:daily_review_reopen": Access(get=POST_ONLY, post=MANAGER_ONLY_ACTION),
    "reports:dashboard": Access(get=EVERYONE, post=STAFF_POST),
    "reports:dashboard_csv": Access(get=EVERYONE, post=STAFF_POST),
    "reports:integrity": Access(get=MANAGERS_AND_GROUP, post=MANAGERS_POST),
    "reports:integrity_recheck": Access(get=POST_ONLY, post=MANAGERS_POST),
    # The monthly workbook is a read: the group role takes it too
    "reports:export_page": Access(get=EVERYONE, post=by_role(OK, OK)),
    "reports:export_history": Access(get=MANAGERS_AND_GROUP, post=MANAGERS_POST),
    "reports:export_progress": Access(get=OWN_RECORD, post=OWN_RECORD_POST),
    "reports:export_status": Access(get=OWN_RECORD, post=NO_POST),
    "reports:export_download": Access(get=OWN_RECORD, post=NO_POST),
    "reports:register_export": Access(get=EVERYONE, post=NO_POST),
    "reports:tracker_export": Access(get=EVERYONE, post=NO_POST),
    "reports:lost_export": Access(get=MANAGERS_AND_GROUP, post=NO_POST),
    "reports:import_upload": Access(get=MANAGERS, post=MANAGERS_POST),
    "reports:import_preview": Access(get=by_role(DENIED, WHOLE_SHOWROOM, group=DENIED), post=MANAGER_ONLY_ACTION),
    "reports:import_confirm": Access(get=POST_ONLY, post=MANAGER_ONLY_ACTION),
    "reports:import_rejected": Access(get=by_role(DENIED, WHOLE_SHOWROOM, group=DENIED), post=NO_POST),
    # DCC: the clerk's intake page (dcc.add_onlinelead: managers and administrators)
    "dcc:online_lead_create": Access(get=MANAGERS, post=MANAGERS_POST),
    "dcc:online_lead_upload_adf": Access(get=POST_ONLY, post=MANAGERS_POST),
    # A portal's batch file: the upload (an empty POST: the form again), the preview of the session's waiting file
    # and its confirmation (none waiting in the matrix: back to the intake page with a message)
    "dcc:online_lead_upload_batch": Access(get=POST_ONLY, post=MANAGERS_POST),
    "dcc:online_lead_batch_preview": Access(get=MANAGERS, post=NO_POST),
    "dcc:online_lead_batch_confirm": Access(get=POST_ONLY, post=MANAGERS_POST),
    # Assigning an online lead by hand: the role is checked before the inquiry is looked up (403 for consultants)
    "dcc:online_lead_assign": Access(get=MANAGER_ONLY_ACTION, post=MANAGER_ONLY_ACTION),
    # DCC: the duty roster is the manager's (core.oversee_showroom); the register's "next up" buttons are for
    # whoever logs walk-ins (leads.add_visit); an empty POST re-shows the roster, or goes back with a message.
    "dcc:roster": Access(get=MANAGERS, post=MANAGERS_POST),
    "dcc:roster_copy": Access(get=POST_ONLY, post=MANAGERS_POST),
    "dcc:rotation_take": Access(get=POST_ONLY, post=STAFF_POST),
    "dcc:rotation_skip": Access(get=POST_ONLY, post=STAFF_POST),
    # The intake API: a lead source's bearer token is its login; a session is not (401 whoever is logged in).
    # ninja's root: only there to resolve the API's base path; a 404 for everyone
    "dcc_api:api-root": Access(
        get=by_role(MISSING, MISSING, anonymous=MISSING), post=by_role(MISSING, MISSING, MISSING, DENIED, MISSING)
    ),
    "dcc_api:openapi-json": Access(
        get=by_role(OK, OK, anonymous=OK), post=by_role(NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, DENIED, NOT_ALLOWED)
    ),
    "dcc_api:leads_receive": Access(
        get=by_role(NOT_ALLOWED, NOT_ALLOWED, anonymous=NOT_ALLOWED),
        post=by_role(UNAUTHENTICATED, UNAUTHENTICATED, UNAUTHENTICATED, DENIED, UNAUTHENTICATED),
    ),
    "dcc_api:leads_receive_adf": Access(
        get=by_role(NOT_ALLOWED, NOT_ALLOWED, anonymous=NOT_ALLOWED),
        post=by_role(UNAUTHENTICATED, UNAUTHENTICATED, UNAUTHENTICATED, DENIED, UNAUTHENTICATED),
    ),
}

# Which object fills the URL's arguments ("pk" means a different thing on every URL).
ARGUMENTS: dict[str, dict[str, str]] = {
    "leads:visit_detail": {"pk": "visit"},
    "leads:visit_update": {"pk": "visit"},
    "leads:visit_delete": {"pk": "visit"},
    "leads:lost_decide": {"pk": "lost_request"},
    "leads:late_entry_decide": {"pk": "late_entry"},
    "leads:lead_detail": {"pk": "lead"},
    "leads:lead_update": {"pk": "lead"},
    "leads:contact_create": {"pk": "lead"},
    "leads:lost_request": {"pk": "lead"},
    "leads:clash_resolve": {"pk": "lead", "clash_pk": "clash"},
    "delivery:contract_create": {"lead_pk": "lead"},
    "delivery:contract_detail": {"pk": "contract"},
    "delivery:contract_update": {"pk": "contract"},
    "delivery:contract_cancel": {"pk": "contract"},
    "delivery:delivery_book": {"pk": "contract"},
    "delivery:complaint_create": {"pk": "contract"},
    "delivery:card_detail": {"pk": "card"},
    "delivery:card_update": {"pk": "card"},
    "delivery:card_print": {"pk": "card"},
    "delivery:delivery_day": {"pk": "delivery"},
    "delivery:delivery_confirmation": {"pk": "delivery"},
    "delivery:callback_record": {"pk": "callback"},
    "delivery:complaint_detail": {"pk": "complaint"},
    "delivery:complaint_add_action": {"pk": "complaint"},
    "delivery:complaint_close": {"pk": "complaint"},
    "reports:daily_report_of": {"consultant_pk": "user"},
    "reports:daily_review_comment": {"consultant_pk": "user"},
    "reports:daily_review_reopen": {"consultant_pk": "user"},
    "reports:export_progress": {"pk": "export"},
    "reports:export_status": {"pk": "export"},
    "reports:export_download": {"pk": "export"},
    "reports:import_preview": {"pk": "batch"},
    "reports:import_confirm": {"pk": "batch"},
    "reports:import_rejected": {"pk": "batch"},
    "dcc:online_lead_assign": {"pk": "inquiry"},
}
YESTERDAY = TODAY - timedelta(days=1)
FIXED = {"day": TODAY, "key": "visits_by_day"}

# --- The world ------------------------------------------------------------------------------------------------

ROLES = ["anonymous", "consultant", "other_consultant", "manager", "other_manager", "showroom_admin", "group"]
ROLE_KIND = {
    "anonymous": "anonymous",
    "consultant": "consultant",
    "other_consultant": "consultant",
    "manager": "manager",
    "other_manager": "manager",
    "showroom_admin": "admin",
    "group": "group",
}
OWNERS = ["consultant", "other_consultant", "foreign_consultant"]


@dataclass
class World:
    users: dict[str, User | None]
    objects: dict[str, dict[str, object]]  # owner -> kind -> object

    def relation(self, role: str, owner: str) -> str:
        user, owner_user = self.users[role], self.users[owner]
        if user is None:
            return FOREIGN
        if user.pk == owner_user.pk:
            return OWN
        if user.is_group_viewer:
            return SHOWROOM if owner_user.showroom.dealer_group_id == user.dealer_group_id else FOREIGN
        return SHOWROOM if user.showroom_id == owner_user.showroom_id else FOREIGN


def xlsx(path: Path) -> Path:
    workbook = Workbook()
    workbook.active.append(["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问"])
    workbook.active.append([TODAY.isoformat(), "赵先生", "", "10:00", "10:20", "无名氏"])  # rejected: unknown name
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def records_of(owner: User, colleague: User, make_lead, car_model, tmp_path) -> dict[str, object]:
    """Everything the matrix needs, owned by `owner`, made through the services as the app makes them."""
    n = owner.pk
    lead = make_lead(consultant=owner, phone=f"1390000{n:04d}", customer_name=f"客户{n}")
    # The colleague meets the same customer: the lead's ownership clash, waiting for the manager.
    make_lead(consultant=colleague, phone=lead.phone, start="11:00")
    sold = make_lead(consultant=owner, phone=f"1370000{n:04d}", grade="H", start="12:00")
    lost = make_lead(consultant=owner, phone=f"1360000{n:04d}", start="13:00")
    lost_request = lead_services.lead_request_lost(lead=lost, by=owner, reason=LostReason.PRICE)
    contract = delivery_services.contract_sign(lead=sold, by=owner, **contract_fields(car_model, vin=VIN))
    delivery = delivery_services.delivery_book(
        contract=contract,
        by=owner,
        starts_at=next_slot(contract.showroom),
        consultant=owner,
        service_advisor="孙师傅",
        expected_version=None,
    )
    # Handed over today, ahead of the booked slot: the appointment is brought forward first, as the page does.
    delivery = delivery_services.delivery_move_to_now(delivery=delivery, by=owner, expected_version=delivery.version)
    delivered = delivery_services.delivery_complete(
        delivery=delivery,
        by=owner,
        items=ALL_REQUIRED,
        customer_signed_name="王先生",
        signature="",
        expected_version=delivery.version,
    )
    complaint = delivery_services.complaint_open(delivery=delivered, by=owner, description="车门异响")
    export = export_record_start(kind=ExportRecord.Kind.REGISTER, showroom=owner.showroom, requested_by=owner)
    export_file = tmp_path / "exports" / f"{n}.xlsx"
    xlsx(export_file)
    ExportRecord.objects.filter(pk=export.pk).update(
        status=ExportRecord.Status.DONE, file_path=export_file.name, file_name="register.xlsx"
    )
    batch = register_import.import_batch_create(
        showroom=owner.showroom, uploaded_by=owner, source=xlsx(tmp_path / f"in{n}.xlsx"), original_name="in.xlsx"
    )
    register_import.import_path(batch).with_suffix(".rejected.xlsx").write_bytes(b"rejected")
    # The same customer asks again online: the inquiry joins the owner's open lead (assignable by hand).
    lead_source = LeadSource.objects.get_or_create(
        showroom=owner.showroom, code="autohome", defaults={"name": "汽车之家", "platform": Platform.AUTOHOME}
    )[0]
    inquiry, _created = online_lead_receive(
        source=lead_source, via=Via.API, platform_lead_id=f"AH-{n}", customer_name=lead.customer_name, phone=lead.phone
    )
    # Yesterday's register is signed off (see `world`): a walk-in logged now is a late entry for the manager.
    arrived_at, left_at = visit_times(owner.showroom, YESTERDAY, "19:40", 20)
    late_entry = register_services.late_entry_file(
        showroom=owner.showroom,
        filed_by=owner,
        visit_date=YESTERDAY,
        reason="客户走后才想起登记",
        kind="walk_in",
        customer_name="孙先生",
        no_phone=True,
        source=source("web"),
        arrived_at=arrived_at,
        left_at=left_at,
        consultant=owner,
    )
    return {
        "user": owner,
        "visit": Visit.objects.filter(consultant=owner).earliest("pk"),
        "lead": lead,
        "clash": lead.clashes.get(),
        "lost_request": lost_request,
        "contract": contract,
        "card": CustomerCard.objects.get(contract=contract),
        "delivery": delivered,
        "callback": Callback.objects.filter(delivery=delivered).earliest("due_date"),
        "complaint": complaint,
        "export": export,
        "batch": batch,
        "late_entry": late_entry,
        "inquiry": inquiry,
    }


@pytest.fixture
def world(db, frozen_clock, make_lead, showroom, other_showroom, settings, tmp_path) -> World:
    settings.EXPORTS_DIR = tmp_path / "exports"
    settings.IMPORTS_DIR = tmp_path / "imports"
    # The group reads bj01 (and an empty second showroom of its own); sh01 belongs to nobody's group.
    group = DealerGroupFactory(code="hx", name="华信集团")
    showroom.dealer_group = group
    showroom.save(update_fields=["dealer_group"])
    ShowroomFactory(code="bj02", name="北京二店", dealer_group=group)
    users = {
        "anonymous": None,
        "consultant": UserFactory(username="zhang", showroom=showroom),
        "other_consultant": UserFactory(username="li", showroom=showroom),
        "manager": UserFactory(username="boss", showroom=showroom, role=Role.MANAGER),
        "other_manager": UserFactory(username="boss2", showroom=other_showroom, role=Role.MANAGER),
        "showroom_admin": UserFactory(username="sradmin", showroom=showroom, role=Role.ADMIN, is_staff=True),
        "group": UserFactory(username="gm", showroom=None, dealer_group=group, role=Role.GROUP),
        "foreign_consultant": UserFactory(username="wu", showroom=other_showroom),
    }
    foreign_colleague = UserFactory(username="zhao", showroom=other_showroom)
    car_model = CarModelFactory(brand="丰田", name="凯美瑞")
    for place in (showroom, other_showroom):  # the rows each showroom's admin pages show
        DistrictFactory(showroom=place)
        DeliverySettings.objects.get_or_create(showroom=place)
        ReportSettings.objects.get_or_create(showroom=place)
        staff = users["consultant"] if place == showroom else users["foreign_consultant"]
        DailyReport.objects.get_or_create(consultant=staff, date=TODAY, defaults={"showroom": place})
    colleagues = {
        "consultant": users["other_consultant"],
        "other_consultant": users["consultant"],
        "foreign_consultant": foreign_colleague,
    }
    sign_off_day(showroom=showroom, day=YESTERDAY, by=users["manager"])
    sign_off_day(showroom=other_showroom, day=YESTERDAY, by=users["other_manager"])
    objects = {owner: records_of(users[owner], colleagues[owner], make_lead, car_model, tmp_path) for owner in OWNERS}
    return World(users=users, objects=objects)


# --- Walking and requesting -----------------------------------------------------------------------------------


def url_patterns(resolver=None, namespace=""):
    """(name, pattern) of every named URL, with its namespace ("leads:lead_list", "admin:leads_lead_change")."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def argument_names(pattern: URLPattern) -> list[str]:
    regex = pattern.pattern.regex
    return list(regex.groupindex)


def classify(response) -> str:
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")) and response.request["PATH_INFO"] != reverse("login"):
            return LOGIN
        return OK
    if response.status_code < 300:
        return OK
    return str(response.status_code)


class Requester:
    """One logged-in Client per role with a real CSRF token; each request in a savepoint that is rolled back,
    and the cookies put back afterwards, so a logout or a language switch does not leak into the next cell."""

    def __init__(self, world: World):
        self.clients = {}
        for role in ROLES:
            client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
            if world.users[role] is not None:
                client.force_login(world.users[role])
            token = _get_new_csrf_string()
            client.cookies["csrftoken"] = token
            self.clients[role] = (client, token, SimpleCookie(client.cookies.output(header="", sep=";")))

    def request(self, role: str, method: str, url: str) -> str:
        client, token, cookies = self.clients[role]
        with transaction.atomic():
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, {"csrfmiddlewaretoken": token})
            transaction.set_rollback(True)
        client.cookies = SimpleCookie(cookies.output(header="", sep=";"))
        return classify(response)


def expected_for(rules: dict, role: str, relation: str | None) -> str:
    outcome = rules[ROLE_KIND[role]]
    if isinstance(outcome, dict):
        assert relation is not None, "a relation rule on a URL without an owner"
        return outcome[relation]
    return outcome


def run(cells, requester: Requester) -> tuple[int, list[str]]:
    failures, checked = [], 0
    for name, url, role, owner, relation, method, expected in cells:
        actual = requester.request(role, method, url)
        checked += 1
        if actual != expected:
            failures.append(
                f"{name} {method} as {role} on {owner or '-'}'s ({relation or '-'}): "
                f"expected {expected}, got {actual}  [{url}]"
            )
    return checked, failures


def app_cells(world: World):
    for name, pattern in url_patterns():
        if name.startswith("admin:"):
            continue
        access = ACCESS.get(name)
        if access is None:
            yield name, None, None, None, None, None, None
            continue
        params = argument_names(pattern)
        kinds = ARGUMENTS.get(name, {})
        owners = OWNERS if kinds else [None]
        for owner in owners:
            kwargs = {
                param: FIXED[param] if param in FIXED else world.objects[owner][kinds[param]].pk for param in params
            }
            url = reverse(name, kwargs=kwargs)
            for role in ROLES:
                relation = world.relation(role, owner) if owner else None
                for method, rules in (("GET", access.get), ("POST", access.post)):
                    yield name, url, role, owner, relation, method, expected_for(rules, role, relation)


def check_matrix(cells: list, world: World, capsys, *, surface: str, owners: str, table: str) -> None:
    """Every cell requested, the count printed, and every differing cell reported at once."""
    missing = sorted({cell[0] for cell in cells if cell[1] is None})
    assert not missing, f"URLs without an entry in {table} (say who may see them): {missing}"
    checked, failures = run(cells, Requester(world))
    urls = len({cell[0] for cell in cells})
    with capsys.disabled():
        print(
            f"\npermission matrix, {surface}: {urls} URLs x {len(ROLES)} roles x up to {owners} x 2 methods"
            f" = {checked} cells checked"
        )
    assert not failures, f"{len(failures)} of {checked} cells differ:\n" + "\n".join(failures)


def test_every_app_url_answers_every_role_as_the_table_says(world, capsys):
    check_matrix(list(app_cells(world)), world, capsys, surface="app", owners="3 owners", table="ACCESS")


# --- The Django admin -----------------------------------------------------------------------------------------

# What a showroom's administrator may do with each admin's rows (view, add, change, delete), within their own
# showroom; another showroom's row is a 404 (dealer_crm/core/admin_scope.py). GLOBAL: the dealer group's
# reference data, read-only for them; SUPERUSER: what no showroom owns, refused (403). Everyone else who is
# not staff is sent to the admin's login page; the group role's POSTs are refused before the admin runs.
SCOPED, GLOBAL, SUPERUSER = "scoped", "global", "superuser"
ADMIN_MODELS: dict[str, tuple[str, str]] = {
    "auth.group": (SUPERUSER, ""),
    "axes.accessattempt": (SUPERUSER, ""),
    "axes.accesslog": (SUPERUSER, ""),
    "axes.accessfailurelog": (SUPERUSER, ""),
    "core.user": (SCOPED, "view add change"),
    "core.showroom": (SCOPED, "view change"),
    "core.dealergroup": (SUPERUSER, ""),
    "core.carmodel": (GLOBAL, "view"),
    "core.informationsource": (GLOBAL, "view"),
    "core.district": (SCOPED, "view add change"),
    "leads.visit": (SCOPED, "view"),
    "leads.registerday": (SCOPED, ""),
    "leads.lead": (SCOPED, "view"),
    "leads.contact": (SCOPED, "view"),
    "leads.lostrequest": (SCOPED, ""),  # decided on the app's lost-lead page
    "followups.reminderrun": (SUPERUSER, ""),
    "followups.reminder": (SCOPED, ""),
    "followups.digestdelivery": (SCOPED, ""),
    "delivery.deliverysettings": (SCOPED, "view add change"),
    "delivery.contract": (SCOPED, "view"),
    "delivery.customercard": (SCOPED, "view"),
    "delivery.delivery": (SCOPED, "view"),
    "delivery.callback": (SCOPED, "view"),
    "delivery.complaint": (SCOPED, "view"),
    "reports.reportsettings": (SCOPED, "view add change"),
    "reports.dailyreport": (SCOPED, "view"),
    "reports.importsynonym": (SUPERUSER, ""),
    "webhooks.webhookendpoint": (SUPERUSER, ""),
    "webhooks.webhookdelivery": (SUPERUSER, ""),
    "dcc.leadsource": (SCOPED, "view add change"),
    "dcc.sourcetoken": (SCOPED, "view add change"),  # "change": the revoke action; a token's fields are read-only
}
# The admin's pages that belong to no model: (GET, POST) for its staff, then (GET, POST) for the logged-in
# who are not staff (anonymous: the app's login page).
ADMIN_PAGES: dict[str, tuple[str, str, str, str]] = {
    "admin:index": (OK, OK, ADMIN_LOGIN, ADMIN_LOGIN),
    "admin:login": (OK, OK, OK, OK),  # the form, to log in as someone who is staff
    "admin:logout": (NOT_ALLOWED, LOGIN, OK, OK),
    "admin:password_change": (OK, OK, ADMIN_LOGIN, ADMIN_LOGIN),
    "admin:password_change_done": (OK, NOT_ALLOWED, ADMIN_LOGIN, ADMIN_LOGIN),
    "admin:jsi18n": (OK, NOT_ALLOWED, ADMIN_LOGIN, ADMIN_LOGIN),
    "admin:autocomplete": (DENIED, NOT_ALLOWED, ADMIN_LOGIN, ADMIN_LOGIN),  # no field asked for
    "admin:view_on_site": (MISSING, MISSING, ADMIN_LOGIN, ADMIN_LOGIN),  # staff have no page on the site
    "admin:app_list": (OK, OK, ADMIN_LOGIN, ADMIN_LOGIN),
}
ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete", "password_change")


def admin_model_expected(model: str, view: str, method: str, relation: str | None, exists: bool) -> str:
    """The showroom administrator's outcome on one model's admin page (`exists`: the id is a real row)."""
    kind, actions = ADMIN_MODELS[model]
    actions = set(actions.split())
    if kind == SUPERUSER:
        # Django's history page answers a missing id with a redirect before it asks about permissions.
        return OK if view == "history" and not exists else DENIED
    if relation == FOREIGN or (kind == SCOPED and not exists):
        return MISSING  # another showroom's row answers like one that does not exist
    if view == "password_change":
        view = "change"
    needed = {
        "changelist": "view",
        "add": "add",
        "history": "view",
        "delete": "delete",
        "change": "view" if method == "GET" else "change",
    }[view]
    if needed == "view" and "change" in actions and kind == SCOPED:
        needed = "change"  # change implies view
    return OK if needed in actions or (needed == "change" and view == "history" and "view" in actions) else DENIED


def admin_expected(name: str, role: str, method: str, relation: str | None, exists: bool) -> str:
    if role == "group" and method == "POST":
        return DENIED  # core.middleware refuses it before the admin runs
    staff = role == "showroom_admin"
    if name == "admin:logout" and role == "anonymous":
        return ADMIN_LOGIN  # nobody to log out: the admin sends them to its login
    if name in ADMIN_PAGES:
        return ADMIN_PAGES[name][(0 if staff else 2) + (0 if method == "GET" else 1)]
    if not staff:
        # The models' pages are the app's own login-required views for LoginRequiredMiddleware.
        return LOGIN if role == "anonymous" else ADMIN_LOGIN
    model, view = admin_model_of(name)
    return admin_model_expected(model, view, method, relation, exists)


def admin_model_of(name: str) -> tuple[str, str]:
    """ "admin:leads_lead_change" -> ("leads.lead", "change")."""
    if name == "admin:auth_user_password_change":  # UserAdmin names it after auth.User, whatever the model
        return "core.user", "password_change"
    for model in ADMIN_MODELS:
        prefix = "admin:" + model.replace(".", "_") + "_"
        if name.startswith(prefix) and name[len(prefix) :] in ADMIN_VIEWS:
            return model, name[len(prefix) :]
    raise KeyError(name)


def admin_object(model, owner: User | None):
    """A row of the model in the owner's showroom (any row for what no showroom owns); None if there is none."""
    rows = model._default_manager.order_by("pk")
    model_admin = admin.site._registry[model]
    if owner is not None:
        path = model_admin.showroom_path
        rows = rows.filter(**{"pk" if path == "pk" else f"{path}__pk": owner.showroom_id})
    return rows.first()


def admin_cells(world: World):
    for name, pattern in url_patterns():
        if not name.startswith("admin:"):
            continue
        try:
            model_label, view = admin_model_of(name) if name not in ADMIN_PAGES else (None, None)
        except KeyError:
            yield name, None, None, None, None, None, None
            continue
        params = argument_names(pattern)
        owners: list = [None]
        if model_label and ADMIN_MODELS[model_label][0] == SCOPED and params:
            owners = ["consultant", "foreign_consultant"]
        for owner in owners:
            if name == "admin:view_on_site":
                kwargs = {"content_type_id": ContentType.objects.get_for_model(User).pk, "object_id": "1"}
            elif name == "admin:app_list":
                kwargs = {"app_label": "leads"}
            elif params:
                model = apps.get_model(model_label)
                row = admin_object(model, world.users[owner] if owner else None)
                kwargs = {params[0]: row.pk if row else 999999999}
            else:
                row, kwargs = None, {}
            exists = row is not None or not params
            url = reverse(name, kwargs=kwargs)
            for role in ROLES:
                relation = None
                if owner is not None:
                    relation = (
                        SHOWROOM
                        if world.users[owner].showroom_id == world.users["showroom_admin"].showroom_id
                        else FOREIGN
                    )
                for method in ("GET", "POST"):
                    yield name, url, role, owner, relation, method, admin_expected(name, role, method, relation, exists)


def test_every_admin_url_answers_every_role_as_the_table_says(world, capsys):
    unlisted = sorted(
        model._meta.label_lower for model in admin.site._registry if model._meta.label_lower not in ADMIN_MODELS
    )
    assert not unlisted, f"admins without an entry in ADMIN_MODELS: {unlisted}"
    check_matrix(
        list(admin_cells(world)),
        world,
        capsys,
        surface="admin",
        owners="2 showrooms",
        table="ADMIN_PAGES or ADMIN_MODELS",
    )
