"""Who may do what on every delivery page. Consultants see and edit only their own customers, managers their
showroom's; outside one's scope is a 404 (ids reveal nothing), an action one's role may not take a 403."""

from datetime import timedelta

import pytest
from django.urls import reverse

from delivery import services
from delivery.models import Callback, Complaint, ComplaintAction, Contract, CustomerCard, Delivery
from tests.conftest import TODAY
from tests.delivery.conftest import TOMORROW, VIN, contract_fields

LOGIN = "login"  # redirected to the login page
USERS = ["anonymous", "owner", "colleague", "other_manager", "manager"]

# The customers belong to 张伟 (owner) of showroom bj01; 李娜 (colleague) works there too; 刘强 manages it;
# 陈静 manages another showroom.
#
# view                      anonymous  owner  colleague  other_manager  manager
MATRIX = {
    "contract new":            (LOGIN,    200,   404,       404,           200),
    "contract new POST":       (LOGIN,    302,   404,       404,           302),
    "contract list":           (LOGIN,    200,   200,       200,           200),
    "contract":                (LOGIN,    200,   404,       404,           200),
    "contract edit":           (LOGIN,    200,   404,       404,           200),
    "contract edit POST":      (LOGIN,    302,   404,       404,           302),
    "contract cancel":         (LOGIN,    403,   404,       404,           200),
    "contract cancel POST":    (LOGIN,    403,   404,       404,           302),
    "book":                    (LOGIN,    200,   404,       404,           200),
    "book POST":               (LOGIN,    302,   404,       404,           302),
    "card":                    (LOGIN,    200,   404,       404,           200),
    "card edit":               (LOGIN,    200,   404,       404,           200),
    "card edit POST":          (LOGIN,    302,   404,       404,           302),
    "card print":              (LOGIN,    200,   404,       404,           200),
    "week":                    (LOGIN,    200,   200,       200,           200),
    "week of":                 (LOGIN,    200,   200,       200,           200),
    "delivery day":            (LOGIN,    200,   404,       404,           200),
    "delivery day POST":       (LOGIN,    302,   404,       404,           302),
    "confirmation":            (LOGIN,    200,   404,       404,           200),
    "callback list":           (LOGIN,    200,   200,       200,           200),
    "callback":                (LOGIN,    200,   404,       404,           200),
    "callback POST":           (LOGIN,    302,   404,       404,           302),
    "complaint new":           (LOGIN,    200,   404,       404,           200),
    "complaint new POST":      (LOGIN,    302,   404,       404,           302),
    "complaint list":          (LOGIN,    200,   200,       200,           200),
    "complaint":               (LOGIN,    200,   404,       404,           200),
    "complaint action POST":   (LOGIN,    302,   404,       404,           302),
    "complaint close POST":    (LOGIN,    403,   404,       404,           302),
}  # fmt: skip


@pytest.fixture
def world(frozen_clock, new_lead, signed, book, delivered, consultant, car_model):
    """The owner's customers: an open lead, a signed contract with a booked delivery, a delivered car with its
    callbacks and a complaint."""
    lead = new_lead(consultant=consultant)
    booked = book(signed())
    done = delivered()
    complaint = services.complaint_open(delivery=done, by=consultant, description="异响")
    return {
        "lead": lead,
        "signed": booked.contract,
        "booked": booked,
        "delivered": done,
        "card": CustomerCard.objects.get(lead=done.contract.lead),
        "callback": done.callbacks.get(step=1),
        "complaint": complaint,
        "car_model": car_model,
    }


def request_for(view: str, world: dict, user) -> tuple[str, str, dict | None]:
    """(method, url, data) of one row of the matrix."""
    signed, booked, done, card = world["signed"], world["booked"], world["delivered"], world["card"]
    complaint = world["complaint"]
    contract_data = {
        key: (value.pk if hasattr(value, "pk") else value)
        for key, value in contract_fields(world["car_model"], vin=VIN).items()
    }
    return {
        "contract new": ("get", reverse("delivery:contract_create", args=[world["lead"].pk]), None),
        "contract new POST": ("post", reverse("delivery:contract_create", args=[world["lead"].pk]), contract_data),
        "contract list": ("get", reverse("delivery:contract_list"), None),
        "contract": ("get", reverse("delivery:contract_detail", args=[signed.pk]), None),
        "contract edit": ("get", reverse("delivery:contract_update", args=[signed.pk]), None),
        "contract edit POST": (
            "post",
            reverse("delivery:contract_update", args=[signed.pk]),
            {**contract_data, "number": signed.number, "colour": "黑", "version": signed.version},
        ),
        "contract cancel": ("get", reverse("delivery:contract_cancel", args=[signed.pk]), None),
        "contract cancel POST": ("post", reverse("delivery:contract_cancel", args=[signed.pk]), {"reason": "退订"}),
        "book": ("get", reverse("delivery:delivery_book", args=[signed.pk]), None),
        "book POST": (
            "post",
            reverse("delivery:delivery_book", args=[signed.pk]),
            {
                "date": (TOMORROW + timedelta(days=3)).isoformat(),
                "start_time": "16:00",
                "consultant": signed.consultant_id,
                "service_advisor": "孙师傅",
                "version": booked.version,
            },
        ),
        "card": ("get", reverse("delivery:card_detail", args=[card.pk]), None),
        "card edit": ("get", reverse("delivery:card_update", args=[card.pk]), None),
        "card edit POST": (
            "post",
            reverse("delivery:card_update", args=[card.pk]),
            {"customer_name": card.customer_name, "title": "工程师", "version": card.version},
        ),
        "card print": ("get", reverse("delivery:card_print", args=[card.pk]), None),
        "week": ("get", reverse("delivery:week"), None),
        "week of": ("get", reverse("delivery:week_of", args=[TOMORROW]), None),
        "delivery day": ("get", reverse("delivery:delivery_day", args=[booked.pk]), None),
        "delivery day POST": (
            "post",
            reverse("delivery:delivery_day", args=[booked.pk]),
            {"fees_confirmed": "on", "save": "1", "version": booked.version},
        ),
        "confirmation": ("get", reverse("delivery:delivery_confirmation", args=[done.pk]), None),
        "callback list": ("get", reverse("delivery:callback_list"), None),
        "callback": ("get", reverse("delivery:callback_record", args=[world["callback"].pk]), None),
        "callback POST": (
            "post",
            reverse("delivery:callback_record", args=[world["callback"].pk]),
            {"reached": "yes", "satisfaction": "5"},
        ),
        "complaint new": ("get", reverse("delivery:complaint_create", args=[done.contract_id]), None),
        "complaint new POST": (
            "post",
            reverse("delivery:complaint_create", args=[done.contract_id]),
            {"description": "车漆", "owner": done.contract.consultant_id},
        ),
        "complaint list": ("get", reverse("delivery:complaint_list"), None),
        "complaint": ("get", reverse("delivery:complaint_detail", args=[complaint.pk]), None),
        "complaint action POST": (
            "post",
            reverse("delivery:complaint_add_action", args=[complaint.pk]),
            {"taken_on": TODAY.isoformat(), "description": "已致电"},
        ),
        "complaint close POST": (
            "post",
            reverse("delivery:complaint_close", args=[complaint.pk]),
            {"closing_note": "已解决"},
        ),
    }[view]


def state(world: dict) -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(Contract.objects.order_by("pk").values_list("status", "colour", "version")),
        list(Delivery.objects.order_by("pk").values_list("status", "starts_at", "fees_confirmed")),
        list(CustomerCard.objects.order_by("pk").values_list("title", "version")),
        list(Callback.objects.order_by("pk").values_list("status")),
        list(Complaint.objects.order_by("pk").values_list("status")),
        ComplaintAction.objects.count(),
        world["lead"].__class__.objects.get(pk=world["lead"].pk).status,
    )


@pytest.mark.parametrize(
    ("view", "who", "expected"),
    [(view, who, codes[column]) for view, codes in MATRIX.items() for column, who in enumerate(USERS)],
)
def test_permission_matrix(
    world, client_for, consultant, other_consultant, manager, other_manager, view, who, expected
):
    user = {
        "anonymous": None,
        "owner": consultant,
        "colleague": other_consultant,
        "other_manager": other_manager,
        "manager": manager,
    }[who]
    before = state(world)
    method, url, data = request_for(view, world, user)

    response = getattr(client_for(user), method)(url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    else:
        assert response.status_code == expected, response.content.decode()[:2000]
    if expected in (LOGIN, 403, 404) or method == "get":
        assert state(world) == before
    elif method == "post":
        assert state(world) != before  # the allowed POST did what it says


def test_unknown_ids_are_404_like_another_showrooms(world, client_for, manager):
    client = client_for(manager)
    for name in ("contract_detail", "card_detail", "delivery_day", "callback_record", "complaint_detail"):
        assert client.get(reverse(f"delivery:{name}", args=[999999])).status_code == 404
