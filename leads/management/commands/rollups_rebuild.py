"""Recount the day rollups of a range from the raw register and contacts (after a bulk load, a repair by hand,
or to heal drift): `manage.py rollups_rebuild [--showroom CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]`."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max, Min

from dealer_crm.core.models import Showroom
from leads.models import Contact, Visit
from leads.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the register's and the contacts' day rollups of a range (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--showroom", help="a showroom's code; all showrooms when omitted")
        parser.add_argument("--from", dest="start", type=date.fromisoformat, help="first day (default: the first data)")
        parser.add_argument("--to", dest="end", type=date.fromisoformat, help="last day (default: the last data)")

    def handle(self, *, showroom=None, start=None, end=None, **options):
        showrooms = Showroom.objects.order_by("pk")
        if showroom is not None:
            showrooms = showrooms.filter(code=showroom)
            if not showrooms.exists():
                raise CommandError(f"No showroom with the code {showroom!r}.")
        for each in showrooms:
            first, last = self._data_range(each)
            first, last = start or first, end or last
            if first is None or last is None or first > last:
                continue  # nothing recorded in the range
            with transaction.atomic():  # readers never see the range emptied
                rollups_rebuild(showroom=each, start=first, end=last)
            self.stdout.write(f"{each.code}: {first} – {last}")

    @staticmethod
    def _data_range(showroom: Showroom) -> tuple[date | None, date | None]:
        visits = Visit.objects.filter(showroom=showroom).aggregate(first=Min("visit_date"), last=Max("visit_date"))
        contacts = Contact.objects.filter(showroom=showroom).aggregate(
            first=Min("contact_date"), last=Max("contact_date")
        )
        firsts = [day for day in (visits["first"], contacts["first"]) if day]
        lasts = [day for day in (visits["last"], contacts["last"]) if day]
        return (min(firsts) if firsts else None, max(lasts) if lasts else None)
