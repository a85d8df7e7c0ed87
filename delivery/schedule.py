"""Calendar arithmetic of the callbacks to new owners (新客户回访): 3 days, 3 weeks, 3 months and 6 months after
delivery, then every 6 months. Plain functions over dates, no dateutil: a month later is the same day of the
month, or the month's last day when it has no such day (31 January + 3 months = 30 April)."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_OFFSET = re.compile(r"(\d{1,3})([dwm])")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month (31 Aug + 6 months = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Offset:
    """A distance from the delivery day: 3 days ("3d"), 3 weeks ("3w") or 3 months ("3m")."""

    amount: int
    unit: str  # d, w or m

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @classmethod
    def parse(cls, text: str) -> "Offset":
        match = _OFFSET.fullmatch(text.strip().lower())
        if not match or int(match.group(1)) == 0:
            raise ValueError(text)
        return cls(int(match.group(1)), match.group(2))

    def after(self, day: date) -> date:
        if self.unit == "d":
            return day + timedelta(days=self.amount)
        if self.unit == "w":
            return day + timedelta(weeks=self.amount)
        return add_months(day, self.amount)

    def then(self, months: int) -> "Offset":
        """The offset `months` further on (months from the delivery day, so 28 Feb never drifts to 28 Aug)."""
        if self.unit != "m":
            raise ValueError("only month offsets repeat")
        return Offset(self.amount + months, "m")


def parse_offsets(text: str) -> list[Offset]:
    """ "3d 3w 3m 6m" (spaces or commas) -> the offsets, in order from the delivery."""
    return [Offset.parse(part) for part in re.split(r"[\s,]+", text.strip()) if part]


def validate_offsets(text: str) -> None:
    """The showroom's callback setting: one or more offsets, later each time, the last one in months (the
    "every N months" that follow count on from it)."""
    try:
        offsets = parse_offsets(text)
    except ValueError as exc:
        raise ValidationError(
            _("Write each callback as a number and d, w or m (days, weeks, months), e.g. 3d 3w 3m 6m; not: %(part)s"),
            params={"part": str(exc)},
        ) from None
    if not offsets:
        raise ValidationError(_("Give at least one callback, e.g. 3d 3w 3m 6m."))
    reference = date(2001, 1, 31)  # a month end, so month lengths cannot hide a wrong order
    dates = [offset.after(reference) for offset in offsets]
    if dates != sorted(set(dates)):  # strictly later each time
        raise ValidationError(_("Each callback must come later than the one before."))
    if offsets[-1].unit != "m":
        raise ValidationError(_("The last callback must be in months: the repeating ones follow it."))
