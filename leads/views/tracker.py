"""The intent-lead tracker's pages (意向客户进度管控表). Rules live in services.tracker and selectors.tracker; views
fetch through the access helpers, call the services and put the services' errors next to the fields."""

import json
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView
from django_filters.views import FilterView

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.forms import add_service_errors
from dealer_crm.core.pagination import CappedPaginator, next_or, query_without_page
from dealer_crm.core.versioning import StaleError, record_conflict

from ..access import get_lead_for, require_lead_manager
from ..filters.tracker import LeadFilter
from ..forms.tracker import (
    APPOINTMENT_SERVICE_TO_FORM_FIELD,
    CONTACT_SERVICE_TO_FORM_FIELD,
    ContactForm,
    GradeInputsForm,
    LeadDetailsForm,
    LostDecisionForm,
    LostRequestForm,
    MonthForm,
    PeriodForm,
    ReassignAllForm,
    ReassignForm,
)
from ..grade_status import monthly_grade_status
from ..models import OPEN_GRADES, Channel, Lead, LeadEvent, LeadStatus, LostReason, LostRequest
from ..selectors.tracker import (
    can_edit_lead,
    lead_timeline,
    leads_visible_to,
    lost_analysis,
    open_clashes,
    pending_lost_requests,
    tracker_rows,
)
from ..services.appointments import appointment_book
from ..services.tracker import (
    clash_resolve,
    contact_record,
    grade_suggest,
    lead_decide_lost,
    lead_reassign,
    lead_request_lost,
    lead_update_details,
)

# --- The tracker ------------------------------------------------------------------------------------------


class LeadListView(LoginRequiredMixin, FilterView):
    """A consultant's open leads (a manager's: the whole showroom), overdue ones first."""

    filterset_class = LeadFilter
    template_name = "leads/lead_list.html"
    paginator_class = CappedPaginator
    paginate_by = 25
    strict = False

    def get_queryset(self):
        return tracker_rows(leads_visible_to(self.request.user), today=self.today)

    @property
    def today(self) -> date:
        return showroom_today(self.request.user.showroom)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs.update(user=self.request.user, today=self.today)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today, zone = self.today, user.showroom.zone
        for lead in context["object_list"]:
            # The viewer's showroom is the lead's (scope), so its zone serves without loading lead.showroom.
            last = lead.last_contact_at
            lead.days_since_contact = (today - last.astimezone(zone).date()).days if last else None
            lead.days_overdue = (today - lead.next_follow_up).days if lead.is_overdue else 0
            lead.window_passed = lead.expected_purchase_date is not None and lead.expected_purchase_date < today
        is_manager = user.has_perm("leads.reassign_lead")
        context.update(
            today=today,
            is_manager=is_manager,
            query_without_page=query_without_page(self.request),
        )
        if is_manager:
            context.update(
                reassign_form=ReassignForm(user=user, leads=Lead.objects.none(), auto_id="id_reassign_%s"),
                reassign_all_form=ReassignAllForm(user=user, auto_id="id_reassign_all_%s"),
            )
        return context


@require_POST
def lead_reassign_view(request):
    """The leads ticked in the tracker go to another consultant; recorded on each lead."""
    require_lead_manager(request.user)
    open_leads = leads_visible_to(request.user).filter(status=LeadStatus.OPEN).select_related("owner")
    form = ReassignForm(request.POST, user=request.user, leads=open_leads)
    return _reassign(request, form, lambda data: list(data["leads"]))


@require_POST
def lead_reassign_all_view(request):
    """Every open lead of one consultant (one who leaves, say) goes to another."""
    require_lead_manager(request.user)
    form = ReassignAllForm(request.POST, user=request.user)
    open_leads = leads_visible_to(request.user).filter(status=LeadStatus.OPEN).select_related("owner")
    return _reassign(request, form, lambda data: list(open_leads.filter(owner=data["from_owner"])))


def _reassign(request, form, leads_of):
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(next_or(request, reverse("leads:lead_list")))
    to = form.cleaned_data["to"]
    moved = lead_reassign(leads=leads_of(form.cleaned_data), to=to, by=request.user, reason=form.cleaned_data["reason"])
    if moved:
        messages.success(
            request,
            ngettext("%(count)s lead reassigned to %(name)s.", "%(count)s leads reassigned to %(name)s.", moved)
            % {"count": moved, "name": to},
        )
    else:
        messages.info(request, _("No lead changed hands: %(name)s already owns them.") % {"name": to})
    return redirect(next_or(request, reverse("leads:lead_list")))


# --- One lead ---------------------------------------------------------------------------------------------


def _describe(event: LeadEvent) -> None:
    """What the timeline shows of an event beyond its own columns: labels for the codes it stored."""
    if event.kind == LeadEvent.Kind.LOST_REQUESTED and event.details.get("reason") in LostReason.values:
        event.reason_label = LostReason(event.details["reason"]).label
    if event.kind == LeadEvent.Kind.EDITED:
        lines = []
        for name, (old, new) in event.details.items():
            try:
                field = Lead._meta.get_field(name)
            except FieldDoesNotExist:  # a field removed since: show its stored name
                lines.append((name, old, new))
                continue
            lines.append((field.verbose_name, _shown_value(field, old), _shown_value(field, new)))
        event.change_lines = lines


def _shown_value(field, value):
    """Stored history values are raw (codes, "True"); show them as the form would."""
    if value in (None, ""):
        return "–"
    if value in ("True", "False"):
        return _("Yes") if value == "True" else _("No")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def lead_detail(request, pk):
    """Everything about one lead, and what to do next: record a contact."""
    user = request.user
    lead = get_lead_for(user, pk)
    events = list(lead_timeline(lead))
    for event in events:
        _describe(event)
    events.reverse()  # newest first: the last contact is what the consultant looks for
    is_manager = user.has_perm("leads.reassign_lead")
    today = showroom_today(lead.showroom)
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "car_models": list(lead.car_models.all()),
            "events": events,
            "clashes": list(open_clashes(user).filter(lead=lead)) if is_manager else [],
            "pending_lost": pending_lost_requests(user).filter(lead=lead).first(),
            "can_edit": can_edit_lead(user, lead),
            "is_manager": is_manager,
            "today": today,
            "days_overdue": max((today - lead.next_follow_up).days, 0) if lead.next_follow_up else 0,
        },
    )


class LeadFormMixin(LoginRequiredMixin):
    """The lead comes through the access helper before anything else: 404 outside the user's scope."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.lead = get_lead_for(request.user, kwargs["pk"], write=True)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(lead=self.lead, **kwargs)

    def fresh_lead(self) -> Lead:
        """The lead as it is now, for the service: the page's copy stays as the user saw it."""
        return get_lead_for(self.request.user, self.lead.pk, write=True)


class LeadUpdateView(LeadFormMixin, FormView):
    form_class = LeadDetailsForm
    template_name = "leads/lead_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.lead}

    def form_valid(self, form):
        try:
            lead_update_details(
                lead=self.fresh_lead(),
                by=self.request.user,
                expected_version=form.cleaned_data["version"],
                car_models=form.cleaned_data["car_models"],
                **form.service_fields(),
            )
        except StaleError:
            record_conflict(form, self.lead)
            return self.form_invalid(form)
        messages.success(self.request, _("Lead details saved."))
        return redirect("leads:lead_detail", pk=self.lead.pk)


def suggestion_message(suggestion) -> str:
    if suggestion is None:
        return _("Tick what you learned of the need, decision power and purchasing power for a suggested grade.")
    return _("Suggested grade: %(grade)s — %(reasons)s") % {
        "grade": suggestion.grade,
        "reasons": " ".join(suggestion.reasons),
    }


class ContactCreateView(LeadFormMixin, FormView):
    """Record a contact: what happened, what it taught about the customer, the grade and the next date."""

    form_class = ContactForm
    template_name = "leads/lead_contact_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lead": self.lead}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        today = showroom_today(self.lead.showroom)
        if form.is_bound:
            suggestion = form.suggestion(today=today) if hasattr(form, "cleaned_data") else None
        else:
            suggestion = grade_suggest(
                has_need=self.lead.has_need,
                has_decision_power=self.lead.has_decision_power,
                has_purchasing_power=self.lead.has_purchasing_power,
                expected_purchase_date=self.lead.expected_purchase_date,
                today=today,
            )
            form.initial["suggested_grade"] = suggestion.grade if suggestion else ""
        showroom = self.lead.showroom
        context.update(
            suggestion=suggestion,
            suggestion_message=suggestion_message(suggestion),
            follow_up_days=json.dumps({grade: showroom.follow_up_days(grade) for grade in OPEN_GRADES}),
            today=today,
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        suggestion = form.suggestion(today=showroom_today(self.lead.showroom))
        form.data = form.data.copy()
        form.data["suggested_grade"] = suggestion.grade if suggestion else ""
        try:
            # One unit: the lead's factors and the contact are saved together or not at all.
            with transaction.atomic():
                lead = lead_update_details(
                    lead=self.fresh_lead(),
                    by=self.request.user,
                    expected_version=data["version"],
                    **form.detail_fields(),
                )
                contact = contact_record(
                    lead=lead,
                    by=self.request.user,
                    suggested_grade=form.server_suggested_grade(),
                    expected_version=lead.version,
                    **form.contact_fields(),
                )
                if data["appointment"]:  # refused (with the whole contact) if this contact closed the lead
                    appointment_book(lead=contact.lead, by=self.request.user, contact=contact, **data["appointment"])
        except ValidationError as error:
            add_service_errors(form, error, {**CONTACT_SERVICE_TO_FORM_FIELD, **APPOINTMENT_SERVICE_TO_FORM_FIELD})
            return self.form_invalid(form)
        except StaleError:
            record_conflict(form, self.lead)
            return self.form_invalid(form)
        if contact.next_follow_up:
            messages.success(
                self.request,
                _("Contact saved. Next follow-up: %(date)s.") % {"date": contact.next_follow_up.isoformat()},
            )
        else:
            messages.success(self.request, _("Contact saved. The lead is ordered and leaves the tracker."))
        # From the Today list, straight back to it: the consultant is working down the day's calls.
        return redirect(next_or(self.request, reverse("leads:lead_detail", args=[self.lead.pk])))


@require_GET
def grade_suggest_view(request):
    """The grade assistant for the contact form's script: same inputs, same rule as the server applies."""
    form = GradeInputsForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    suggestion = form.suggestion(today=showroom_today(request.user.showroom))
    return JsonResponse(
        {
            "grade": suggestion.grade if suggestion else "",
            "reasons": suggestion.reasons if suggestion else [],
            "message": suggestion_message(suggestion),
        }
    )


@require_POST
def clash_resolve_view(request, pk, clash_pk):
    """The manager decides who keeps a customer two consultants met: the owner, or who met them this time."""
    require_lead_manager(request.user)
    lead = get_lead_for(request.user, pk, write=True)
    clash = get_object_or_404(open_clashes(request.user).filter(lead=lead), pk=clash_pk)
    keep = {"owner": lead.owner, "met_by": clash.met_by}.get(request.POST.get("keep"))
    if keep is None:
        messages.error(request, _("Choose who keeps the lead."))
        return redirect("leads:lead_detail", pk=lead.pk)
    clash.lead = lead
    clash_resolve(clash=clash, by=request.user, keep=keep)
    messages.success(request, _("%(name)s keeps the lead.") % {"name": keep})
    return redirect("leads:lead_detail", pk=lead.pk)


# --- Lost leads -------------------------------------------------------------------------------------------


class LostRequestView(LeadFormMixin, FormView):
    form_class = LostRequestForm
    template_name = "leads/lead_lost_form.html"

    def form_valid(self, form):
        try:
            lead_request_lost(lead=self.fresh_lead(), by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Lost request sent to the manager; the lead stays open until approved."))
        return redirect("leads:lead_detail", pk=self.lead.pk)


def _with_shares(rows: list[dict], label) -> list[dict]:
    total = sum(row["n"] for row in rows)
    return [{"label": label(row), "n": row["n"], "share": row["n"] * 100 / total if total else 0} for row in rows]


def _lost_page(request, *, failed: tuple[int, LostDecisionForm] | None = None):
    """The lost-lead analysis (意向客户流失分析表) with the requests waiting for approval on top."""
    user = request.user
    showroom = user.showroom
    today = showroom_today(showroom)
    default_period = {"start": today.replace(day=1), "end": today}
    period = PeriodForm(request.GET if "start" in request.GET or "end" in request.GET else None, initial=default_period)
    start, end = default_period["start"], default_period["end"]
    if period.is_bound and period.is_valid():
        start, end = period.cleaned_data["start"], period.cleaned_data["end"]
    pending = list(pending_lost_requests(user).order_by("requested_at", "pk"))
    for lost in pending:
        auto_id = f"id_lost{lost.pk}_%s"
        lost.decide_form = failed[1] if failed and failed[0] == lost.pk else LostDecisionForm(auto_id=auto_id)
    analysis = lost_analysis(showroom=showroom, start=start, end=end)
    tables = [
        ("by_reason", _("By reason"), _with_shares(analysis["by_reason"], lambda row: LostReason(row["reason"]).label)),
        (
            "by_competitor",
            _("By competitor brand"),
            _with_shares(analysis["by_competitor"], lambda row: row["competitor_brand"]),
        ),
        (
            "by_consultant",
            _("By consultant"),
            _with_shares(
                analysis["by_consultant"],
                lambda row: f"{row['lead__owner__last_name']}{row['lead__owner__first_name']}",
            ),
        ),
        (
            "by_channel",
            _("By channel"),
            _with_shares(analysis["by_channel"], lambda row: Channel(row["lead__channel"]).label),
        ),
        ("by_month", _("By month"), _with_shares(analysis["by_month"], lambda row: row["month"].strftime("%Y-%m"))),
    ]
    return render(
        request,
        "leads/lead_lost_list.html",
        {
            "period": period,
            "start": start,
            "end": end,
            "pending": pending,
            "tables": tables,
            "total_lost": sum(row["n"] for row in analysis["by_reason"]),
        },
    )


def lost_list(request):
    require_lead_manager(request.user, write=False)
    return _lost_page(request)


@require_POST
def lost_decide(request, pk):
    """Approve a lost request (the lead closes as F) or send it back with a comment."""
    require_lead_manager(request.user)
    lost = get_object_or_404(LostRequest.objects.filter(lead__in=leads_visible_to(request.user)), pk=pk)
    form = LostDecisionForm(request.POST, auto_id=f"id_lost{lost.pk}_%s")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            lead_decide_lost(request=lost, by=request.user, approve=approve, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # already decided: nothing left to show a form for
                messages.error(request, " ".join(error.messages))
                return redirect(next_or(request, reverse("leads:lost_list")))
            add_service_errors(form, error)
        else:
            if approve:
                messages.success(request, _("%(name)s is closed as lost.") % {"name": lost.lead.customer_name})
            else:
                messages.success(request, _("Request sent back to %(name)s.") % {"name": lost.requested_by})
            return redirect(next_or(request, reverse("leads:lost_list")))
    # Show the page again with the error next to this request's comment, and what was typed kept.
    return _lost_page(request, failed=(lost.pk, form))


# --- 月份意向客户级别状况表 -------------------------------------------------------------------------------------


def grade_status(request):
    """Per consultant, the month's grade movements; a consultant sees only their own line."""
    user = request.user
    showroom = user.showroom
    this_month = showroom_today(showroom).replace(day=1)
    form = MonthForm(request.GET if "month" in request.GET else None, initial={"month": this_month})
    month = form.cleaned_data["month"] if form.is_bound and form.is_valid() else this_month
    rows = monthly_grade_status(showroom=showroom, month=month, consultant=None if user.sees_whole_showroom else user)
    movements = ("new", "upgraded", "downgraded", "ordered", "lost")
    totals = {
        "at_start": {g: sum(row.at_start[g] for row in rows) for g in OPEN_GRADES},
        "at_end": {g: sum(row.at_end[g] for row in rows) for g in OPEN_GRADES},
        **{name: sum(getattr(row, name) for row in rows) for name in movements},
    }
    for row in rows:
        row.start_total = sum(row.at_start.values())
        row.end_total = sum(row.at_end.values())
    totals["start_total"] = sum(totals["at_start"].values())
    totals["end_total"] = sum(totals["at_end"].values())
    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "leads/lead_grade_status.html",
        {
            "form": form,
            "month": month,
            "rows": rows,
            "totals": totals,
            "grades": OPEN_GRADES,
            "previous_month": previous_month,
            "next_month": next_month if next_month <= this_month else None,
            "is_manager": user.sees_whole_showroom,
        },
    )
