import pytest
from django.contrib.auth.models import Group

from dealer_crm.core.models import Role
from tests.factories import ShowroomFactory, UserFactory


@pytest.mark.django_db
def test_migrations_create_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {"consultant", "manager", "admin"}


# Permission                    consultant  manager  admin
PERMISSIONS = {
    "leads.add_visit": (True, True, True),
    "leads.change_visit": (True, True, True),
    "leads.view_visit": (True, True, True),
    "leads.delete_visit": (False, True, True),
    "leads.sign_off_registerday": (False, True, True),
    "leads.log_visit_for_others": (False, True, True),
    "leads.view_all_phones": (False, True, True),
    "core.oversee_showroom": (False, True, True),
    "core.change_carmodel": (False, False, False),  # the dealer group's catalogue: superusers edit it
    "core.view_carmodel": (False, False, True),
    "core.change_showroom": (False, False, True),  # their own showroom's settings only (admin_scope.py)
    "reports.change_reportsettings": (False, False, True),
    "core.add_user": (False, False, True),
}
ROLES = ["consultant", "manager", "admin"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "permission", "granted"),
    [
        (role, permission, grants[column])
        for permission, grants in PERMISSIONS.items()
        for column, role in enumerate(ROLES)
    ],
)
def test_role_group_grants_exactly_the_expected_permissions(role, permission, granted):
    user = UserFactory(showroom=ShowroomFactory(), role=role)

    assert user.has_perm(permission) is granted


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "manages"), [(Role.CONSULTANT, False), (Role.MANAGER, True), (Role.ADMIN, True)])
def test_role_decides_whether_the_user_oversees_the_whole_showroom(role, manages):
    user = UserFactory(showroom=ShowroomFactory(), role=role)

    assert user.role == role.value
    assert user.manages_showroom is manages


@pytest.mark.django_db
def test_strongest_of_several_roles_wins():
    user = UserFactory(showroom=ShowroomFactory(), role="consultant")
    user.groups.add(Group.objects.get(name="manager"))

    assert user.role == "manager"
