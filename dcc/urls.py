from django.urls import path

from . import intake_views, roster_views

app_name = "dcc"

urlpatterns = [
    path("intake/", intake_views.online_lead_create, name="online_lead_create"),
    path("intake/<int:pk>/assign/", intake_views.online_lead_assign_view, name="online_lead_assign"),
    path("intake/adf/", intake_views.online_lead_upload_adf, name="online_lead_upload_adf"),
    path("intake/batch/", intake_views.online_lead_upload_batch, name="online_lead_upload_batch"),
    path("intake/batch/preview/", intake_views.online_lead_batch_preview, name="online_lead_batch_preview"),
    path("intake/batch/confirm/", intake_views.online_lead_batch_confirm, name="online_lead_batch_confirm"),
    # The duty roster (接待排班): the manager's week, and the register's "next up" buttons
    path("roster/", roster_views.roster, name="roster"),
    path("roster/copy/", roster_views.roster_copy_previous, name="roster_copy"),
    path("rotation/take/", roster_views.rotation_take, name="rotation_take"),
    path("rotation/skip/", roster_views.rotation_skip, name="rotation_skip"),
]
