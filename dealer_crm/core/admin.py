"""The core's admin: staff, showrooms and reference data, each keeping to its showroom (see admin_scope.py).

Who edits what:
- staff: a showroom's administrator manages their own showroom's staff with a single role choice (the three
  showroom roles); superusers manage everyone with Django's full user form;
- the showroom's own settings (follow-up intervals, reminder hour) and its districts: its administrator;
- the car catalogue and the information sources, shared by the dealer group: superusers; administrators read.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.contrib.contenttypes.admin import GenericTabularInline
from django.utils.translation import gettext_lazy as _

from .admin_scope import SELF, GlobalReferenceAdmin, ShowroomScopedAdmin, SuperuserOnlyAdmin, sees_every_showroom
from .history import Revision
from .models import CarModel, DealerGroup, District, InformationSource, Role, Showroom, User
from .services import SHOWROOM_ROLES, staff_set_role

# Third-party admins that no showroom owns: raw groups and permissions, login lockouts.
for _model in (Group, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        _stock = type(admin.site._registry[_model])
        admin.site.unregister(_model)
        admin.site.register(_model, type(_stock.__name__, (SuperuserOnlyAdmin, _stock), {}))


def role_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Role"), choices=[(role.value, role.label) for role in SHOWROOM_ROLES])


class StaffCreationForm(AdminUserCreationForm):
    """A new colleague of the administrator's showroom: login, name, one role."""

    role = role_field()


class StaffChangeForm(UserChangeForm):
    """A colleague's account as their showroom's administrator edits it: never groups, permissions or staff
    flags, only the role; on their own account the role and the active flag are shown but locked."""

    role = role_field()
    locks_own_role = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].initial = self.instance.role
        if self.locks_own_role:
            for name in ("role", "is_active"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Nobody changes their own role; ask another administrator.")


@admin.register(User)
class StaffAdmin(ShowroomScopedAdmin, UserAdmin):
    """Staff: a showroom's administrator sees their showroom's staff (never a superuser), adds colleagues who
    land in their showroom, sets roles and resets passwords there; 404 for anyone else."""

    list_display = ["username", "last_name", "first_name", "showroom", "role", "is_active"]
    list_filter = ["showroom", "groups", "is_active"]
    list_select_related = ["showroom"]
    fieldsets = UserAdmin.fieldsets + ((_("Showroom"), {"fields": ["showroom", "dealer_group", "language"]}),)
    scoped_add_fieldsets = (
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        (_("Staff member"), {"fields": ["last_name", "first_name", "email", "role", "language"]}),
    )
    scoped_fieldsets = (
        (None, {"fields": ["username", "password"]}),
        (_("Staff member"), {"fields": ["last_name", "first_name", "email", "language"]}),
        (_("Role"), {"fields": ["role", "is_active"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    )

    def get_queryset(self, request):
        staff = super().get_queryset(request).prefetch_related("groups")
        return staff if sees_every_showroom(request.user) else staff.filter(is_superuser=False)

    @admin.display(description=_("Role"))
    def role(self, user):
        return Role(user.role).label if user.role else ""

    def get_fieldsets(self, request, obj=None):
        if sees_every_showroom(request.user):
            return super().get_fieldsets(request, obj)
        return self.scoped_fieldsets if obj else self.scoped_add_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if sees_every_showroom(request.user) or obj is None:
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]

    def get_form(self, request, obj=None, **kwargs):
        if not sees_every_showroom(request.user):
            form = StaffChangeForm if obj else StaffCreationForm
            if obj is not None and obj.pk == request.user.pk:
                form = type("OwnAccountForm", (StaffChangeForm,), {"locks_own_role": True})
            kwargs["form"] = form
        return super().get_form(request, obj, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "role" in form.cleaned_data:
            staff_set_role(user=form.instance, role=form.cleaned_data["role"])


@admin.register(Showroom)
class ShowroomAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """A showroom's administrator sets their showroom's follow-up intervals and reminder hour; creating
    showrooms, their codes, names and time zones are the superuser's."""

    showroom_path = SELF
    list_display = ["code", "name", "time_zone"]

    def has_add_permission(self, request):
        return sees_every_showroom(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return sees_every_showroom(request.user) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if sees_every_showroom(request.user):
            return super().get_readonly_fields(request, obj)
        # The dealer group too: moving a showroom into a group would show it to that group's role.
        return ["code", "name", "time_zone", "dealer_group"]


@admin.register(DealerGroup)
class DealerGroupAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """Dealer groups, the showrooms in them and the group role's users are set up by a superuser."""

    list_display = ["code", "name"]


@admin.register(CarModel)
class CarModelAdmin(GlobalReferenceAdmin, admin.ModelAdmin):
    """The dealer group's car catalogue: one for every showroom."""

    list_display = ["brand", "name", "is_active"]
    list_filter = ["brand", "is_active"]
    search_fields = ["brand", "name"]


@admin.register(InformationSource)
class InformationSourceAdmin(GlobalReferenceAdmin, admin.ModelAdmin):
    """The register's information sources (信息来源): the same for every showroom, so the figures compare."""

    list_display = ["code", "name_zh", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]


@admin.register(District)
class DistrictAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """The districts around one showroom, kept by its administrator."""

    list_display = ["name", "showroom", "is_active"]
    list_filter = ["showroom"]


class RevisionInline(ShowroomScopedAdmin, GenericTabularInline):
    """A record's history (history.py) under its admin page, read-only: it is written by the services."""

    model = Revision
    ct_fk_field = "object_pk"
    phone_fields = ("changes",)  # an edited phone's old and new numbers
    extra = 0
    can_delete = False
    fields = readonly_fields = ["action", "by", "at", "changes", "reason"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
