"""The Excel pages' addresses, included by reports/urls.py (namespace "reports")."""

from django.urls import path

from . import excel_views

urlpatterns = [
    # The monthly workbook, its background progress and file, and the history of every export
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
