from django.urls import include, path, register_converter
from django.urls.converters import get_converters

from dealer_crm.core.converters import IsoDateConverter

from . import views

if "isodate" not in get_converters():  # leads.urls registers it too; whichever loads first
    register_converter(IsoDateConverter, "isodate")

app_name = "reports"
urlpatterns = [
    # 营业日报表: the consultant's own report, and the manager's review of everyone's
    path("daily/", views.daily_report, name="daily_report"),
    path("daily/<isodate:day>/", views.daily_report, name="daily_report_day"),
    path("daily/<isodate:day>/<int:consultant_pk>/", views.daily_report_of, name="daily_report_of"),
    path("daily/review/", views.daily_review, name="daily_review"),
    path("daily/review/<isodate:day>/", views.daily_review, name="daily_review_day"),
    path(
        "daily/review/<isodate:day>/<int:consultant_pk>/comment/",
        views.daily_review_comment,
        name="daily_review_comment",
    ),
    path(
        "daily/review/<isodate:day>/<int:consultant_pk>/reopen/",
        views.daily_review_reopen,
        name="daily_review_reopen",
    ),
    # Dashboards and the numbers behind each chart
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:key>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("integrity/", views.integrity, name="integrity"),
    path("integrity/recheck/", views.integrity_recheck, name="integrity_recheck"),
    # Excel: the monthly workbook, list exports, imports of legacy registers (reports/excel_urls.py)
    path("", include("reports.excel_urls")),
]
