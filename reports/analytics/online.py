"""The DCC desk's figures (issue 16): how fast online leads are answered, and what becomes of them.

One row per online inquiry received in the period (dcc.OnlineLead), with what the database can say of it in the
same query: its first contact with the customer after it arrived, whether that was within its deadline, and
whether the customer was invited, came to an appointment, missed one, walked in, and ordered by now. The rows
are then grouped by platform and by consultant in Python: the median and the 90th percentile need the values
(SQLite has no percentile function), and a month holds a showroom's online leads by the hundred, not the million.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from dcc.models import OnlineLead, Platform
from leads.models import Appointment, Contact, ContactKind, LeadStatus
from leads.services.tracker import FIRST_RESPONSE_KINDS

from .selectors import Column, Figure, Scope, percent

COLUMNS = [
    Column("leads", _("Online leads")),
    Column("median_minutes", _("First response, median (min)")),
    Column("p90_minutes", _("First response, 90th percentile (min)")),
    Column("met_rate", _("Deadline met"), percent=True),
    Column("invited_rate", _("Invited"), percent=True),
    Column("show_rate", _("Show rate"), percent=True),
    Column("visit_rate", _("Visited"), percent=True),
    Column("order_rate", _("Ordered"), percent=True),
]


@dataclass
class Inquiry:
    platform: str
    owner: str
    minutes: float | None  # to the first contact; None: not answered yet
    met: bool
    invited: bool
    arrived: bool
    no_show: bool
    visited: bool
    ordered: bool


def inquiries(scope: Scope) -> list[Inquiry]:
    """The period's online inquiries of the scope (one query)."""
    # Contacts are recorded to the minute, so a call at 15:30 answers an inquiry that arrived at 15:30:40.
    after_arrival = {"lead": OuterRef("lead"), "occurred_at__gte": OuterRef("received_at") - timedelta(minutes=1)}
    first_contact = (
        Contact.objects.filter(kind__in=FIRST_RESPONSE_KINDS, **after_arrival)
        .order_by("occurred_at")
        .values("occurred_at")
    )
    appointments = Appointment.objects.filter(lead=OuterRef("lead"), booked_at__gte=OuterRef("received_at"))
    rows = OnlineLead.objects.filter(
        showroom=scope.showroom, received_at__gte=scope.start_at, received_at__lt=scope.end_at
    )
    if scope.consultant is not None:
        rows = rows.filter(lead__owner=scope.consultant)
    rows = rows.annotate(
        first_contact_at=Subquery(first_contact.values("occurred_at")[:1]),
        invited=Exists(appointments),
        arrived=Exists(appointments.filter(state=Appointment.State.ARRIVED)),
        no_show=Exists(appointments.filter(state=Appointment.State.NO_SHOW)),
        visited=Exists(Contact.objects.filter(kind=ContactKind.SHOWROOM_VISIT, **after_arrival)),
    ).values_list(
        "source__platform",
        "lead__owner__last_name",
        "lead__owner__first_name",
        "lead__owner__username",
        "received_at",
        "response_due_at",
        "first_contact_at",
        "invited",
        "arrived",
        "no_show",
        "visited",
        "lead__status",
    )
    found = []
    for platform, last, first, username, received, due, answered, invited, arrived, no_show, visited, status in rows:
        found.append(
            Inquiry(
                platform=platform,
                owner=f"{last}{first}" or username,
                minutes=max(0.0, (answered - received).total_seconds() / 60) if answered else None,
                met=answered is not None and answered <= due,
                invited=invited,
                arrived=arrived,
                no_show=no_show,
                visited=visited,
                ordered=status == LeadStatus.ORDERED,
            )
        )
    return found


def quantile(values: list[float], q: float) -> float | None:
    """The q-quantile by the nearest rank (what a manager would count off a sorted list), one decimal."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)


def _measures(group: list[Inquiry]) -> list:
    minutes = [inquiry.minutes for inquiry in group if inquiry.minutes is not None]
    invited = sum(inquiry.invited for inquiry in group)
    settled = sum(inquiry.arrived or inquiry.no_show for inquiry in group)
    return [
        len(group),
        quantile(minutes, 0.5),
        quantile(minutes, 0.9),
        percent(sum(inquiry.met for inquiry in group), len(group)),
        percent(invited, len(group)),
        percent(sum(inquiry.arrived for inquiry in group), settled),
        percent(sum(inquiry.visited for inquiry in group), len(group)),
        percent(sum(inquiry.ordered for inquiry in group), len(group)),
    ]


def _figure(key: str, row_label, rows: list[Inquiry], label_of) -> Figure:
    groups: dict[str, list[Inquiry]] = defaultdict(list)
    for inquiry in rows:
        groups[label_of(inquiry)].append(inquiry)
    table = [
        (label, _measures(group)) for label, group in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    return Figure(key, row_label, COLUMNS, table, _measures(rows) if rows else None)


def online_by_platform(scope: Scope, rows: list[Inquiry] | None = None) -> Figure:
    labels = dict(Platform.choices)
    rows = inquiries(scope) if rows is None else rows
    return _figure("online_by_platform", _("Platform"), rows, lambda inquiry: str(labels[inquiry.platform]))


def online_by_consultant(scope: Scope, rows: list[Inquiry] | None = None) -> Figure:
    rows = inquiries(scope) if rows is None else rows
    return _figure("online_by_consultant", _("Consultant"), rows, lambda inquiry: inquiry.owner)
