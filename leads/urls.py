from django.urls import path, register_converter

from dealer_crm.core.converters import IsoDateConverter

from . import lead_views, views

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
    path("register/day-status/", views.register_day_status, name="register_day_status"),
    path("register/late/<int:pk>/decide/", views.late_entry_decide, name="late_entry_decide"),
    # The intent-lead tracker (意向客户进度管控表) and its reports
    path("leads/", lead_views.LeadListView.as_view(), name="lead_list"),
    path("leads/reassign/", lead_views.lead_reassign_view, name="lead_reassign"),
    path("leads/reassign-all/", lead_views.lead_reassign_all_view, name="lead_reassign_all"),
    path("leads/grade-suggest/", lead_views.grade_suggest_view, name="grade_suggest"),
    path("leads/grade-status/", lead_views.grade_status, name="grade_status"),
    path("leads/lost/", lead_views.lost_list, name="lost_list"),
    path("leads/lost/<int:pk>/decide/", lead_views.lost_decide, name="lost_decide"),
    path("leads/<int:pk>/", lead_views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", lead_views.LeadUpdateView.as_view(), name="lead_update"),
    path("leads/<int:pk>/contact/", lead_views.ContactCreateView.as_view(), name="contact_create"),
    path("leads/<int:pk>/lost/", lead_views.LostRequestView.as_view(), name="lost_request"),
    path("leads/<int:pk>/clashes/<int:clash_pk>/resolve/", lead_views.clash_resolve_view, name="clash_resolve"),
]
