"""The reports' pages: the consultant's daily report, the manager's daily review, the dashboards with their CSV
exports, and the integrity checks. Figures come from selectors, writes go through services; views only
choose the scope and lay things out."""

import csv
from datetime import date, timedelta
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.db_routing import reads_from_replica
from dealer_crm.core.history import history_of
from dealer_crm.core.signoff import reopen_from_request
from dealer_crm.core.versioning import StaleError, form_conflict
from leads.selectors.register import late_entries_visible_to, register_days_for

from . import integrity_services, services
from .access import get_consultant_for, require_report_reviewer, require_report_writer, require_showroom
from .analytics import selectors
from .analytics.charts import CHARTS, chart_config, heat_cells, table_rows
from .forms import CommentForm, PeriodForm, RemarksForm, recent_period, this_month
from .models import DailyReport


def _neighbours(day: date, today: date) -> dict:
    return {
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1) if day < today else None,
    }


# --- The consultant's daily report ---------------------------------------------------------------------------


def daily_report(request, day=None):
    """The consultant's own daily report (营业日报表): the day's figures and contacts, compiled from what they
    entered, and their remarks to submit; read-only once the manager has signed it off."""
    user = request.user
    require_report_writer(user)
    today = showroom_today(user.showroom)
    day = day or today
    if day > today:
        raise Http404
    report = selectors.daily_report_for(consultant=user, day=day)
    if request.method == "POST":
        form = RemarksForm(request.POST)
        if form.is_valid():
            try:
                services.daily_report_submit(
                    consultant=user,
                    day=day,
                    remarks=form.cleaned_data["remarks"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            except StaleError:
                form_conflict(form, current_version=_report_version(consultant=user, day=day))
            else:
                messages.success(request, _("Daily report of %(date)s submitted.") % {"date": day.isoformat()})
                return redirect("reports:daily_report_day", day=day)
    else:
        form = RemarksForm(initial={"remarks": report.remarks if report else "", "version": _version_of(report)})
    return _report_page(request, consultant=user, day=day, today=today, report=report, form=form)


def _version_of(report: DailyReport | None) -> int:
    """The version an edit form opens at: a report not written yet is made at version 1 on first use."""
    return report.version if report else 1


def _report_version(*, consultant, day: date) -> int:
    return _version_of(DailyReport.objects.filter(consultant=consultant, date=day).first())


def daily_report_of(request, day, consultant_pk):
    """A consultant's daily report as the manager reads it: every contact of the day (the review's card shows
    the first few), read-only; comments and sign-off are on the review."""
    require_report_reviewer(request.user, write=False)
    consultant = get_consultant_for(request.user, consultant_pk)
    today = showroom_today(request.user.showroom)
    if day > today:
        raise Http404
    report = selectors.daily_report_for(consultant=consultant, day=day)
    return _report_page(request, consultant=consultant, day=day, today=today, report=report, form=None)


def _report_page(request, *, consultant, day, today, report, form):
    showroom = consultant.showroom
    settings = selectors.report_settings_for(showroom)
    cutoff_at = selectors.daily_report_cutoff_at(showroom, day, settings.daily_report_cutoff)
    live = selectors.daily_report_figures(showroom=showroom, day=day, consultant=consultant).get(consultant.pk)
    reported = selectors.reported_figures(report, live or selectors.DailyFigures())
    return render(
        request,
        "reports/daily_report.html",
        {
            "consultant": consultant,
            "own": form is not None,
            "day": day,
            "today": today,
            "report": report,
            "events": history_of(report, phone_visible=True) if report else [],  # no phone in it to mask
            "status": selectors.daily_report_status(report, cutoff_at=cutoff_at, now=timezone.now()),
            "figures": reported.figures,
            "reported": reported,
            "late_entries": late_entries_visible_to(consultant).filter(consultant=consultant, visit_date=day),
            "contacts": selectors.daily_report_contacts(showroom=showroom, day=day, consultant=consultant),
            "form": form,
            **_neighbours(day, today),
        },
    )


# --- The manager's daily review ------------------------------------------------------------------------------


def daily_review(request, day=None):
    """Every consultant's report of the day side by side, with the register's sign-off, the cut-off flags, a
    comment (主管指示) and sign-off per report."""
    require_report_reviewer(request.user, write=False)
    return _review_page(request, day=day or showroom_today(request.user.showroom))


def _review_page(request, *, day: date, failed: tuple[int, CommentForm] | None = None):
    """The review; `failed`: a consultant's comment form refused, shown again with its errors and what was typed."""
    showroom = request.user.showroom
    today = showroom_today(showroom)
    review = selectors.daily_review(showroom=showroom, day=day)
    cards = review.cards
    for card in cards:
        report = card.report
        if failed and failed[0] == card.consultant.pk:
            card.comment_form = failed[1]
            continue
        card.comment_form = CommentForm(
            initial={"comment": report.manager_comment if report else "", "version": _version_of(report)},
            auto_id=f"id_c{card.consultant.pk}_%s",
        )
    return render(
        request,
        "reports/daily_review.html",
        {
            "day": day,
            "today": today,
            "cards": cards,
            "register_day": register_days_for(showroom.pk, [day]).get(day),
            "submitted": sum(1 for card in cards if card.report and card.report.is_submitted),
            "flagged": sum(1 for card in cards if card.status.flagged),
            "signed_off": sum(1 for card in cards if card.report and card.report.is_signed_off),
            "cutoff_at": review.cutoff_at,
            **_neighbours(day, today),
        },
    )


def _review_url(day: date, consultant_pk: int) -> str:
    return reverse("reports:daily_review_day", kwargs={"day": day}) + f"#report-{consultant_pk}"


@require_POST
def daily_review_comment(request, day, consultant_pk):
    """Save the manager's comment, or save it and sign the report off (the button pressed says which)."""
    require_report_reviewer(request.user)
    consultant = get_consultant_for(request.user, consultant_pk)
    form = CommentForm(request.POST, auto_id=f"id_c{consultant.pk}_%s")
    if not form.is_valid():
        return _review_page(request, day=day, failed=(consultant.pk, form))
    comment = form.cleaned_data["comment"]
    try:
        if request.POST.get("action") == "sign_off":
            services.daily_report_sign_off(
                consultant=consultant,
                day=day,
                by=request.user,
                comment=comment,
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("%(name)s's report is signed off.") % {"name": consultant})
        else:
            services.daily_report_comment(
                consultant=consultant,
                day=day,
                by=request.user,
                comment=comment,
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Instructions for %(name)s saved.") % {"name": consultant})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except StaleError:
        form_conflict(form, current_version=_report_version(consultant=consultant, day=day))
        return _review_page(request, day=day, failed=(consultant.pk, form))
    return redirect(_review_url(day, consultant.pk))


@require_POST
def daily_review_reopen(request, day, consultant_pk):
    require_report_reviewer(request.user)
    consultant = get_consultant_for(request.user, consultant_pk)
    reopen_from_request(
        request,
        partial(services.daily_report_reopen, consultant=consultant, day=day, by=request.user),
        no_reason=_("Say why the report is reopened."),
        done=_("%(name)s's report is open again.") % {"name": consultant},
    )
    return redirect(_review_url(day, consultant.pk))


# --- Dashboards -----------------------------------------------------------------------------------------------


def _dashboard_scope(request) -> tuple[PeriodForm, selectors.Scope, date]:
    """The period form and the scope it selects: the last 30 days by default; a consultant's own figures only."""
    user = request.user
    require_showroom(user)
    today = showroom_today(user.showroom)
    start, end = recent_period(today)
    bound = any(name in request.GET for name in ("start", "end", "consultant"))
    form = PeriodForm(request.GET if bound else None, user=user, initial={"start": start, "end": end})
    consultant = None
    if bound:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            consultant = form.cleaned_data.get("consultant")
        elif "consultant" in form.errors:
            raise Http404  # someone of another showroom, or no one
    return form, selectors.scope_for(user, start=start, end=end, consultant=consultant), today


@reads_from_replica
def dashboard(request):
    """The showroom's dashboard for managers (or one consultant's), one's own for a consultant."""
    form, scope, today = _dashboard_scope(request)
    figures = selectors.dashboard_figures(scope, today=today)
    query = request.GET.copy()
    query.setdefault("start", scope.start.isoformat())
    query.setdefault("end", scope.end.isoformat())
    cards = []
    for key, figure in figures.items():
        rows, totals = table_rows(figure)
        cards.append(
            {
                "key": key,
                "figure": figure,
                "chart": CHARTS[key],
                "config": chart_config(figure),
                "data_id": f"chart-data-{key}",
                "rows": rows,
                "totals": totals,
                "csv_url": reverse("reports:dashboard_csv", kwargs={"key": key}) + "?" + query.urlencode(),
            }
        )
    last_month_end = today.replace(day=1) - timedelta(days=1)
    previous = selectors.previous_period(scope)
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "cards": cards,
            "heat_rows": heat_cells(figures["traffic_by_slot"]),
            "previous": previous,
            "key_figures": selectors.key_figures(current=figures["funnel"], previous=selectors.funnel(previous)),
            "today": today,
            "is_manager": request.user.sees_whole_showroom,
            "this_month": this_month(today),
            "recent": recent_period(today),
            "last_month": (last_month_end.replace(day=1), last_month_end),
        },
    )


class _Echo:
    """csv.writer writes into this and gets the line back, so each row can be streamed as it is formatted."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    return "" if value is None else str(value)


@reads_from_replica
def dashboard_csv(request, key):
    """The numbers behind one chart, as CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese)."""
    form, scope, today = _dashboard_scope(request)
    figure = selectors.dashboard_figure(scope, key, today=today)
    if figure is None:
        raise Http404
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow([str(figure.row_label), *(str(column.label) for column in figure.columns)])
        for label, values in figure.rows:
            yield writer.writerow([label, *map(_cell, values)])
        if figure.totals is not None:
            yield writer.writerow([str(_("Total")), *map(_cell, figure.totals)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    who = f"_{scope.consultant.username}" if scope.consultant else ""
    filename = f"{key}_{scope.start.isoformat()}_{scope.end.isoformat()}{who}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Integrity -------------------------------------------------------------------------------------------------


def integrity(request):
    """Checks that should find nothing: data that bypassed the app's rules (imports, admin edits, SQL). The page
    shows the stored findings of the last run (nightly, or "re-check now") and when it ran: 3 queries."""
    require_report_reviewer(request.user, write=False)
    showroom = request.user.showroom
    settings = selectors.report_settings_for(showroom)
    state, checks = selectors.integrity_findings(showroom)
    return render(
        request,
        "reports/integrity.html",
        {
            **checks,
            "state": state,
            "limit": selectors.INTEGRITY_LIMIT,
            "delivery_days": settings.delivery_overdue_days,
            "all_clear": state is not None and state.checked_at is not None and not any(checks.values()),
        },
    )


@require_POST
def integrity_recheck(request):
    """The manager's "re-check now": queued for a worker; the page shows it under way until the run is in."""
    require_report_reviewer(request.user, write=True)
    integrity_services.integrity_request_recheck(showroom=request.user.showroom)
    messages.success(request, _("The checks will run again in a moment; reload the page to see them."))
    return redirect("reports:integrity")
