"""Who may do what on every register page. Another showroom's entries are 404 (not 403): ids reveal nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from leads.models import RegisterDay, Visit
from tests.conftest import TODAY
from tests.leads.form_data import create_form_data, edit_form_data
from tests.signing import sign_off_day

LOGIN = "login"  # redirected to the login page
YESTERDAY = TODAY - timedelta(days=1)
USERS = ["anonymous", "owner", "colleague", "other_manager", "manager"]

# The entry belongs to 张伟 (owner) of showroom bj01; 李娜 (colleague) works there too; 刘强 manages it;
# 陈静 manages another showroom.
#
# view                anonymous  owner  colleague  other_manager  manager
MATRIX = {
    "list":             (LOGIN,    200,   200,       200,           200),
    "create":           (LOGIN,    200,   200,       200,           200),
    "create POST":      (LOGIN,    302,   302,       302,           302),
    "detail":           (LOGIN,    200,   200,       404,           200),
    "edit":             (LOGIN,    200,   403,       404,           200),
    "edit POST":        (LOGIN,    302,   403,       404,           302),
    "delete POST":      (LOGIN,    403,   403,       404,           302),
    "phone-check":      (LOGIN,    200,   200,       200,           200),
    "review":           (LOGIN,    403,   403,       200,           200),
    "review day":       (LOGIN,    403,   403,       200,           200),
    "sign-off POST":    (LOGIN,    403,   403,       302,           302),
    "reopen POST":      (LOGIN,    403,   403,       302,           302),
}  # fmt: skip


def request_for(view: str, visit: Visit, user) -> tuple[str, str, dict | None]:
    """(method, url, data) of one row of the matrix."""
    pk = {"pk": visit.pk}
    day = {"day": YESTERDAY}
    return {
        "list": ("get", reverse("leads:visit_list"), None),
        "create": ("get", reverse("leads:visit_create"), None),
        "create POST": (
            "post",
            reverse("leads:visit_create"),
            create_form_data(consultant=str(user.pk) if user else None),
        ),
        "detail": ("get", reverse("leads:visit_detail", kwargs=pk), None),
        "edit": ("get", reverse("leads:visit_update", kwargs=pk), None),
        "edit POST": (
            "post",
            reverse("leads:visit_update", kwargs=pk),
            edit_form_data(visit, summary="改过的洽谈经过：客户想试驾"),
        ),
        "delete POST": ("post", reverse("leads:visit_delete", kwargs=pk), {"reason": "重复登记"}),
        "phone-check": ("get", reverse("leads:phone_check"), {"phone": visit.phone}),
        "review": ("get", reverse("leads:register_review"), None),
        "review day": ("get", reverse("leads:register_review_day", kwargs=day), None),
        "sign-off POST": ("post", reverse("leads:register_sign_off", kwargs=day), None),
        "reopen POST": ("post", reverse("leads:register_reopen", kwargs=day), {"reason": "补登一位客户"}),
    }[view]


def state(visit: Visit, showroom) -> tuple:
    """What a refused request must leave as it was: the entry, the register's size, yesterday's sign-off."""
    fresh = Visit.objects.get(pk=visit.pk)
    day = RegisterDay.objects.filter(showroom=showroom, date=YESTERDAY).first()
    return (
        fresh.summary,
        fresh.version,
        fresh.deleted_at,
        Visit.objects.count(),
        day.signed_off_at if day else None,
    )


@pytest.mark.parametrize(
    ("view", "who", "expected"),
    [(view, who, codes[column]) for view, codes in MATRIX.items() for column, who in enumerate(USERS)],
)
def test_permission_matrix(
    client_for, make_visit, consultant, other_consultant, manager, other_manager, view, who, expected
):
    user = {
        "anonymous": None,
        "owner": consultant,
        "colleague": other_consultant,
        "other_manager": other_manager,
        "manager": manager,
    }[who]
    visit = make_visit(consultant=consultant, phone="13812345678")
    if view == "reopen POST":
        for boss in (manager, other_manager):
            sign_off_day(showroom=boss.showroom, day=YESTERDAY, by=boss)
    before = state(visit, consultant.showroom)
    method, url, data = request_for(view, visit, user)

    response = getattr(client_for(user), method)(url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    else:
        assert response.status_code == expected
    if expected in (LOGIN, 403, 404):
        assert state(visit, consultant.showroom) == before


def test_unknown_entry_id_is_404_like_another_showrooms(client_for, manager, frozen_clock):
    assert client_for(manager).get(reverse("leads:visit_detail", kwargs={"pk": 999999})).status_code == 404


def test_manager_of_another_showroom_signs_off_only_their_own_showroom(
    client_for, manager, other_manager, frozen_clock
):
    response = client_for(other_manager).post(reverse("leads:register_sign_off", kwargs={"day": TODAY}), {"version": 1})

    assert response.status_code == 302
    assert RegisterDay.objects.get(showroom=other_manager.showroom, date=TODAY).signed_off_by == other_manager
    assert not RegisterDay.objects.filter(showroom=manager.showroom, signed_off_at__isnull=False).exists()


def test_manager_of_another_showroom_reviews_only_their_own_showroom(client_for, make_visit, consultant, other_manager):
    make_visit(consultant=consultant, customer_name="王先生")
    make_visit(consultant=other_manager, customer_name="吴先生")

    response = client_for(other_manager).get(reverse("leads:register_review"))

    assert [visit.customer_name for visit in response.context["visits"]] == ["吴先生"]
