import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealer_crm.core.models import User

from .models import Callback, Complaint, Contract


def _consultant_filter(filterset, user: User, name: str) -> None:
    """Managers choose among the showroom's staff; a consultant's list holds only their own, nothing to choose."""
    if user.sees_whole_showroom:
        filterset.filters[name].queryset = User.objects.filter(showroom_id=user.showroom_id).order_by(
            "last_name", "first_name"
        )
    else:
        del filterset.filters[name]


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, phone or contract no."), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Contract.Status.choices)
    consultant = django_filters.ModelChoiceFilter(label=_("Consultant"), queryset=User.objects.none())

    class Meta:
        model = Contract
        fields = []

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        _consultant_filter(self, user, "consultant")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(lead__customer_name__icontains=value) | Q(lead__phone__endswith=value)
        )


class CallbackFilter(django_filters.FilterSet):
    """Still to make (due and coming up, the default: a delivery's callbacks show the day it is made), due (today
    or earlier, not made), coming up, or done."""

    OPEN = "open"
    STATES = [
        (OPEN, _("Due and coming up")),
        ("due", pgettext_lazy("callbacks", "Due")),
        ("upcoming", _("Coming up")),
        ("done", _("Done")),
    ]

    state = django_filters.ChoiceFilter(label=_("Show"), choices=STATES, method="filter_state", empty_label=None)
    consultant = django_filters.ModelChoiceFilter(label=_("Consultant"), queryset=User.objects.none())

    class Meta:
        model = Callback
        fields = []

    def __init__(self, data=None, *args, user: User, today, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", self.OPEN)
        super().__init__(data, *args, **kwargs)
        self.today = today
        _consultant_filter(self, user, "consultant")

    def filter_state(self, queryset, name, value):
        pending = queryset.filter(status=Callback.Status.PENDING)
        if value == "upcoming":
            return pending.filter(due_date__gt=self.today)
        if value == "done":
            return queryset.filter(status=Callback.Status.DONE).order_by("-done_at", "-pk")
        if value == "due":
            return pending.filter(due_date__lte=self.today)
        return pending


class ComplaintFilter(django_filters.FilterSet):
    UNRESOLVED = "unresolved"

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(UNRESOLVED, _("Open or in progress")), *Complaint.Status.choices],
        method="filter_status",
        empty_label=_("All"),
    )
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none())

    class Meta:
        model = Complaint
        fields = []

    def __init__(self, data=None, *args, user: User, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", self.UNRESOLVED)
        super().__init__(data, *args, **kwargs)
        _consultant_filter(self, user, "owner")

    def filter_status(self, queryset, name, value):
        if value == self.UNRESOLVED:
            return queryset.exclude(status=Complaint.Status.CLOSED)
        return queryset.filter(status=value) if value else queryset
