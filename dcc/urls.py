from django.urls import path

from . import intake_views

app_name = "dcc"

urlpatterns = [
    path("intake/", intake_views.online_lead_create, name="online_lead_create"),
    path("intake/<int:pk>/assign/", intake_views.online_lead_assign_view, name="online_lead_assign"),
    path("intake/adf/", intake_views.online_lead_upload_adf, name="online_lead_upload_adf"),
]
