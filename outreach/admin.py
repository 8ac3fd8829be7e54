from django.contrib import admin

from outreach.models import SenderProfile


@admin.register(SenderProfile)
class SenderProfileAdmin(admin.ModelAdmin):
    """A practice's Twilio numbers and Messaging Service (no patient data here)."""

    list_display = ("practice", "messaging_service_sid", "sms_number", "voice_number")
    search_fields = ("practice__name", "sms_number")
