"""Reads the whole project shares: which showrooms a user may look at."""

from django.db.models import QuerySet

from .models import Showroom, User


def showrooms_visible_to(user: User) -> QuerySet[Showroom]:
    """Staff see their own showroom; the dealer group's role sees every showroom of its group;
    a superuser sees them all."""
    if user.is_superuser:
        return Showroom.objects.all()
    if user.is_group_viewer:
        if user.dealer_group_id is None:
            return Showroom.objects.none()
        return Showroom.objects.filter(dealer_group_id=user.dealer_group_id)
    return Showroom.objects.filter(pk=user.showroom_id)
