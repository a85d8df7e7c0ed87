"""One access helper per object kind; every delivery view fetches through these, so scope is never forgotten.

Outside the user's scope (another showroom, or another consultant's customer) is a 404, so ids reveal nothing;
inside it, an action the user's role may not take is a 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dealer_crm.core.models import User

from .models import Callback, Complaint, Contract, CustomerCard, Delivery
from .selectors import (
    callbacks_visible_to,
    cards_visible_to,
    complaints_visible_to,
    contracts_visible_to,
    deliveries_visible_to,
)


def _get(queryset, pk: int, model):
    try:
        return queryset.get(pk=pk)
    except model.DoesNotExist:
        raise Http404 from None


def _check(user: User, *, write: bool, perm: str) -> None:
    if not user.has_perm(perm if write else perm.replace(".change_", ".view_")):
        raise PermissionDenied


def get_contract_for(user: User, pk: int, *, write: bool = False) -> Contract:
    contract = _get(
        contracts_visible_to(user).select_related("showroom", "lead", "consultant", "car_model"), pk, Contract
    )
    _check(user, write=write, perm="delivery.change_contract")
    return contract


def get_card_for(user: User, pk: int, *, write: bool = False) -> CustomerCard:
    card = _get(
        cards_visible_to(user).select_related(
            "showroom", "lead", "contract__consultant", "district", "information_source", "model_bought"
        ),
        pk,
        CustomerCard,
    )
    _check(user, write=write, perm="delivery.change_customercard")
    return card


def get_delivery_for(user: User, pk: int, *, write: bool = False) -> Delivery:
    delivery = _get(
        deliveries_visible_to(user).select_related(
            "showroom", "consultant", "contract__lead", "contract__car_model", "contract__consultant"
        ),
        pk,
        Delivery,
    )
    _check(user, write=write, perm="delivery.change_delivery")
    return delivery


def get_callback_for(user: User, pk: int, *, write: bool = False) -> Callback:
    callback = _get(
        callbacks_visible_to(user).select_related(
            "consultant", "delivery__showroom", "delivery__contract__lead", "delivery__contract__car_model"
        ),
        pk,
        Callback,
    )
    _check(user, write=write, perm="delivery.change_callback")
    return callback


def get_complaint_for(user: User, pk: int, *, write: bool = False) -> Complaint:
    complaint = _get(
        complaints_visible_to(user).select_related(
            "showroom", "owner", "callback", "delivery__contract__lead", "delivery__contract__car_model"
        ),
        pk,
        Complaint,
    )
    _check(user, write=write, perm="delivery.change_complaint")
    return complaint
