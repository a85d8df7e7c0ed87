"""The Django admin keeps each showroom's staff to their showroom (dealer_crm/core/admin_scope.py): every admin
declares its scope, and the scope holds for lists, pages, choices, filters, search, saving and phone numbers."""

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from dealer_crm.core.admin_scope import SELF, GlobalReferenceAdmin, ShowroomScopedAdmin, SuperuserOnlyAdmin
from dealer_crm.core.models import CarModel, District, Showroom, User
from reports.models import ReportSettings
from tests.core.conftest import NEW_PASSWORD
from tests.factories import DistrictFactory, UserFactory

DECLARATIONS = (ShowroomScopedAdmin, GlobalReferenceAdmin, SuperuserOnlyAdmin)
PASSWORD = "Jin-tian-2026!"


def registered_admins():
    """(label, admin or inline class) of every ModelAdmin and inline on the site."""
    for model, model_admin in admin.site._registry.items():
        yield model._meta.label, type(model_admin)
        for inline in model_admin.inlines:
            yield f"{model._meta.label} inline {inline.model._meta.label}", inline


def test_every_admin_and_inline_declares_its_showroom_scope_or_that_it_is_global():
    undeclared = [label for label, admin_class in registered_admins() if not issubclass(admin_class, DECLARATIONS)]

    assert len(list(registered_admins())) > 25  # the walk found the project's admins
    assert undeclared == []


def test_every_showroom_path_leads_to_a_showroom():
    for label, admin_class in registered_admins():
        if issubclass(admin_class, ShowroomScopedAdmin):
            path = admin_class.showroom_path
            model = admin_class.model if issubclass(admin_class, InlineModelAdmin) else _model_of(admin_class)
            target = model if path == SELF else get_fields_from_path(model, path)[-1].related_model
            assert target is Showroom, label


def _model_of(admin_class):
    return next(model for model, model_admin in admin.site._registry.items() if type(model_admin) is admin_class)


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_no_scoped_admin_lists_another_showrooms_rows_to_a_showroom_admin(
    frozen_clock, showroom_admin, other_showroom_records, other_showroom
):
    superuser = UserFactory(showroom=None, is_staff=True, is_superuser=True)
    seen_by_superuser = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ShowroomScopedAdmin):
            continue
        in_other = {
            ("pk" if model_admin.showroom_path == SELF else f"{model_admin.showroom_path}__pk"): other_showroom.pk
        }
        assert not model_admin.get_queryset(_request(showroom_admin)).filter(**in_other).exists(), model
        seen_by_superuser += model_admin.get_queryset(_request(superuser)).filter(**in_other).exists()

    assert seen_by_superuser >= 12  # the other showroom's records exist, and only the scope hides them


def test_search_runs_over_the_showrooms_own_rows_only(frozen_clock, showroom_admin_client, other_showroom_records):
    found = showroom_admin_client.get(reverse("admin:leads_lead_changelist"), {"q": "赵女士"})

    assert list(found.context["cl"].result_list) == []


def test_relation_filters_offer_only_the_showrooms_own_values(
    frozen_clock, showroom_admin_client, showroom, other_showroom_records, make_visit, consultant
):
    make_visit(consultant=consultant)

    superuser = UserFactory(showroom=None, is_staff=True, is_superuser=True)
    url = reverse("admin:leads_visit_changelist")

    def showroom_choices(client):
        specs = client.get(url).context["cl"].filter_specs
        return [[name for _pk, name in spec.lookup_choices] for spec in specs if spec.field.name == "showroom"]

    # One choice is no choice: the admin leaves the filter out.
    assert showroom_choices(showroom_admin_client) == []
    showroom_admin_client.force_login(superuser)
    assert showroom_choices(showroom_admin_client) == [["北京一店", "上海一店"]]


def test_foreign_key_choices_are_the_showrooms_own(showroom_admin_client, showroom, other_showroom):
    form = showroom_admin_client.get(reverse("admin:reports_reportsettings_add")).context["adminform"].form

    assert list(form.fields["showroom"].queryset) == [showroom]
    assert form.initial["showroom"] == showroom.pk


def test_a_row_cannot_be_saved_into_another_showroom(showroom_admin_client, showroom, other_showroom):
    url = reverse("admin:core_district_add")

    refused = showroom_admin_client.post(url, {"showroom": other_showroom.pk, "name": "浦东新区", "is_active": "on"})
    saved = showroom_admin_client.post(url, {"showroom": showroom.pk, "name": "朝阳区", "is_active": "on"})

    assert "showroom" in refused.context["adminform"].form.errors
    assert saved.status_code == 302
    assert list(District.objects.values_list("showroom__code", "name")) == [("bj01", "朝阳区")]


def test_another_showrooms_district_is_a_404_to_change_and_to_delete(showroom_admin_client, other_showroom):
    district = DistrictFactory(showroom=other_showroom)

    for view in ("change", "delete", "history"):
        assert showroom_admin_client.get(reverse(f"admin:core_district_{view}", args=[district.pk])).status_code == 404


def test_a_showroom_admin_sets_their_own_showrooms_settings_but_not_its_code(showroom_admin_client, showroom):
    response = showroom_admin_client.post(
        reverse("admin:core_showroom_change", args=[showroom.pk]),
        {
            "code": "hijack",
            "follow_up_days_h": 2,
            "follow_up_days_a": 3,
            "follow_up_days_b": 7,
            "follow_up_days_c": 15,
            "reminder_hour": 9,
        },
    )

    assert response.status_code == 302
    showroom.refresh_from_db()
    assert (showroom.code, showroom.follow_up_days_h, showroom.reminder_hour) == ("bj01", 2, 9)


def test_another_showrooms_settings_are_a_404_and_no_showroom_can_be_added(showroom_admin_client, other_showroom):
    assert showroom_admin_client.get(reverse("admin:core_showroom_change", args=[other_showroom.pk])).status_code == 404
    assert showroom_admin_client.get(reverse("admin:core_showroom_add")).status_code == 403


def test_a_showroom_admin_sets_their_report_settings(showroom_admin_client, showroom):
    response = showroom_admin_client.post(
        reverse("admin:reports_reportsettings_add"),
        {"showroom": showroom.pk, "daily_report_cutoff": "19:00", "delivery_overdue_days": 20},
    )

    assert response.status_code == 302
    assert ReportSettings.objects.get(showroom=showroom).delivery_overdue_days == 20


def test_the_car_catalogue_is_read_by_showroom_admins_and_edited_by_superusers(showroom_admin_client, client):
    car = CarModel.objects.create(brand="丰田", name="凯美瑞")
    data = {"brand": "丰田", "name": "汉兰达", "is_active": "on"}

    assert showroom_admin_client.get(reverse("admin:core_carmodel_changelist")).status_code == 200
    assert showroom_admin_client.post(reverse("admin:core_carmodel_add"), data).status_code == 403
    assert showroom_admin_client.post(reverse("admin:core_carmodel_change", args=[car.pk]), data).status_code == 403
    client.force_login(UserFactory(showroom=None, is_staff=True, is_superuser=True))
    assert client.post(reverse("admin:core_carmodel_add"), data).status_code == 302
    assert sorted(CarModel.objects.values_list("name", flat=True)) == ["凯美瑞", "汉兰达"]


@pytest.mark.parametrize("path", ["/admin/leads/visit/", "/admin/core/user/", "/admin/core/carmodel/"])
def test_staff_without_a_showroom_see_nothing_in_the_admin(db, client, path):
    client.force_login(UserFactory(showroom=None, role="admin", is_staff=True))

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/", "/admin/leads/visit/"])
def test_a_manager_without_staff_access_is_sent_to_the_admin_login(client, manager, path):
    client.force_login(manager)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("path", ["/admin/auth/group/", "/admin/axes/accessattempt/", "/admin/followups/reminderrun/"])
def test_groups_lockouts_and_reminder_runs_are_the_superusers(showroom_admin_client, path):
    assert showroom_admin_client.get(path).status_code == 403


# --- phone numbers ------------------------------------------------------------------------------------------


@pytest.fixture
def staff_consultant(showroom):
    """A consultant someone gave admin access to: in the app they see other consultants' customers masked."""
    return UserFactory(username="sc_staff", showroom=showroom, is_staff=True)


def test_a_viewer_who_sees_phones_masked_in_the_app_sees_them_masked_in_the_admin(
    frozen_clock, client, staff_consultant, other_consultant, make_visit
):
    visit = make_visit(consultant=other_consultant, phone="13698765432")
    client.force_login(staff_consultant)

    listing = client.get(reverse("admin:leads_lead_changelist"))
    opened = client.get(reverse("admin:leads_visit_change", args=[visit.pk]))
    searched = client.get(reverse("admin:leads_visit_changelist"), {"q": "13698765432"})

    assert "136****5432" in listing.content.decode()
    assert "13698765432" not in listing.content.decode()
    assert opened.status_code == 200
    assert "136****5432" in opened.content.decode()
    assert "13698765432" not in opened.content.decode()
    assert list(searched.context["cl"].result_list) == []


def test_a_showroom_admin_sees_their_showrooms_phones_in_full_as_in_the_app(
    frozen_clock, showroom_admin_client, consultant, make_visit
):
    make_visit(consultant=consultant, phone="13698765432")

    listing = showroom_admin_client.get(reverse("admin:leads_visit_changelist"), {"q": "13698765432"})

    assert len(listing.context["cl"].result_list) == 1
    assert "13698765432" in listing.content.decode()


# --- staff ----------------------------------------------------------------------------------------------------


def roles_of(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def test_the_staff_form_offers_one_role_choice_and_no_raw_rights(showroom_admin_client, consultant):
    form = showroom_admin_client.get(reverse("admin:core_user_change", args=[consultant.pk])).context["adminform"].form

    assert "role" in form.fields
    assert not {"is_superuser", "is_staff", "groups", "user_permissions", "showroom"} & set(form.fields)
    assert [value for value, _label in form.fields["role"].choices] == ["consultant", "manager", "admin"]


def test_a_new_colleague_lands_in_the_admins_showroom_with_the_chosen_role(showroom_admin_client, showroom):
    response = showroom_admin_client.post(
        reverse("admin:core_user_add"),
        {
            "username": "newbie",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "last_name": "赵",
            "first_name": "敏",
            "email": "",
            "role": "manager",
            "language": "zh-hans",
        },
    )

    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert newbie.showroom == showroom
    assert roles_of(newbie) == ["manager"]
    assert not newbie.is_staff and not newbie.is_superuser
    assert newbie.check_password(PASSWORD)


def change_data(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": "",
        "language": "zh-hans",
        "role": user.role,
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("role", "is_staff"), [("manager", False), ("admin", True), ("consultant", False)])
def test_a_colleagues_role_is_replaced_and_admin_access_follows_it(showroom_admin_client, consultant, role, is_staff):
    consultant.groups.add(Group.objects.get(name="manager"))

    response = showroom_admin_client.post(
        reverse("admin:core_user_change", args=[consultant.pk]), change_data(consultant, role=role)
    )

    assert response.status_code == 302
    consultant.refresh_from_db()
    assert roles_of(consultant) == [role]
    assert consultant.is_staff is is_staff


def test_an_admin_cannot_change_their_own_role_or_deactivate_themselves(showroom_admin_client, showroom_admin):
    showroom_admin_client.post(
        reverse("admin:core_user_change", args=[showroom_admin.pk]),
        {**change_data(showroom_admin, role="consultant", first_name="新名"), "is_active": ""},
    )

    showroom_admin.refresh_from_db()
    assert (showroom_admin.first_name, showroom_admin.is_active, showroom_admin.is_staff) == ("新名", True, True)
    assert roles_of(showroom_admin) == ["admin"]


def test_an_admin_resets_a_colleagues_password(post_new_password, consultant):
    response = post_new_password(consultant)

    assert response.status_code == 302
    consultant.refresh_from_db()
    assert consultant.check_password(NEW_PASSWORD)


def test_a_superuser_is_a_404_to_a_showroom_admin_even_in_their_showroom(
    showroom_admin_client, post_new_password, showroom
):
    superuser = UserFactory(showroom=showroom, is_staff=True, is_superuser=True)

    listing = showroom_admin_client.get(reverse("admin:core_user_changelist"))
    password = post_new_password(superuser)

    assert superuser.pk not in [user.pk for user in listing.context["cl"].result_list]
    assert showroom_admin_client.get(reverse("admin:core_user_change", args=[superuser.pk])).status_code == 404
    assert password.status_code == 404
    superuser.refresh_from_db()
    assert not superuser.check_password(NEW_PASSWORD)
