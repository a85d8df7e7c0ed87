"""Writes of the core: the staff's roles."""

from django.contrib.auth.models import Group

from .models import Role, User

# The roles a showroom's administrator hands out to their showroom's staff.
SHOWROOM_ROLES = (Role.CONSULTANT, Role.MANAGER, Role.ADMIN)


def staff_set_role(*, user: User, role: str) -> None:
    """Make `role` the user's one showroom role, and give Django admin access (`is_staff`) to the role that
    works there, the administrator, and to no other (a superuser keeps theirs)."""
    role = Role(role)
    if role not in SHOWROOM_ROLES:
        raise ValueError(f"{role} is not a showroom role")
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in SHOWROOM_ROLES]).exclude(name=role))
    user.groups.add(Group.objects.get(name=role.value))
    user.is_staff = user.is_superuser or role == Role.ADMIN
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("role", None)  # the cached role of the old groups
