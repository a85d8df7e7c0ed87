from django.urls import path, register_converter

from dealer_crm.core.converters import IsoDateConverter

from . import views

register_converter(IsoDateConverter, "isodate")

app_name = "leads"
urlpatterns = [
    path("register/", views.VisitListView.as_view(), name="visit_list"),
    path("register/new/", views.VisitCreateView.as_view(), name="visit_create"),
    path("register/phone-check/", views.phone_check, name="phone_check"),
    path("register/<int:pk>/", views.VisitDetailView.as_view(), name="visit_detail"),
    path("register/<int:pk>/edit/", views.VisitUpdateView.as_view(), name="visit_update"),
    path("register/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("register/review/", views.register_review, name="register_review"),
    path("register/review/<isodate:day>/", views.register_review, name="register_review_day"),
    path("register/review/<isodate:day>/sign-off/", views.register_sign_off, name="register_sign_off"),
    path("register/review/<isodate:day>/reopen/", views.register_reopen, name="register_reopen"),
]
