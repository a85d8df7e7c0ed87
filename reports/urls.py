from django.urls import path

from . import views
from .excel import views as excel_views

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
    # Excel (reports/excel/): the monthly workbook, its background progress and file, and the history of every export
    path("exports/", excel_views.export_page, name="export_page"),
    path("exports/history/", excel_views.export_history, name="export_history"),
    path("exports/<int:pk>/", excel_views.export_progress, name="export_progress"),
    path("exports/<int:pk>/status/", excel_views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", excel_views.export_download, name="export_download"),
    # The list pages' exports: the same query string as the page
    path("exports/register.xlsx", excel_views.register_export, name="register_export"),
    path("exports/leads.xlsx", excel_views.tracker_export, name="tracker_export"),
    path("exports/lost.xlsx", excel_views.lost_export, name="lost_export"),
    # Legacy registers: upload, preview, import, rejected rows
    path("imports/", excel_views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", excel_views.import_preview, name="import_preview"),
    path("imports/<int:pk>/import/", excel_views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/rejected.xlsx", excel_views.import_rejected, name="import_rejected"),
]
