"""The Excel pages: the monthly workbook (straight away, or in the background with a progress bar), the list pages'
exports, the export history, and the import of legacy registers. Rules live in export_services and
register_import; these views check who asks, call them and hand the files over.

Files of customers' data are never public URLs: background exports and uploads live under var/ and are served
only by `export_download` / `import_rejected` after a login and permission check.
"""

import tempfile
from datetime import timedelta
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.db_routing import reads_from_replica
from leads.access import require_lead_manager
from leads.models import VisitKind

from ..access import (
    can_export_showroom,
    get_batch_for,
    get_export_for,
    require_export_manager,
    require_importer,
    require_showroom,
)
from ..models import ExportRecord, ImportBatch
from . import export_services, register_import
from .forms import ImportUploadForm, MonthlyExportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(handle, filename: str) -> FileResponse:
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


# --- The monthly workbook ------------------------------------------------------------------------------------


def export_page(request):
    """Choose a month (and, for managers, whose data); small months download at once, large ones go to a
    background task and this page sends the user to its progress."""
    user = request.user
    require_showroom(user)
    showroom_wide = can_export_showroom(user)
    last_month = (showroom_today(user.showroom).replace(day=1) - timedelta(days=1)).replace(day=1)
    form = MonthlyExportForm(
        request.POST or None, user=user, can_export_showroom=showroom_wide, initial={"month": last_month}
    )
    if request.method == "POST" and form.is_valid():
        record, background = export_services.monthly_export_request(
            user=user,
            month=form.cleaned_data["month"],
            consultant=form.cleaned_data.get("consultant"),
            language=translation.get_language(),
        )
        if background:
            return redirect("reports:export_progress", pk=record.pk)
        handle = tempfile.TemporaryFile()
        rows = export_services.monthly_export_build(record=record, target=handle)
        export_services.export_record_done(record, rows=rows)
        return _xlsx_response(handle, export_services.monthly_file_name(user.showroom, record.month, record.consultant))
    recent = ExportRecord.objects.filter(showroom=user.showroom, requested_by=user).select_related("consultant")[:10]
    return render(
        request,
        "reports/excel_export.html",
        {"form": form, "recent": recent, "showroom_wide": showroom_wide},
    )


def export_progress(request, pk):
    """The background export's page: a progress bar the script keeps up to date, then the download link."""
    record = get_export_for(request.user, pk)
    return render(request, "reports/excel_progress.html", {"record": record, **_status(record)})


def _status(record: ExportRecord) -> dict:
    done = record.status == ExportRecord.Status.DONE and record.file_path
    return {
        "status": record.status,
        "status_label": str(record.get_status_display()),
        "progress": record.progress,
        "rows_written": record.rows_written,
        "rows_expected": record.rows_expected,
        "row_count": record.row_count,
        "download_url": reverse("reports:export_download", args=[record.pk]) if done else "",
        "error": record.error if record.status == ExportRecord.Status.FAILED else "",
        "attempts": record.attempts,
        "notice": export_services.export_notice(record),
    }


@never_cache
@require_GET
def export_status(request, pk):
    """Polled every second by static/js/export_progress.js: one small query."""
    record = get_export_for(request.user, pk)
    return JsonResponse(_status(record))


@require_GET
def export_download(request, pk):
    """A finished background export's file, to its requester or the showroom's managers only."""
    record = get_export_for(request.user, pk)
    if record.status != ExportRecord.Status.DONE or not record.file_path:
        raise Http404
    path = export_services.export_path(record)
    if not path.is_file():
        raise Http404  # deleted after EXCEL_KEEP_DAYS: ask again
    return FileResponse(path.open("rb"), as_attachment=True, filename=record.file_name, content_type=XLSX)


def export_history(request):
    """Every export of the showroom's data, newest first: who took what, when, how many rows (managers)."""
    user = request.user
    require_export_manager(user)
    records = ExportRecord.objects.filter(showroom=user.showroom).select_related("requested_by", "consultant")
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "reports/excel_history.html", {"page": page})


# --- The list pages' exports --------------------------------------------------------------------------------


def _list_export(request, service, filename: str):
    require_showroom(request.user)
    handle = tempfile.TemporaryFile()
    service(user=request.user, params=request.GET, target=handle)
    today = showroom_today(request.user.showroom)
    return _xlsx_response(handle, f"{filename}_{today.isoformat()}.xlsx")


@require_GET
@reads_from_replica
def register_export(request):
    """The register page's rows as its filters select them (the same query string)."""
    return _list_export(request, export_services.register_list_export, "register")


@require_GET
@reads_from_replica
def tracker_export(request):
    return _list_export(request, export_services.tracker_list_export, "leads")


@require_GET
@reads_from_replica
def lost_export(request):
    require_lead_manager(request.user, write=False)  # as the lost-lead page itself
    return _list_export(request, export_services.lost_list_export, "lost_leads")


# --- Importing legacy registers -----------------------------------------------------------------------------


def import_upload(request):
    """Upload a register file; it is kept and read for the preview, nothing is imported yet."""
    user = request.user
    require_importer(user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as copy:
            for chunk in upload.chunks():
                copy.write(chunk)
            copy.flush()
            batch = register_import.import_batch_create(
                showroom=user.showroom, uploaded_by=user, source=Path(copy.name), original_name=upload.name
            )
        return redirect("reports:import_preview", pk=batch.pk)
    batches = ImportBatch.objects.filter(showroom=user.showroom).select_related("uploaded_by")[:20]
    return render(request, "reports/excel_import.html", {"form": form, "batches": batches})


def _value_mappings(data) -> tuple[dict[str, dict[str, str]], str]:
    """The preview's answers: for each unmatched value i, column_<i>, text_<i> and the option chosen, map_<i>
    (checked against the column's options when the file is read); and the kind of a file without a kind column."""
    mappings: dict[str, dict[str, str]] = {}
    for key, column in data.items():
        index = key.removeprefix("column_")
        if key.startswith("column_") and column in register_import.REFERENCE_COLUMNS and data.get("map_" + index):
            mappings.setdefault(column, {})[register_import.normalise(data.get("text_" + index, ""))] = data[
                "map_" + index
            ]
    file_kind = data.get("file_kind", "")
    return mappings, file_kind if file_kind in VisitKind.values else ""


def _parse_batch(request, batch: ImportBatch):
    path = register_import.import_path(batch)
    if not path.is_file():
        raise Http404
    mappings, file_kind = _value_mappings(request.POST if request.method == "POST" else request.GET)
    reference = register_import.Reference.load(batch.showroom)
    parsed = register_import.register_import_parse(
        path, showroom=batch.showroom, mappings=mappings, file_kind=file_kind, reference=reference
    )
    return parsed, reference


def import_preview(request, pk):
    """What becomes of each column, the values that match nothing (to map), every row with what is wrong with it;
    then import."""
    batch = get_batch_for(request.user, pk)
    if batch.status == ImportBatch.Status.IMPORTED:
        return render(request, "reports/excel_import_done.html", {"batch": batch})
    parsed, reference = _parse_batch(request, batch)
    unmatched = [
        (index, value, reference.vocabularies[value.field]) for index, value in enumerate(parsed.unmatched.values())
    ]
    return render(
        request,
        "reports/excel_import_preview.html",
        {
            "batch": batch,
            "parsed": parsed,
            "counts": parsed.counts(),
            "unmatched": unmatched,
            "keep": register_import.KEEP,
            "kinds": VisitKind.choices,
        },
    )


@require_POST
def import_confirm(request, pk):
    """Import the valid rows (one transaction, each through the register's service) and keep the rejected ones."""
    batch = get_batch_for(request.user, pk)
    if batch.status == ImportBatch.Status.IMPORTED:
        messages.info(request, _("This file has been imported already."))
        return redirect("reports:import_preview", pk=batch.pk)
    parsed, _reference = _parse_batch(request, batch)
    if parsed.error:
        messages.error(request, parsed.error)
        return redirect("reports:import_preview", pk=batch.pk)
    if parsed.still_unmatched:
        messages.error(request, _("Say what each unmatched value stands for before importing."))
        return redirect("reports:import_preview", pk=batch.pk)
    result = register_import.register_import_apply(batch=batch, parsed=parsed, created_by=request.user)
    if result.rejected_rows:
        register_import.rejected_rows_write(parsed, result.rejected_rows, register_import.rejected_path(batch))
    messages.success(
        request,
        _("%(imported)s rows imported, %(duplicates)s skipped as duplicates, %(rejected)s rejected.")
        % {"imported": result.imported, "duplicates": result.duplicates, "rejected": result.rejected},
    )
    return redirect("reports:import_preview", pk=batch.pk)


@require_GET
def import_rejected(request, pk):
    """The rejected rows as they were in the file, with an error column."""
    batch = get_batch_for(request.user, pk)
    path = register_import.rejected_path(batch)
    if not path.is_file():
        raise Http404
    name = Path(batch.original_name).stem + ".rejected.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX)
