"""The Django admin keeps to the showroom, like the app's pages: one rule, declared once per admin.

Every ModelAdmin and inline of the project declares what it shows:

- `ShowroomScopedAdmin`, with `showroom_path` from its model to the showroom ("showroom", "lead__showroom",
  or `SELF` for the showroom itself): a non-superuser sees, picks in foreign keys, searches and saves only their
  own showroom's rows, and another showroom's row is a 404, exactly like a row that does not exist.
- `GlobalReferenceAdmin`: data shared by the whole dealer group (car catalogue, information sources). Superusers
  edit it; showroom staff with the view permission read it.
- `SuperuserOnlyAdmin`: the machinery (raw groups and permissions, lockouts, reminder runs) that no showroom
  owns; only a superuser sees it.

tests/core/test_admin_scope.py walks `admin.site._registry` and fails on an admin or inline that declares none.
Only a superuser sees across showrooms. The admin site itself lets in only active `is_staff` users, and the
staff admin gives `is_staff` to the administrator role alone (see `dealer_crm.core.services.staff_set_role`).
"""

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, QuerySet
from django.http import Http404

from .phones import mask_phone

SELF = "pk"  # showroom_path of the Showroom model: the row is the showroom


def showroom_filter(path: str, showroom_id: int | None) -> dict:
    return {path if path == SELF else f"{path}__pk": showroom_id}


def showroom_id_of(obj, path: str) -> int | None:
    """The showroom of `obj` along `path` ("delivery__showroom" → obj.delivery.showroom_id)."""
    if path == SELF:
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def sees_every_showroom(user) -> bool:
    return user.is_active and user.is_superuser


def sees_full_phones(user) -> bool:
    """As in the app (leads.selectors.register.can_see_phone): managers and administrators see every number in full."""
    return user.has_perm("leads.view_all_phones")


class ShowroomScopedAdmin:
    """Mixin for a ModelAdmin or an inline whose rows belong to one showroom each (see the module's docstring).

    `phone_fields` names the customer phone fields (and search paths such as "lead__phone"): a viewer who would
    see them masked in the app sees them masked in the list, not at all in the form, and cannot search them.
    """

    showroom_path: str = "showroom"
    phone_fields: tuple[str, ...] = ()

    # --- what may be seen --------------------------------------------------------------------------------
    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request)
        if sees_every_showroom(request.user):
            return queryset
        return queryset.filter(**showroom_filter(self.showroom_path, request.user.showroom_id))

    def get_object(self, request, object_id, from_field=None):
        """Another showroom's row answers like a missing one: 404, not the admin's redirect with a message
        (which would confirm that the id exists)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def _allowed(self, request, obj=None) -> bool:
        user = request.user
        if sees_every_showroom(user):
            return True
        if not (user.is_active and user.is_staff and user.showroom_id):
            return False
        # An inline is asked about its parent object, which the parent's own admin has already scoped.
        if obj is None or isinstance(self, InlineModelAdmin):
            return True
        return showroom_id_of(obj, self.showroom_path) == user.showroom_id

    def has_module_permission(self, request):
        return self._allowed(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request, *args):
        # ModelAdmin asks has_add_permission(request), an inline has_add_permission(request, parent).
        return self._allowed(request) and super().has_add_permission(request, *args)

    # --- what may be chosen ------------------------------------------------------------------------------
    def _choices_for(self, request, queryset: QuerySet) -> QuerySet:
        """A foreign key's or many-to-many's choices: what the related model's own admin lets the user see.
        A related model that no admin declares (permissions, content types, ...) offers no choice at all."""
        if sees_every_showroom(request.user):
            return queryset
        related_admin = self.admin_site._registry.get(queryset.model)
        if isinstance(related_admin, GlobalReferenceAdmin):
            return queryset
        if isinstance(related_admin, ShowroomScopedAdmin):
            return queryset.filter(**showroom_filter(related_admin.showroom_path, request.user.showroom_id))
        return queryset.none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None:
            field.queryset = self._choices_for(request, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None:
            field.queryset = self._choices_for(request, field.queryset)
        return field

    def get_list_filter(self, request):
        """Relation filters list only the values present in the user's rows (the stock filter lists every
        showroom's staff and districts)."""
        filters = super().get_list_filter(request)
        if sees_every_showroom(request.user):
            return filters
        return [self._scoped_list_filter(spec) for spec in filters]

    def _scoped_list_filter(self, spec):
        if isinstance(spec, str) and get_fields_from_path(self.model, spec)[-1].is_relation:
            return (spec, admin.RelatedOnlyFieldListFilter)
        return spec

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if self.showroom_path == "showroom" and not sees_every_showroom(request.user):
            initial.setdefault("showroom", request.user.showroom_id)
        return initial

    # --- what may be saved -------------------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        """A new row lands in the user's showroom; a row that would end up in another one is refused."""
        if not sees_every_showroom(request.user):
            if self.showroom_path == "showroom":
                obj.showroom_id = request.user.showroom_id
            if showroom_id_of(obj, self.showroom_path) != request.user.showroom_id:
                raise PermissionDenied
        super().save_model(request, obj, form, change)

    # --- phone numbers -----------------------------------------------------------------------------------
    def _masks_phones(self, request) -> bool:
        return bool(self.phone_fields) and not sees_full_phones(request.user)

    def _own_phone_fields(self) -> list[str]:
        return [name for name in self.phone_fields if "__" not in name]

    def _masked(self, name: str):
        """The column or read-only field showing `name` masked; None for a field that is not a plain number
        (a revision's JSON changes, say), which is left out altogether."""
        if not isinstance(self.model._meta.get_field(name), CharField):
            return None
        cache = self.__dict__.setdefault("_masked_fields", {})
        if name not in cache:

            @admin.display(description=self.model._meta.get_field(name).verbose_name)
            def masked(obj):
                return mask_phone(getattr(obj, name))

            masked.__name__ = f"masked_{name}"
            cache[name] = masked
        return cache[name]

    def _mask_names(self, names) -> list:
        phones = self._own_phone_fields()
        masked = [self._masked(name) if name in phones else name for name in names]
        return [name for name in masked if name is not None]

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        return self._mask_names(columns) if self._masks_phones(request) else columns

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if not self._masks_phones(request):
            return fields
        return [field for field in fields if field.lstrip("^=@") not in self.phone_fields]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return self._mask_names(fields) if self._masks_phones(request) else fields

    def get_exclude(self, request, obj=None):
        exclude = super().get_exclude(request, obj)
        if not self._masks_phones(request):
            return exclude
        return [*(exclude or []), *self._own_phone_fields()]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not self._masks_phones(request):
            return fields
        shown = self._mask_names(fields)
        return [*shown, *(m for m in map(self._masked, self._own_phone_fields()) if m and m not in shown)]


class _SuperuserWrites:
    """Only a superuser adds, changes and deletes."""

    def has_add_permission(self, request, *args):
        return sees_every_showroom(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return sees_every_showroom(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return sees_every_showroom(request.user) and super().has_delete_permission(request, obj)


class GlobalReferenceAdmin(_SuperuserWrites):
    """Mixin for dealer-group-wide reference data: superusers add, change and delete; showroom staff with the
    view permission read it (the car catalogue and the information sources are the same for every showroom,
    so no showroom's administrator changes them for the others)."""

    def has_view_permission(self, request, obj=None):
        # The stock rule also lets "change" imply "view"; here only the view permission itself does.
        user = request.user
        view = f"{self.opts.app_label}.view_{self.opts.model_name}"
        return sees_every_showroom(user) or (
            user.is_active and user.is_staff and user.showroom_id is not None and user.has_perm(view)
        )


class SuperuserOnlyAdmin(_SuperuserWrites):
    """Mixin for what no showroom owns: raw groups and permissions, login lockouts, the reminder runs."""

    def has_module_permission(self, request):
        return sees_every_showroom(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return sees_every_showroom(request.user) and super().has_view_permission(request, obj)
