"""The DCC clerk's intake page: an inquiry typed in from a hotline call, an ADF/XML file uploaded, or a portal's
batch file (.xlsx/.csv) previewed and then confirmed. All go through the same service as the API
(dcc.services.intake). From its list of latest inquiries, and from the lead's page, the manager or clerk gives an
online lead to a consultant by hand (dcc.services.assignment)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dealer_crm.core.forms import add_service_errors
from dealer_crm.core.pagination import next_or
from leads.models import LeadStatus

from .forms import AdfUploadForm, BatchUploadForm, OnlineLeadAssignForm, OnlineLeadForm
from .models import LeadSource, OnlineLead, Via
from .services import batch as batch_files
from .services.adf import AdfError, adf_parse
from .services.assignment import assignable_consultants, can_assign_online_leads, online_lead_assign
from .services.intake import online_lead_receive


def _showroom(request):
    if request.user.showroom_id is None:
        raise Http404
    return request.user.showroom


def _page(request, *, form=None, upload_form=None, batch_form=None, status=200):
    showroom = request.user.showroom
    recent = list(
        OnlineLead.objects.filter(showroom=showroom)
        .select_related("source", "assigned_to", "lead")
        .order_by("-received_at", "-id")[:10]
    )
    for inquiry in recent:
        # Open and still waiting for its first response: the one worth handing to someone else.
        inquiry.assignable = inquiry.lead.status == LeadStatus.OPEN and inquiry.lead.response_due_at is not None
    consultants = list(assignable_consultants(showroom.pk)) if any(i.assignable for i in recent) else []
    context = {
        "form": form or OnlineLeadForm(showroom=showroom),
        "upload_form": upload_form or AdfUploadForm(showroom=showroom),
        "batch_form": batch_form or BatchUploadForm(showroom=showroom),
        "recent": recent,
        "consultants": consultants,
    }
    return render(request, "dcc/online_lead_form.html", context, status=status)


def _received(request, inquiry: OnlineLead, created: bool) -> None:
    if not created:
        messages.info(request, _("This inquiry was entered before; nothing was changed."))
    elif inquiry.attached:
        messages.success(
            request, _("Added to %(owner)s's open lead for this customer.") % {"owner": inquiry.assigned_to}
        )
    else:
        messages.success(request, _("New lead given to %(owner)s.") % {"owner": inquiry.assigned_to})


@permission_required("dcc.add_onlinelead", raise_exception=True)
def online_lead_create(request):
    showroom = _showroom(request)
    form = OnlineLeadForm(request.POST or None, showroom=showroom)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry, created = online_lead_receive(via=Via.MANUAL, entered_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _received(request, inquiry, created)
            return redirect("dcc:online_lead_create")
    return _page(request, form=form)


@require_POST
@permission_required("dcc.add_onlinelead", raise_exception=True)
def online_lead_upload_adf(request):
    showroom = _showroom(request)
    upload_form = AdfUploadForm(request.POST, request.FILES, showroom=showroom)
    if upload_form.is_valid():
        source = upload_form.cleaned_data["source"]
        try:
            body = upload_form.cleaned_data["file"].read()
            prospect = adf_parse(body=body, source_code=source.code, showroom=showroom)
            inquiry, created = online_lead_receive(
                source=source, via=Via.ADF, entered_by=request.user, **prospect.__dict__
            )
        except AdfError as error:
            upload_form.add_error("file", str(error))
        except ValidationError as error:
            # The file's fields are not on this form: each problem is named with its field, above the form.
            for field, problems in getattr(error, "message_dict", {None: error.messages}).items():
                for problem in problems:
                    upload_form.add_error(None, f"{field}: {problem}" if field else problem)
        else:
            _received(request, inquiry, created)
            return redirect("dcc:online_lead_create")
    return _page(request, upload_form=upload_form)


# --- A portal's batch file: upload, preview, confirm ----------------------------------------------------------
# The file waits under IMPORTS_DIR between the preview and the confirmation; the clerk's session holds its token
# (one file at a time: a new upload replaces the one waiting), with the source and the encoding chosen.

PENDING = "dcc_batch"
PREVIEW_ROWS = 50


def _pending(request, showroom):
    """The session's waiting file: (its record, path, source), or None when there is none (any more)."""
    pending = request.session.get(PENDING)
    if not pending:
        return None
    path = batch_files.batch_file_path(showroom, pending["file"])
    source = LeadSource.objects.filter(showroom=showroom, pk=pending["source"]).first()
    if path is None or source is None:
        request.session.pop(PENDING, None)
        return None
    return pending, path, source


def _encoding(request) -> str:
    chosen = request.POST.get("encoding") or request.GET.get("encoding") or ""
    return chosen if chosen in batch_files.ENCODINGS else ""


@require_POST
@permission_required("dcc.add_onlinelead", raise_exception=True)
def online_lead_upload_batch(request):
    showroom = _showroom(request)
    batch_form = BatchUploadForm(request.POST, request.FILES, showroom=showroom)
    if not batch_form.is_valid():
        return _page(request, batch_form=batch_form)
    waiting = request.session.get(PENDING)
    if waiting:
        batch_files.batch_file_discard(showroom, waiting["file"])
    upload = batch_form.cleaned_data["file"]
    request.session[PENDING] = {
        "file": batch_files.batch_file_keep(upload, showroom),
        "name": upload.name[:200],
        "source": batch_form.cleaned_data["source"].pk,
    }
    return redirect("dcc:online_lead_batch_preview")


@require_GET
@permission_required("dcc.add_onlinelead", raise_exception=True)
def online_lead_batch_preview(request):
    """What the file's columns are read as, the counts, and the first rows with what becomes of each."""
    showroom = _showroom(request)
    waiting = _pending(request, showroom)
    if waiting is None:
        messages.info(request, _("No batch file is waiting: upload one."))
        return redirect("dcc:online_lead_create")
    pending, path, source = waiting
    batch = batch_files.batch_check(path=path, source=source, entered_by=request.user, encoding=_encoding(request))
    context = {
        "batch": batch,
        "counts": batch.counts(),
        "rows": batch.rows[:PREVIEW_ROWS],
        "preview_rows": PREVIEW_ROWS,
        "pending": pending,
        "source": source,
        "encodings": [(batch_files.UTF8, "UTF-8"), (batch_files.GB18030, "GB18030")],
    }
    return render(request, "dcc/batch_preview.html", context)


@require_POST
@permission_required("dcc.add_onlinelead", raise_exception=True)
def online_lead_batch_confirm(request):
    """Enter the file's good rows, checked again now; the file is then deleted."""
    showroom = _showroom(request)
    waiting = _pending(request, showroom)
    if waiting is None or request.POST.get("file") != waiting[0]["file"]:
        # Nothing waiting, or another file uploaded since (another tab): the preview confirmed is not this file's.
        messages.error(request, _("This batch file is no longer waiting: upload it again."))
        return redirect("dcc:online_lead_create")
    pending, path, source = waiting
    batch, result = batch_files.batch_receive(
        path=path, source=source, entered_by=request.user, encoding=_encoding(request)
    )
    if batch.error:
        messages.error(request, batch.error)
        return redirect("dcc:online_lead_batch_preview")
    batch_files.batch_file_discard(showroom, pending["file"])
    request.session.pop(PENDING, None)
    messages.success(
        request,
        _("%(received)s inquiries entered, %(replays)s already received (unchanged), %(problems)s not entered.")
        % {"received": result.received, "replays": result.replays, "problems": result.problems},
    )
    return redirect("dcc:online_lead_create")


def online_lead_assign_view(request, pk):
    """Give an online lead to a consultant by hand: the form (from the lead's page), or the intake list's post."""
    if not can_assign_online_leads(request.user):
        raise PermissionDenied
    inquiry = get_object_or_404(
        OnlineLead.objects.select_related("lead__owner", "source", "showroom"), pk=pk, showroom=_showroom(request)
    )
    back = next_or(request, reverse("dcc:online_lead_create"))
    form = OnlineLeadAssignForm(request.POST or None, showroom=inquiry.showroom)
    if request.method == "POST" and form.is_valid():
        try:
            online_lead_assign(
                inquiry=inquiry, to=form.cleaned_data["to"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(customer)s's lead given to %(owner)s.")
                % {"customer": inquiry.customer_name, "owner": form.cleaned_data["to"]},
            )
            return redirect(back)
    context = {"inquiry": inquiry, "lead": inquiry.lead, "form": form, "next": back}
    return render(request, "dcc/online_lead_assign.html", context)
