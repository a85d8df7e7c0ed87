from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    # The contract (购车合同), from the lead's page
    path("leads/<int:lead_pk>/contract/", views.contract_create, name="contract_create"),
    path("contracts/", views.ContractListView.as_view(), name="contract_list"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_update, name="contract_update"),
    path("contracts/<int:pk>/cancel/", views.contract_cancel, name="contract_cancel"),
    path("contracts/<int:pk>/delivery/", views.delivery_book, name="delivery_book"),
    path("contracts/<int:pk>/complaint/", views.complaint_create, name="complaint_create"),
    # The customer information card (客户信息卡)
    path("cards/<int:pk>/", views.card_detail, name="card_detail"),
    path("cards/<int:pk>/edit/", views.card_update, name="card_update"),
    path("cards/<int:pk>/print/", views.card_print, name="card_print"),
    # Deliveries: the week's appointments (交车预约登记表), the day's checklist (交车检查表), the confirmation
    path("week/", views.delivery_week, name="week"),
    path("week/<isodate:day>/", views.delivery_week, name="week_of"),
    path("deliveries/<int:pk>/", views.delivery_day, name="delivery_day"),
    path("deliveries/<int:pk>/confirmation/", views.delivery_confirmation, name="delivery_confirmation"),
    # Callbacks to new owners (新客户回访登记表) and complaints (客户抱怨问题闭环管理表)
    path("callbacks/", views.CallbackListView.as_view(), name="callback_list"),
    path("callbacks/<int:pk>/", views.callback_record, name="callback_record"),
    path("complaints/", views.ComplaintListView.as_view(), name="complaint_list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/actions/", views.complaint_add_action, name="complaint_add_action"),
    path("complaints/<int:pk>/close/", views.complaint_close, name="complaint_close"),
]
