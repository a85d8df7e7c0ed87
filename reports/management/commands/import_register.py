"""`manage.py import_register FILE... --showroom CODE`: import legacy Excel registers, years of files at once.

Each file goes through the same parse, check and import as the upload page (reports.register_import): every
row through the register's service, duplicates skipped, so running the command twice over the same files
imports nothing the second time. Per file it prints the rows imported, skipped as duplicates and rejected, and
writes the rejected rows beside the file as FILE.rejected.xlsx (with an error column) to fix and import again.
"""

import getpass
import socket
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from dealer_crm.core.models import Showroom, User
from reports import register_import
from reports.models import ExportRecord


class Command(BaseCommand):
    help = "Import legacy visitor registers (.xlsx) into a showroom's register."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help=".xlsx register files")
        parser.add_argument("--showroom", required=True, help="Showroom code, e.g. bj01.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="NAME=USERNAME",
            help="A consultant's name in the files who is USERNAME in the CRM (repeatable).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the files and print the counts only.")
        parser.add_argument("--language", default="zh-hans", help="Language of the error messages (zh-hans, en).")

    def handle(self, *, files, showroom, map, dry_run, language, **options):  # noqa: A002 - the option's name
        try:
            room = Showroom.objects.get(code=showroom)
        except Showroom.DoesNotExist:
            raise CommandError(f"No showroom with code {showroom!r}.") from None
        mapping = {}
        for item in map:
            name, _sep, username = item.partition("=")
            user = User.objects.filter(username=username.strip(), showroom=room).first()
            if not name.strip() or user is None:
                raise CommandError(f"--map {item!r}: give NAME=USERNAME of a staff member of {room.code}.")
            mapping[name.strip()] = user
        who = f"{getpass.getuser()}@{socket.gethostname()} (manage.py import_register)"
        totals = {"imported": 0, "duplicates": 0, "rejected": 0}
        with translation.override(language):
            for name in files:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"{path}: no such file.")
                parsed = register_import.register_import_parse(path, showroom=room, consultant_map=mapping)
                if parsed.error:
                    self.stderr.write(f"{path}: {parsed.error}")
                    continue
                if dry_run:
                    counts = parsed.counts()
                    self.stdout.write(
                        f"{path}: {counts['valid']} to import, {counts['duplicates']} duplicates, "
                        f"{counts['rejected']} rejected (dry run)"
                    )
                    continue
                batch = register_import.import_batch_create(
                    showroom=room, uploaded_by=None, uploaded_by_name=who, source=path, original_name=path.name
                )
                batch.channel = ExportRecord.Channel.COMMAND
                batch.save(update_fields=["channel"])
                # created_by None: each entry is logged as by its own consultant.
                result = register_import.register_import_apply(batch=batch, parsed=parsed, created_by=None)
                line = (
                    f"{path}: {result.imported} imported, {result.duplicates} skipped as duplicates, "
                    f"{result.rejected} rejected"
                )
                if result.rejected_rows:
                    rejected = path.with_name(path.name + ".rejected.xlsx")
                    register_import.rejected_rows_write(parsed, result.rejected_rows, rejected)
                    line += f" → {rejected}"
                self.stdout.write(line)
                for key in totals:
                    totals[key] += getattr(result, key)
        if len(files) > 1 and not dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Total: {totals['imported']} imported, {totals['duplicates']} skipped as duplicates, "
                    f"{totals['rejected']} rejected."
                )
            )
