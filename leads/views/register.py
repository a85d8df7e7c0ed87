"""The register's pages. Rules live in services/selectors; views fetch through the access helpers."""

from datetime import date
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from dealer_crm.core.access import require_perm
from dealer_crm.core.clock import showroom_today
from dealer_crm.core.forms import ReasonForm, add_service_errors
from dealer_crm.core.history import history_of
from dealer_crm.core.pagination import CappedPaginator
from dealer_crm.core.phones import mask_phone, normalize_phone
from dealer_crm.core.signoff import ReopenForm, SignOffForm, reopen_from_request
from dealer_crm.core.versioning import STALE_MESSAGE, StaleError, record_conflict

from ..access import get_visit_for, require_register_manager
from ..filters.register import VisitFilter
from ..forms.register import SERVICE_TO_FORM_FIELD, LateEntryDecisionForm, LateReasonForm, VisitForm
from ..models import LateEntry, RegisterDay
from ..panels import panels_for
from ..selectors import register as selectors
from ..services import register as services


class VisitListView(LoginRequiredMixin, FilterView):
    """The shared register: today's entries of the whole showroom by default, newest first."""

    filterset_class = VisitFilter
    template_name = "leads/visit_list.html"
    paginator_class = CappedPaginator
    paginate_by = settings.REGISTER_PAGE_SIZE
    strict = False

    def get_queryset(self):
        return selectors.register_rows(selectors.visits_visible_to(self.request.user))

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs.update(user=self.request.user, today=showroom_today(self.request.user.showroom))
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = context["object_list"]
        for visit in rows:
            visit.shown_phone = selectors.visit_phone_for(user, visit)
            visit.can_edit = selectors.can_edit_visit(user, visit)
        today = showroom_today(user.showroom)
        days = selectors.register_days_for(user.showroom_id, sorted({today, *(visit.visit_date for visit in rows)}))
        for visit in rows:
            visit.day_signed_off = visit.visit_date in days and days[visit.visit_date].is_signed_off
        context.update(
            today=today,
            today_register=days.get(today),
            query_without_page=query_without_page(self.request),
            register_panels=panels_for(self.request),
        )
        return context


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class VisitFormMixin(LoginRequiredMixin):
    form_class = VisitForm
    template_name = "leads/visit_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class VisitCreateView(PermissionRequiredMixin, VisitFormMixin, FormView):
    """Log a visit; on a day already signed off, file it as a late entry (补登) for the manager to approve."""

    permission_required = "leads.add_visit"  # every staff role; not the dealer group's read-only one

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = _chosen_date(context["form"])
        signed_off = day is not None and selectors.register_day_is_signed_off(self.request.user.showroom_id, day)
        context.update(
            late_form=getattr(self, "late_form", None) or LateReasonForm(),
            late_notice=late_entry_notice(day) if signed_off else "",
            day_status_url=reverse("leads:register_day_status"),
        )
        return context

    def form_valid(self, form):
        fields = form.service_fields()
        day = form.cleaned_data["visit_date"]
        if selectors.register_day_is_signed_off(self.request.user.showroom_id, day):
            return self.late_entry_valid(form, day=day, fields=fields)
        try:
            visit = services.visit_register(
                showroom=self.request.user.showroom,
                created_by=self.request.user,
                visit_date=day,
                **fields,
            )
        except ValidationError as error:
            add_service_errors(form, error, SERVICE_TO_FORM_FIELD)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Entry no. %(number)s saved: %(name)s.") % {"number": visit.number, "name": visit.customer_name},
        )
        return redirect("leads:visit_list")

    def late_entry_valid(self, form, *, day, fields):
        self.late_form = LateReasonForm(self.request.POST)
        reason = self.late_form.cleaned_data["late_reason"] if self.late_form.is_valid() else ""
        try:
            services.late_entry_file(
                showroom=self.request.user.showroom, filed_by=self.request.user, visit_date=day, reason=reason, **fields
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "late_reason" in error.error_dict:
                self.late_form.add_error("late_reason", error.error_dict.pop("late_reason"))
            if not hasattr(error, "error_dict") or error.error_dict:
                add_service_errors(form, error, SERVICE_TO_FORM_FIELD)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Late entry for %(date)s filed: it joins the register when the manager approves it.")
            % {"date": day.isoformat()},
        )
        return redirect("leads:visit_list")


def _chosen_date(form) -> date | None:
    """The date the form shows: the initial one, or the one the user posted."""
    value = form["visit_date"].value()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


class VisitUpdateView(VisitFormMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.visit = get_visit_for(request.user, kwargs["pk"], write=True)
            if selectors.register_day_is_signed_off(self.visit.showroom_id, self.visit.visit_date):
                messages.warning(request, _("This day is signed off; its entries are locked."))
                return redirect("leads:visit_detail", pk=self.visit.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.visit}

    def get_context_data(self, **kwargs):
        return super().get_context_data(visit=self.visit, **kwargs)

    def form_valid(self, form):
        fresh = get_visit_for(self.request.user, self.visit.pk, write=True)
        try:
            services.visit_update(
                visit=fresh,
                editor=self.request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error, SERVICE_TO_FORM_FIELD)
            return self.form_invalid(form)
        except StaleError:
            record_conflict(form, self.visit)
            return self.form_invalid(form)
        messages.success(self.request, _("Entry saved."))
        return redirect("leads:visit_detail", pk=self.visit.pk)


class VisitDetailView(LoginRequiredMixin, DetailView):
    template_name = "leads/visit_detail.html"
    context_object_name = "visit"

    def get_object(self, queryset=None):
        visit = get_visit_for(self.request.user, self.kwargs["pk"])
        visit.shown_phone = selectors.visit_phone_for(self.request.user, visit)
        visit.can_edit = selectors.can_edit_visit(self.request.user, visit)
        return visit

    def get_context_data(self, **kwargs):
        visit = self.object
        register_day = selectors.register_days_for(visit.showroom_id, [visit.visit_date]).get(visit.visit_date)
        return super().get_context_data(
            history=selectors.visit_history(visit, self.request.user),
            register_day=register_day,
            can_delete=self.request.user.has_perm("leads.delete_visit"),
            delete_form=ReasonForm(),
            **kwargs,
        )


@require_POST
def visit_delete(request, pk):
    visit = get_visit_for(request.user, pk, write=True)
    # Refuse before looking at the form: a consultant must not be asked for a reason they cannot use.
    require_perm(request.user, "leads.delete_visit")
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.visit_delete(visit=visit, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("leads:visit_detail", pk=pk)
        messages.success(request, _("Entry deleted. It stays in the history."))
        return redirect("leads:visit_list")
    messages.error(request, _("Say why the entry is deleted."))
    return redirect("leads:visit_detail", pk=pk)


@require_GET
def phone_check(request):
    """Answers while the consultant types: is this customer already known in the showroom, and whose?"""
    try:
        phone = normalize_phone(request.GET.get("phone", ""))
    except ValidationError:
        return JsonResponse({"known": False, "valid": False})
    exclude = request.GET.get("exclude")
    known = selectors.phone_known_in_showroom(
        showroom=request.user.showroom,
        phone=phone,
        exclude_visit_id=int(exclude) if exclude and exclude.isdigit() else None,
    )
    if known is None:
        return JsonResponse({"known": False, "valid": True})
    return JsonResponse(
        {
            "known": True,
            "valid": True,
            "message": ngettext(
                "%(phone)s is already a customer of %(consultant)s (last visit %(date)s, %(count)s visit).",
                "%(phone)s is already a customer of %(consultant)s (last visit %(date)s, %(count)s visits).",
                known.visits,
            )
            % {
                "phone": mask_phone(phone),
                "consultant": known.consultant,
                "date": known.last_visit.isoformat(),
                "count": known.visits,
            },
        }
    )


def register_review(request, day=None):
    """The manager's daily check of the register: completeness flags, sign-off, reopen, the day's history, and
    the showroom's late entries waiting for a decision."""
    require_register_manager(request.user, write=False)
    showroom = request.user.showroom
    day = day or showroom_today(showroom)
    visits = list(
        selectors.register_rows(selectors.visits_visible_to(request.user).filter(visit_date=day)).order_by("number")
    )
    for visit in visits:
        visit.flags = selectors.visit_flags(visit)
    register_day = selectors.register_days_for(showroom.pk, [day]).get(day)
    totals = selectors.register_day_totals(showroom=showroom, day=day)
    # A day without a row yet is at the version its row will be created with.
    version = register_day.version if register_day else RegisterDay._meta.get_field("version").default
    return render(
        request,
        "leads/register_review.html",
        {
            "day": day,
            "visits": visits,
            "totals": totals,
            "flagged": sum(1 for visit in visits if visit.flags),
            "register_day": register_day,
            "changes": selectors.register_day_changes(register_day, totals),
            # A day's sign-offs, reopenings and approved late entries carry no phone number: nothing to mask.
            "events": history_of(register_day, phone_visible=True) if register_day else [],
            "sign_off_form": SignOffForm(initial={"version": version}),
            "reopen_form": ReopenForm(initial={"version": version}),
            "late_queue": selectors.late_entry_queue(request.user),
            "late_of_day": selectors.late_entries_visible_to(request.user)
            .filter(visit_date=day)
            .exclude(state=LateEntry.State.PENDING),
            "previous_day": day.fromordinal(day.toordinal() - 1),
            "next_day": day.fromordinal(day.toordinal() + 1),
        },
    )


def _review_redirect(day):
    return redirect(reverse("leads:register_review_day", kwargs={"day": day}))


@require_POST
def register_sign_off(request, day):
    require_register_manager(request.user)
    form = SignOffForm(request.POST)
    try:
        if not form.is_valid():
            raise StaleError
        services.register_day_sign_off(
            showroom=request.user.showroom, day=day, by=request.user, expected_version=form.cleaned_data["version"]
        )
    except StaleError:
        messages.error(request, STALE_MESSAGE)
    else:
        messages.success(request, _("The register of %(date)s is signed off.") % {"date": day.isoformat()})
    return _review_redirect(day)


@require_POST
def register_reopen(request, day):
    require_register_manager(request.user)
    reopen_from_request(
        request,
        partial(services.register_day_reopen, showroom=request.user.showroom, day=day, by=request.user),
        no_reason=_("Say why the day is reopened."),
        done=_("The register of %(date)s is open again.") % {"date": day.isoformat()},
    )
    return _review_redirect(day)


@require_GET
def register_day_status(request):
    """Answers when the register form's date changes: is that day signed off (so the entry becomes a late one)?"""
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return JsonResponse({"signed_off": False})
    signed_off = selectors.register_day_is_signed_off(request.user.showroom_id, day)
    return JsonResponse({"signed_off": signed_off, "message": late_entry_notice(day) if signed_off else ""})


def late_entry_notice(day) -> str:
    return _(
        "The register of %(date)s is signed off. This entry is filed as a late entry (补登): say why it comes "
        "late, and the manager approves it."
    ) % {"date": day.isoformat()}


@require_POST
def late_entry_decide(request, pk):
    """The manager approves a late entry (it joins the day's register) or declines it with a reason."""
    require_register_manager(request.user)
    late_entry = get_object_or_404(selectors.late_entries_visible_to(request.user), pk=pk)
    form = LateEntryDecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([message for errors in form.errors.values() for message in errors])
        if form.cleaned_data["decision"] == "approve":
            visit = services.late_entry_approve(
                late_entry=late_entry, by=request.user, expected_version=form.cleaned_data["version"]
            )
            messages.success(
                request,
                _("Late entry approved: no. %(number)s of %(date)s.")
                % {"number": visit.number, "date": visit.visit_date.isoformat()},
            )
        else:
            services.late_entry_decline(
                late_entry=late_entry,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Late entry declined; it stays on record with your reason."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except StaleError:
        messages.error(request, STALE_MESSAGE)
    return _review_redirect(late_entry.visit_date)
