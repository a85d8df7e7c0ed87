"""The one shape of every access helper: `get_<thing>_for(user, pk, *, write=False)` in each app's access.py.

Outside the user's scope (another showroom, or for a consultant another consultant's record) is a 404, so ids
reveal nothing; inside it, an action the user's role may not take is a 403. The apps say which rows are a
consultant's own and which permission a write needs; the mechanism is here, once."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import User

M = TypeVar("M", bound=Model)


def scoped_by_role(queryset: QuerySet[M], user: User, *, own: Q) -> QuerySet[M]:
    """The user's showroom's rows: all of them for managers, admins and the dealer group's read-only role
    (`sees_whole_showroom`); for a consultant only those matching `own` (theirs)."""
    rows = queryset.filter(showroom_id=user.showroom_id)
    return rows if user.sees_whole_showroom else rows.filter(own)


def object_for(queryset: QuerySet[M], pk: int, *, allowed: Callable[[M], bool] = lambda _obj: True) -> M:
    """The row of the (already scoped) queryset, 404 if it is not in it; PermissionDenied unless `allowed(row)`."""
    try:
        obj = queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    if not allowed(obj):
        raise PermissionDenied
    return obj


def require_role(user: User, perm: str, *, write: bool = True) -> None:
    """A showroom page of one role (the register's review, the lost-lead decisions, the daily review): the
    holders of `perm` in a showroom; write=False (reading it): the dealer group's role too. 403 otherwise."""
    may_read = not write and user.is_group_viewer
    if not (user.has_perm(perm) or may_read) or user.showroom_id is None:
        raise PermissionDenied


def require_perm(user: User, perm: str) -> None:
    """An action of one permission (exporting the showroom, importing a register): 403 without it."""
    if not user.has_perm(perm):
        raise PermissionDenied
