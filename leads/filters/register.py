import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.filters import name_or_phone_search
from dealer_crm.core.models import CarModel, InformationSource, User
from dealer_crm.core.widgets import DatePicker

from ..models import Grade, Visit, VisitKind


class VisitFilter(django_filters.FilterSet):
    """The register list's filters. Without a date range or a search it shows today, like the shared paper sheet."""

    date_from = django_filters.DateFilter(
        field_name="visit_date", lookup_expr="gte", label=_("From"), widget=DatePicker()
    )
    date_to = django_filters.DateFilter(field_name="visit_date", lookup_expr="lte", label=_("To"), widget=DatePicker())
    consultant = django_filters.ModelChoiceFilter(label=_("Consultant"), queryset=User.objects.none())
    kind = django_filters.ChoiceFilter(label=_("Walk-in or call"), choices=VisitKind.choices)
    grade = django_filters.ChoiceFilter(label=_("Grade"), choices=Grade.choices)
    source = django_filters.ModelChoiceFilter(label=_("Source"), queryset=InformationSource.objects.all())
    car_model = django_filters.ModelChoiceFilter(label=_("Model"), queryset=CarModel.objects.all())
    left_phone = django_filters.BooleanFilter(
        label=_("Left a phone"),
        field_name="no_phone",
        exclude=True,
        widget=forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]),
    )
    q = django_filters.CharFilter(label=_("Name or phone"), method="search")

    class Meta:
        model = Visit
        fields = []

    def __init__(self, *args, user: User, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.filters["consultant"].queryset = User.objects.filter(showroom_id=user.showroom_id).order_by(
            "last_name", "first_name"
        )

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        # A search looks through the whole register (has this customer been here before?); the list alone
        # is today's sheet.
        if not data.get("date_from") and not data.get("date_to") and not data.get("q"):
            queryset = queryset.filter(visit_date=self.today)
        return queryset

    def search(self, queryset, name, value):
        return name_or_phone_search(queryset, value)
