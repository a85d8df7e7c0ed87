"""`manage.py export_monthly --showroom CODE --month YYYY-MM --output FILE`: the monthly workbook from the command
line, the same file the page gives a manager (recorded like every export, as made from the command line)."""

import getpass
import socket
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dealer_crm.core.models import Showroom, User
from reports.excel import export_services
from reports.models import ExportRecord


class Command(BaseCommand):
    help = "Write a showroom's monthly Excel workbook (or one consultant's share of it) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--showroom", required=True, help="Showroom code, e.g. bj01.")
        parser.add_argument("--month", required=True, help="The month, YYYY-MM.")
        parser.add_argument("--output", required=True, help="The .xlsx file to write.")
        parser.add_argument("--consultant", help="Username: only that consultant's share of the month.")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, help=f"Headers' language (default {settings.LANGUAGE_CODE})."
        )

    def handle(self, *, showroom, month, output, consultant, language, **options):
        try:
            room = Showroom.objects.get(code=showroom)
        except Showroom.DoesNotExist:
            raise CommandError(f"No showroom with code {showroom!r}.") from None
        try:
            first_day = datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise CommandError("--month must be YYYY-MM, e.g. 2025-03.") from None
        if language not in dict(settings.LANGUAGES):
            raise CommandError(f"--language must be one of {', '.join(dict(settings.LANGUAGES))}.")
        person = None
        if consultant:
            person = User.objects.filter(username=consultant, showroom=room).first()
            if person is None:
                raise CommandError(f"No staff member {consultant!r} in showroom {showroom}.")
        target = Path(output)
        if target.parent and not target.parent.exists():
            raise CommandError(f"The folder {target.parent} does not exist.")

        # Nobody of the CRM is logged in here: the record and the cover name the server account instead.
        who = f"{getpass.getuser()}@{socket.gethostname()} (manage.py export_monthly)"
        record = export_services.export_record_start(
            kind=ExportRecord.Kind.MONTHLY,
            showroom=room,
            requested_by=None,
            requested_by_name=who,
            consultant=person,
            month=first_day,
            language=language,
            channel=ExportRecord.Channel.COMMAND,
        )
        rows = export_services.monthly_export_build(record=record, target=str(target))
        export_services.export_record_done(record, rows=rows)
        self.stdout.write(self.style.SUCCESS(f"{target}: {rows:,} rows ({room.code} {first_day:%Y-%m})."))
