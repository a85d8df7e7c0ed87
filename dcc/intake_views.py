"""The DCC clerk's intake page: an inquiry typed in from a hotline call, or an ADF/XML file uploaded. Both go
through the same service as the API (dcc.services.intake). From its list of latest inquiries, and from the lead's
page, the manager or clerk gives an online lead to a consultant by hand (dcc.services.assignment)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealer_crm.core.forms import add_service_errors
from dealer_crm.core.pagination import next_or
from leads.models import LeadStatus

from .forms import AdfUploadForm, OnlineLeadAssignForm, OnlineLeadForm
from .models import OnlineLead, Via
from .services.adf import AdfError, adf_parse
from .services.assignment import assignable_consultants, can_assign_online_leads, online_lead_assign
from .services.intake import online_lead_receive


def _showroom(request):
    if request.user.showroom_id is None:
        raise Http404
    return request.user.showroom


def _page(request, *, form, upload_form, status=200):
    recent = list(
        OnlineLead.objects.filter(showroom=request.user.showroom)
        .select_related("source", "assigned_to", "lead")
        .order_by("-received_at", "-id")[:10]
    )
    for inquiry in recent:
        # Open and still waiting for its first response: the one worth handing to someone else.
        inquiry.assignable = inquiry.lead.status == LeadStatus.OPEN and inquiry.lead.response_due_at is not None
    consultants = list(assignable_consultants(request.user.showroom_id)) if any(i.assignable for i in recent) else []
    context = {"form": form, "upload_form": upload_form, "recent": recent, "consultants": consultants}
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
    return _page(request, form=form, upload_form=AdfUploadForm(showroom=showroom))


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
    return _page(request, form=OnlineLeadForm(showroom=showroom), upload_form=upload_form, status=200)


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
