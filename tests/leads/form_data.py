"""What the register's forms post: a complete new entry, or an existing entry as its edit form shows it."""

from leads.models import Visit
from tests.conftest import TODAY
from tests.factories import source


def create_form_data(**overrides) -> dict:
    """A complete walk-in of today, 14:00-14:45; `None` as an override leaves a field out."""
    data = {
        "kind": "walk_in",
        "visit_date": TODAY.isoformat(),
        "customer_name": "赵女士",
        "gender": "f",
        "phone": "139 1234 5678",
        "arrival_time": "14:00",
        "departure_time": "14:45",
        "party_size": "2",
        "grade": "B",
        "source": str(source("web").pk),
        "summary": "试驾了凯美瑞，对价格满意，周末带家人再来",
        "remarks": "",
        "version": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_form_data(visit: Visit, **overrides) -> dict:
    """The edit form of `visit` submitted unchanged (as it is rendered for it), with `overrides` applied."""
    zone = visit.showroom.zone
    data = {
        "kind": visit.kind,
        "visit_date": visit.visit_date.isoformat(),
        "customer_name": visit.customer_name,
        "gender": visit.gender,
        "phone": visit.phone,
        "district": visit.district_id or "",
        "address": visit.address,
        "car_model": visit.car_model_id or "",
        "source": visit.source_id or "",
        "arrival_time": visit.arrived_at.astimezone(zone).strftime("%H:%M"),
        "departure_time": visit.left_at.astimezone(zone).strftime("%H:%M"),
        "party_size": str(visit.party_size),
        "grade": visit.grade,
        "summary": visit.summary,
        "remarks": visit.remarks,
        "consultant": str(visit.consultant_id),
        "version": str(visit.version),
    }
    if visit.no_phone:
        data["no_phone"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
