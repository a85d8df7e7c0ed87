from django.urls import path

from . import intake_views, roster_views

app_name = "dcc"

urlpatterns = [
    path("intake/", intake_views.online_lead_create, name="online_lead_create"),
    path("intake/adf/", intake_views.online_lead_upload_adf, name="online_lead_upload_adf"),
    # The duty roster (接待排班): the manager's week, and the register's "next up" buttons
    path("roster/", roster_views.roster, name="roster"),
    path("roster/copy/", roster_views.roster_copy_previous, name="roster_copy"),
    path("rotation/take/", roster_views.rotation_take, name="rotation_take"),
    path("rotation/skip/", roster_views.rotation_skip, name="rotation_skip"),
]
