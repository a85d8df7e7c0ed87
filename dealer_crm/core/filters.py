from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .phones import normalize_phone


def name_or_phone_search(queryset: QuerySet, value: str) -> QuerySet:
    """Search rows with `customer_name` and a normalised `phone`: a full number in any spelling is looked up by
    its normal form (indexed), four or more digits by the number's end, anything else by name."""
    value = value.strip()
    try:
        return queryset.filter(phone=normalize_phone(value))
    except ValidationError:
        pass
    if value.isdigit() and len(value) >= 4:
        return queryset.filter(phone__endswith=value)
    return queryset.filter(customer_name__icontains=value)
