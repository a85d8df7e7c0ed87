"""How each dashboard figure is shown: its title and note, and the Chart.js configuration static/js/dashboard.js
draws from (sent as JSON in a json_script tag). The numbers come from selectors; nothing here counts."""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from leads.models import OPEN_GRADES

from .selectors import Figure

# Bootstrap's palette (and the grade badges' colours of app.css), so charts match the rest of the app.
PALETTE = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#6c757d", "#ffc107", "#0dcaf0"]
GRADE_COLOURS = {"H": "#dc3545", "A": "#fd7e14", "B": "#0d6efd", "C": "#6c757d"}
WEEKDAY_COLOURS = ["#0d6efd", "#6610f2", "#6f42c1", "#d63384", "#fd7e14", "#dc3545", "#198754"]


@dataclass(frozen=True)
class Chart:
    title: str | Promise
    note: str | Promise
    series: list[str]  # the figure's columns drawn as bars
    stacked: bool = False
    horizontal: bool = False
    percent: bool = False  # the bars are shares (0–100 %)
    line: str | None = None  # a column drawn as a line against a percent axis on the right
    colours: dict[str, str] = field(default_factory=dict)
    wide: bool = False  # the whole width of the page (many bars, or a table beside the chart)


CHARTS: dict[str, Chart] = {
    "visits_by_day": Chart(
        _("Visitor batches per day"),
        _("Register entries per day: walk-ins and calls. A family of three is one batch."),
        ["walk_ins", "calls"],
        stacked=True,
        wide=True,
    ),
    "visits_by_weekday": Chart(
        _("Visitor batches per weekday"),
        _("Which days are busy; the table adds the average per day, fair when the period holds more of some weekdays."),
        ["walk_ins", "calls"],
        stacked=True,
    ),
    "visits_by_day_of_month": Chart(
        _("Visitor batches per day of the month"),
        _("Pay days, month ends, campaigns: batches on each day of the month over the period."),
        ["walk_ins", "calls"],
        stacked=True,
    ),
    "traffic_by_slot": Chart(
        _("Showroom traffic by time slot and weekday"),
        _("Walk-in batches by arrival time (calls are not showroom traffic). Darker cells are busier."),
        [f"d{iso}" for iso in range(1, 8)],
        stacked=True,
        colours={f"d{iso}": colour for iso, colour in enumerate(WEEKDAY_COLOURS, start=1)},
        wide=True,
    ),
    "no_phone_by_consultant": Chart(
        _("Visitors who left no phone, per consultant"),
        _("Share of each consultant's visitors (walk-ins and calls) who left no phone number."),
        ["share"],
        percent=True,
        colours={"share": "#dc3545"},
    ),
    "duration_against_orders": Chart(
        _("Visit duration and orders"),
        _("Walk-ins by minutes spent in the showroom, and the share whose lead is ordered by now."),
        ["visits"],
        line="rate",
    ),
    "by_source": Chart(
        _("Visitors, leads and orders by information source"),
        _("A lead and its order count for the source of the register entry that opened the lead."),
        ["visitors", "leads", "orders"],
    ),
    "by_district": Chart(
        _("Visitors, leads and orders by district"),
        _("Where the period's visitors come from, the busiest district first."),
        ["visitors", "leads", "orders"],
        horizontal=True,
    ),
    "funnel": Chart(
        _("Funnel: visitors to deliveries"),
        _(
            "The period's visitors and the leads they opened, followed to today. Card-building rate = visitors "
            "who left a phone / visitors; return-visit rate = leads with two or more showroom visits / leads; "
            "test-drive rate = leads with a test drive / leads; closing rate = orders / leads; delivery rate = "
            "deliveries / orders."
        ),
        ["count"],
        horizontal=True,
    ),
    "leads_by_grade": Chart(
        _("Open leads per grade"),
        _("As they are now, per consultant: the period does not change a grade."),
        list(OPEN_GRADES),
        stacked=True,
        colours=GRADE_COLOURS,
    ),
    "online_by_platform": Chart(
        _("Online leads by platform"),
        _(
            "The period's online inquiries: first response = minutes to the first call or message after the lead "
            "arrived; deadline met = answered within the first-response deadline; invited = an appointment was "
            "booked; show rate = of the invited whose appointment is settled, those who came; visited and ordered "
            "= by now."
        ),
        ["leads"],
        line="met_rate",
        wide=True,
    ),
    "online_by_consultant": Chart(
        _("Online leads by consultant"),
        _(
            "The same figures for each consultant holding the leads: how often they answer in time, invite, and "
            "see the customer come."
        ),
        ["met_rate", "invited_rate", "show_rate"],
        percent=True,
        wide=True,
    ),
    "overdue_by_consultant": Chart(
        _("Overdue follow-ups per consultant"),
        _("Open leads whose next follow-up is before today, per grade."),
        list(OPEN_GRADES),
        stacked=True,
        colours=GRADE_COLOURS,
    ),
}


def chart_config(figure: Figure) -> dict:
    """The data dashboard.js hands to Chart.js: labels, datasets and the few options that differ per chart."""
    chart = CHARTS[figure.key]
    labels = {column.key: str(column.label) for column in figure.columns}
    datasets = []
    for index, key in enumerate(chart.series):
        datasets.append(
            {
                "label": labels[key],
                "data": figure.column(key),
                "color": chart.colours.get(key, PALETTE[index % len(PALETTE)]),
            }
        )
    if chart.line:
        datasets.append(
            {"label": labels[chart.line], "data": figure.column(chart.line), "color": "#dc3545", "line": True}
        )
    return {
        "labels": [label for label, _values in figure.rows],
        "datasets": datasets,
        "stacked": chart.stacked,
        "horizontal": chart.horizontal,
        "percent": chart.percent,
    }


def heat_cells(figure: Figure) -> list[tuple[str, list[tuple[int, str]], int]]:
    """The traffic table's rows with a background per weekday cell: the busiest cell full blue, empty white."""
    weekday_values = [value for _label, values in figure.rows for value in values[:7]]
    busiest = max(weekday_values, default=0) or 1
    rows = []
    for label, values in figure.rows:
        cells = []
        for value in values[:7]:
            alpha = round(0.85 * value / busiest, 2)
            text = " color: #fff;" if alpha > 0.5 else ""
            cells.append((value, f"background-color: rgba(13, 110, 253, {alpha});{text}"))
        rows.append((label, cells, values[7]))
    return rows


def format_cell(value, *, percent: bool = False) -> str:
    """A figure's value as the table and the page show it: "–" for nothing to show, one decimal for shares."""
    if value is None:
        return "–"
    if percent:
        return f"{value:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table_rows(figure: Figure) -> tuple[list[tuple[str, list[str]]], list[str] | None]:
    """(rows, totals) of the table view, every value formatted."""
    flags = [column.percent for column in figure.columns]

    def cells(values: list) -> list[str]:
        return [format_cell(value, percent=flag) for value, flag in zip(values, flags, strict=True)]

    rows = [(label, cells(values)) for label, values in figure.rows]
    return rows, cells(figure.totals) if figure.totals is not None else None
