from django.urls import path

from .views import register, tracker

app_name = "leads"
urlpatterns = [
    path("register/", register.VisitListView.as_view(), name="visit_list"),
    path("register/new/", register.VisitCreateView.as_view(), name="visit_create"),
    path("register/phone-check/", register.phone_check, name="phone_check"),
    path("register/<int:pk>/", register.VisitDetailView.as_view(), name="visit_detail"),
    path("register/<int:pk>/edit/", register.VisitUpdateView.as_view(), name="visit_update"),
    path("register/<int:pk>/delete/", register.visit_delete, name="visit_delete"),
    path("register/review/", register.register_review, name="register_review"),
    path("register/review/<isodate:day>/", register.register_review, name="register_review_day"),
    path("register/review/<isodate:day>/sign-off/", register.register_sign_off, name="register_sign_off"),
    path("register/review/<isodate:day>/reopen/", register.register_reopen, name="register_reopen"),
    path("register/day-status/", register.register_day_status, name="register_day_status"),
    path("register/late/<int:pk>/decide/", register.late_entry_decide, name="late_entry_decide"),
    # The intent-lead tracker (意向客户进度管控表) and its reports
    path("leads/", tracker.LeadListView.as_view(), name="lead_list"),
    path("leads/reassign/", tracker.lead_reassign_view, name="lead_reassign"),
    path("leads/reassign-all/", tracker.lead_reassign_all_view, name="lead_reassign_all"),
    path("leads/grade-suggest/", tracker.grade_suggest_view, name="grade_suggest"),
    path("leads/grade-status/", tracker.grade_status, name="grade_status"),
    path("leads/lost/", tracker.lost_list, name="lost_list"),
    path("leads/lost/<int:pk>/decide/", tracker.lost_decide, name="lost_decide"),
    path("leads/<int:pk>/", tracker.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", tracker.LeadUpdateView.as_view(), name="lead_update"),
    path("leads/<int:pk>/contact/", tracker.ContactCreateView.as_view(), name="contact_create"),
    path("leads/<int:pk>/lost/", tracker.LostRequestView.as_view(), name="lost_request"),
    path("leads/<int:pk>/clashes/<int:clash_pk>/resolve/", tracker.clash_resolve_view, name="clash_resolve"),
]
