"""First-response deadlines counted in the showroom's opening hours.

A lead that arrives at 22:10 with a 15-minute rule is due at 09:15 the next open day: the clock runs only while
the showroom is open (DccSettings.opens_at–closes_at on DccSettings.open_weekdays, showroom-local time).
"""

from datetime import datetime, timedelta

from dealer_crm.core.models import Showroom

from ..models import DccSettings


def dcc_settings_for(showroom: Showroom) -> DccSettings:
    """The showroom's DCC rules, made with the defaults the first time they are asked for."""
    rules, _created = DccSettings.objects.get_or_create(showroom=showroom)
    return rules


def open_deadline(*, rules: DccSettings, start: datetime, minutes: int) -> datetime:
    """`minutes` of opening hours after `start` (an aware datetime), as an aware datetime in the showroom's zone.

    Walks day by day: at most 8 iterations for a rule shorter than one opening day, since a week has at least one
    open day (the settings form refuses an empty `open_weekdays`; an empty one here means open every day).
    """
    zone = rules.showroom.zone
    moment = start.astimezone(zone)
    remaining = timedelta(minutes=minutes)
    open_days = {int(day) for day in rules.open_weekdays} or set(range(1, 8))
    while True:
        day = moment.date()
        opens = datetime.combine(day, rules.opens_at, tzinfo=zone)
        closes = datetime.combine(day, rules.closes_at, tzinfo=zone)
        if day.isoweekday() in open_days and moment < closes:
            counted_from = max(moment, opens)
            if counted_from + remaining <= closes:
                return counted_from + remaining
            remaining -= closes - counted_from
        moment = datetime.combine(day + timedelta(days=1), rules.opens_at, tzinfo=zone)


def first_response_due(*, showroom: Showroom, received_at: datetime) -> datetime:
    rules = dcc_settings_for(showroom)
    return open_deadline(rules=rules, start=received_at, minutes=rules.response_minutes)
