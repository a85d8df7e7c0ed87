from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dcc.api import api_urls
from dealer_crm.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("manifest.webmanifest", core_views.web_manifest, name="manifest"),
    path("i18n/setlang/", core_views.switch_language, name="set_language"),
    path("showroom/", core_views.view_showroom, name="view_showroom"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("", include("leads.urls")),
    path("", include("followups.urls")),
    path("delivery/", include("delivery.urls")),
    path("reports/", include("reports.urls")),
    path("dcc/", include("dcc.urls")),
    path("api/v1/", api_urls()),
]
