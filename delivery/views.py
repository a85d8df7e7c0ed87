"""Pages after the order: contract, customer information card, delivery appointment and day, callbacks,
complaints. Rules live in services and selectors; views fetch through the access helpers, call the services and
put the services' errors next to the fields."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from dealer_crm.core.access import require_perm
from dealer_crm.core.clock import showroom_date_of, showroom_today
from dealer_crm.core.forms import ReasonForm, add_service_errors
from dealer_crm.core.models import InformationSource
from dealer_crm.core.pagination import CappedPaginator, next_or, query_without_page
from dealer_crm.core.versioning import STALE_MESSAGE, StaleError, record_conflict
from leads.access import get_lead_for
from leads.models import Gender

from . import selectors, services
from .access import get_callback_for, get_card_for, get_complaint_for, get_contract_for, get_delivery_for
from .filters import CallbackFilter, ComplaintFilter, ContractFilter
from .forms import (
    DELIVERY_SERVICE_TO_FORM_FIELD,
    CallbackForm,
    CardForm,
    ChecklistForm,
    ComplaintActionForm,
    ComplaintCloseForm,
    ComplaintForm,
    ContractForm,
    DeliveryBookingForm,
    MoveToNowForm,
    VinForm,
)
from .models import (
    OPTIONAL_ITEMS,
    REQUIRED_ITEMS,
    Complaint,
    Contract,
    CustomerCard,
    CustomerType,
    Delivery,
    FirstSource,
    PaymentMethod,
    Priority,
    PurchaseType,
    SourceStructure,
    VehicleUse,
)

PAGE_SIZE = 25


# --- Contracts --------------------------------------------------------------------------------------------------


class ContractListView(LoginRequiredMixin, FilterView):
    """The contracts of the user's customers (a manager's: the showroom's), newest first."""

    filterset_class = ContractFilter
    template_name = "delivery/contract_list.html"
    paginator_class = CappedPaginator
    paginate_by = PAGE_SIZE
    strict = False

    def get_queryset(self):
        return selectors.contract_rows(selectors.contracts_visible_to(self.request.user))

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            query_without_page=query_without_page(self.request),
            is_manager=self.request.user.sees_whole_showroom,
            **kwargs,
        )


def contract_create(request, lead_pk):
    """Sign the contract of an open or ordered lead (from its page). A lead with a live contract goes to it."""
    lead = get_lead_for(request.user, lead_pk, write=True)
    require_perm(request.user, "delivery.add_contract")
    live = selectors.live_contract_of(lead)
    if live is not None:
        return redirect("delivery:contract_detail", pk=live.pk)
    if lead.status not in ("open", "ordered"):
        messages.warning(
            request, _("This lead is closed as lost; a returning customer comes back through the register.")
        )
        return redirect("leads:lead_detail", pk=lead.pk)
    form = ContractForm(request.POST or None, lead=lead, instance=Contract(showroom=lead.showroom))
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_sign(lead=lead, by=request.user, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Contract %(number)s signed; customer information card no. %(card)s opened.")
                % {"number": contract.number, "card": contract.lead.customer_card.number},
            )
            return redirect("delivery:contract_detail", pk=contract.pk)
    return render(request, "delivery/contract_form.html", {"form": form, "lead": lead, "contract": None})


def contract_update(request, pk):
    contract = get_contract_for(request.user, pk, write=True)
    if contract.status != Contract.Status.SIGNED:
        messages.warning(request, _("A delivered or cancelled contract cannot be changed."))
        return redirect("delivery:contract_detail", pk=contract.pk)
    form = ContractForm(request.POST or None, lead=contract.lead, instance=contract)
    if request.method == "POST" and form.is_valid():
        fresh = get_contract_for(request.user, pk, write=True)
        try:
            services.contract_update(
                contract=fresh,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleError:
            record_conflict(form, contract)
        else:
            messages.success(request, _("Contract saved."))
            return redirect("delivery:contract_detail", pk=contract.pk)
    return render(request, "delivery/contract_form.html", {"form": form, "lead": contract.lead, "contract": contract})


def contract_detail(request, pk):
    """Everything after the order on one page: the contract, the card, the delivery, callbacks and complaints."""
    user = request.user
    contract = get_contract_for(user, pk)
    delivery = Delivery.objects.filter(contract=contract).select_related("consultant").first()
    card = CustomerCard.objects.filter(lead_id=contract.lead_id).only("pk", "number", "lead_id").first()
    callbacks = list(delivery.callbacks.all()) if delivery else []
    complaints = list(delivery.complaints.select_related("owner")) if delivery else []
    today = showroom_today(contract.showroom)
    for callback in callbacks:
        callback.is_due = callback.is_pending and callback.due_date <= today
    return render(
        request,
        "delivery/contract_detail.html",
        {
            "contract": contract,
            "lead": contract.lead,
            "delivery": delivery,
            "card": card,
            "callbacks": callbacks,
            "complaints": complaints,
            "history": selectors.record_history(contract, user)[::-1],  # newest first
            "can_cancel": contract.is_live and user.has_perm("delivery.cancel_contract"),
            "can_edit": user.has_perm("delivery.change_contract"),
            "today": today,
        },
    )


def contract_cancel(request, pk):
    """The manager cancels a signed contract, with a reason; the lead goes back into the tracker."""
    contract = get_contract_for(request.user, pk, write=True)
    require_perm(request.user, "delivery.cancel_contract")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_cancel(contract=contract, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Contract %(number)s cancelled; %(name)s is back in the lead tracker.")
                % {"number": contract.number, "name": contract.lead.customer_name},
            )
            return redirect("leads:lead_detail", pk=contract.lead_id)
    return render(request, "delivery/contract_cancel.html", {"form": form, "contract": contract})


# --- The customer information card ------------------------------------------------------------------------------


def card_detail(request, pk):
    card = get_card_for(request.user, pk)
    return render(
        request,
        "delivery/card_detail.html",
        {
            "card": card,
            "history": selectors.record_history(card, request.user)[::-1],  # newest first
            "can_edit": request.user.has_perm("delivery.change_customercard"),
        },
    )


def card_update(request, pk):
    card = get_card_for(request.user, pk, write=True)
    form = CardForm(request.POST or None, instance=card)
    if request.method == "POST" and form.is_valid():
        fresh = get_card_for(request.user, pk, write=True)
        try:
            services.card_update(
                card=fresh,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleError:
            record_conflict(form, card)
        else:
            messages.success(request, _("Customer information card saved."))
            return redirect("delivery:card_detail", pk=card.pk)
    return render(request, "delivery/card_form.html", {"form": form, "card": card})


PRINT_LANGUAGE = "zh-hans"  # the paper forms are Chinese: printed copies read like the automaker's templates


def card_print(request, pk):
    """The card on one A4 sheet, laid out like the paper card, in Chinese whatever the screen's language."""
    card = get_card_for(request.user, pk)
    with translation.override(PRINT_LANGUAGE):
        return render(request, "delivery/card_print.html", _card_print_context(card))


def _card_print_context(card: CustomerCard) -> dict:
    """The card and every choice list, so the print shows each option with its box ticked or not, like paper."""
    sources = InformationSource.objects.filter(Q(is_active=True) | Q(pk=card.information_source_id))
    return {
        "card": card,
        "contract": card.contract,
        "genders": [(code, label) for code, label in Gender.choices if code],
        "yes_no": [(True, _("Yes")), (False, _("No"))],
        "sources": [(source.pk, str(source)) for source in sources],
        "choices": {
            "source_structure": SourceStructure.choices,
            "first_source": FirstSource.choices,
            "purchase_type": PurchaseType.choices,
            "customer_type": CustomerType.choices,
            "vehicle_use": VehicleUse.choices,
            "payment_method": PaymentMethod.choices,
            "priorities": Priority.choices,
            "grades": [("H", "H"), ("A", "A"), ("B", "B"), ("C", "C"), ("O", "O")],
        },
    }


# --- Deliveries -------------------------------------------------------------------------------------------------


def delivery_book(request, pk):
    """Book (or move) the delivery of a signed contract: date, slot, consultant and service advisor."""
    contract = get_contract_for(request.user, pk, write=True)
    require_perm(request.user, "delivery.add_delivery")
    delivery = Delivery.objects.filter(contract=contract).first()
    if contract.status != Contract.Status.SIGNED or (delivery and not delivery.is_booked):
        messages.warning(request, _("Only a signed contract's car can be booked for delivery."))
        return redirect("delivery:contract_detail", pk=contract.pk)
    settings = selectors.delivery_settings_for(contract.showroom)
    initial = {"consultant": contract.consultant_id, "date": contract.planned_delivery_date}
    if delivery:
        local = delivery.starts_at.astimezone(contract.showroom.zone)
        initial.update(
            date=local.date(),
            start_time=local.time(),
            consultant=delivery.consultant_id,
            service_advisor=delivery.service_advisor,
            notes=delivery.notes,
        )
    else:
        # From the week view's free slot, or the first slot of the planned day.
        try:
            initial["date"] = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            pass
        slots = selectors.slot_times(settings)
        initial["start_time"] = request.GET.get("time") or (slots[0] if slots else None)
    form = DeliveryBookingForm(
        request.POST or None, contract=contract, slot_minutes=settings.slot_minutes, booked=delivery, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booked = services.delivery_book(
                contract=contract,
                by=request.user,
                starts_at=data["starts_at"],
                consultant=data["consultant"],
                service_advisor=data["service_advisor"],
                notes=data["notes"],
                expected_version=data.get("version"),
            )
        except ValidationError as error:
            add_service_errors(form, error, DELIVERY_SERVICE_TO_FORM_FIELD)
        except StaleError:
            record_conflict(form, delivery or contract.delivery)
        else:
            local = booked.starts_at.astimezone(contract.showroom.zone)
            messages.success(request, _("Delivery booked for %(when)s.") % {"when": local.strftime("%Y-%m-%d %H:%M")})
            return redirect("delivery:contract_detail", pk=contract.pk)
    week_day = form.cleaned_data.get("date") if form.is_bound and hasattr(form, "cleaned_data") else None
    return render(
        request,
        "delivery/delivery_form.html",
        {
            "form": form,
            "contract": contract,
            "delivery": delivery,
            "week_url": reverse(
                "delivery:week_of",
                kwargs={"day": selectors.week_of(week_day or initial["date"] or showroom_today(contract.showroom))},
            ),
        },
    )


def delivery_week(request, day=None):
    """The showroom's deliveries of a week, Monday to Sunday, on the slot grid: free slots at a glance."""
    user = request.user
    if user.showroom is None or not user.has_perm("delivery.view_delivery"):
        raise PermissionDenied
    showroom = user.showroom
    today = showroom_today(showroom)
    monday = selectors.week_of(day or today)
    settings = selectors.delivery_settings_for(showroom)
    week = selectors.delivery_week(user=user, showroom=showroom, monday=monday, settings=settings)
    contract = None
    if request.GET.get("contract", "").isdigit():  # booking from the week view: free slots link to the form
        contract = selectors.contracts_visible_to(user).filter(pk=request.GET["contract"], status="signed").first()
    return render(
        request,
        "delivery/delivery_week.html",
        {
            "week": week,
            "today": today,
            "previous_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "this_week": selectors.week_of(today),
            "booking_contract": contract,
        },
    )


def _checklist_rows(form):
    return [(form[name], name in REQUIRED_ITEMS) for name in (*REQUIRED_ITEMS, *OPTIONAL_ITEMS)]


def delivery_day(request, pk):
    """On the day: first what must be settled before the handover (the car's VIN, an appointment brought forward
    when the customer collects early), then the checklist walked round the car, the customer's typed name and
    drawn signature, then done. "Save" keeps the ticks, the name and the signature; "Complete" also hands the car
    over, refused while a required item is open. Each form posted here says which it is by its button."""
    delivery = get_delivery_for(request.user, pk, write=request.method == "POST")
    action = next((name for name in ("set_vin", "move_to_now") if name in request.POST), "checklist")
    posted = request.POST if request.method == "POST" else None
    vin_form = VinForm(posted if action == "set_vin" else None, contract=delivery.contract)
    form = ChecklistForm(posted if action == "checklist" else None, instance=delivery)
    if request.method == "POST" and delivery.is_booked:
        if action == "set_vin":
            done = _delivery_set_vin(request, delivery, vin_form)
        elif action == "move_to_now":
            done = _delivery_move_to_now(request, delivery)
        else:
            done, delivery = _delivery_checklist_post(request, delivery, form)
        if done is not None:
            return done
    return render(
        request,
        "delivery/delivery_day.html",
        {
            "delivery": delivery,
            "contract": delivery.contract,
            "form": form,
            "vin_form": vin_form,
            "missing": services.delivery_missing_prerequisites(delivery=delivery) if delivery.is_booked else {},
            "checklist": _checklist_rows(form),
            # As the page shows them: the ticks just sent when a completion was refused, else the saved ones.
            "open_required": [form[name].label for name in REQUIRED_ITEMS if not form[name].value()],
            "history": selectors.record_history(delivery, request.user)[::-1],  # newest first
        },
    )


def _delivery_set_vin(request, delivery, vin_form):
    """The VIN asked for before the checklist: saved on the contract through its own (versioned) service."""
    if not vin_form.is_valid():
        return None
    try:
        services.contract_update(
            contract=get_contract_for(request.user, delivery.contract_id, write=True),
            by=request.user,
            expected_version=vin_form.cleaned_data["version"],
            vin=vin_form.cleaned_data["vin"],
        )
    except ValidationError as error:
        add_service_errors(vin_form, error)
        return None
    except StaleError:
        record_conflict(vin_form, delivery.contract)
        return None
    messages.success(request, _("VIN saved on the contract."))
    return redirect("delivery:delivery_day", pk=delivery.pk)


def _delivery_move_to_now(request, delivery):
    """The customer collects before their booked day: bring the appointment forward to now (on the record).
    Nothing is typed for it, so a refusal is a message on the page drawn again."""
    form = MoveToNowForm(request.POST)
    try:
        if not form.is_valid():
            raise StaleError  # its only field is the version: a post without one is refused as stale
        services.delivery_move_to_now(delivery=delivery, by=request.user, expected_version=form.cleaned_data["version"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except StaleError:
        messages.error(request, STALE_MESSAGE)
    else:
        messages.success(request, _("The appointment is brought forward to now."))
    return redirect("delivery:delivery_day", pk=delivery.pk)


def _delivery_checklist_post(request, delivery, form):
    """Save the checklist (and what the customer typed and drew), then complete the delivery if asked.
    Returns the response when done, and the delivery as the page should show it."""
    if not form.is_valid():
        return None, delivery
    data = form.cleaned_data
    items = form.items()
    try:
        # What was ticked, typed and drawn is kept even when completing is refused (the service's savepoint
        # undoes only itself), and the form then carries the version just saved.
        delivery = services.delivery_save_checklist(
            delivery=delivery,
            by=request.user,
            items=items,
            expected_version=data["version"],
            customer_signed_name=data["customer_signed_name"],
            signature=data["signature"],
        )
        form.data = form.data.copy()
        form.data["version"] = str(delivery.version)
        if "complete" in request.POST:
            services.delivery_complete(
                delivery=delivery,
                by=request.user,
                items=items,
                customer_signed_name=data["customer_signed_name"],
                signature=data["signature"],
                expected_version=delivery.version,
            )
    except ValidationError as error:
        add_service_errors(form, error)
        return None, delivery
    except StaleError:
        record_conflict(form, delivery)
        return None, delivery
    if "complete" in request.POST:
        messages.success(
            request,
            _("Car delivered to %(name)s. The first callback is due on %(date)s.")
            % {
                "name": delivery.contract.lead.customer_name,
                "date": delivery.callbacks.order_by("step").values_list("due_date", flat=True).first(),
            },
        )
        return redirect("delivery:contract_detail", pk=delivery.contract_id), delivery
    messages.success(request, _("Checklist saved."))
    return redirect("delivery:delivery_day", pk=delivery.pk), delivery


def delivery_confirmation(request, pk):
    """The delivery confirmation (交车确认单) to print and hand over, in Chinese like the paper form."""
    delivery = get_delivery_for(request.user, pk)
    if delivery.status != Delivery.Status.COMPLETED:
        raise Http404
    with translation.override(PRINT_LANGUAGE):
        return render(
            request,
            "delivery/delivery_confirmation.html",
            {
                "delivery": delivery,
                "contract": delivery.contract,
                "checklist": [
                    (Delivery._meta.get_field(name).verbose_name, getattr(delivery, name), name in REQUIRED_ITEMS)
                    for name in (*REQUIRED_ITEMS, *OPTIONAL_ITEMS)
                ],
            },
        )


# --- Callbacks --------------------------------------------------------------------------------------------------


class CallbackListView(LoginRequiredMixin, FilterView):
    """The user's callbacks to new owners (a manager's: the showroom's): due ones first by default."""

    filterset_class = CallbackFilter
    template_name = "delivery/callback_list.html"
    paginator_class = CappedPaginator
    paginate_by = PAGE_SIZE
    strict = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and (
            request.user.showroom_id is None or not request.user.has_perm("delivery.view_callback")
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def today(self) -> date:
        return showroom_today(self.request.user.showroom)

    def get_queryset(self):
        return selectors.callback_rows(selectors.callbacks_visible_to(self.request.user))

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user, "today": self.today}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = self.today
        for callback in context["object_list"]:
            callback.days_overdue = (today - callback.due_date).days if callback.is_pending else 0
        filterset = context["filter"]
        consultant = filterset.form.cleaned_data.get("consultant") if filterset.form.is_valid() else None
        counted = selectors.callbacks_visible_to(self.request.user)
        counts = selectors.callback_counts(counted.filter(consultant=consultant) if consultant else counted, today)
        state = filterset.form.cleaned_data.get("state") if filterset.form.is_valid() else CallbackFilter.OPEN
        query = self.request.GET.copy()
        query.pop("page", None)
        tabs = []
        for key, label in CallbackFilter.STATES:
            query["state"] = key
            number = counts["due"] + counts["upcoming"] if key == CallbackFilter.OPEN else counts[key]
            tabs.append(
                {"key": key, "label": label, "count": number, "query": query.urlencode(), "active": key == state}
            )
        context.update(
            today=today,
            state_tabs=tabs,
            query_without_page=query_without_page(self.request),
            is_manager=self.request.user.sees_whole_showroom,
        )
        return context


def callback_record(request, pk):
    """Record a callback to the new owner: reached or not, satisfaction, remarks, a complaint if there is one."""
    callback = get_callback_for(request.user, pk, write=request.method == "POST")
    form = CallbackForm(request.POST or None)
    if request.method == "POST" and callback.is_pending and form.is_valid():
        data = form.cleaned_data
        try:
            services.callback_record(
                callback=callback,
                by=request.user,
                reached=data["reached"],
                satisfaction=data["satisfaction"],
                remarks=data["remarks"],
                complaint=data["complaint"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Callback recorded."))
            return redirect(next_or(request, reverse("delivery:callback_list")))
    return render(
        request,
        "delivery/callback_form.html",
        {
            "callback": callback,
            "delivery": callback.delivery,
            "contract": callback.delivery.contract,
            "form": form,
            "next": next_or(request, ""),
            "history": selectors.record_history(callback, request.user)[::-1],  # newest first
        },
    )


# --- Complaints -------------------------------------------------------------------------------------------------


class ComplaintListView(LoginRequiredMixin, FilterView):
    """Complaints to close (客户抱怨问题闭环管理表), oldest first with their age: the manager's watch list."""

    filterset_class = ComplaintFilter
    template_name = "delivery/complaint_list.html"
    paginator_class = CappedPaginator
    paginate_by = PAGE_SIZE
    strict = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and (
            request.user.showroom_id is None or not request.user.has_perm("delivery.view_complaint")
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.complaint_rows(selectors.complaints_visible_to(self.request.user))

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = showroom_today(self.request.user.showroom)
        for complaint in context["object_list"]:
            complaint.age_days = _age_days(complaint, today)
        context.update(
            today=today,
            query_without_page=query_without_page(self.request),
            is_manager=self.request.user.sees_whole_showroom,
        )
        return context


def complaint_create(request, pk):
    """Record a complaint about a delivered car (from the contract's page)."""
    contract = get_contract_for(request.user, pk, write=True)
    require_perm(request.user, "delivery.add_complaint")
    delivery = Delivery.objects.filter(contract=contract, status=Delivery.Status.COMPLETED).first()
    if delivery is None:
        messages.warning(request, _("Complaints are recorded once the car is delivered."))
        return redirect("delivery:contract_detail", pk=contract.pk)
    delivery.contract = contract
    form = ComplaintForm(request.POST or None, delivery=delivery)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_open(
                delivery=delivery,
                by=request.user,
                description=form.cleaned_data["description"],
                owner=form.cleaned_data["owner"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Complaint recorded."))
            return redirect("delivery:complaint_detail", pk=complaint.pk)
    return render(request, "delivery/complaint_form.html", {"form": form, "contract": contract})


def _age_days(complaint: Complaint, today: date) -> int:
    """Days since the complaint was opened, up to today or to the day it was closed (showroom-local days)."""
    end = showroom_date_of(complaint.showroom, complaint.closed_at) if complaint.closed_at else today
    return (end - complaint.opened_on).days


def _complaint_page(request, complaint: Complaint, *, action_form=None, close_form=None):
    today = showroom_today(complaint.showroom)
    return render(
        request,
        "delivery/complaint_detail.html",
        {
            "complaint": complaint,
            "contract": complaint.delivery.contract,
            "actions": list(complaint.actions.select_related("by")),
            "action_form": action_form or ComplaintActionForm(initial={"taken_on": today}),
            "close_form": close_form or ComplaintCloseForm(),
            "can_close": request.user.has_perm("delivery.close_complaint") and not complaint.is_closed,
            "age_days": _age_days(complaint, today),
            "history": selectors.record_history(complaint, request.user)[::-1],  # newest first
        },
    )


def complaint_detail(request, pk):
    return _complaint_page(request, get_complaint_for(request.user, pk))


@require_POST
def complaint_add_action(request, pk):
    complaint = get_complaint_for(request.user, pk, write=True)
    require_perm(request.user, "delivery.add_complaintaction")
    form = ComplaintActionForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_add_action(complaint=complaint, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Action recorded."))
            return redirect("delivery:complaint_detail", pk=complaint.pk)
    return _complaint_page(request, complaint, action_form=form)


@require_POST
def complaint_close(request, pk):
    complaint = get_complaint_for(request.user, pk, write=True)
    require_perm(request.user, "delivery.close_complaint")
    form = ComplaintCloseForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_close(
                complaint=complaint, by=request.user, closing_note=form.cleaned_data["closing_note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Complaint closed."))
            return redirect("delivery:complaint_detail", pk=complaint.pk)
    return _complaint_page(request, complaint, close_form=form)
