"""`manage.py import_register FILE... --showroom CODE`: import legacy Excel registers, years of files at once.

Each file goes through the same parse, match, check and import as the upload page (reports.excel.register_import):
every row through the register's service, duplicates skipped, so running the command twice over the same files
imports nothing the second time. Per file it prints what becomes of each column, every value that matches nothing
(with a close match to confirm through `--map-<column> TEXT=VALUE`), the rows refused and why, and the counts:
imported / duplicates / rejected / warnings. The rejected rows are written beside the file as FILE.rejected.xlsx
(with an error column) to fix and import again.

Exit status: 0 when every row went in or was a duplicate; 1 when anything was refused (a file, a row, or under
--strict a warning), also with --dry-run, so a script can check a year of files before importing them.
"""

import getpass
import socket
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from dealer_crm.core.models import Showroom
from leads.models import VisitKind
from reports.excel import register_import
from reports.models import ExportRecord

MAPPED_COLUMNS = {  # option -> reference column
    "map_consultant": "consultant",
    "map_kind": "kind",
    "map_gender": "gender",
    "map_grade": "grade",
    "map_source": "source",
    "map_model": "car_model",
    "map_district": "district",
}
IGNORED_BECAUSE = {
    "own": "ignored: worked out by the CRM",
    "unknown": "ignored: heading not recognised",
    "second": "ignored: a second column for the same field",
    "no_heading": "ignored: no heading",
}
REJECTED_SHOWN = 20  # per file; the rest are in FILE.rejected.xlsx


class Command(BaseCommand):
    help = "Import legacy visitor registers (.xlsx) into a showroom's register."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help=".xlsx register files")
        parser.add_argument("--showroom", required=True, help="Showroom code, e.g. bj01.")
        parser.add_argument(
            "--map-consultant",
            "--map",
            dest="map_consultant",
            action="append",
            default=[],
            metavar="NAME=USERNAME",
            help="A consultant's name in the files who is USERNAME (or full name) in the CRM (repeatable).",
        )
        for option, what in [
            ("kind", "来店/来电 (walk_in or call)"),
            ("gender", "gender (m, f or -)"),
            ("grade", "intent grade (H, A, B, C, O or -)"),
            ("source", "information source"),
            ("model", "car model"),
            ("district", "district"),
        ]:
            parser.add_argument(
                f"--map-{option}",
                action="append",
                default=[],
                metavar="TEXT=VALUE",
                help=f"What TEXT in the {what} column stands for: a name or code; '-' keeps it in the remarks.",
            )
        parser.add_argument(
            "--kind", choices=VisitKind.values, default="", help="The kind of every row of a file with no kind column."
        )
        parser.add_argument("--strict", action="store_true", help="Refuse a file with any warning.")
        parser.add_argument("--dry-run", action="store_true", help="Check the files and print the counts only.")
        parser.add_argument("--language", default="zh-hans", help="Language of the messages (zh-hans, en).")

    def handle(self, *, files, showroom, kind, strict, dry_run, language, **options):
        try:
            room = Showroom.objects.get(code=showroom)
        except Showroom.DoesNotExist:
            raise CommandError(f"No showroom with code {showroom!r}.") from None
        with translation.override(language):
            reference = register_import.Reference.load(room)
            mappings = {}
            for option, column in MAPPED_COLUMNS.items():
                try:
                    mappings[column] = register_import.mapping_read(reference, column, options[option])
                except ValueError as error:
                    flag = "--" + option.replace("_", "-")
                    raise CommandError(f"{flag} {error}: TEXT=VALUE, VALUE a name or code known to the CRM.") from None
            totals = {"imported": 0, "duplicates": 0, "rejected": 0, "warnings": 0}
            refused_files = 0
            for name in files:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"{path}: no such file.")
                parsed = register_import.register_import_parse(
                    path, showroom=room, mappings=mappings, file_kind=kind, reference=reference
                )
                counts = self.report_file(path, parsed)
                if parsed.error or (strict and counts["warnings"]):
                    refused_files += 1
                    self.stdout.write(f"{path}: refused" + (" (--strict: warnings)" if not parsed.error else ""))
                    continue
                # A dry run's "imported" is what would be: the valid rows.
                counts |= {"imported": counts["valid"]} if dry_run else self.import_file(path, room, parsed)
                self.stdout.write(f"{path}: {summary(counts, dry_run=dry_run)}" + (" (dry run)" if dry_run else ""))
                for key in totals:
                    totals[key] += counts[key]
        if len(files) > 1:
            refused = f"; {refused_files} files refused" if refused_files else ""
            self.stdout.write(f"Total: {summary(totals, dry_run=dry_run)}{refused}")
        if refused_files or totals["rejected"]:
            raise CommandError("Some rows or files were refused: nothing of them was imported.", returncode=1)

    def report_file(self, path: Path, parsed: register_import.Parsed) -> dict[str, int]:
        """What the file's columns become, its unmatched values, warnings and rejected rows."""
        write = self.stdout.write
        if parsed.sheet:
            write(f"{path}: sheet “{parsed.sheet}”, header on row {parsed.header_line}")
        for column in parsed.columns:
            if column.status == "mapped":
                becomes = column.field_label
            elif column.status == "remarks":
                becomes = "→ remarks"
            elif column.heading or column.has_data:
                becomes = IGNORED_BECAUSE[column.ignored_because]
            else:
                continue
            write(f"  {column.letter} {column.heading or '–'}: {becomes}")
        if parsed.error:
            self.stderr.write(f"{path}: {parsed.error}")
            if parsed.needs_kind:
                self.stderr.write("  give the kind of every row with --kind walk_in or --kind call")
            return {"warnings": 0}
        for value in parsed.still_unmatched:
            hint = ""
            if value.suggestion:
                label = value.suggestion_label
                hint = f" — close to “{label}”: --map-{option_of(value.field)} {value.text}={label}"
            write(f"  unmatched {value.field} “{value.text}” ×{value.count}{hint}")
        for warning in parsed.warnings:
            write(f"  warning: {warning}")
        rejected = [row for row in parsed.rows if row.rejected]
        for row in rejected[:REJECTED_SHOWN]:
            write(f"  row {row.line} refused: {' '.join(row.errors)}")
        if len(rejected) > REJECTED_SHOWN:
            write(f"  … {len(rejected) - REJECTED_SHOWN} more refused rows")
        return parsed.counts()

    def import_file(self, path: Path, room: Showroom, parsed: register_import.Parsed) -> dict[str, int]:
        who = f"{getpass.getuser()}@{socket.gethostname()} (manage.py import_register)"
        batch = register_import.import_batch_create(
            showroom=room, uploaded_by=None, uploaded_by_name=who, source=path, original_name=path.name
        )
        batch.channel = ExportRecord.Channel.COMMAND
        batch.save(update_fields=["channel"])
        # created_by None: each entry is logged as by its own consultant.
        result = register_import.register_import_apply(batch=batch, parsed=parsed, created_by=None)
        if result.rejected_rows:
            rejected = path.with_name(path.name + ".rejected.xlsx")
            register_import.rejected_rows_write(parsed, result.rejected_rows, rejected)
            self.stdout.write(f"  rejected rows written to {rejected}")
        return {"imported": result.imported, "duplicates": result.duplicates, "rejected": result.rejected}


def summary(counts: dict[str, int], *, dry_run: bool) -> str:
    verb = "to import" if dry_run else "imported"
    return (
        f"{counts['imported']} {verb} / {counts['duplicates']} duplicates / {counts['rejected']} rejected / "
        f"{counts['warnings']} warnings"
    )


def option_of(column: str) -> str:
    return {"car_model": "model"}.get(column, column)
