"""Django admin is for the people who run the installation (staff), not practice staff:
practice admins manage their practice through the practice pages, which are scoped."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from reactivate.models import AuditEvent, Membership, Practice, User


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
