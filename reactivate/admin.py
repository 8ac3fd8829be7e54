"""Django admin is for the people who run the installation (staff), not practice staff:
practice admins manage their practice through the practice pages, which are scoped."""

from functools import partial

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from reactivate.models import AuditEvent, Membership, Practice, User
from reactivate.practice_changes import time_zone_changed


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class ReactivateUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Calls", {"fields": ["phone"]}))


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "country"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "time_zone" in form.changed_data:
            # As from the practice settings page: figures kept in the old zone are
            # recomputed by the apps, off the request, once the change is committed.
            transaction.on_commit(partial(time_zone_changed, obj.pk))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "practice", "user", "action", "object_type", "object_id"]
    list_filter = ["action", "practice"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
