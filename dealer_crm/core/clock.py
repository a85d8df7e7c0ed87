"""Showroom-local time. Business dates (register day, due dates) are calendar dates where the showroom is."""

from datetime import date, datetime

from django.utils import timezone

from .models import Showroom


def showroom_now(showroom: Showroom) -> datetime:
    return timezone.now().astimezone(showroom.zone)


def showroom_today(showroom: Showroom) -> date:
    return showroom_now(showroom).date()


def showroom_date_of(showroom: Showroom, moment: datetime) -> date:
    return moment.astimezone(showroom.zone).date()
