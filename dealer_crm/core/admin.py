from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import CarModel, District, InformationSource, Showroom, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "last_name", "first_name", "showroom", "is_active"]
    list_filter = ["showroom", "groups", "is_active"]
    list_select_related = ["showroom"]
    fieldsets = UserAdmin.fieldsets + ((_("Showroom"), {"fields": ["showroom", "language"]}),)


@admin.register(Showroom)
class ShowroomAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone"]


@admin.register(CarModel)
class CarModelAdmin(admin.ModelAdmin):
    list_display = ["brand", "name", "is_active"]
    list_filter = ["brand", "is_active"]
    search_fields = ["brand", "name"]


@admin.register(InformationSource)
class InformationSourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "showroom", "is_active"]
    list_filter = ["showroom"]
