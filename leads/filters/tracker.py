from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.filters import name_or_phone_search
from dealer_crm.core.models import CarModel, User
from dealer_crm.core.widgets import DatePicker

from ..models import OPEN_GRADES, Channel, Grade, Lead

YES_NO = [("", "---------"), ("true", _("Yes")), ("false", _("No"))]


class LeadFilter(django_filters.FilterSet):
    """The tracker's filters. Dates are the showroom's calendar days, like every business date in the app."""

    q = django_filters.CharFilter(label=_("Name or phone"), method="search")
    grade = django_filters.ChoiceFilter(
        label=_("Grade"), choices=[(g, label) for g, label in Grade.choices if g in OPEN_GRADES]
    )
    owner = django_filters.ModelChoiceFilter(label=_("Consultant"), queryset=User.objects.none())
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="filter_overdue", widget=forms.Select(choices=YES_NO)
    )
    due = django_filters.BooleanFilter(
        label=_("Due by today"), method="filter_due", widget=forms.Select(choices=YES_NO)
    )
    car_model = django_filters.ModelChoiceFilter(
        label=_("Model"), field_name="car_models", queryset=CarModel.objects.all()
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    created_from = django_filters.DateFilter(label=_("Created from"), method="on_or_after", widget=DatePicker())
    created_to = django_filters.DateFilter(label=_("Created until"), method="on_or_before", widget=DatePicker())
    contact_from = django_filters.DateFilter(label=_("Last contact from"), method="on_or_after", widget=DatePicker())
    contact_to = django_filters.DateFilter(label=_("Last contact until"), method="on_or_before", widget=DatePicker())

    # Which model column each date filter reads.
    DATE_FIELDS = {
        "created_from": "created_at",
        "created_to": "created_at",
        "contact_from": "last_contact_at",
        "contact_to": "last_contact_at",
    }

    class Meta:
        model = Lead
        fields = []

    def __init__(self, *args, user: User, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.zone = user.showroom.zone
        if user.sees_whole_showroom:
            self.filters["owner"].queryset = User.objects.filter(showroom_id=user.showroom_id).order_by(
                "last_name", "first_name"
            )
        else:
            # A consultant's tracker holds only their own leads: nothing to choose.
            del self.filters["owner"]

    def search(self, queryset, name, value):
        return name_or_phone_search(queryset, value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(next_follow_up__lt=self.today)
        return queryset.filter(Q(next_follow_up__gte=self.today) | Q(next_follow_up__isnull=True))

    def filter_due(self, queryset, name, value):
        # Today's list, in full (its grade groups link here): due today or earlier.
        if value is None:
            return queryset
        if value:
            return queryset.filter(next_follow_up__lte=self.today)
        return queryset.filter(Q(next_follow_up__gt=self.today) | Q(next_follow_up__isnull=True))

    def _start_of(self, day) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.zone)

    def on_or_after(self, queryset, name, value):
        return queryset.filter(**{f"{self.DATE_FIELDS[name]}__gte": self._start_of(value)})

    def on_or_before(self, queryset, name, value):
        return queryset.filter(**{f"{self.DATE_FIELDS[name]}__lt": self._start_of(value + timedelta(days=1))})
