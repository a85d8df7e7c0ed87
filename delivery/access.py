"""One access helper per object kind (the shape of dealer_crm/core/access.py); every delivery view fetches through
these, so scope is never forgotten.

Outside the user's scope (another showroom, or another consultant's customer) is a 404, so ids reveal nothing;
inside it, reading needs the kind's view permission and writing its change permission (403 otherwise)."""

from dealer_crm.core.access import object_for
from dealer_crm.core.models import User

from .models import Callback, Complaint, Contract, CustomerCard, Delivery
from .selectors import (
    callbacks_visible_to,
    cards_visible_to,
    complaints_visible_to,
    contracts_visible_to,
    deliveries_visible_to,
)


def _may(user: User, model: str, *, write: bool):
    """The role check of a delivery record: `delivery.change_<model>` to write, `delivery.view_<model>` to read."""
    perm = f"delivery.{'change' if write else 'view'}_{model}"
    return lambda _obj: user.has_perm(perm)


def get_contract_for(user: User, pk: int, *, write: bool = False) -> Contract:
    return object_for(
        contracts_visible_to(user).select_related("showroom", "lead", "consultant", "car_model"),
        pk,
        allowed=_may(user, "contract", write=write),
    )


def get_card_for(user: User, pk: int, *, write: bool = False) -> CustomerCard:
    return object_for(
        cards_visible_to(user).select_related(
            "showroom", "lead", "contract__consultant", "district", "information_source", "model_bought"
        ),
        pk,
        allowed=_may(user, "customercard", write=write),
    )


def get_delivery_for(user: User, pk: int, *, write: bool = False) -> Delivery:
    return object_for(
        deliveries_visible_to(user).select_related(
            "showroom", "consultant", "contract__lead", "contract__car_model", "contract__consultant"
        ),
        pk,
        allowed=_may(user, "delivery", write=write),
    )


def get_callback_for(user: User, pk: int, *, write: bool = False) -> Callback:
    return object_for(
        callbacks_visible_to(user).select_related(
            "consultant", "delivery__showroom", "delivery__contract__lead", "delivery__contract__car_model"
        ),
        pk,
        allowed=_may(user, "callback", write=write),
    )


def get_complaint_for(user: User, pk: int, *, write: bool = False) -> Complaint:
    return object_for(
        complaints_visible_to(user).select_related(
            "showroom", "owner", "callback", "delivery__contract__lead", "delivery__contract__car_model"
        ),
        pk,
        allowed=_may(user, "complaint", write=write),
    )
