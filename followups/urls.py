from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("today/", views.today, name="today"),
    path("overdue/", views.overdue_board, name="overdue_board"),
]
